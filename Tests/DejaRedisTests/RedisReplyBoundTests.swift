import DejaRedis
import DejaTestSupport
import Testing

/// Whoever can write to Redis can store values of up to 512 MB; a client reading them must not
/// buffer them without bound (``RedisConfiguration/maxReplyBytes``).
@Suite struct RedisReplyBoundTests {
    @Test func aReplyOverTheBoundFailsAndTheClientRecovers() async throws {
        let server = try await RedisServer.start()
        var configuration = testConfiguration(port: server.port, poolSize: 1)
        configuration.maxReplyBytes = 1 << 20
        let client = RedisClient(configuration: configuration, logger: quietLogger)
        let writer = makeClient(for: server, poolSize: 1)
        defer {
            client.shutdown()
            writer.shutdown()
        }
        try await writer.set("big", value: [UInt8](repeating: 0x61, count: 2 << 20))
        try await writer.set("fits", value: [UInt8](repeating: 0x62, count: (1 << 20) - 1024))
        try await writer.set("small", value: [1, 2, 3])
        try await writer.send(["HSET", "hash", "field", RedisArgument([UInt8](repeating: 0x63, count: 3 << 20))])

        let error = await #expect(throws: RedisError.self) { _ = try await client.get("big") }
        #expect(error == .protocolError)
        #expect(error?.detail?.contains("larger than 1048576 bytes") == true)
        // The connection was dropped, not the process: it reconnects by itself.
        try await eventually("client reconnects") { (try? await client.get("small")) == [1, 2, 3] }
        #expect(try await client.get("fits")?.count == (1 << 20) - 1024)
        // An array reply is bounded as a whole, the same way.
        await #expect(throws: RedisError.protocolError) { _ = try await client.hgetall("hash") }
        try await eventually("client reconnects again") { (try? await client.get("small")) == [1, 2, 3] }
        // Pipelines too, and the replies before the oversized one are not mixed up after it.
        try await eventually("pipeline after reconnect") {
            (try? await client.pipeline([["GET", "small"], ["STRLEN", "big"]])) == [.bulkString([1, 2, 3]), .integer(2 << 20)]
        }
    }

    // This test found a deadlock: the subscriber yielded under its lock while the reader's
    // cancellation ran the stream's termination handler, which takes that lock.
    @Test
    func aMessageOverTheBoundDropsOnlyTheSubscriberConnection() async throws {
        let server = try await RedisServer.start()
        var configuration = testConfiguration(port: server.port)
        configuration.maxReplyBytes = 64 << 10
        let subscriber = RedisSubscriber(configuration: configuration, logger: quietLogger)
        let publisher = makeClient(for: server, poolSize: 1)
        defer {
            subscriber.shutdown()
            publisher.shutdown()
        }
        let received = Recorder<Int>()
        let messages = subscriber.subscribe(["deja:hostile"])
        let reader = Task { for await message in messages { received.append(message.payload.count) } }
        defer { reader.cancel() }
        try await eventually("subscribed") { (try? await publisher.publish("deja:hostile", message: [1])) == 1 }
        try await eventually("first message") { received.values.contains(1) }

        _ = try await publisher.publish("deja:hostile", message: [UInt8](repeating: 0x61, count: 1 << 20))
        // The subscriber drops that connection, reconnects, resubscribes and receives again.
        try await eventually("resubscribed after the oversized message") {
            (try? await publisher.publish("deja:hostile", message: [2, 2])) == 1 && received.values.contains(2)
        }
        #expect(!received.values.contains(1 << 20))
    }
}
