import HTTPTypes
import Hummingbird
import NIOCore

/// Who may use the gateway's own API (`/api/cache/*`, detailed `/health`, optionally
/// `/metrics`): the holder of the admin token (`ADMIN_API_KEY`, alias `ADMIN_TOKEN`).
///
/// Without a token configured, a loopback-bound gateway keeps a convenience for local use, but it
/// is decided by the caller, not by the bind address alone: the peer must be a loopback address,
/// `Host` must be a loopback name (so a DNS-rebinding page cannot reach it), an `Origin` must be
/// the gateway's own (so another site's page cannot post to it), and a request with a body must
/// be JSON (so an HTML form cannot). A gateway bound beyond loopback without a token has no
/// admin API at all.
struct AdminGuard: Sendable {
    /// SHA-256 of the admin token; nil when none is configured.
    let tokenHash: [UInt8]?
    /// Whether the gateway listens on a loopback address only.
    let boundToLoopback: Bool

    enum Decision: Equatable {
        case allowed
        case refused(GatewayError.Refusal)
    }

    /// Throws a 401/403 in the OpenAI shape unless the request has admin authority.
    func authorize(_ request: Request, context: DejaRequestContext) throws {
        if case .refused(let refusal) = decide(request, context: context) { throw refusal.error }
    }

    /// True when the request has admin authority (used where refusal means "say less", as
    /// `/health` does).
    func isAuthorized(_ request: Request, context: DejaRequestContext) -> Bool {
        decide(request, context: context) == .allowed
    }

    func decide(_ request: Request, context: DejaRequestContext) -> Decision {
        if let tokenHash {
            guard case .key(let token) = PresentedCredential.of(request, family: .openAI),
                SecretHash.equal(SecretHash.sha256(token), tokenHash)
            else { return .refused(.invalidToken) }
            return .allowed
        }
        guard boundToLoopback else { return .refused(.tokenRequired) }
        guard let peer = context.remoteAddress, Self.isLoopback(peer) else { return .refused(.notLoopbackPeer) }
        guard let host = request.head.authority, Self.isLoopbackHost(host) else { return .refused(.notLoopbackHost) }
        if let origin = request.headers[.origin], !Self.isSameOrigin(origin, host: host) { return .refused(.crossOrigin) }
        // A body-carrying request must say JSON: a cross-site form can POST text/plain without a
        // preflight. GET, HEAD and DELETE carry no body (and a cross-site DELETE needs a
        // preflight, which /api/* never grants).
        if request.method != .get, request.method != .head, request.method != .delete {
            guard let type = request.headers[.contentType], Self.isJSON(type) else { return .refused(.notJSON) }
        }
        return .allowed
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4: return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6:
            guard let ip = address.ipAddress else { return false }
            return ip == "::1" || ip.lowercased().hasPrefix("::ffff:127.")
        case .unixDomainSocket: return true
        }
    }

    /// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
    static func isLoopbackHost(_ authority: String) -> Bool {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.dropFirst().allSatisfy(\.isNumber)) else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.lastIndex(of: ":") {
            guard host[host.index(after: colon)...].allSatisfy(\.isNumber) else { return false }
            host = host[..<colon]
        }
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// An `Origin` is the gateway's own when it is `http://<the Host the request was sent to>`.
    static func isSameOrigin(_ origin: String, host: String) -> Bool {
        origin.lowercased() == "http://" + host.lowercased()
    }

    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1)[0].trimmingSpaces().lowercased()
        return media == "application/json"
    }
}

extension GatewayError {
    /// Why an admin request was refused; each with its own status and code.
    enum Refusal: Equatable, Sendable {
        case invalidToken, tokenRequired, notLoopbackPeer, notLoopbackHost, crossOrigin, notJSON

        var error: GatewayError {
            switch self {
            case .invalidToken:
                GatewayError(status: .unauthorized, message: "This endpoint needs the admin token (Authorization: Bearer <ADMIN_API_KEY>)", type: "authentication_error", code: "invalid_admin_token")
            case .tokenRequired:
                GatewayError(status: .forbidden, message: "Set ADMIN_API_KEY to use the gateway API on a gateway that listens beyond loopback", code: "admin_token_required")
            case .notLoopbackPeer:
                GatewayError(status: .forbidden, message: "Without ADMIN_API_KEY the gateway API answers only callers on this machine", code: "admin_loopback_only")
            case .notLoopbackHost:
                GatewayError(status: .forbidden, message: "Without ADMIN_API_KEY the gateway API answers only requests addressed to localhost", code: "admin_host_refused")
            case .crossOrigin:
                GatewayError(status: .forbidden, message: "Cross-origin requests to the gateway API are refused", code: "admin_cross_origin")
            case .notJSON:
                GatewayError(status: .unsupportedMediaType, message: "The gateway API takes JSON bodies (Content-Type: application/json)", type: "invalid_request_error", code: "unsupported_media_type")
            }
        }
    }
}
