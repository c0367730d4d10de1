import DejaTestSupport
import AsyncHTTPClient
import DejaCache
import DejaGateway
import DejaProviders
import DejaSim
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// The Redis mirror against a real `redis-server` started on a free port.
@Suite(.serialized) struct RedisMirrorTests {
    /// Starts a gateway on an existing simulator with the cache mirrored to `redisPort`.
    static func gateway(simURL: String, redisPort: Int) async throws -> RunningGateway {
        var c = Harness.simConfiguration(simURL)
        CacheHarness.enable(&c)
        c.cacheSettings.redisURL = "redis://127.0.0.1:\(redisPort)"
        var logger = Logger(label: "deja-test")
        logger.logLevel = .critical
        return try await Gateway(configuration: c, logger: logger).start()
    }

    static func post(_ client: HTTPClient, _ gateway: RunningGateway, _ text: String) async throws -> (status: Int, cache: String?) {
        var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: chatBody(text)))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "x-cache"))
    }

    static func mirrorWrites(_ client: HTTPClient, _ gateway: RunningGateway) async throws -> Int {
        let response = try await client.execute(HTTPClientRequest(url: gateway.baseURL + "/api/cache/stats"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let stats = try JSONParser.parse(Array(body.readableBytesView)).objectValue
        return stats?["redis"]?.objectValue?["writes"]?.intValue ?? -1
    }

    func withEnvironment(_ body: (Simulator, RedisServer, HTTPClient) async throws -> Void) async throws {
        let sim = try await Simulator.start(SimulatorConfiguration(port: 0, logLevel: .critical))
        let redis = try await RedisServer.start()
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            try await body(sim, redis, client)
        } catch {
            try? await client.shutdown()
            redis.kill()
            await sim.shutdown()
            throw error
        }
        try await client.shutdown()
        redis.kill()
        await sim.shutdown()
    }

    @Test func entriesSurviveAGatewayRestart() async throws {
        try await withEnvironment { sim, redis, client in
            let first = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            #expect(try await Self.post(client, first, "What is a memory leak?").cache == "MISS")
            #expect(try await eventuallyAsync { try await Self.mirrorWrites(client, first) == 1 })
            await first.shutdown()

            let second = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            #expect(try await Self.post(client, second, "What is a memory leak?").cache == "HIT-EXACT")
            #expect(try await Self.post(client, second, "Can you explain what a memory leak is?").cache == "HIT-SEMANTIC")
            #expect(sim.stats().openAIChat == 1)
            await second.shutdown()
        }
    }

    @Test func twoInstancesShareEntriesAndInvalidations() async throws {
        try await withEnvironment { sim, redis, client in
            let a = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            let b = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            #expect(try await Self.post(client, a, "How does HTTPS work?").cache == "MISS")
            // The insert reaches b through pub/sub.
            #expect(try await eventuallyAsync { try await Self.post(client, b, "How does HTTPS work?").cache == "HIT-EXACT" })
            var invalidate = HTTPClientRequest(url: a.baseURL + "/api/cache/invalidate")
            invalidate.method = .POST
            invalidate.body = .bytes(ByteBuffer(string: #"{"all":true}"#))
            _ = try await client.execute(invalidate, timeout: .seconds(10)).body.collect(upTo: 1 << 16)
            #expect(try await eventuallyAsync { try await Self.post(client, b, "How does HTTPS work?").cache == "MISS" })
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test func redisOutageKeepsServingAndTheMirrorResumes() async throws {
        try await withEnvironment { sim, redis, client in
            let gateway = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            #expect(try await Self.post(client, gateway, "What is a B-tree?").cache == "MISS")
            redis.kill()
            // Requests keep succeeding from memory while Redis is down.
            #expect(try await Self.post(client, gateway, "What is a B-tree?") == (200, "HIT-EXACT"))
            #expect(try await Self.post(client, gateway, "What is a trie?") == (200, "MISS"))
            try await redis.restart()
            // After reconnecting, the mirror resynchronises: the restarted (empty) Redis gets the
            // entries back, and new entries are mirrored again.
            #expect(try await eventuallyAsync(10) {
                let keys = try await RedisKeys.count(port: redis.port)
                return keys >= 2
            })
            #expect(try await Self.post(client, gateway, "What is a heap?").cache == "MISS")
            #expect(try await eventuallyAsync(10) { try await RedisKeys.count(port: redis.port) >= 3 })
            await gateway.shutdown()
        }
    }
}

/// Polls an async condition for up to `seconds`.
func eventuallyAsync(_ seconds: Double = 5, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Counts cache entry keys with redis-cli (the harness checks Redis without the code under test).
enum RedisKeys {
    static func count(port: Int) async throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-p", "\(port)", "--scan", "--pattern", "deja:cache:entry:*"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").count
    }
}
