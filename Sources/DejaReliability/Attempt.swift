public import DejaProviders

/// One call to one provider, as the executor made it.
public struct Attempt: Sendable {
    /// How the call ended.
    public enum Outcome: Sendable {
        case succeeded
        case failed(ProviderError)
    }

    /// The configured provider name.
    public let provider: String
    /// The upstream model ("" for a pass-through call, which names no model).
    public let model: String
    /// From sending the request to the answer (the whole body, or a stream's end).
    public let duration: Duration
    public let outcome: Outcome

    public init(provider: String, model: String, duration: Duration, outcome: Outcome) {
        self.provider = provider
        self.model = model
        self.duration = duration
        self.outcome = outcome
    }

    public var succeeded: Bool {
        if case .succeeded = outcome { return true }
        return false
    }
}

/// An answer and how it was obtained.
public struct Executed<Value: Sendable>: Sendable {
    /// The answer (a JSON body, a chunk stream, a relayed response).
    public let value: Value
    /// The candidate that answered.
    public let answeredBy: Candidate
    /// Every attempt made for this answer, in order; the last one is the answer's.
    public let attempts: [Attempt]
    /// Whether a candidate other than the plan's first answered.
    public let fallbackUsed: Bool
    /// The answering attempt's latency (for a stream: until the upstream accepted it).
    public let latency: Duration
}

/// Told about every finished attempt, retry and circuit change: where metrics and, later, traces
/// and cost accounting attach without the executor knowing about them.
public protocol UpstreamObserver: Sendable {
    func attemptFinished(_ attempt: Attempt)
    /// A retry of `provider` is about to wait `delay`.
    func retrying(provider: String, model: String, delay: Duration)
    /// A circuit changed state.
    func circuitChanged(provider: String, model: String, state: CircuitBreakers.State)
}

extension UpstreamObserver {
    public func retrying(provider: String, model: String, delay: Duration) {}
    public func circuitChanged(provider: String, model: String, state: CircuitBreakers.State) {}
}
