/// Why an upstream exchange failed before a complete response arrived.
public enum UpstreamClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL cannot be used (the message says why).
    case invalidURL(String)
    /// No connection could be made: refused, unreachable, name not resolved, TLS handshake failed.
    case connectFailed(String)
    /// Connecting took longer than the connect timeout.
    case connectTimeout
    /// The upstream sent nothing for longer than the request's timeout.
    case readTimeout
    /// The upstream closed or reset the connection before the response was complete.
    case connectionClosed
    /// The upstream's bytes are not valid HTTP/1.1.
    case protocolError(String)
    /// The caller cancelled the request.
    case cancelled
    /// The client was shut down.
    case shutdown

    public var description: String {
        switch self {
        case .invalidURL(let message): "invalid URL: \(message)"
        case .connectFailed(let detail): "connection failed: \(detail)"
        case .connectTimeout: "connect timeout"
        case .readTimeout: "read timeout"
        case .connectionClosed: "the upstream closed the connection before the response was complete"
        case .protocolError(let detail): "invalid HTTP from the upstream: \(detail)"
        case .cancelled: "cancelled"
        case .shutdown: "the HTTP client was shut down"
        }
    }
}
