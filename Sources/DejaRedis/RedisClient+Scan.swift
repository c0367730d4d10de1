extension RedisClient {
    /// The keys matching `pattern`, fetched lazily with `SCAN` in batches of about `count`.
    ///
    /// `SCAN` does not block Redis the way `KEYS` does, which matters when rebuilding the index
    /// at start-up from a Redis shared with other gateways. Redis may return a key more than once
    /// if the keyspace is rehashed during the scan; keys added or removed meanwhile may or may
    /// not appear. Each batch is one command, bounded by the command timeout.
    ///
    /// ```swift
    /// for try await key in redis.scan(match: "deja:entry:*") { … }
    /// ```
    public func scan(match pattern: String, count: Int = 100) -> RedisScanSequence {
        precondition(count > 0, "SCAN COUNT must be positive")
        return RedisScanSequence(client: self, pattern: pattern, count: count)
    }

    /// Collects every key matching `pattern`, without duplicates, stopping with an error past `limit`.
    ///
    /// - Throws: ``RedisError/protocolError`` if more than `limit` distinct keys match, so a
    ///   wrong pattern cannot exhaust memory; any error of ``scan(match:count:)``.
    public func scanAll(match pattern: String, count: Int = 100, limit: Int = 1_000_000) async throws -> [String] {
        var seen = Set<String>()
        var keys: [String] = []
        for try await key in self.scan(match: pattern, count: count) where seen.insert(key).inserted {
            guard keys.count < limit else {
                throw RedisError.protocolError.with(detail: "more than \(limit) keys match \(pattern)")
            }
            keys.append(key)
        }
        return keys
    }
}

/// Keys matching a pattern, from repeated `SCAN` calls; see ``RedisClient/scan(match:count:)``.
public struct RedisScanSequence: AsyncSequence, Sendable {
    /// A key, decoded as UTF-8.
    public typealias Element = String

    let client: RedisClient
    let pattern: String
    let count: Int

    /// Starts a new scan from cursor 0.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: self.client, pattern: self.pattern, count: self.count)
    }

    /// Fetches the next batch whenever the current one is used up.
    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        let client: RedisClient
        let pattern: String
        let count: Int
        private var cursor: [UInt8] = Array("0".utf8)
        private var batch: [String] = []
        private var finished = false

        init(client: RedisClient, pattern: String, count: Int) {
            self.client = client
            self.pattern = pattern
            self.count = count
        }

        /// The next key, or `nil` when the scan is complete; throws any ``RedisError`` of ``RedisClient/send(_:)``.
        public mutating func next() async throws -> String? {
            while self.batch.isEmpty {
                if self.finished { return nil }
                let reply = try await self.client.send(
                    ["SCAN", RedisArgument(self.cursor), "MATCH", RedisArgument(self.pattern), "COUNT", RedisArgument(self.count)]
                )
                guard let parts = reply.array, parts.count == 2, let cursor = parts[0].bytes, let keys = parts[1].array else {
                    throw RedisError.protocolError.with(detail: "SCAN answered \(reply)")
                }
                self.cursor = cursor
                // Cursor 0 ends the iteration; this batch may still hold keys.
                self.finished = cursor == Array("0".utf8)
                self.batch = keys.compactMap(\.string).reversed()
            }
            return self.batch.popLast()
        }
    }
}
