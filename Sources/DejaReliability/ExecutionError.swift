public import DejaProviders

/// Why the executor returned no answer.
public enum ExecutionError: Error, Sendable {
    /// An upstream's own failure, to be relayed as it is: the request was refused (a client
    /// error, never retried or sent elsewhere), or the plan's only candidate failed after its
    /// retries (a single-provider setup keeps the upstream's own error class).
    case failed(ProviderError, attempts: [Attempt])
    /// The gateway gave up: every candidate failed or had its circuit open, or the request's
    /// deadline passed. This is the degraded signal (503, `provider_degraded`).
    case gaveUp(GaveUp)

    /// The attempts made before the executor stopped.
    public var attempts: [Attempt] {
        switch self {
        case .failed(_, let attempts): attempts
        case .gaveUp(let gaveUp): gaveUp.attempts
        }
    }
}

/// The facts of a give-up, for the client's error and the logs.
public struct GaveUp: Sendable {
    public enum Reason: String, Sendable {
        /// Every candidate was tried and failed (or its circuit was open).
        case exhausted
        /// Every candidate's circuit was open: nothing was sent.
        case allCircuitsOpen = "all_circuits_open"
        /// The request's deadline passed.
        case deadline
        /// A client asked for it (`X-Deja-Test-Mode: force_degraded`).
        case forced
    }

    public var reason: Reason
    /// The last upstream failure, when any call was made.
    public var lastError: ProviderError?
    public var attempts: [Attempt]
    /// When an open circuit next lets a probe through (the client's Retry-After).
    public var retryAfter: Duration?

    public init(reason: Reason, lastError: ProviderError?, attempts: [Attempt], retryAfter: Duration?) {
        self.reason = reason
        self.lastError = lastError
        self.attempts = attempts
        self.retryAfter = retryAfter
    }
}
