import Synchronization

/// A response kept for idempotent replay.
public struct StoredResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Bytes the response holds in the store: the body, and each header's name and value plus
    /// 32 bytes of string and tuple overhead.
    public var byteSize: Int {
        var size = body.count
        for (name, value) in headers { size += name.utf8.count + value.utf8.count + 32 }
        return size
    }
}

/// `X-Idempotency-Key` support: the first request with a key runs; until the key expires, a
/// repeat with the same body replays its response, a concurrent repeat waits for it, and a repeat
/// with a different body is a conflict. Only successful responses are kept: after a failure the
/// key is free again, so the client can retry.
///
/// Memory is bounded (`Limits`): every record costs its key's bytes plus `recordOverheadBytes`,
/// and a finished one also its response's `byteSize`. To make room for a new record the oldest
/// finished records are evicted (a replay becomes a fresh run); in-flight records are never
/// evicted. When in-flight records alone fill the count or byte budget, or too many requests are
/// already waiting, a claim is refused with `.overloaded` (nothing is recorded; the gateway
/// answers 503 with `Retry-After`). A response over `maxResponseBytes` is not kept: the key is
/// released as after a failure.
///
/// The owner of a key holds an `IdempotencyLease`, which completes the key exactly once and can
/// never complete a later owner's claim. Whoever owns a lease must end it on every path; the
/// gateway wraps it in a guard that releases the key when the guard is deallocated
/// (`Idempotency.swift`). A waiter stops waiting when its task is cancelled.
public final class IdempotencyStore: Sendable {
    /// The store's budgets.
    public struct Limits: Sendable, Equatable {
        /// Most bytes all records together may hold (responses, keys, per-record overhead).
        /// Default 64 MiB.
        public var maxBytes = 64 << 20
        /// Most records, finished and in flight. Default 100,000.
        public var maxRecords = 100_000
        /// Largest response body kept for replay; a larger one is not stored and its key is
        /// released (a retry runs afresh). Default 1 MiB.
        public var maxResponseBytes = 1 << 20
        /// Most requests waiting at once, over all keys, for the request that owns their key.
        /// Default 10,000.
        public var maxWaiters = 10_000

        public init() {}

        public init(maxBytes: Int = 64 << 20, maxRecords: Int = 100_000, maxResponseBytes: Int = 1 << 20, maxWaiters: Int = 10_000) {
            self.maxBytes = maxBytes
            self.maxRecords = maxRecords
            self.maxResponseBytes = maxResponseBytes
            self.maxWaiters = maxWaiters
        }

        /// The limits a cache configuration sets (`idempotencyMax…`).
        public init(_ configuration: CacheConfiguration) {
            self.init(
                maxBytes: configuration.idempotencyMaxBytes, maxRecords: configuration.idempotencyMaxRecords,
                maxResponseBytes: configuration.idempotencyMaxResponseBytes, maxWaiters: configuration.idempotencyMaxWaiters)
        }
    }

    /// Bytes counted per record besides its key and response (dictionary slot, recency links).
    public static let recordOverheadBytes = 128

    public enum Claim: Sendable {
        /// This request owns the key: run it, then complete the lease (or call `complete(key:)`).
        /// Until then the key stays in flight and repeats wait.
        case proceed(IdempotencyLease)
        /// A stored response to replay.
        case replay(StoredResponse)
        /// The key was used with a different body.
        case conflict
        /// Refused, nothing recorded: in-flight records alone fill the store's budget, or too many
        /// requests already wait. Retry later.
        case overloaded
        /// The caller's task was cancelled while it waited for the key's owner.
        case cancelled
    }

    /// Counters since the store was made (tests, diagnostics).
    public struct Statistics: Sendable, Equatable {
        /// Finished records evicted to make room.
        public var evictions = 0
        /// Responses not kept because they exceeded `maxResponseBytes`.
        public var oversizeResponses = 0
        /// Responses not kept because in-flight records left no room for them.
        public var unstoredResponses = 0
        /// Claims refused with `.overloaded`.
        public var refusals = 0
    }

    private struct Record {
        var body: CacheKey
        /// What the record counts against `maxBytes`.
        var bytes: Int
        var phase: Phase
    }

    private enum Phase {
        /// `lease` identifies the owner; its waiters are in `State.waiting[lease]`.
        case inFlight(lease: UInt64)
        /// `order` is the record's id in `State.finished`.
        case done(response: StoredResponse, expiresAt: Double, order: UInt64)
    }

    private struct State {
        var records: [String: Record] = [:]
        /// Finished records, oldest at the tail.
        var finished = LRUList()
        var finishedKeys: [UInt64: String] = [:]
        /// Waiters by the lease they wait on, each by its own id.
        var waiting: [UInt64: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var waiterCount = 0
        var inFlight = 0
        var bytes = 0
        var nextID: UInt64 = 1
        var statistics = Statistics()

        mutating func makeID() -> UInt64 {
            defer { nextID &+= 1 }
            return nextID
        }
    }

    private let state = Mutex(State())
    public let ttlSeconds: Double
    public let limits: Limits

    /// - Parameters:
    ///   - ttlSeconds: how long a finished response replays.
    ///   - limits: the budgets (defaults documented on `Limits`).
    public init(ttlSeconds: Double, limits: Limits = Limits()) {
        self.ttlSeconds = ttlSeconds
        self.limits = limits
    }

    /// The store a cache configuration describes (TTL and `idempotencyMax…` budgets).
    public convenience init(configuration: CacheConfiguration) {
        self.init(ttlSeconds: configuration.idempotencyTTLSeconds, limits: Limits(configuration))
    }

    /// Bytes held now (records' keys, responses and overhead).
    public var byteCount: Int { state.withLock { $0.bytes } }
    /// Records held now, finished and in flight.
    public var recordCount: Int { state.withLock { $0.records.count } }
    /// Records whose request is still running.
    public var inFlightCount: Int { state.withLock { $0.inFlight } }
    /// Requests waiting for a key's owner now.
    public var waiterCount: Int { state.withLock { $0.waiterCount } }
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Claims `key` for a request whose body hashes to `body`, waiting while another request
    /// with the key is running (until it finishes, or this task is cancelled).
    public func claim(key: String, body: CacheKey, now: Double = wallClockSeconds()) async -> Claim {
        while true {
            enum Step {
                case done(Claim)
                case own(UInt64)
                case wait(lease: UInt64, waiter: UInt64)
            }
            let step = state.withLock { state -> Step in
                if let record = state.records[key] {
                    switch record.phase {
                    case .done(let response, let expiresAt, _):
                        if expiresAt > now { return .done(record.body == body ? .replay(response) : .conflict) }
                        removeLocked(key, from: &state)
                    case .inFlight(let lease):
                        guard record.body == body else { return .done(.conflict) }
                        guard state.waiterCount < limits.maxWaiters else {
                            state.statistics.refusals += 1
                            return .done(.overloaded)
                        }
                        // The slot is taken now; `wait` gives it back however the wait ends.
                        state.waiterCount += 1
                        return .wait(lease: lease, waiter: state.makeID())
                    }
                }
                let bytes = key.utf8.count + Self.recordOverheadBytes
                guard makeRoomLocked(for: bytes, in: &state) else {
                    state.statistics.refusals += 1
                    return .done(.overloaded)
                }
                let lease = state.makeID()
                state.records[key] = Record(body: body, bytes: bytes, phase: .inFlight(lease: lease))
                state.bytes += bytes
                state.inFlight += 1
                return .own(lease)
            }
            switch step {
            case .done(let claim): return claim
            case .own(let lease): return .proceed(IdempotencyLease(store: self, key: key, lease: lease))
            case .wait(let lease, let waiter):
                await wait(key: key, lease: lease, waiter: waiter)
                if Task.isCancelled { return .cancelled }
            }
        }
    }

    /// Parks until the owner of `lease` finishes or this task is cancelled.
    private func wait(key: String, lease: UInt64, waiter: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    // Cancellation is checked under the lock, so it either is seen here or the
                    // cancellation handler (which takes the lock after the flag is set) finds
                    // the registered continuation.
                    guard !Task.isCancelled, case .inFlight(lease)? = state.records[key]?.phase else {
                        state.waiterCount -= 1
                        return true
                    }
                    state.waiting[lease, default: [:]][waiter] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let continuation = state.waiting[lease]?.removeValue(forKey: waiter) else { return nil }
                if state.waiting[lease]?.isEmpty == true { state.waiting[lease] = nil }
                state.waiterCount -= 1
                return continuation
            }
            continuation?.resume()
        }
    }

    /// Finishes the request that owns `key`, whoever holds its lease: keeps `response` (nil
    /// releases the key) and wakes the waiters. Prefer `IdempotencyLease.complete`, which cannot
    /// finish a later owner's claim by mistake.
    public func complete(key: String, response: StoredResponse?, now: Double = wallClockSeconds()) {
        let lease = state.withLock { state -> UInt64? in
            guard case .inFlight(let lease)? = state.records[key]?.phase else { return nil }
            return lease
        }
        if let lease { finish(key: key, lease: lease, response: response, now: now) }
    }

    /// Finishes the claim `lease` on `key` (no effect when that claim is no longer in flight).
    /// Returns whether `response` was kept.
    @discardableResult
    func finish(key: String, lease: UInt64, response: StoredResponse?, now: Double, oversize: Bool = false) -> Bool {
        let (waiters, kept) = state.withLock { state -> ([CheckedContinuation<Void, Never>], Bool) in
            guard let record = state.records[key], case .inFlight(lease) = record.phase else { return ([], false) }
            if oversize { state.statistics.oversizeResponses += 1 }
            state.records[key] = nil
            state.bytes -= record.bytes
            state.inFlight -= 1
            let waiters = state.waiting.removeValue(forKey: lease) ?? [:]
            state.waiterCount -= waiters.count
            var kept = false
            if let response {
                if response.body.count > limits.maxResponseBytes {
                    state.statistics.oversizeResponses += 1
                } else {
                    let bytes = key.utf8.count + Self.recordOverheadBytes + response.byteSize
                    if makeRoomLocked(for: bytes, in: &state) {
                        let order = state.makeID()
                        state.records[key] = Record(body: record.body, bytes: bytes, phase: .done(response: response, expiresAt: now + ttlSeconds, order: order))
                        state.finished.insertAtHead(order)
                        state.finishedKeys[order] = key
                        state.bytes += bytes
                        kept = true
                    } else {
                        state.statistics.unstoredResponses += 1
                    }
                }
            }
            return (Array(waiters.values), kept)
        }
        for waiter in waiters { waiter.resume() }
        return kept
    }

    /// Drops expired records; returns how many.
    @discardableResult
    public func sweep(now: Double = wallClockSeconds()) -> Int {
        state.withLock { state in
            var expired: [String] = []
            for (key, record) in state.records {
                if case .done(_, let expiresAt, _) = record.phase, expiresAt <= now { expired.append(key) }
            }
            for key in expired { removeLocked(key, from: &state) }
            return expired.count
        }
    }

    /// Evicts the oldest finished records until a record of `bytes` fits the count and byte
    /// budgets; false (nothing more to evict) when in-flight records alone leave no room.
    private func makeRoomLocked(for bytes: Int, in state: inout State) -> Bool {
        while state.records.count + 1 > limits.maxRecords || state.bytes + bytes > limits.maxBytes {
            guard let oldest = state.finished.tail, let key = state.finishedKeys[oldest] else { return false }
            removeLocked(key, from: &state)
            state.statistics.evictions += 1
        }
        return true
    }

    /// Removes a finished record (in-flight records are only ever removed by `finish`).
    private func removeLocked(_ key: String, from state: inout State) {
        guard let record = state.records[key], case .done(_, _, let order) = record.phase else { return }
        state.records[key] = nil
        state.bytes -= record.bytes
        state.finished.remove(order)
        state.finishedKeys[order] = nil
    }
}

/// Ownership of an idempotency key while its request runs. Completing it (`complete`, `release`
/// or `releaseOversize`) finishes the key once; later calls do nothing, and a lease whose claim
/// was already finished (by `IdempotencyStore.complete(key:)`) cannot touch a later owner's claim.
/// Dropping a lease does not release the key: wrap it in a guard that does (the gateway's
/// `IdempotencyKeyGuard`) where a path might lose it.
public final class IdempotencyLease: Sendable {
    let store: IdempotencyStore
    public let key: String
    let lease: UInt64
    private let finished = Atomic<Bool>(false)

    init(store: IdempotencyStore, key: String, lease: UInt64) {
        self.store = store
        self.key = key
        self.lease = lease
    }

    /// Keeps `response` for replay (nil, or a response over the store's cap, releases the key)
    /// and wakes the waiters. Returns whether the response was kept; false also when the lease was
    /// already completed.
    @discardableResult
    public func complete(_ response: StoredResponse?, now: Double = wallClockSeconds()) -> Bool {
        guard finished.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return false }
        return store.finish(key: key, lease: lease, response: response, now: now)
    }

    /// Frees the key without keeping a response: the next request with it runs afresh.
    public func release() { complete(nil) }

    /// Frees the key because the response outgrew `maxResponseBytes` before it was complete (the
    /// caller stopped copying it); counted like an oversize `complete`.
    public func releaseOversize() {
        guard finished.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        store.finish(key: key, lease: lease, response: nil, now: 0, oversize: true)
    }

    /// Whether `complete` or `release` ran.
    public var isCompleted: Bool { finished.load(ordering: .acquiring) }
}
