import DejaProviders
import Hummingbird
import HTTPTypes

extension ProviderError {
    /// The client-facing error for an upstream failure (DESIGN.md's error contract):
    /// upstream 401/403 → 502 with the provider's message; 429 → 429 with Retry-After; 400/404/413/422
    /// → the same status (the request itself was refused); 503/529 → 503 `upstream_unavailable`
    /// (an upstream's own overload, relayed; the gateway's `provider_degraded` is only its own
    /// give-up, see `UpstreamErrorRenderer`); other 5xx and connection failures → 502; timeout → 504.
    var gatewayError: GatewayError {
        if isTimeout {
            return GatewayError(status: .gatewayTimeout, message: message, type: "upstream_error", code: "upstream_timeout")
        }
        if isConnectionFailure || isStreamInterrupted || isMalformedResponse {
            return GatewayError(status: .badGateway, message: message, type: "upstream_error", code: "upstream_unavailable")
        }
        if isInvalidRequest {
            return GatewayError(status: .badRequest, message: message, type: "invalid_request_error")
        }
        if isUnsupported {
            return GatewayError(status: .badRequest, message: message, type: "invalid_request_error", code: "unsupported_operation")
        }
        let status = upstreamStatus ?? 502
        let detail = "\(provider): \(message)"
        switch status {
        case 401, 403:
            return GatewayError(
                status: .badGateway, message: "The upstream provider rejected the gateway's credentials (HTTP \(status)): \(detail)",
                type: "upstream_error", code: "upstream_auth_error")
        case 429:
            var headers = HTTPFields()
            headers[.retryAfter] = retryAfter ?? "1"
            return GatewayError(
                status: .tooManyRequests, message: detail, type: "rate_limit_error", code: upstreamCode ?? "upstream_rate_limited",
                headers: headers)
        case 400, 404, 409, 413, 422:
            return GatewayError(
                status: HTTPResponse.Status(code: status), message: detail, type: upstreamType ?? "invalid_request_error",
                code: upstreamCode)
        case 503, 529:
            var headers = HTTPFields()
            if let retryAfter { headers[.retryAfter] = retryAfter }
            return GatewayError(
                status: .serviceUnavailable, message: "The upstream provider is overloaded or unavailable (HTTP \(status)): \(detail)",
                type: "upstream_error", code: "upstream_unavailable", headers: headers)
        default:
            return GatewayError(
                status: .badGateway, message: "The upstream provider failed (HTTP \(status)): \(detail)", type: "upstream_error",
                code: "upstream_error")
        }
    }
}
