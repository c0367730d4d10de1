public import DejaProviders

/// What a failed upstream call says about the provider: the one classification that health,
/// retries, circuit breakers and fallback decide on.
public enum FailureClass: Sendable, Hashable {
    /// The request itself was refused (400, 404, 413, 422, a request the provider cannot express,
    /// an unsupported operation): says nothing about the provider; never retried, never sent to
    /// another candidate (it would be refused there too).
    case rejected
    /// The provider refused the gateway's credentials (401, 403): an operator problem that affects
    /// every request to that provider; not retried, but another candidate may answer.
    case credentials
    /// A 429 for this key or model: retried after its Retry-After, then another candidate.
    case rateLimited
    /// The provider says the whole account is out (an OpenAI 429 with no requests and no tokens
    /// left): opens the circuit at once.
    case rateLimitedGlobally
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
            case 429: self = error.rateLimitExhausted ? .rateLimitedGlobally : .rateLimited
            case 408, 409, 500...: self = .degraded
            default: self = .rejected
            }
        }
    }

    /// Whether the failure counts against the provider's health.
    public var countsAgainstProvider: Bool { self != .rejected }

    /// Whether another candidate may be asked after this failure.
    public var allowsFallback: Bool { self != .rejected }

    /// Whether the same candidate may be asked again: timeouts, connection failures, streams cut
    /// before their first byte, and 408, 409, 429, 500, 502, 503, 504, 529. Never a client error,
    /// a malformed answer or another 5xx (501, 505…), which would only fail the same way.
    public static func isTransient(_ error: ProviderError) -> Bool {
        if error.isTimeout || error.isConnectionFailure || error.isStreamInterrupted { return true }
        guard error.isUpstreamStatus, let status = error.upstreamStatus else { return false }
        return [408, 409, 429, 500, 502, 503, 504, 529].contains(status)
    }
}
