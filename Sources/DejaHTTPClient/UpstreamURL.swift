/// An absolute `http` or `https` URL split into what an HTTP/1.1 exchange needs: where to
/// connect, the `Host` header and the request target. Parsed once per request without
/// Foundation; user-info (`user:pass@`) is rejected because credentials belong in headers.
public struct UpstreamURL: Sendable, Hashable {
    /// The transport of a URL.
    public enum Scheme: Sendable, Hashable {
        case http
        case https

        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public let scheme: Scheme
    /// The host name or address, without the brackets of an IPv6 literal.
    public let host: String
    public let port: Int
    /// Path and query, always starting with `/`; the fragment is dropped.
    public let target: String

    /// The value of the `Host` header: host (bracketed for IPv6) plus a non-default port.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// Parses `string`; throws `UpstreamClientError.invalidURL` naming what is wrong.
    public init(_ string: String) throws(UpstreamClientError) {
        var utf8 = Substring(string).utf8[...]
        if Self.consumePrefix("https://", from: &utf8) {
            scheme = .https
        } else if Self.consumePrefix("http://", from: &utf8) {
            scheme = .http
        } else {
            throw .invalidURL("\(string): only http:// and https:// URLs are supported")
        }
        let authorityEnd = utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? utf8.endIndex
        let authority = utf8[utf8.startIndex..<authorityEnd]
        if authority.contains(UInt8(ascii: "@")) {
            throw .invalidURL("\(string): credentials in the URL are not supported; configure an API key")
        }
        var hostPart = authority
        var portPart: Substring.UTF8View.SubSequence?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw .invalidURL("\(string): unterminated IPv6 address")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if let colon = rest.first {
                guard colon == UInt8(ascii: ":") else { throw .invalidURL("\(string): unexpected text after the IPv6 address") }
                portPart = rest.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostPart = authority[authority.startIndex..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw .invalidURL("\(string): no host") }
        host = String(Substring(hostPart))
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(String(Substring(portPart))), (1...65535).contains(value)
            else { throw .invalidURL("\(string): the port must be a number from 1 to 65535") }
            port = value
        } else {
            port = scheme.defaultPort
        }
        var rest = utf8[authorityEnd...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[rest.startIndex..<hash] }
        if rest.isEmpty {
            target = "/"
        } else if rest.first == UInt8(ascii: "?") {
            target = "/" + String(Substring(rest))
        } else {
            target = String(Substring(rest))
        }
        if target.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw .invalidURL("\(string): spaces and control characters must be percent-encoded")
        }
    }

    private static func consumePrefix(_ prefix: StaticString, from utf8: inout Substring.UTF8View.SubSequence) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard utf8.count >= count else { return false }
        var index = utf8.startIndex
        for offset in 0..<count {
            let expected = prefix.utf8Start[offset]
            let actual = utf8[index]
            // Schemes are case-insensitive: fold ASCII letters.
            let folded = (actual >= 0x41 && actual <= 0x5A) ? actual | 0x20 : actual
            guard folded == expected else { return false }
            index = utf8.index(after: index)
        }
        utf8 = utf8[index...]
        return true
    }

    /// Where a connection goes; connections are pooled per key.
    var poolKey: PoolKey { PoolKey(scheme: scheme, host: host, port: port) }
}

/// Identifies interchangeable connections: same scheme, host and port.
struct PoolKey: Hashable, Sendable {
    let scheme: UpstreamURL.Scheme
    let host: String
    let port: Int
}
