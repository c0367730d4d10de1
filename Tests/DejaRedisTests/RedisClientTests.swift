import DejaTestSupport
import DejaRedis
import Foundation
import Testing

/// Commands against a real `redis-server` started for each test on a free port.
@Suite struct RedisClientTests {
    @Test func pingAndStateReportConnected() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        defer { client.shutdown() }
        try await client.ping()
        try await eventually("client reports connected") { client.isConnected }
        #expect(client.state == .connected)
    }

    @Test func setAndGetRoundTripEveryByteValue() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        defer { client.shutdown() }
        // Every byte value, including 0x00 and 0xFF, plus little-endian float32 the way the
        // cache stores embeddings.
        let floats: [Float] = [0, -1.5, .pi, .greatestFiniteMagnitude, .nan]
        let embedding = floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let value: [UInt8] = [0x00, 0xFF, 0x00] + (0...255).map { UInt8($0) } + embedding + [0x0D, 0x0A]
        try await client.set("bin:key", value: value)
        let stored = try #require(try await client.get("bin:key"))
        #expect(stored == value)
        #expect(try await client.get("bin:missing") == nil)

        try await client.set("bin:empty", value: [])
        #expect(try await client.get("bin:empty") == [])
    }

    @Test func hashFieldsRoundTrip() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        defer { client.shutdown() }
        let fields: [String: [UInt8]] = [
            "body": Array(#"{"choices":[]}"#.utf8),
            "embedding": [0x00, 0x00, 0x80, 0x3F, 0xFF, 0x00],
            "model": Array("gpt-4o-mini".utf8),
        ]
        #expect(try await client.hset("deja:entry:1", fields: fields) == 3)
        #expect(try await client.hset("deja:entry:1", fields: ["model": Array("other".utf8)]) == 0)
        var expected = fields
        expected["model"] = Array("other".utf8)
        #expect(try await client.hgetall("deja:entry:1") == expected)
        #expect(try await client.hgetall("deja:entry:none") == [:])
    }

    @Test func expireSetsTTLAndSetWithTTLExpires() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        defer { client.shutdown() }
        try await client.set("ttl:plain", value: [1])
        #expect(try await client.ttl("ttl:plain") == -1)
        #expect(try await client.expire("ttl:plain", seconds: 100))
        let ttl = try await client.ttl("ttl:plain")
        #expect((1...100).contains(ttl))
        #expect(try await client.expire("ttl:missing", seconds: 100) == false)
        #expect(try await client.ttl("ttl:missing") == -2)

        // SET with a TTL sets it (a long one, so a slow machine cannot let it lapse before TTL)…
        try await client.set("ttl:long", value: [3], ttlSeconds: 100)
        #expect((1...100).contains(try await client.ttl("ttl:long")))
        // …and a short one expires.
        try await client.set("ttl:short", value: [2], ttlSeconds: 1)
        try await eventually("key with 1 s TTL expires") { (try? await client.get("ttl:short")) == .some(nil) }

        #expect(try await client.del(["ttl:plain", "ttl:missing", "ttl:long"]) == 2)
    }

    @Test func pipelineReturnsOneReplyPerCommandInOrder() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        defer { client.shutdown() }
        let commands: [[RedisArgument]] = (0..<1_000).map { ["INCRBY", "pipeline:counter", RedisArgument($0)] }
        let replies = try await client.pipeline(commands)
        #expect(replies.count == 1_000)
        var total = 0
        for (index, reply) in replies.enumerated() {
            total += index
            #expect(reply == .integer(total), "reply \(index)")
        }

        // An error reply stays in its slot and does not hide the others.
        let mixed = try await client.pipeline([["SET", "pipeline:s", "v"], ["INCR", "pipeline:s"], ["GET", "pipeline:s"]])
        #expect(mixed.count == 3)
        #expect(mixed[0].string == "OK")
        #expect(mixed[1].errorMessage?.contains("not an integer") == true)
        #expect(mixed[2] == .bulkString(Array("v".utf8)))
    }

    @Test func scanFindsEveryMatchingKeyAndNothingElse() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        defer { client.shutdown() }
        let wanted = (0..<537).map { "deja:entry:\($0)" }
        _ = try await client.pipeline(wanted.map { ["SET", RedisArgument($0), "x"] })
        _ = try await client.pipeline((0..<100).map { ["SET", RedisArgument("other:\($0)"), "y"] })

        let found = try await client.scanAll(match: "deja:entry:*", count: 50)
        #expect(Set(found) == Set(wanted))
        #expect(found.count == wanted.count)

        var streamed = Set<String>()
        for try await key in client.scan(match: "other:*", count: 7) { streamed.insert(key) }
        #expect(streamed.count == 100)

        await #expect(throws: RedisError.self) {
            _ = try await client.scanAll(match: "deja:entry:*", limit: 10)
        }
    }

    @Test func concurrentCommandsFromManyTasks() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server, poolSize: 3)
        defer { client.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<50 {
                group.addTask {
                    for round in 0..<20 {
                        let value = Array("\(task)-\(round)".utf8)
                        try await client.set("concurrent:\(task)", value: value)
                        #expect(try await client.get("concurrent:\(task)") == value)
                        _ = try await client.send(["INCR", "concurrent:total"])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.send(["GET", "concurrent:total"]).int == 1_000)
    }

    @Test func errorReplyThrowsServerErrorAndConnectionStaysUsable() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server, poolSize: 1)
        defer { client.shutdown() }
        try await client.set("wrongtype", value: [1])
        do {
            _ = try await client.hgetall("wrongtype")
            Issue.record("expected a server error")
        } catch let error as RedisError {
            #expect(error.serverMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(error == .server(error.serverMessage ?? ""))
        }
        let error = await #expect(throws: RedisError.self) { _ = try await client.send(["NOSUCHCOMMAND"]) }
        #expect(error?.serverMessage?.hasPrefix("ERR unknown command") == true)
        try await client.ping()
        #expect(client.isConnected)
    }

    @Test func connectionRefusedFailsFastWithAnError() async throws {
        let port = try RedisServer.freePort()
        let client = RedisClient(configuration: testConfiguration(port: port), logger: quietLogger)
        defer { client.shutdown() }
        let outcome = try await withinDeadline(seconds: 5) {
            do {
                try await client.ping()
                return "succeeded"
            } catch let error as RedisError {
                return error == .connectionFailed || error == .notConnected ? "redis error" : "other redis error: \(error)"
            }
        }
        #expect(outcome == "redis error")
        // Later commands fail too, without waiting on the network.
        await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(!client.isConnected)
    }

    @Test func shutdownFailsLaterCommandsWithClosed() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        try await client.ping()
        let states = client.stateChanges()
        client.shutdown()
        await #expect(throws: RedisError.closed) { try await client.ping() }
        var seen: [RedisConnectionState] = []
        for await state in states { seen.append(state) }
        #expect(seen.last == .closed)
    }
}
