import AsyncHTTPClient
import DejaRedis
import DejaReliability
import DejaSim
import DejaTestSupport
import DejaWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import DejaGateway

/// Circuits shared through a real `redis-server`: one instance's opening is every instance's,
/// one probe across instances, forged announcements ignored.
@Suite(.serialized) struct SharedCircuitTests {
    static func gateway(simURL: String, redisPort: Int, clock: (any ReliabilityClock)? = nil) async throws -> RunningGateway {
        var c = Harness.simConfiguration(simURL)
        ReliabilityTests.twoProviders(&c, simURL)
        c.cacheSettings.redisURL = "redis://127.0.0.1:\(redisPort)"
        c.cacheSettings.redisHMACKey = RedisMirrorTests.hmacKey
        var logger = Logger(label: "deja-test")
        logger.logLevel = .critical
        return try await Gateway(configuration: c, logger: logger, reliabilityClock: clock ?? SystemReliabilityClock()).start()
    }

    static func post(_ client: HTTPClient, _ gateway: RunningGateway, failing: Bool) async throws -> (status: Int, provider: String?) {
        var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if failing { request.headers.add(name: "x-sim-status", value: "503") }
        request.body = .bytes(ByteBuffer(string: chatBody("shared circuit")))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "x-provider"))
    }

    static func flakyState(_ client: HTTPClient, _ gateway: RunningGateway) async throws -> String? {
        try await state(client, gateway, provider: "flaky")
    }

    static func state(_ client: HTTPClient, _ gateway: RunningGateway, provider: String) async throws -> String? {
        let response = try await client.execute(HTTPClientRequest(url: gateway.baseURL + "/api/circuit-breakers"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let circuits = (try? JSONParser.parse(Array(body.readableBytesView)))?.objectValue?["circuits"]?.arrayValue ?? []
        return circuits.compactMap(\.objectValue).first { $0["provider"] == .string(provider) }?["state"]?.stringValue
    }

    func withEnvironment(_ body: (Simulator, RedisServer, HTTPClient) async throws -> Void) async throws {
        try await RedisMirrorTests().withEnvironment(body)
    }

    @Test func oneInstancesOpeningSparesTheDeadProviderOnEveryInstance() async throws {
        try await withEnvironment { sim, redis, client in
            let a = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            let b = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            // Pub/sub has no history: wait until both instances listen.
            #expect(try await eventuallyAsync { try redis.cli(["PUBSUB", "NUMSUB", RedisCircuitState.channel]).contains("2") })
            for _ in 0..<2 { #expect(try await Self.post(client, a, failing: true).provider == "backup") }
            #expect(sim.stats().openAIChat == 5)
            #expect(try await Self.flakyState(client, a) == "open")
            // b never called flaky, yet learns that its circuit is open.
            #expect(try await eventuallyAsync { try await Self.flakyState(client, b) == "open" })
            let reply = try await Self.post(client, b, failing: true)
            #expect(reply.status == 200 && reply.provider == "backup")
            #expect(sim.stats().openAIChat == 5)
            // An instance that starts later reads the open circuit Redis keeps.
            let c = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            #expect(try await eventuallyAsync { try await Self.flakyState(client, c) == "open" })
            #expect(try await Self.post(client, c, failing: true).provider == "backup")
            #expect(sim.stats().openAIChat == 5)
            await a.shutdown()
            await b.shutdown()
            await c.shutdown()
        }
    }

    @Test func afterTheCooldownOneInstanceProbesAndItsVerdictClosesTheCircuitEverywhere() async throws {
        try await withEnvironment { sim, redis, client in
            // One injected clock for both instances: the cooldown passes without waiting.
            let clock = ManualClock()
            let a = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port, clock: clock)
            let b = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port, clock: clock)
            #expect(try await eventuallyAsync { try redis.cli(["PUBSUB", "NUMSUB", RedisCircuitState.channel]).contains("2") })
            for _ in 0..<2 { _ = try await Self.post(client, a, failing: true) }
            #expect(try await eventuallyAsync { try await Self.flakyState(client, b) == "open" })
            #expect(sim.stats().openAIChat == 5)
            clock.advance(by: .seconds(301))
            // b's next request is the probe; flaky has recovered (no fault header), so it answers.
            let probe = try await Self.post(client, b, failing: false)
            #expect(probe.status == 200 && probe.provider == "flaky")
            #expect(sim.stats().openAIChat == 6)
            // The verdict reaches a: its circuit closes without a probe of its own.
            #expect(try await eventuallyAsync { try await Self.flakyState(client, a) == "closed" })
            #expect(try await Self.post(client, a, failing: false).provider == "flaky")
            #expect(sim.stats().openAIChat == 7)
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test func aForgedAnnouncementIsIgnored() async throws {
        try await withEnvironment { sim, redis, client in
            let b = try await Self.gateway(simURL: sim.baseURL, redisPort: redis.port)
            // Pub/sub has no history: wait until b listens.
            #expect(try await eventuallyAsync { try redis.cli(["PUBSUB", "NUMSUB", RedisCircuitState.channel]).contains("1") })
            let until = Int64((Date().timeIntervalSince1970 + 600) * 1000)
            let forged = ["v1", "intruder", "open", "flaky", "gpt-4o-mini", String(until), String(repeating: "0", count: 64)].joined(separator: "\t")
            _ = try redis.cli(["PUBLISH", RedisCircuitState.channel, forged])
            // A signed message published after the forged one arrives after it: once b has seen
            // that one, it has also seen (and dropped) the forgery.
            let signer = RedisCircuitState(
                configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(redis.port)"), hmacKey: RedisMirrorTests.hmacKey, logger: Logger(label: "t"))
            signer.opened(provider: "marker", model: "m", untilWallClock: Date().timeIntervalSince1970 + 600)
            #expect(try await eventuallyAsync { try await Self.state(client, b, provider: "marker") == "open" })
            #expect(try await Self.flakyState(client, b) == nil)
            #expect(try await Self.post(client, b, failing: false).provider == "flaky")
            signer.shutdown()
            await b.shutdown()
        }
    }

    @Test func exactlyOneInstanceWinsAProbeClaim() async throws {
        try await withEnvironment { _, redis, _ in
            let configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(redis.port)")
            let states = (0..<4).map { _ in RedisCircuitState(configuration: configuration, hmacKey: RedisMirrorTests.hmacKey, logger: Logger(label: "t")) }
            let wins = await withTaskGroup(of: Bool.self) { group in
                for state in states { group.addTask { await state.claimProbe(provider: "flaky", model: "m", lease: .seconds(30)) } }
                var wins = 0
                for await won in group where won { wins += 1 }
                return wins
            }
            #expect(wins == 1)
            for state in states { state.shutdown() }
        }
    }

    @Test func announcementsRoundTripAndTamperingIsRefused() throws {
        let configuration = try RedisConfiguration(url: "redis://127.0.0.1:1")
        let a = RedisCircuitState(configuration: configuration, hmacKey: RedisMirrorTests.hmacKey, logger: Logger(label: "t"))
        let b = RedisCircuitState(configuration: configuration, hmacKey: RedisMirrorTests.hmacKey, logger: Logger(label: "t"))
        defer { a.shutdown(); b.shutdown() }
        let message = a.message(["open", "flaky", "gpt-4o-mini", "1800000000000"])
        #expect(b.parse(message) == CircuitAnnouncement(provider: "flaky", model: "gpt-4o-mini", change: .opened(untilWallClock: 1_800_000_000)))
        #expect(a.parse(message) == nil)  // its own
        var tampered = message
        if let i = tampered.firstIndex(of: UInt8(ascii: "f")) { tampered[i] = UInt8(ascii: "g") }
        #expect(b.parse(tampered) == nil)
        #expect(b.parse(Array(repeating: 0x41, count: 5000)) == nil)
    }
}
