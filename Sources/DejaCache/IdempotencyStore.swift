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
}

/// `X-Idempotency-Key` support: the first request with a key runs; until the key expires, a
/// repeat with the same body replays its response, a concurrent repeat waits for it, and a repeat
/// with a different body is a conflict. Only successful responses are kept: after a failure the
/// key is free again, so the client can retry.
public final class IdempotencyStore: Sendable {
    public enum Claim: Sendable {
        /// This request owns the key: run it, then call `complete`.
        case proceed
        /// A stored response to replay.
        case replay(StoredResponse)
        /// The key was used with a different body.
        case conflict
    }

    private enum Record {
        case inFlight(body: CacheKey, waiters: [CheckedContinuation<Void, Never>])
        case done(body: CacheKey, response: StoredResponse, expiresAt: Double)
    }

    private let records = Mutex<[String: Record]>([:])
    public let ttlSeconds: Double

    public init(ttlSeconds: Double) {
        self.ttlSeconds = ttlSeconds
    }

    /// Claims `key` for a request whose body hashes to `body`, waiting while another request
    /// with the key is running.
    public func claim(key: String, body: CacheKey, now: Double = wallClockSeconds()) async -> Claim {
        while true {
            enum Step { case claim(Claim), wait }
            let step = records.withLock { records -> Step in
                switch records[key] {
                case nil:
                    records[key] = .inFlight(body: body, waiters: [])
                    return .claim(.proceed)
                case .done(let stored, let response, let expiresAt)?:
                    if expiresAt <= now {
                        records[key] = .inFlight(body: body, waiters: [])
                        return .claim(.proceed)
                    }
                    return .claim(stored == body ? .replay(response) : .conflict)
                case .inFlight(let stored, _)?:
                    return stored == body ? .wait : .claim(.conflict)
                }
            }
            switch step {
            case .claim(let claim): return claim
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = records.withLock { records -> Bool in
                        guard case .inFlight(let stored, var waiters)? = records[key] else { return true }
                        waiters.append(continuation)
                        records[key] = .inFlight(body: stored, waiters: waiters)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Finishes the request that owns `key`: keeps `response` (nil releases the key) and wakes
    /// the waiters.
    public func complete(key: String, response: StoredResponse?, now: Double = wallClockSeconds()) {
        let waiters = records.withLock { records -> [CheckedContinuation<Void, Never>] in
            guard case .inFlight(let body, let waiters)? = records[key] else { return [] }
            if let response {
                records[key] = .done(body: body, response: response, expiresAt: now + ttlSeconds)
            } else {
                records[key] = nil
            }
            return waiters
        }
        for w in waiters { w.resume() }
    }

    /// Drops expired records; returns how many.
    @discardableResult
    public func sweep(now: Double = wallClockSeconds()) -> Int {
        records.withLock { records in
            let expired = records.filter { if case .done(_, _, let e) = $0.value { return e <= now } else { return false } }.map(\.key)
            for k in expired { records[k] = nil }
            return expired.count
        }
    }
}
