import DejaCache
import DejaSim
import DejaVerifier
import DejaWire
import Foundation
import NIOHTTP1
import Testing

@testable import DejaGateway

/// Time-sensitive questions on the request path: questions of the moment are neither served nor
/// stored, others are stored for their kind's lifetime, and `x-gateway` says which and why.
@Suite struct TimeSensitiveCacheTests {
    static func gateway(_ reply: Harness.Reply) throws -> JSONObject { try #require(try reply.json()["x-gateway"]?.objectValue) }

    @Test func aQuestionOfTheMomentIsNeitherServedNorStored() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            for _ in 0..<2 {
                let reply = try await h.post("/v1/chat/completions", json: chatBody("What time is it in Tokyo right now?"))
                #expect(reply.status == 200)
                #expect(reply.cacheStatus == "BYPASS")
                let gateway = try Self.gateway(reply)
                #expect(gateway["cache_ttl_s"]?.doubleValue == 0)
                #expect(gateway["cache_ttl_reason"]?.stringValue == "time_sensitive:now")
            }
            #expect(h.sim.stats().openAIChat == 2)
            #expect(try #require(h.gateway.gateway.front).cache.entryCount == 0)
        }
    }

    @Test func aPriceQuestionIsStoredForItsKindsLifetime() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let first = try await h.post("/v1/chat/completions", json: chatBody("What is the price of gold?"))
            #expect(first.cacheStatus == "MISS")
            #expect(try Self.gateway(first)["cache_ttl_s"]?.doubleValue == 300)
            #expect(try Self.gateway(first)["cache_ttl_reason"]?.stringValue == "time_sensitive:prices")
            let second = try await h.post("/v1/chat/completions", json: chatBody("What is the price of gold?"))
            #expect(second.cacheStatus == "HIT-EXACT")
            let id = try #require(try Self.gateway(second)["cache_entry_id"]?.stringValue.flatMap { UInt64($0) })
            let front = try #require(h.gateway.gateway.front)
            let entry = try #require(front.cache.entry(id: id))
            #expect(abs(entry.expiresAt - entry.createdAt - 300) < 0.001)
            // It expires like any entry: a lookup five minutes on is a miss (injected time).
            let fingerprint = RequestFingerprint(
                request: try ChatRequest.parse(Array(chatBody("What is the price of gold?").utf8)), scope: entry.scope, resolvedModel: entry.model)
            guard case .exact = await front.cache.lookup(fingerprint, threshold: 0.95, now: entry.createdAt + 299) else {
                Issue.record("the fingerprint does not find the entry while it lives")
                return
            }
            guard case .miss = await front.cache.lookup(fingerprint, threshold: 0.95, now: entry.createdAt + 301) else {
                Issue.record("an expired price was served")
                return
            }
        }
    }

    @Test func theDefaultAndTheRequestedLifetimesAreReported() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let plain = try await h.post("/v1/chat/completions", json: chatBody("Explain TCP slow start"))
            #expect(try Self.gateway(plain)["cache_ttl_s"]?.doubleValue == 3600)
            #expect(try Self.gateway(plain)["cache_ttl_reason"]?.stringValue == "default")
            // The client's x-cache-ttl takes precedence over the kind's.
            let asked = try await h.post("/v1/chat/completions", json: chatBody("What is the weather in Rome?"), headers: [("x-cache-ttl", "120")])
            #expect(try Self.gateway(asked)["cache_ttl_s"]?.doubleValue == 120)
            #expect(try Self.gateway(asked)["cache_ttl_reason"]?.stringValue == "request")
            // Nothing is stored under no-store, so no lifetime is reported.
            let unstored = try await h.post("/v1/chat/completions", json: chatBody("What is a B-tree?"), headers: [("cache-control", "no-store")])
            #expect(try Self.gateway(unstored)["cache_ttl_reason"] == nil)
        }
    }

    @Test func anAnswerWithoutTheQuestionsTimeNeverServesIt() async throws {
        let stored = "Who is the CEO of Boeing?"
        let asked = "Who is the current CEO of Boeing?"
        try await CacheHarness.with { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody(stored))
            let reply = try await h.post("/v1/chat/completions", json: chatBody(asked), headers: [("x-cache-threshold", "0.85")])
            #expect(reply.cacheStatus == "MISS")
            let stats = try await h.send(.GET, "/api/cache/stats")
            #expect(try stats.json()["verifier_rejections"]?.objectValue?["time_words"]?.intValue == 1)
        }
        // Without the check (and the content-word check after it, which also refuses "current"
        // as an adjective restricting "CEO") the same pair is served: no earlier check refuses it.
        try await CacheHarness.with(configure: { c, _ in
            c.cacheSettings.verifierChecks.remove("time_words")
            c.cacheSettings.verifierChecks.remove("content_words")
        }) { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody(stored))
            let reply = try await h.post("/v1/chat/completions", json: chatBody(asked), headers: [("x-cache-threshold", "0.85")])
            #expect(reply.cacheStatus == "HIT-SEMANTIC")
        }
    }

    @Test func detectionCanBeSwitchedOffAndKindsRetimed() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.cacheSettings.cache.timeSensitiveTTLs[.now] = 45
        }) { (h: Harness) async throws in
            let reply = try await h.post("/v1/chat/completions", json: chatBody("What time is it in Tokyo right now?"))
            #expect(reply.cacheStatus == "MISS")
            #expect(try Self.gateway(reply)["cache_ttl_s"]?.doubleValue == 45)
            let again = try await h.post("/v1/chat/completions", json: chatBody("What time is it in Tokyo right now?"))
            #expect(again.cacheStatus == "HIT-EXACT")
        }
        try await CacheHarness.with(configure: { c, _ in
            c.cacheSettings.cache.timeSensitivityEnabled = false
        }) { (h: Harness) async throws in
            let reply = try await h.post("/v1/chat/completions", json: chatBody("What time is it in Tokyo right now?"))
            #expect(reply.cacheStatus == "MISS")
            #expect(try Self.gateway(reply)["cache_ttl_reason"]?.stringValue == "default")
        }
    }
}
