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
import DejaWire

/// The Redis mirror against a real `redis-server` started on a free port.
@Suite(.serialized) struct RedisMirrorTests {
    /// The HMAC key every test gateway shares (64 bytes, as `openssl rand -hex 32` prints).
    static let hmacKey = "5f1c0e9a7b3d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"

    /// Starts a gateway on an existing simulator with the cache mirrored to `redisPort`, as the
    /// ACL user `user` when given (so a test can cut this instance off alone).
    static func gateway(simURL: String, redisPort: Int, user: String? = nil, hmacKey: String = RedisMirrorTests.hmacKey) async throws -> RunningGateway {
        var c = Harness.simConfiguration(simURL)
        CacheHarness.enable(&c)
        let credentials = user.map { "\($0):pw-\($0)@" } ?? ""
        c.cacheSettings.redisURL = "redis://\(credentials)127.0.0.1:\(redisPort)"
        c.cacheSettings.redisHMACKey = hmacKey
        var logger = Logger(label: "deja-test")
        logger.logLevel = .critical
        return try await Gateway(configuration: c, logger: logger).start()
    }

    static func post(_ client: HTTPClient, _ gateway: RunningGateway, _ text: String) async throws -> (status: Int, cache: String?) {
        let reply = try await postReply(client, gateway, text)
        return (reply.status, reply.cache)
    }

    /// A chat completion's status, `x-cache` and assistant text.
    static func postReply(_ client: HTTPClient, _ gateway: RunningGateway, _ text: String) async throws -> (status: Int, cache: String?, content: String) {
        var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: chatBody(text)))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONParser.parse(Array(body.readableBytesView)))?.objectValue
        let content = json?["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["content"]?.stringValue ?? ""
        return (Int(response.status.code), response.headers.first(name: "x-cache"), content)
    }

    /// The `redis` object of `/api/cache/stats`.
    static func mirrorStats(_ client: HTTPClient, _ gateway: RunningGateway) async throws -> JSONObject {
        let response = try await client.execute(HTTPClientRequest(url: gateway.baseURL + "/api/cache/stats"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let stats = try JSONParser.parse(Array(body.readableBytesView)).objectValue
        return stats?["redis"]?.objectValue ?? JSONObject()
    }

    static func mirrorWrites(_ client: HTTPClient, _ gateway: RunningGateway) async throws -> Int {
        try await mirrorStats(client, gateway)["writes"]?.intValue ?? -1
    }

    /// `POST /api/cache/invalidate` with `body`; returns how many entries were removed.
    @discardableResult
    static func invalidate(_ client: HTTPClient, _ gateway: RunningGateway, _ body: String) async throws -> Int {
        var request = HTTPClientRequest(url: gateway.baseURL + "/api/cache/invalidate")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let reply = try await response.body.collect(upTo: 1 << 16)
        #expect(response.status == .ok, "\(String(buffer: reply))")
        return (try? JSONParser.parse(Array(reply.readableBytesView)))?.objectValue?["removed"]?.intValue ?? -1
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
            try await Self.invalidate(client, a, #"{"all":true}"#)
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

/// Lists cache keys with redis-cli (the harness checks Redis without the code under test).
enum RedisKeys {
    static func count(port: Int, pattern: String = "deja:cache:entry:*") async throws -> Int {
        try await list(port: port, pattern: pattern).count
    }

    static func list(port: Int, pattern: String = "deja:cache:entry:*") async throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-p", "\(port)", "--scan", "--pattern", pattern]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
