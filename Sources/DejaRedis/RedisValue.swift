/// A RESP2 reply from Redis.
///
/// Strings stay bytes: values the cache stores (response bodies, little-endian float32
/// embeddings) are binary, and decoding them as text would corrupt them. Use ``string`` only
/// for replies known to be text.
public enum RedisValue: Hashable, Sendable {
    /// A nil bulk string or nil array, such as `GET` on a missing key.
    case null
    /// An integer reply, such as the count from `DEL`.
    case integer(Int)
    /// A status reply, such as `OK` or `PONG`.
    case simpleString([UInt8])
    /// A bulk string reply: binary-safe bytes.
    case bulkString([UInt8])
    /// An array reply; elements may be any value, including `.error` inside `EXEC` results.
    case array([RedisValue])
    /// An error reply.
    ///
    /// ``RedisClient/send(_:)`` throws ``RedisError/server(_:)`` for a top-level error reply
    /// instead of returning it; this case appears inside pipelines and arrays, where one failing
    /// command must not hide the others' replies.
    case error(String)
}

extension RedisValue {
    /// Whether this is ``null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The bytes of a simple or bulk string, or `nil`.
    public var bytes: [UInt8]? {
        switch self {
        case .simpleString(let bytes), .bulkString(let bytes): return bytes
        default: return nil
        }
    }

    /// A simple or bulk string decoded as UTF-8 (invalid sequences repaired), or `nil`.
    public var string: String? {
        self.bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The integer of an integer reply, or of a string reply holding a decimal integer
    /// (Redis returns some numbers, such as `HGET` of a counter, as strings).
    public var int: Int? {
        switch self {
        case .integer(let value): return value
        case .simpleString(let bytes), .bulkString(let bytes): return Int(String(decoding: bytes, as: UTF8.self))
        default: return nil
        }
    }

    /// The elements of an array reply, or `nil`.
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The message of an error reply, or `nil`.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
