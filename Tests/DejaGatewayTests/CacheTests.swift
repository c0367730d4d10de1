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
import DejaReliability
import DejaWire

/// The semantic cache on the request path, end to end against the simulator.
@Suite struct CacheTests {
    @Test func exactRepeatIsServedFromTheCache() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let first = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            #expect(first.status == 200)
            #expect(first.cacheStatus == "MISS")
            let second = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            #expect(second.status == 200)
            #expect(second.cacheStatus == "HIT-EXACT")
            #expect(second.headers.first(name: "x-cached") == "true")
            #expect(try second.assistantText() == first.assistantText())
            let a = try first.json()
            let b = try second.json()
            #expect(a.text("id") != b.text("id"))
            let gateway = try #require(b["x-gateway"]?.objectValue)
            #expect(gateway["cache_hit"] == .bool(true))
            #expect(gateway["cache_entry_id"]?.stringValue != nil)
            #expect(gateway["latency_saved_ms"]?.doubleValue != nil)
            #expect(h.sim.stats().openAIChat == 1)
        }
    }

    @Test func paraphraseIsASemanticHit() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let first = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            let second = try await h.post("/v1/chat/completions", json: chatBody("Can you explain what a memory leak is?"))
            #expect(second.cacheStatus == "HIT-SEMANTIC")
            let similarity = try #require(second.headers.first(name: "x-cache-similarity").flatMap(Double.init))
            #expect(similarity >= 0.95 && similarity <= 1)
            #expect(try second.assistantText() == first.assistantText())
            #expect(h.sim.stats().openAIChat == 1)
        }
    }

    @Test(arguments: [
        ("How do I convert a list to a set in Python?", "How do I convert a set to a list in Python?"),
        ("Convert 10 inches to centimeters.", "Convert 10 centimeters to inches."),
        ("Who won the Nobel Prize in Physics in 2020?", "Who won the Nobel Prize in Physics in 2021?"),
    ])
    func nearMissesFromThePublicPairsAreMisses(_ a: String, _ b: String) async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody(a))
            let second = try await h.post("/v1/chat/completions", json: chatBody(b))
            #expect(second.cacheStatus == "MISS")
            #expect(h.sim.stats().openAIChat == 2)
        }
    }

    /// Per-request presets reach the verifier: the public paraphrases at cosine 0.90–0.95 hit with
    /// `balanced` (its chain decides; the default strict chain would reject the sore-throat pair,
    /// see ThresholdVerifierModelTests), and near-misses stay misses even with `aggressive`.
    @Test(arguments: [
        ("Write a short poem about rain.", "Compose a brief poem on the subject of rain.", "balanced", "HIT-SEMANTIC"),
        ("How can I get rid of a sore throat?", "What are remedies for a sore throat?", "balanced", "HIT-SEMANTIC"),
        ("How do I turn on dark mode?", "How do I turn off dark mode?", "aggressive", "MISS"),
        ("How do I convert a list to a set in Python?", "How do I convert a set to a list in Python?", "aggressive", "MISS"),
    ])
    func perRequestPresetsChooseTheVerifier(_ a: String, _ b: String, _ preset: String, _ expected: String) async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody(a))
            let second = try await h.post("/v1/chat/completions", json: chatBody(b), headers: [("x-cache-threshold", preset)])
            #expect(second.cacheStatus == expected, "\(a) | \(b) @ \(preset)")
            #expect(h.sim.stats().openAIChat == (expected == "MISS" ? 2 : 1))
        }
    }

    @Test func tenantsNeverSeeEachOthersEntries() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.tenants = [TenantKey(key: "key-a", tenant: "alpha"), TenantKey(key: "key-b", tenant: "beta"), TenantKey(key: "key-c", tenant: "gamma")]
            c.cacheSettings.cache.sharedScopeTenants = ["beta", "gamma"]
        }) { (h: Harness) async throws in
            let body = chatBody("What is a memory leak?")
            let a = try await h.post("/v1/chat/completions", json: body, headers: [("authorization", "Bearer key-a")])
            #expect(a.cacheStatus == "MISS")
            let b = try await h.post("/v1/chat/completions", json: body, headers: [("authorization", "Bearer key-b")])
            #expect(b.cacheStatus == "MISS")
            // With keys configured there is no anonymous caller.
            let anonymous = try await h.post("/v1/chat/completions", json: body)
            #expect(anonymous.status == 401)
            let again = try await h.post("/v1/chat/completions", json: body, headers: [("authorization", "Bearer key-a")])
            #expect(again.cacheStatus == "HIT-EXACT")
            // beta and gamma opted into one shared scope.
            let gamma = try await h.post("/v1/chat/completions", json: body, headers: [("authorization", "Bearer key-c")])
            #expect(gamma.cacheStatus == "HIT-EXACT")
            let wrong = try await h.post("/v1/chat/completions", json: body, headers: [("authorization", "Bearer nope")])
            #expect(wrong.status == 401)
            #expect(h.sim.stats().openAIChat == 2)
        }
    }

    @Test func differentSystemPromptsOrEarlierTurnsDoNotMatch() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            func body(system: String, earlier: String?) -> String {
                var messages = #"{"role":"system","content":"\#(system)"}"#
                if let earlier { messages += #",{"role":"user","content":"\#(earlier)"},{"role":"assistant","content":"Sure."}"# }
                messages += #",{"role":"user","content":"What is a memory leak?"}"#
                return #"{"model":"gpt-4o-mini","messages":[\#(messages)]}"#
            }
            _ = try await h.post("/v1/chat/completions", json: body(system: "You are terse.", earlier: nil))
            let otherSystem = try await h.post("/v1/chat/completions", json: body(system: "You are a pirate.", earlier: nil))
            #expect(otherSystem.cacheStatus == "MISS")
            let otherHistory = try await h.post("/v1/chat/completions", json: body(system: "You are terse.", earlier: "Hi"))
            #expect(otherHistory.cacheStatus == "MISS")
            let otherParams = try await h.post(
                "/v1/chat/completions", json: #"{"model":"gpt-4o-mini","temperature":0.1,"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is a memory leak?"}]}"#)
            #expect(otherParams.cacheStatus == "MISS")
            let same = try await h.post("/v1/chat/completions", json: body(system: "You are terse.", earlier: nil))
            #expect(same.cacheStatus == "HIT-EXACT")
        }
    }

    @Test func expiredEntriesNeverServe() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody("Explain TCP slow start"), headers: [("x-cache-ttl", "1")])
            let fresh = try await h.post("/v1/chat/completions", json: chatBody("Explain TCP slow start"))
            #expect(fresh.cacheStatus == "HIT-EXACT")
            try await Task.sleep(for: .milliseconds(1300))
            let expired = try await h.post("/v1/chat/completions", json: chatBody("Explain TCP slow start"))
            #expect(expired.cacheStatus == "MISS")
        }
    }

    @Test func leastRecentlyUsedEntriesAreEvicted() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.maxEntries = 2 }) { (h: Harness) async throws in
            for q in ["What is DNS?", "What is BGP?", "What is ARP?"] {
                _ = try await h.post("/v1/chat/completions", json: chatBody(q))
            }
            #expect(try await h.post("/v1/chat/completions", json: chatBody("What is ARP?")).cacheStatus == "HIT-EXACT")
            #expect(try await h.post("/v1/chat/completions", json: chatBody("What is DNS?")).cacheStatus == "MISS")
            let stats = try await h.send(.GET, "/api/cache/stats")
            #expect(try stats.json()["evictions"]?.intValue ?? 0 >= 1)
            #expect(try stats.json()["entries"]?.intValue == 2)
        }
    }

    @Test func streamingHitIsAWellFormedReplay() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let first = try await h.post("/v1/chat/completions", json: chatBody("Describe the water cycle"))
            let replay = try await h.post(
                "/v1/chat/completions", json: chatBody("Describe the water cycle", extra: #""stream":true,"stream_options":{"include_usage":true}"#))
            #expect(replay.cacheStatus == "HIT-EXACT")
            #expect(replay.headers.first(name: "content-type") == "text/event-stream")
            let events = try Harness.events(replay.body)
            #expect(events.last?.isDoneSentinel == true)
            let firstChunk = try #require(try JSONParser.parse(events[0].data).objectValue)
            #expect(firstChunk["choices"]?.arrayValue?.first?.objectValue?["delta"]?.objectValue?["role"] == .string("assistant"))
            let usageChunk = try #require(try JSONParser.parse(events[events.count - 2].data).objectValue)
            #expect(usageChunk["choices"] == .array([]))
            #expect(usageChunk["usage"]?.objectValue != nil)
            #expect(try replay.assistantText() == first.assistantText())
        }
    }

    @Test func streamedAnswersAreStoredAndAbortedStreamsAreNot() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let cut = try await h.post(
                "/v1/chat/completions", json: chatBody("Name three rivers", extra: #""stream":true"#), headers: [("x-sim-truncate-stream", "3")])
            #expect(Harness.streamError(try Harness.events(cut.body)) != nil)
            let streamed = try await h.post("/v1/chat/completions", json: chatBody("Name three rivers", extra: #""stream":true"#))
            #expect(streamed.cacheStatus == "MISS")
            // No usage chunk for a client that did not ask, though the gateway asked upstream.
            for event in try Harness.events(streamed.body).dropLast() {
                #expect(try JSONParser.parse(event.data).objectValue?["choices"] != .array([]))
            }
            let json = try await h.post("/v1/chat/completions", json: chatBody("Name three rivers"))
            #expect(json.cacheStatus == "HIT-EXACT")
            #expect(try json.assistantText() == streamed.assistantText())
            #expect(h.sim.stats().openAIChatStream == 2)
            #expect(h.sim.stats().openAIChat == 0)
        }
    }

    @Test func noCacheSkipsTheLookupAndNoStoreSkipsStoring() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a mutex?"))
            let skipped = try await h.post("/v1/chat/completions", json: chatBody("What is a mutex?"), headers: [("cache-control", "no-cache")])
            #expect(skipped.cacheStatus == "BYPASS")
            let skippedByBody = try await h.post("/v1/chat/completions", json: chatBody("What is a mutex?", extra: #""x-cache":false"#))
            #expect(skippedByBody.cacheStatus == "BYPASS")
            // The gateway-only member never reaches the provider.
            #expect(h.sim.recordedRequests().last?.bodyString.contains("x-cache") == false)
            #expect(h.sim.stats().openAIChat == 3)

            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a semaphore?"), headers: [("cache-control", "no-store")])
            let after = try await h.post("/v1/chat/completions", json: chatBody("What is a semaphore?"))
            #expect(after.cacheStatus == "MISS")
        }
    }

    @Test func requestsThatCannotBeCachedBypass() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let n2 = try await h.post("/v1/chat/completions", json: chatBody("Two answers please", extra: #""n":2"#))
            #expect(n2.cacheStatus == "BYPASS")
            let image = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}"#
            #expect(try await h.post("/v1/chat/completions", json: image).cacheStatus == "BYPASS")
            let hot = try await h.post("/v1/chat/completions", json: chatBody("Write a poem", extra: #""temperature":1.8"#))
            #expect(hot.cacheStatus == "BYPASS")
            let badTTL = try await h.post("/v1/chat/completions", json: chatBody("x"), headers: [("x-cache-ttl", "-5")])
            #expect(badTTL.status == 400)
            let badThreshold = try await h.post("/v1/chat/completions", json: chatBody("x"), headers: [("x-cache-threshold", "0.2")])
            #expect(badThreshold.status == 400)
            let stats = try await h.send(.GET, "/api/cache/stats")
            #expect(try stats.json()["bypasses"]?.intValue == 3)
        }
    }

    @Test func concurrentIdenticalRequestsShareOneUpstreamCall() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await h.post("/v1/chat/completions", json: chatBody("Explain quantum tunnelling"), headers: [("x-sim-latency-ms", "500")])
                    }
                }
                var all: [Harness.Reply] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(h.sim.stats().openAIChat == 1)
            let texts = Set(try replies.map { try $0.assistantText() })
            #expect(texts.count == 1)
            let stats = try await h.send(.GET, "/api/cache/stats")
            let coalesced = try stats.json()["coalesced"]?.intValue ?? 0
            let hits = try stats.json()["hits"]?.objectValue?["exact"]?.intValue ?? 0
            #expect(coalesced == 99, "coalesced \(coalesced), hits \(hits)")
        }
    }

    @Test func streamingFollowersReceiveTheLeadersChunks() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await h.post(
                            "/v1/chat/completions", json: chatBody("Tell a long story", extra: #""stream":true"#),
                            headers: [("x-sim-token-ms", "10"), ("x-sim-tokens", "40")])
                    }
                }
                var all: [Harness.Reply] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(h.sim.stats().openAIChatStream == 1)
            let texts = Set(try replies.map { try $0.assistantText() })
            #expect(texts.count == 1)
            #expect(replies.allSatisfy { (try? Harness.events($0.body).last?.isDoneSentinel) == true })
        }
    }

    @Test func upstreamFailureReachesEveryFollower() async throws {
        // One attempt per request, so that the count below is the flight's one upstream call.
        try await CacheHarness.with(configure: { c, _ in c.reliability.executor.retry.maxAttempts = 1 }) { (h: Harness) async throws in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await h.post(
                            "/v1/chat/completions", json: chatBody("Will this fail?"), headers: [("x-sim-latency-ms", "1500"), ("x-sim-status", "500")]
                        ).status
                    }
                }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == 502 })
            #expect(h.sim.stats().openAIChat == 1)
        }
    }

    @Test func idempotencyKeysReplayAndConflict() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.enabled = false }) { (h: Harness) async throws in
            let key = ("x-idempotency-key", "order-42")
            let first = try await h.post("/v1/chat/completions", json: chatBody("Place my order"), headers: [key])
            #expect(first.headers.first(name: "x-idempotent-replay") == nil)
            let replay = try await h.post("/v1/chat/completions", json: chatBody("Place my order"), headers: [key])
            #expect(replay.status == 200)
            #expect(replay.headers.first(name: "x-idempotent-replay") == "true")
            #expect(replay.body == first.body)
            let conflict = try await h.post("/v1/chat/completions", json: chatBody("Cancel my order"), headers: [key])
            #expect(conflict.status == 422)
            #expect(try conflict.errorObject().text("code") == "idempotency_key_conflict")
            #expect(h.sim.stats().openAIChat == 1)

            // Concurrent duplicates wait for the first.
            let concurrent = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await h.post("/v1/chat/completions", json: chatBody("Book a table"), headers: [("x-idempotency-key", "t-1"), ("x-sim-latency-ms", "300")])
                    }
                }
                var all: [Harness.Reply] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(Set(concurrent.map(\.body)).count == 1)
            #expect(concurrent.filter { $0.headers.first(name: "x-idempotent-replay") == "true" }.count == 4)
            #expect(h.sim.stats().openAIChat == 2)
        }
    }

    @Test func invalidationRemovesEntries() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            for q in ["What is Rust ownership?", "What is a Python decorator?", "What is a Go channel?"] {
                _ = try await h.post("/v1/chat/completions", json: chatBody(q))
            }
            let byQuery = try await h.post("/api/cache/invalidate", json: #"{"query":"Explain ownership in Rust","threshold":0.6}"#)
            #expect(try byQuery.json()["removed"]?.intValue == 1)
            #expect(try await h.post("/v1/chat/completions", json: chatBody("What is Rust ownership?")).cacheStatus == "MISS")
            let hit = try await h.post("/v1/chat/completions", json: chatBody("What is a Go channel?"))
            let entryID = try #require(try hit.json()["x-gateway"]?.objectValue?.text("cache_entry_id"))
            let byID = try await h.post("/api/cache/invalidate", json: #"{"entry_id":"\#(entryID)"}"#)
            #expect(try byID.json()["removed"]?.intValue == 1)
            let byModel = try await h.post("/api/cache/invalidate", json: #"{"model":"gpt-4o-mini"}"#)
            #expect(try byModel.json()["removed"]?.intValue ?? 0 >= 1)
            let all = try await h.post("/api/cache/invalidate", json: #"{"all":true}"#)
            #expect(try all.json()["removed"]?.intValue == 0)
            let bad = try await h.post("/api/cache/invalidate", json: #"{"everything":true}"#)
            #expect(bad.status == 400)
        }
    }

    @Test func statsReportCountersAndLookupTimes() async throws {
        try await CacheHarness.with { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            _ = try await h.post("/v1/chat/completions", json: chatBody("Can you explain what a memory leak is?"))
            let stats = try await h.send(.GET, "/api/cache/stats")
            let s = try stats.json()
            #expect(s["entries"]?.intValue == 1)
            #expect(s["hits"]?.objectValue?["exact"]?.intValue == 1)
            #expect(s["hits"]?.objectValue?["semantic"]?.intValue == 1)
            #expect(s["misses"]?.intValue == 1)
            #expect(s["lookup_ms"]?.objectValue?["count"]?.intValue == 3)
            #expect(s["top_namespaces"]?.arrayValue?.first?.objectValue?["index"] == .string("flat"))
        }
    }

    @Test func adminTokenGuardsTheCacheAPI() async throws {
        try await CacheHarness.with(configure: { c, _ in c.adminTokenHash = Array(SHA.sha256("s3cret")) }) { (h: Harness) async throws in
            #expect(try await h.send(.GET, "/api/cache/stats").status == 401)
            #expect(try await h.send(.GET, "/api/cache/stats", headers: [("authorization", "Bearer wrong")]).status == 401)
            #expect(try await h.send(.GET, "/api/cache/stats", headers: [("authorization", "Bearer s3cret")]).status == 200)
        }
    }
}
