/// One argument of a Redis command: a binary-safe byte string.
///
/// Commands are sent as RESP arrays of bulk strings, so every argument (command name, key,
/// value, number) is bytes on the wire. String literals, `String`s, integers and `[UInt8]`
/// all convert:
///
/// ```swift
/// try await client.send(["SET", RedisArgument(key), RedisArgument(bytes), "EX", 60])
/// ```
public struct RedisArgument: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The bytes sent to Redis.
    public var bytes: [UInt8]

    /// An argument holding raw bytes, such as an embedding's little-endian float32 encoding.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// An argument holding the UTF-8 encoding of `string`.
    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    /// An argument holding the decimal text of `value`, as Redis expects numbers.
    public init(_ value: Int) {
        self.bytes = Array(String(value).utf8)
    }

    /// An argument holding the UTF-8 encoding of a string literal, such as a command name.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// An argument holding the decimal text of an integer literal.
    public init(integerLiteral value: Int) {
        self.init(value)
    }
}
