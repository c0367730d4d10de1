public import DejaProviders

/// What a failed upstream call says about the provider, the one classification the executor's
/// health bookkeeping (and later its retries and breakers) decides on.
public enum FailureClass: Sendable, Hashable {
    /// The request itself was refused (400, 404, 413, 422, a request the provider cannot express,
    /// an unsupported operation): says nothing about the provider's health; never retried.
    case rejected
    /// The provider refused the gateway's credentials (401, 403): an operator problem that affects
    /// every request, so it counts against the provider; not retried.
    case credentials
    /// The provider is rate limiting (429).
    case rateLimited
    /// The provider failed or could not be reached: 408, 409, 5xx, 529, timeouts, connection
    /// failures, streams cut short, answers in the wrong format.
    case degraded

    public init(_ error: ProviderError) {
        if error.isTimeout || error.isConnectionFailure || error.isStreamInterrupted || error.isMalformedResponse {
            self = .degraded
        } else if error.isInvalidRequest || error.isUnsupported {
            self = .rejected
        } else {
            switch error.upstreamStatus ?? 502 {
            case 401, 403: self = .credentials
            case 429: self = .rateLimited
            case 408, 409, 500...: self = .degraded
            default: self = .rejected
            }
        }
    }

    /// Whether the failure counts against the provider's health.
    public var countsAgainstProvider: Bool { self != .rejected }
}
