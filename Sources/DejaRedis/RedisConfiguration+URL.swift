import Foundation

extension RedisConfiguration {
    /// Why a `rediss://` URL is refused, and what to do instead.
    public static let tlsUnsupportedMessage =
        "rediss:// (TLS) is not supported: DejaRedis links the Debian hiredis 0.14 build, which has no TLS. "
        + "Use redis:// and protect the connection instead: bind Redis to loopback or a private network, "
        + "set requirepass or an ACL user (redis://user:password@host), firewall the port, or carry the "
        + "traffic through a TLS tunnel such as stunnel or spiped (docs/REDIS.md, \"Protecting Redis\"; "
        + "README, Security)"

    /// Creates a configuration from a `redis://[[username]:password@]host[:port][/database]` URL,
    /// as found in `REDIS_URL`; settings the URL cannot express keep their defaults.
    ///
    /// The password may be percent-encoded. An IPv6 host goes in brackets
    /// (`redis://[::1]:6380`).
    ///
    /// - Throws: ``RedisError/invalidURL`` (with ``RedisError/detail`` naming the problem) for
    ///   another scheme (`rediss://` included: TLS is not supported, see ``tlsUnsupportedMessage``),
    ///   an empty host, a port outside 1…65535, a database that is not a non-negative integer, or
    ///   a query or fragment.
    public init(url: String) throws(RedisError) {
        self.init()
        let prefix = "redis://"
        if url.lowercased().hasPrefix("rediss://") {
            throw RedisError.invalidURL.with(detail: Self.tlsUnsupportedMessage)
        }
        guard url.lowercased().hasPrefix(prefix) else {
            throw RedisError.invalidURL.with(detail: "scheme must be redis://")
        }
        var rest = Substring(url.dropFirst(prefix.count))
        if rest.contains("?") || rest.contains("#") {
            throw RedisError.invalidURL.with(detail: "query and fragment are not supported")
        }

        // Authority ends at the first "/"; the user info ends at the last "@" in the authority,
        // so a password may contain a raw "@".
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            rest = rest[rest.index(after: slash)...]
        } else {
            authority = rest
            rest = ""
        }
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw RedisError.invalidURL.with(detail: "user info must be [username]:password")
            }
            let user = String(userInfo[..<colon])
            let password = String(userInfo[userInfo.index(after: colon)...])
            guard let decodedUser = user.removingPercentEncoding, let decodedPassword = password.removingPercentEncoding else {
                throw RedisError.invalidURL.with(detail: "bad percent-encoding in user info")
            }
            self.username = decodedUser.isEmpty ? nil : decodedUser
            self.password = decodedPassword.isEmpty ? nil : decodedPassword
        }

        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw RedisError.invalidURL.with(detail: "unterminated IPv6 host")
            }
            self.host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw RedisError.invalidURL.with(detail: "junk after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            self.host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            self.host = String(hostPort)
        }
        guard !self.host.isEmpty, !self.host.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) else {
            throw RedisError.invalidURL.with(detail: "missing or malformed host")
        }
        if let portText {
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65_535).contains(port) else {
                throw RedisError.invalidURL.with(detail: "port must be 1...65535")
            }
            self.port = port
        }

        if !rest.isEmpty {
            guard rest.allSatisfy({ $0.isASCII && $0.isNumber }), let database = Int(rest) else {
                throw RedisError.invalidURL.with(detail: "database must be a non-negative integer")
            }
            self.database = database
        }
    }
}
