/// An error from DejaRedis.
///
/// A struct over a private code, as `HTTPClientError` is, so adding a case breaks no caller.
/// Compare with `==` against the static members; `==` looks at the code only (for ``server(_:)``
/// that includes the server's message), never at ``detail``.
///
/// The cache treats every `RedisError` the same way: count it and serve from memory.
public struct RedisError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case connectionFailed
        case notConnected
        case timeout
        case server(String)
        case protocolError
        case invalidURL
        case closed
    }

    private let code: Code

    /// Context for logs, such as hiredis's error string or the part of a URL that was rejected.
    ///
    /// Not part of equality.
    public let detail: String?

    private init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    /// Connecting failed (refused, unreachable, name not resolved, authentication or `SELECT`
    /// rejected), or an established connection broke while a command was in flight.
    public static let connectionFailed = RedisError(.connectionFailed)

    /// The command was refused without touching the network because no connection is up;
    /// the client is reconnecting in the background.
    public static let notConnected = RedisError(.notConnected)

    /// The command did not complete within ``RedisConfiguration/commandTimeout``
    /// (or connecting did not complete within ``RedisConfiguration/connectTimeout``).
    public static let timeout = RedisError(.timeout)

    /// Redis answered with an error reply, such as `WRONGTYPE …` or `ERR unknown command …`.
    ///
    /// The connection stays usable.
    public static func server(_ message: String) -> RedisError {
        RedisError(.server(message))
    }

    /// The reply could not be parsed, or had a shape the called method does not expect.
    public static let protocolError = RedisError(.protocolError)

    /// A `redis://` URL could not be parsed.
    public static let invalidURL = RedisError(.invalidURL)

    /// The client or subscriber has been shut down.
    public static let closed = RedisError(.closed)

    /// The message of a server error reply, or `nil` for every other error.
    public var serverMessage: String? {
        if case .server(let message) = self.code { return message }
        return nil
    }

    /// Returns the same error carrying `detail`.
    func with(detail: String?) -> RedisError {
        RedisError(self.code, detail: detail)
    }

    public var description: String {
        let base: String
        switch self.code {
        case .connectionFailed: base = "Redis connection failed"
        case .notConnected: base = "Redis is not connected"
        case .timeout: base = "Redis command timed out"
        case .server(let message): base = "Redis error reply: \(message)"
        case .protocolError: base = "Redis protocol error"
        case .invalidURL: base = "Invalid Redis URL"
        case .closed: base = "Redis client is closed"
        }
        if let detail = self.detail { return "\(base) (\(detail))" }
        return base
    }

    public static func == (lhs: RedisError, rhs: RedisError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}
