import DejaWire
import AsyncHTTPClient
import DejaCache
import DejaProviders
import DejaSim
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import DejaGateway

/// The cache's memory bounds on the real request path: per-tenant quotas, the entry size cap and
/// the coalescer's bounds.
@Suite struct MemoryBoundsTests {
    static func cache(_ h: Harness) throws -> SemanticCache { try #require(h.gateway.gateway.front).cache }

    @Test func aTenantFloodingItsScopeNeverEvictsAnotherTenant() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.tenants = [TenantKey(key: "key-a", tenant: "alpha"), TenantKey(key: "key-b", tenant: "beta")]
            c.cacheSettings.cache.perScopeMaxEntries = 3
        }) { (h: Harness) async throws in
            let a = [("authorization", "Bearer key-a")]
            let b = [("authorization", "Bearer key-b")]
            let betaQuestions = ["What is a mutex?", "How does TCP slow start work?"]
            for q in betaQuestions {
                #expect(try await h.post("/v1/chat/completions", json: chatBody(q), headers: b).cacheStatus == "MISS")
            }
            let flood = [
                "Explain photosynthesis in plants", "Who painted the Mona Lisa?", "What is the boiling point of water at sea level?",
                "How do vaccines train the immune system?", "What causes ocean tides?", "Describe the rules of chess castling",
                "What is the capital of Australia?", "How does a jet engine produce thrust?",
            ]
            for q in flood {
                let reply = try await h.post("/v1/chat/completions", json: chatBody(q), headers: a)
                #expect(reply.status == 200)
                #expect(reply.cacheStatus == "MISS", "\(q)")
                #expect(try Self.cache(h).usage(scope: "tenant:alpha").entries <= 3)
            }
            #expect(try Self.cache(h).usage(scope: "tenant:alpha").entries == 3)
            #expect(try Self.cache(h).usage(scope: "tenant:beta").entries == 2)
            #expect(try Self.cache(h).entryCount == 5)
            // beta's entries all stayed and still hit.
            for q in betaQuestions {
                let reply = try await h.post("/v1/chat/completions", json: chatBody(q), headers: b)
                #expect(reply.status == 200)
                #expect(reply.cacheStatus == "HIT-EXACT", "\(q)")
            }
            // alpha's newest three are held, its oldest went.
            #expect(try await h.post("/v1/chat/completions", json: chatBody(flood.last!), headers: a).cacheStatus == "HIT-EXACT")
            #expect(try await h.post("/v1/chat/completions", json: chatBody(flood[0]), headers: a).cacheStatus == "MISS")
            #expect(h.sim.stats().openAIChat == betaQuestions.count + flood.count + 1)
        }
    }

    @Test func anAnswerOverTheEntryCapIsServedButNotStored() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.maxEntryBytes = 8192 }) { (h: Harness) async throws in
            let long = chatBody("Write a long essay on the history of bridges")
            for _ in 0..<2 {
                let reply = try await h.post("/v1/chat/completions", json: long, headers: [("x-sim-tokens", "2000")])
                #expect(reply.status == 200)
                #expect(reply.cacheStatus == "MISS")
                #expect(try reply.assistantText().split(separator: " ").count >= 1500)
            }
            #expect(try Self.cache(h).oversizeEntriesSkipped == 2)
            #expect(try Self.cache(h).entryCount == 0)
            let short = chatBody("Name one bridge")
            #expect(try await h.post("/v1/chat/completions", json: short, headers: [("x-sim-tokens", "5")]).cacheStatus == "MISS")
            #expect(try await h.post("/v1/chat/completions", json: short, headers: [("x-sim-tokens", "5")]).cacheStatus == "HIT-EXACT")
            #expect(try Self.cache(h).entryCount == 1)
            #expect(h.sim.stats().openAIChat == 3)
        }
    }

    @Test func aFullFlightStartsAnotherUpstreamCall() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.coalescingMaxFollowersPerFlight = 4 }) { (h: Harness) async throws in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await h.post(
                            "/v1/chat/completions", json: chatBody("Explain the Doppler effect"), headers: [("x-sim-latency-ms", "1500")]
                        ).status
                    }
                }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses == Array(repeating: 200, count: 20))
            // One leader and at most four followers per call.
            #expect(h.sim.stats().openAIChat == 4)
            let stats = try await h.send(.GET, "/api/cache/stats")
            #expect(try stats.json()["coalesced"]?.intValue == 16)
            #expect(try #require(h.gateway.gateway.front).coalescer.followers == 0)
        }
    }

    @Test func aStreamPastTheJoinBufferIsNotJoinedLate() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.coalescingMaxBufferedBytes = 1000 }) { (h: Harness) async throws in
            let body = chatBody("Tell a long story about a river", extra: #""stream":true"#)
            let headers = [("x-sim-tokens", "60"), ("x-sim-token-ms", "20")]
            var request = HTTPClientRequest(url: h.base + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await h.client.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 200)
            var early: [UInt8] = []
            var late: Harness.Reply?
            for try await buffer in response.body {
                early.append(contentsOf: buffer.readableBytesView)
                // Well past 1000 bytes of chunks (and far from the end): the flight dropped its
                // buffer, so an identical request cannot join it.
                if late == nil, early.count > 3000 {
                    late = try await h.post("/v1/chat/completions", json: body, headers: headers)
                }
            }
            let lateReply = try #require(late)
            #expect(lateReply.status == 200)
            #expect(try Harness.events(early).last?.isDoneSentinel == true)
            #expect(try Harness.events(lateReply.body).last?.isDoneSentinel == true)
            let earlyReply = Harness.Reply(status: 200, headers: response.headers, body: early)
            #expect(try lateReply.assistantText() == earlyReply.assistantText())
            // The late request could not be given the dropped chunks: it made its own call.
            #expect(h.sim.stats().openAIChatStream == 2)
        }
    }
}
