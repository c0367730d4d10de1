import Synchronization
import DejaWire

/// What subscribers of an upstream call receive: stream chunks as they arrive (streaming calls
/// only), then exactly one terminal event.
public enum FlightEvent: Sendable {
    /// Who is answering (published once, before the first chunk or the completion; replayed to
    /// late joiners first).
    case origin(FlightOrigin)
    /// One `chat.completion.chunk` payload.
    case chunk([UInt8])
    /// The usage-only final chunk (`choices: []`), for subscribers that asked for usage.
    case usage([UInt8])
    /// The call finished; `completion` is the `chat.completion` JSON (assembled for streams).
    case completed(FlightOutcome)
    /// The call failed; every subscriber gets the same error.
    case failed(any Error)
}

/// Who answered a flight's upstream call, as its subscribers report it.
public struct FlightOrigin: Sendable, Hashable {
    public var provider: String
    public var model: String
    /// Upstream calls made, retries and fallbacks included.
    public var attempts: Int
    /// Whether a candidate other than the plan's first answered.
    public var fallbackUsed: Bool

    public init(provider: String, model: String, attempts: Int, fallbackUsed: Bool) {
        self.provider = provider
        self.model = model
        self.attempts = attempts
        self.fallbackUsed = fallbackUsed
    }
}

/// A finished upstream call.
public struct FlightOutcome: Sendable {
    public var completion: [UInt8]
    public var latency: Duration
    /// The completion's `usage` object, as the provider reported it (nil when it sent none).
    public var usage: JSONValue?

    public init(completion: [UInt8], latency: Duration, usage: JSONValue? = nil) {
        self.completion = completion
        self.latency = latency
        self.usage = usage
    }
}

/// The producing side of a flight, handed to the work closure.
public struct FlightPublisher: Sendable {
    let flight: Flight

    public func origin(_ origin: FlightOrigin) { flight.publish(.origin(origin)) }
    public func chunk(_ payload: [UInt8]) { flight.publish(.chunk(payload)) }
    public func usage(_ payload: [UInt8]) { flight.publish(.usage(payload)) }
    /// Publishes the answer. The flight stays joinable (late identical requests get the answer)
    /// until `retire()`, so the work can store the answer after the subscribers have it without
    /// leaving a window in which a new request finds neither the flight nor the cache entry.
    public func complete(_ outcome: FlightOutcome) { flight.publish(.completed(outcome)) }
    public func fail(_ error: any Error) { flight.publish(.failed(error)) }
    /// Ends the flight's life in the coalescer (after the answer was stored, or on failure).
    public func retire() { flight.retire() }
}

/// Request coalescing: identical requests (same exact key) in flight together share one upstream
/// call. The call runs in its own task, so a subscriber that disconnects — leader or follower —
/// never cancels it for the others; it is cancelled only when every subscriber has gone.
///
/// Bounds (`Limits`), so that a herd of identical requests holds bounded memory:
/// - a flight takes at most `maxFollowersPerFlight` followers while it runs; the next identical
///   request starts a new call, which becomes the one later requests join (so N requests make at
///   most ⌈N / (maxFollowersPerFlight + 1)⌉ calls);
/// - at most `maxFollowers` followers over all flights; a request beyond that runs its own call
///   that nobody joins. Running alone is always safe — it is what the request would do without
///   coalescing — and the server's connection limit bounds how many do;
/// - a flight keeps at most `maxBufferedBytes` of stream chunks for late joiners. Past that it
///   drops the buffer and takes no new subscribers while it runs (they would miss chunks; an
///   identical request starts its own call instead); once it has finished, joiners get only the
///   assembled answer, which the gateway replays as a stream when the client asked for one.
public final class Coalescer: Sendable {
    /// The coalescer's bounds.
    public struct Limits: Sendable, Equatable {
        /// Followers one running flight accepts (the request that started it not counted).
        /// Default 1,024.
        public var maxFollowersPerFlight = 1024
        /// Followers over all flights. Default 16,384.
        public var maxFollowers = 16_384
        /// Stream chunk bytes (chunks and the usage chunk) a flight buffers for late joiners.
        /// Default 4 MiB.
        public var maxBufferedBytes = 4 << 20

        public init() {}

        public init(maxFollowersPerFlight: Int = 1024, maxFollowers: Int = 16_384, maxBufferedBytes: Int = 4 << 20) {
            self.maxFollowersPerFlight = maxFollowersPerFlight
            self.maxFollowers = maxFollowers
            self.maxBufferedBytes = maxBufferedBytes
        }

        /// The limits a cache configuration sets (`coalescing…`).
        public init(_ configuration: CacheConfiguration) {
            self.init(
                maxFollowersPerFlight: configuration.coalescingMaxFollowersPerFlight, maxFollowers: configuration.coalescingMaxFollowers,
                maxBufferedBytes: configuration.coalescingMaxBufferedBytes)
        }
    }

    private let flights = Mutex<[CacheKey: Flight]>([:])
    private let followerCount = Atomic<Int>(0)
    private let soloFallbackCount = Atomic<Int>(0)
    public let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Joins the flight for `key`, starting it with `work` when none is running (or the running
    /// one is full, see the type's comment). Returns the subscription and whether this caller
    /// started a call.
    public func join(key: CacheKey, work: @escaping @Sendable (FlightPublisher) async -> Void) -> (events: AsyncStream<FlightEvent>, leader: Bool) {
        enum Joined {
            case follower(AsyncStream<FlightEvent>)
            case leader(Flight, AsyncStream<FlightEvent>)
            case solo
        }
        let joined = flights.withLock { flights -> Joined in
            if let existing = flights[key] {
                // Checked and taken under the lock (joins are serialised by it; leaving only
                // lowers the count), so the bound holds exactly.
                if followerCount.load(ordering: .relaxed) >= limits.maxFollowers, existing.acceptsSubscribers { return .solo }
                followerCount.add(1, ordering: .relaxed)
                if let events = existing.subscribeFollower(limits: limits, onEnd: { [weak self] in self?.followerLeft() }) {
                    return .follower(events)
                }
                followerCount.subtract(1, ordering: .relaxed)
            }
            let flight = Flight(key: key, coalescer: self, maxBufferedBytes: limits.maxBufferedBytes)
            // Subscribed before the flight is visible: a follower that joins and leaves at once
            // cannot leave it subscriber-less (and cancelled) before its leader is in.
            let events = flight.subscribe()
            flights[key] = flight
            return .leader(flight, events)
        }
        switch joined {
        case .follower(let events):
            return (events, false)
        case .leader(let flight, let events):
            flight.start(work)
            return (events, true)
        case .solo:
            soloFallbackCount.add(1, ordering: .relaxed)
            return (solo(work: work), true)
        }
    }

    /// Runs `work` as a flight of its own that no other request can join (requests that skip the
    /// lookup still share the flight machinery for storing).
    public func solo(work: @escaping @Sendable (FlightPublisher) async -> Void) -> AsyncStream<FlightEvent> {
        let flight = Flight(key: CacheKey(a: 0, b: 0, c: 0, d: 0), coalescer: nil, maxBufferedBytes: limits.maxBufferedBytes)
        let events = flight.subscribe()
        flight.start(work)
        return events
    }

    /// Number of calls in flight (tests, stats).
    public var inFlight: Int { flights.withLock { $0.count } }

    /// Followers subscribed to running flights now.
    public var followers: Int { followerCount.load(ordering: .relaxed) }

    /// Requests that ran alone because `maxFollowers` was reached.
    public var soloFallbacks: Int { soloFallbackCount.load(ordering: .relaxed) }

    private func followerLeft() { followerCount.subtract(1, ordering: .relaxed) }

    func finished(_ flight: Flight) {
        flights.withLock { flights in
            if flights[flight.key] === flight { flights[flight.key] = nil }
        }
    }
}

/// One shared upstream call: buffers what it has published (up to `maxBufferedBytes`) so late
/// joiners see every chunk.
final class Flight: Sendable {
    struct Subscriber {
        let continuation: AsyncStream<FlightEvent>.Continuation
        let follower: Bool
    }

    struct State {
        var origin: FlightOrigin?
        var chunks: [[UInt8]] = []
        var usage: [UInt8]?
        var bufferedBytes = 0
        /// The buffer outgrew `maxBufferedBytes` and was dropped.
        var overflowed = false
        var terminal: FlightEvent?
        var subscribers: [Int: Subscriber] = [:]
        var followers = 0
        var task: Task<Void, Never>?
        var cancelled = false
    }

    let key: CacheKey
    let maxBufferedBytes: Int
    private weak let coalescer: Coalescer?
    private let state = Mutex(State())
    private let nextSubscriber = Atomic<Int>(0)

    init(key: CacheKey, coalescer: Coalescer?, maxBufferedBytes: Int = .max) {
        self.key = key
        self.coalescer = coalescer
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// Whether a new subscriber would get the whole answer: the call runs and its buffer is
    /// intact, or it has completed.
    var acceptsSubscribers: Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            switch state.terminal {
            case nil: return !state.overflowed
            case .completed?: return true
            default: return false
            }
        }
    }

    func retire() { coalescer?.finished(self) }

    func start(_ work: @escaping @Sendable (FlightPublisher) async -> Void) {
        let publisher = FlightPublisher(flight: self)
        let task = Task { await work(publisher) }
        let cancelNow = state.withLock { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelNow { task.cancel() }
    }

    /// The subscription of the request that started the flight.
    func subscribe() -> AsyncStream<FlightEvent> {
        // A fresh flight accepts its first subscriber; a cancelled one (impossible before
        // `start`) still yields a finished stream.
        subscribe(follower: false, maxFollowers: .max, onEnd: nil) ?? AsyncStream { $0.finish() }
    }

    /// A follower's subscription, or nil when the flight takes no more: it failed or was
    /// cancelled, its buffer overflowed while it runs, or it has `maxFollowersPerFlight`
    /// followers. `onEnd` runs once when an accepted subscription ends (however it ends).
    func subscribeFollower(limits: Coalescer.Limits, onEnd: @escaping @Sendable () -> Void) -> AsyncStream<FlightEvent>? {
        subscribe(follower: true, maxFollowers: limits.maxFollowersPerFlight, onEnd: onEnd)
    }

    private func subscribe(follower: Bool, maxFollowers: Int, onEnd: (@Sendable () -> Void)?) -> AsyncStream<FlightEvent>? {
        let (stream, continuation) = AsyncStream<FlightEvent>.makeStream()
        let id = nextSubscriber.add(1, ordering: .relaxed).oldValue
        // Set before the subscription is visible, so a terminal event published from another
        // thread right after registration cannot finish the stream without running it.
        continuation.onTermination = { [weak self] _ in
            self?.unsubscribe(id)
            onEnd?()
        }
        enum Outcome {
            case refused
            case registered
            case finished(origin: FlightOrigin?, chunks: [[UInt8]], usage: [UInt8]?, terminal: FlightEvent)
        }
        let outcome = state.withLock { state -> Outcome in
            guard !state.cancelled else { return .refused }
            switch state.terminal {
            case .completed?:
                return .finished(origin: state.origin, chunks: state.chunks, usage: state.usage, terminal: state.terminal!)
            case .failed?:
                return .refused
            case .origin?, .chunk?, .usage?, nil:
                guard !state.overflowed, !follower || state.followers < maxFollowers else { return .refused }
                // Yielded under the lock: a chunk published after registration is yielded after
                // these (publish yields once it has released the lock).
                if let origin = state.origin { continuation.yield(.origin(origin)) }
                for chunk in state.chunks { continuation.yield(.chunk(chunk)) }
                if let usage = state.usage { continuation.yield(.usage(usage)) }
                state.subscribers[id] = Subscriber(continuation: continuation, follower: follower)
                if follower { state.followers += 1 }
                return .registered
            }
        }
        switch outcome {
        case .refused:
            continuation.onTermination = nil
            continuation.finish()
            return nil
        case .registered:
            return stream
        case .finished(let origin, let chunks, let usage, let terminal):
            // Nothing more will be published; finishing runs `onTermination` outside the lock.
            if let origin { continuation.yield(.origin(origin)) }
            for chunk in chunks { continuation.yield(.chunk(chunk)) }
            if let usage { continuation.yield(.usage(usage)) }
            continuation.yield(terminal)
            continuation.finish()
            return stream
        }
    }

    private func unsubscribe(_ id: Int) {
        let task = state.withLock { state -> Task<Void, Never>? in
            guard let subscriber = state.subscribers.removeValue(forKey: id) else { return nil }
            if subscriber.follower { state.followers -= 1 }
            guard state.subscribers.isEmpty, state.terminal == nil else { return nil }
            // The last subscriber left before the answer: nobody needs the call any more.
            state.cancelled = true
            return state.task
        }
        if let task {
            task.cancel()
            coalescer?.finished(self)
        }
    }

    func publish(_ event: FlightEvent) {
        let isTerminal: Bool
        switch event {
        case .origin, .chunk, .usage: isTerminal = false
        case .completed, .failed: isTerminal = true
        }
        let maxBufferedBytes = self.maxBufferedBytes
        let subscribers = state.withLock { state -> [AsyncStream<FlightEvent>.Continuation] in
            guard state.terminal == nil else { return [] }
            switch event {
            case .origin(let origin):
                state.origin = origin
            case .chunk(let payload) where !state.overflowed:
                if state.bufferedBytes + payload.count > maxBufferedBytes {
                    Self.dropBuffer(&state)
                } else {
                    state.chunks.append(payload)
                    state.bufferedBytes += payload.count
                }
            case .usage(let payload) where !state.overflowed:
                let grown = state.bufferedBytes - (state.usage?.count ?? 0) + payload.count
                if grown > maxBufferedBytes {
                    Self.dropBuffer(&state)
                } else {
                    state.usage = payload
                    state.bufferedBytes = grown
                }
            default:
                break
            }
            let all = state.subscribers.values.map(\.continuation)
            if isTerminal {
                state.terminal = event
                state.subscribers.removeAll()
                state.followers = 0
            }
            return all
        }
        for s in subscribers {
            s.yield(event)
            if isTerminal { s.finish() }
        }
        if case .failed = event { coalescer?.finished(self) }
    }

    /// Forgets the buffered chunks: late joiners can no longer be given the whole stream.
    private static func dropBuffer(_ state: inout State) {
        state.overflowed = true
        state.chunks = []
        state.usage = nil
        state.bufferedBytes = 0
    }
}
