/// Why an upstream call failed. One error type for every adapter, so the gateway maps failures to
/// HTTP in one place; context (provider, upstream status and message) travels in stored properties.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case upstreamStatus
        case timeout
        case connectionFailed
        case malformedResponse
        case streamInterrupted
        case invalidRequest
        case unsupported
        case responseTooLarge
    }

    private let code: Code
    /// The configured provider name (e.g. "openai", "sim").
    public var provider: String
    /// The HTTP status the upstream answered with, for `upstreamStatus`.
    public var upstreamStatus: Int?
    /// The upstream's own error message, preserved for the client.
    public var message: String
    /// The upstream's error type/code strings when it sent them.
    public var upstreamType: String?
    public var upstreamCode: String?
    /// The upstream's Retry-After header value (seconds or an HTTP date), when it sent one.
    public var retryAfter: String?
    /// The upstream said the whole account is out of quota, not just this request: an OpenAI-style
    /// 429 with both `x-ratelimit-remaining-requests` and `x-ratelimit-remaining-tokens` at 0.
    public var rateLimitExhausted = false

    private init(
        _ code: Code, provider: String, message: String, upstreamStatus: Int? = nil, upstreamType: String? = nil,
        upstreamCode: String? = nil, retryAfter: String? = nil
    ) {
        self.code = code
        self.provider = provider
        self.message = message
        self.upstreamStatus = upstreamStatus
        self.upstreamType = upstreamType
        self.upstreamCode = upstreamCode
        self.retryAfter = retryAfter
    }

    /// The upstream answered with a non-success status.
    public static func upstreamStatus(
        _ status: Int, provider: String, message: String, type: String? = nil, code: String? = nil, retryAfter: String? = nil
    ) -> ProviderError {
        ProviderError(
            .upstreamStatus, provider: provider, message: message, upstreamStatus: status, upstreamType: type,
            upstreamCode: code, retryAfter: retryAfter)
    }
    /// The upstream did not answer within the configured time.
    public static func timeout(provider: String) -> ProviderError {
        ProviderError(.timeout, provider: provider, message: "The upstream provider '\(provider)' did not answer in time")
    }
    /// The upstream could not be reached or closed the connection without an answer.
    public static func connectionFailed(provider: String, detail: String) -> ProviderError {
        ProviderError(.connectionFailed, provider: provider, message: "Could not reach the upstream provider '\(provider)': \(detail)")
    }
    /// The upstream answered with a body that is not the expected wire format.
    public static func malformedResponse(provider: String, detail: String) -> ProviderError {
        ProviderError(.malformedResponse, provider: provider, message: "The upstream provider '\(provider)' sent a malformed response: \(detail)")
    }
    /// A stream ended before its terminator.
    public static func streamInterrupted(provider: String, detail: String) -> ProviderError {
        ProviderError(.streamInterrupted, provider: provider, message: "The upstream stream from '\(provider)' was interrupted: \(detail)")
    }
    /// The request cannot be expressed in this provider's API.
    public static func invalidRequest(provider: String, message: String) -> ProviderError {
        ProviderError(.invalidRequest, provider: provider, message: message)
    }
    /// The provider does not offer this operation (e.g. embeddings).
    public static func unsupported(provider: String, operation: String) -> ProviderError {
        ProviderError(.unsupported, provider: provider, message: "The provider '\(provider)' does not support \(operation)")
    }
    /// The upstream body exceeded the configured limit.
    public static func responseTooLarge(provider: String, limit: Int) -> ProviderError {
        ProviderError(.responseTooLarge, provider: provider, message: "The upstream response from '\(provider)' exceeded \(limit) bytes")
    }

    public var isUpstreamStatus: Bool { code == .upstreamStatus }
    public var isTimeout: Bool { code == .timeout }
    public var isConnectionFailure: Bool { code == .connectionFailed }
    public var isMalformedResponse: Bool { code == .malformedResponse || code == .responseTooLarge }
    public var isStreamInterrupted: Bool { code == .streamInterrupted }
    public var isInvalidRequest: Bool { code == .invalidRequest }
    public var isUnsupported: Bool { code == .unsupported }

    /// Whether another attempt (or another provider) might succeed: timeouts, connection failures,
    /// 408/409/429/5xx and Anthropic's 529.
    public var isRetryable: Bool {
        switch code {
        case .timeout, .connectionFailed, .streamInterrupted: return true
        case .upstreamStatus:
            guard let s = upstreamStatus else { return false }
            return s == 408 || s == 409 || s == 429 || s >= 500
        default: return false
        }
    }

    public var description: String {
        if let upstreamStatus { return "ProviderError(\(provider), upstream \(upstreamStatus)): \(message)" }
        return "ProviderError(\(provider)): \(message)"
    }
}
