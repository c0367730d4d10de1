import Synchronization

/// What subscribers of an upstream call receive: stream chunks as they arrive (streaming calls
/// only), then exactly one terminal event.
public enum FlightEvent: Sendable {
    /// One `chat.completion.chunk` payload.
    case chunk([UInt8])
    /// The usage-only final chunk (`choices: []`), for subscribers that asked for usage.
    case usage([UInt8])
    /// The call finished; `completion` is the `chat.completion` JSON (assembled for streams).
    case completed(FlightOutcome)
    /// The call failed; every subscriber gets the same error.
    case failed(any Error)
}

/// A finished upstream call.
public struct FlightOutcome: Sendable {
    public var completion: [UInt8]
    public var latency: Duration

    public init(completion: [UInt8], latency: Duration) {
        self.completion = completion
        self.latency = latency
    }
}

/// The producing side of a flight, handed to the work closure.
public struct FlightPublisher: Sendable {
    let flight: Flight

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
public final class Coalescer: Sendable {
    private let flights = Mutex<[CacheKey: Flight]>([:])

    public init() {}

    /// Joins the flight for `key`, starting it with `work` when none is running. Returns the
    /// subscription and whether this caller started the call.
    public func join(key: CacheKey, work: @escaping @Sendable (FlightPublisher) async -> Void) -> (events: AsyncStream<FlightEvent>, leader: Bool) {
        let (flight, leader) = flights.withLock { flights -> (Flight, Bool) in
            if let existing = flights[key], existing.acceptsSubscribers { return (existing, false) }
            let flight = Flight(key: key, coalescer: self)
            flights[key] = flight
            return (flight, true)
        }
        let events = flight.subscribe()
        if leader { flight.start(work) }
        return (events, leader)
    }

    /// Runs `work` as a flight of its own that no other request can join (requests that skip the
    /// lookup still share the flight machinery for storing).
    public func solo(work: @escaping @Sendable (FlightPublisher) async -> Void) -> AsyncStream<FlightEvent> {
        let flight = Flight(key: CacheKey(a: 0, b: 0, c: 0, d: 0), coalescer: nil)
        let events = flight.subscribe()
        flight.start(work)
        return events
    }

    /// Number of calls in flight (tests, stats).
    public var inFlight: Int { flights.withLock { $0.count } }

    func finished(_ flight: Flight) {
        flights.withLock { flights in
            if flights[flight.key] === flight { flights[flight.key] = nil }
        }
    }
}

/// One shared upstream call: buffers what it has published so late joiners see every chunk.
final class Flight: Sendable {
    struct State {
        var chunks: [[UInt8]] = []
        var usage: [UInt8]?
        var terminal: FlightEvent?
        var subscribers: [Int: AsyncStream<FlightEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var task: Task<Void, Never>?
        var cancelled = false
    }

    let key: CacheKey
    private weak let coalescer: Coalescer?
    private let state = Mutex(State())

    init(key: CacheKey, coalescer: Coalescer?) {
        self.key = key
        self.coalescer = coalescer
    }

    var acceptsSubscribers: Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            switch state.terminal {
            case nil, .completed?: return true
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

    func subscribe() -> AsyncStream<FlightEvent> {
        let (stream, continuation) = AsyncStream<FlightEvent>.makeStream()
        let id = state.withLock { state -> Int in
            for chunk in state.chunks { continuation.yield(.chunk(chunk)) }
            if let usage = state.usage { continuation.yield(.usage(usage)) }
            if let terminal = state.terminal {
                continuation.yield(terminal)
                continuation.finish()
                return -1
            }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            return id
        }
        if id >= 0 {
            continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        let task = state.withLock { state -> Task<Void, Never>? in
            guard state.subscribers.removeValue(forKey: id) != nil else { return nil }
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
        case .chunk, .usage: isTerminal = false
        case .completed, .failed: isTerminal = true
        }
        let subscribers = state.withLock { state -> [AsyncStream<FlightEvent>.Continuation] in
            guard state.terminal == nil else { return [] }
            if case .chunk(let payload) = event { state.chunks.append(payload) }
            if case .usage(let payload) = event { state.usage = payload }
            if isTerminal {
                state.terminal = event
                let all = Array(state.subscribers.values)
                state.subscribers.removeAll()
                return all
            }
            return Array(state.subscribers.values)
        }
        for s in subscribers {
            s.yield(event)
            if isTerminal { s.finish() }
        }
        if case .failed = event { coalescer?.finished(self) }
    }
}
