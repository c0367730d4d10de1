import DejaWire
import DejaCache
import DejaGateway
import DejaProviders
import DejaSim
import Foundation
import NIOHTTP1
import Testing

/// `POST /api/cache/feedback`, and the verifier end to end.
@Suite struct FeedbackTests {
    @Test func aReportedWrongHitIsEvictedAndItsPairNeverMatchesAgain() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.feedbackRaisesThreshold = true }) { (h: Harness) async throws in
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            let hit = try await h.post("/v1/chat/completions", json: chatBody("Can you explain what a memory leak is?"))
            #expect(hit.cacheStatus == "HIT-SEMANTIC")
            let id = try hit.json().text("id")
            let report = try await h.post("/api/cache/feedback", json: #"{"completion_id":"\#(id)","correct":false}"#)
            #expect(report.status == 200, "\(report.text)")
            #expect(try report.json()["evicted"] == .bool(true))
            #expect(try report.json()["namespace_threshold"]?.doubleValue == 0.96)
            // The entry is gone; the paraphrase is now a miss, and stays one even after the
            // original question is stored again.
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            let again = try await h.post("/v1/chat/completions", json: chatBody("Can you explain what a memory leak is?"))
            #expect(again.cacheStatus == "MISS")
            let stats = try await h.send(.GET, "/api/cache/stats")
            #expect(try stats.json()["reported_wrong_hits"]?.intValue == 1)
            // The second paraphrase still reached the candidate stage and was refused as a reported pair.
            #expect(try stats.json()["verifier_rejections"]?.objectValue?["feedback"]?.intValue == 1)
        }
    }

    @Test func freshAnswersCanBeReportedToo() async throws {
        try await CacheHarness.with { h in
            let fresh = try await h.post("/v1/chat/completions", json: chatBody("What is the capital of Peru?"))
            let id = try fresh.json().text("id")
            let ok = try await h.post("/api/cache/feedback", json: #"{"completion_id":"\#(id)","correct":true}"#)
            #expect(try ok.json()["evicted"] == .bool(false))
            #expect(try await h.post("/v1/chat/completions", json: chatBody("What is the capital of Peru?")).cacheStatus == "HIT-EXACT")
            let wrong = try await h.post("/api/cache/feedback", json: #"{"completion_id":"\#(id)","correct":false}"#)
            #expect(try wrong.json()["evicted"] == .bool(true))
            #expect(try await h.post("/v1/chat/completions", json: chatBody("What is the capital of Peru?")).cacheStatus == "MISS")
        }
    }

    @Test func feedbackValidatesItsInputAndScope() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.tenants = [TenantKey(key: "key-a", tenant: "alpha"), TenantKey(key: "key-b", tenant: "beta")]
        }) { (h: Harness) async throws in
            let fresh = try await h.post("/v1/chat/completions", json: chatBody("Define entropy"), headers: [("authorization", "Bearer key-a")])
            let id = try fresh.json().text("id")
            let otherTenant = try await h.post(
                "/api/cache/feedback", json: #"{"completion_id":"\#(id)","correct":false}"#, headers: [("authorization", "Bearer key-b")])
            #expect(otherTenant.status == 404)
            let alpha = [("authorization", "Bearer key-a")]
            #expect(try await h.post("/api/cache/feedback", json: #"{"correct":false}"#, headers: alpha).status == 400)
            #expect(try await h.post("/api/cache/feedback", json: #"{"completion_id":"x","correct":"no"}"#, headers: alpha).status == 400)
            #expect(try await h.post("/api/cache/feedback", json: #"{"completion_id":"nope","correct":false}"#, headers: alpha).status == 404)
            // Without a key, with keys configured: refused before anything is read.
            #expect(try await h.post("/api/cache/feedback", json: #"{"completion_id":"nope","correct":false}"#).status == 401)
            let own = try await h.post(
                "/api/cache/feedback", json: #"{"completion_id":"\#(id)","correct":false}"#, headers: [("authorization", "Bearer key-a")])
            #expect(own.status == 200)
        }
    }

    @Test func exactAndTriviallyReformattedRepeatsAlwaysHit() async throws {
        try await CacheHarness.with { h in
            _ = try await h.post("/v1/chat/completions", json: chatBody("How do I reverse a list in Python?"))
            for variant in ["how do I reverse a list in python?", "How do I reverse a list in Python", "How  do I   reverse a list in Python ?"] {
                let reply = try await h.post("/v1/chat/completions", json: chatBody(variant))
                #expect(reply.cacheStatus?.hasPrefix("HIT") == true, "\(variant): \(reply.cacheStatus ?? "nil")")
            }
        }
    }
}

@Suite struct LocalEmbeddingsTests {
    @Test func localModelAnswersInProcess() async throws {
        try await CacheHarness.with { h in
            let reply = try await h.post("/v1/embeddings", json: #"{"model":"all-MiniLM-L6-v2","input":["The cat sat.","A dog ran."]}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-provider") == "local")
            let body = try reply.json()
            let data = try #require(body["data"]?.arrayValue)
            #expect(data.count == 2)
            let vector = try #require(data[0].objectValue?["embedding"]?.arrayValue)
            #expect(vector.count == 384)
            let norm = vector.compactMap(\.doubleValue).reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-3)
            #expect(body["usage"]?.objectValue?["prompt_tokens"]?.intValue ?? 0 > 0)
            #expect(h.sim.stats().totalRequests == 0)

            let b64 = try await h.post("/v1/embeddings", json: #"{"model":"local","input":"The cat sat.","encoding_format":"base64"}"#)
            let encoded = try #require(try b64.json()["data"]?.arrayValue?.first?.objectValue?.text("embedding"))
            #expect(Data(base64Encoded: encoded)?.count == 384 * 4)

            let tokens = try await h.post("/v1/embeddings", json: #"{"model":"local","input":[[1,2,3]]}"#)
            #expect(tokens.status == 400)
            let tooMany = "[" + Array(repeating: "\"x\"", count: 2049).joined(separator: ",") + "]"
            let big = try await h.post("/v1/embeddings", json: #"{"model":"local","input":\#(tooMany)}"#)
            #expect(big.status == 400)
        }
    }
}
