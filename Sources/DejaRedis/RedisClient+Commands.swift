extension RedisClient {
    /// Sends `PING`; succeeds if Redis answers `PONG`.
    public func ping() async throws {
        let reply = try await self.send(["PING"])
        guard reply.string == "PONG" else { throw RedisError.protocolError.with(detail: "PING answered \(reply)") }
    }

    /// Stores `value` under `key`, expiring after `ttlSeconds` if given (`SET key value [EX ttl]`).
    public func set(_ key: String, value: [UInt8], ttlSeconds: Int? = nil) async throws {
        var arguments: [RedisArgument] = ["SET", RedisArgument(key), RedisArgument(value)]
        if let ttlSeconds {
            precondition(ttlSeconds > 0, "Redis rejects a non-positive EX")
            arguments += ["EX", RedisArgument(ttlSeconds)]
        }
        _ = try await self.send(arguments)
    }

    /// Returns the bytes stored under `key`, or `nil` if it does not exist (`GET`).
    public func get(_ key: String) async throws -> [UInt8]? {
        let reply = try await self.send(["GET", RedisArgument(key)])
        if reply.isNull { return nil }
        guard let bytes = reply.bytes else { throw RedisError.protocolError.with(detail: "GET answered \(reply)") }
        return bytes
    }

    /// Sets fields of the hash at `key` (`HSET`); returns how many fields were new.
    ///
    /// The cache stores one hash per entry (body, embedding bytes, metadata).
    @discardableResult
    public func hset(_ key: String, fields: [String: [UInt8]]) async throws -> Int {
        precondition(!fields.isEmpty, "HSET needs at least one field")
        var arguments: [RedisArgument] = ["HSET", RedisArgument(key)]
        arguments.reserveCapacity(2 + 2 * fields.count)
        for (field, value) in fields {
            arguments.append(RedisArgument(field))
            arguments.append(RedisArgument(value))
        }
        return try Self.integer(await self.send(arguments), "HSET")
    }

    /// Returns every field of the hash at `key` (`HGETALL`); empty if the key does not exist.
    public func hgetall(_ key: String) async throws -> [String: [UInt8]] {
        let reply = try await self.send(["HGETALL", RedisArgument(key)])
        guard let elements = reply.array, elements.count % 2 == 0 else {
            throw RedisError.protocolError.with(detail: "HGETALL answered \(reply)")
        }
        var fields: [String: [UInt8]] = [:]
        fields.reserveCapacity(elements.count / 2)
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let field = elements[index].string, let value = elements[index + 1].bytes else {
                throw RedisError.protocolError.with(detail: "HGETALL field is not a string")
            }
            fields[field] = value
        }
        return fields
    }

    /// Makes `key` expire after `seconds` (`EXPIRE`); returns `false` if the key does not exist.
    @discardableResult
    public func expire(_ key: String, seconds: Int) async throws -> Bool {
        try Self.integer(await self.send(["EXPIRE", RedisArgument(key), RedisArgument(seconds)]), "EXPIRE") == 1
    }

    /// Seconds until `key` expires (`TTL`): -1 if it has no expiry, -2 if it does not exist.
    public func ttl(_ key: String) async throws -> Int {
        try Self.integer(await self.send(["TTL", RedisArgument(key)]), "TTL")
    }

    /// Deletes `keys` (`DEL`); returns how many existed.
    @discardableResult
    public func del(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try Self.integer(await self.send(["DEL"] + keys.map { RedisArgument($0) }), "DEL")
    }

    /// Publishes `message` on `channel` (`PUBLISH`); returns how many subscribers received it.
    ///
    /// The cache announces new entries and invalidations this way so peers update their indexes.
    @discardableResult
    public func publish(_ channel: String, message: [UInt8]) async throws -> Int {
        try Self.integer(await self.send(["PUBLISH", RedisArgument(channel), RedisArgument(message)]), "PUBLISH")
    }

    private static func integer(_ reply: RedisValue, _ command: String) throws(RedisError) -> Int {
        guard case .integer(let value) = reply else {
            throw RedisError.protocolError.with(detail: "\(command) answered \(reply)")
        }
        return value
    }
}
