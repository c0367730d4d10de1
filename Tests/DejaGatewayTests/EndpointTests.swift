import DejaWire
import NIOHTTP1
import NIOCore
import Logging
import DejaGateway
import DejaProviders
import DejaSim
import Testing

@Suite struct EndpointTests {
    @Test func embeddingsAreForwardedToTheProvider() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/embeddings", json: #"{"model":"text-embedding-3-small","input":["alpha","beta"]}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-provider") == "sim")
            let data = try #require(try reply.json()["data"]?.arrayValue)
            #expect(data.count == 2)
            #expect(h.sim.stats().openAIEmbeddings == 1)
        }
    }

    @Test(arguments: [
        (#"{"input":"x"}"#, "'model'"),
        (#"{"model":"text-embedding-3-small"}"#, "'input'"),
        (#"{"model":"text-embedding-3-small","input":[]}"#, "must not be empty"),
        (#"{"model":"text-embedding-3-small","input":{"a":1}}"#, "'input' must be"),
        (#"{"model":"text-embedding-3-small","input":"x","encoding_format":"hex"}"#, "encoding_format"),
    ])
    func invalidEmbeddingRequests(_ body: String, _ fragment: String) async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/embeddings", json: body)
            #expect(reply.status == 400)
            let message = try reply.errorObject()["message"]?.stringValue ?? ""
            #expect(message.contains(fragment))
        }
    }

    @Test func modelsListsTheCatalogue() async throws {
        try await Harness.with { h in
            let reply = try await h.send(.GET, "/v1/models")
            #expect(reply.status == 200)
            let ids = try #require(try reply.json()["data"]?.arrayValue).compactMap { $0.objectValue?["id"]?.stringValue }
            #expect(ids.contains("sim/gpt-4o-mini"))
            #expect(ids.contains("sim/text-embedding-3-small"))
        }
    }

    @Test func healthReportsProvidersAndReadiness() async throws {
        try await Harness.with { h in
            let before = try await h.send(.GET, "/health")
            #expect(before.status == 200)
            let providers = try #require(try before.json()["providers"]?.arrayValue)
            #expect(providers.first?.objectValue?["name"] == .string("sim"))
            #expect(providers.first?.objectValue?["status"] == .string("unknown"))
            _ = try await h.post("/v1/chat/completions", json: chatBody())
            let after = try await h.send(.GET, "/health")
            #expect(after.text.contains(#""status":"healthy""#))
            #expect(try await h.send(.GET, "/health/live").status == 200)
            #expect(try await h.send(.GET, "/health/ready").status == 200)
        }
    }

    @Test func notReadyWithoutProviders() async throws {
        try await Harness.with(configure: { c, _ in
            c.providers = []
            c.defaultProvider = nil
        }) { (h: Harness) async throws in
            let ready = try await h.send(.GET, "/health/ready")
            #expect(ready.status == 503)
            let live = try await h.send(.GET, "/health/live")
            #expect(live.status == 200)
        }
    }

    @Test func corsPreflightAndExposedHeaders() async throws {
        try await Harness.with { h in
            let preflight = try await h.send(
                .OPTIONS, "/v1/chat/completions",
                headers: [("origin", "https://app.example"), ("access-control-request-method", "POST")])
            #expect((200..<300).contains(preflight.status))
            #expect(preflight.headers.first(name: "access-control-allow-origin") == "*")
            #expect(preflight.headers.first(name: "access-control-allow-methods")?.contains("POST") == true)
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("origin", "https://app.example")])
            #expect(reply.headers.first(name: "access-control-allow-origin") == "*")
            #expect(reply.headers.first(name: "access-control-expose-headers")?.contains("X-Cache") == true)
        }
    }
}

@Suite struct MetricsTests {
    @Test func metricsUseTheContractNames() async throws {
        try await CacheHarness.with { h in
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
            _ = try await h.send(.GET, "/nowhere/\(Int.random(in: 0..<1000))")
            let reply = try await h.send(.GET, "/metrics")
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
            let text = reply.text
            for name in [
                "llm_gateway_http_requests_total", "llm_gateway_http_request_duration_seconds_bucket", "llm_gateway_cache_lookup_duration_seconds_bucket",
                "llm_gateway_embedding_duration_seconds_bucket", "llm_gateway_cache_misses_total", "llm_gateway_cache_entries",
                "llm_gateway_coalesced_requests_total",
            ] {
                #expect(text.contains(name), "\(name) missing")
            }
            #expect(text.contains(#"llm_gateway_cache_hits_total{kind="exact"} 1"#))
            // One upstream call (the miss); the hit made none.
            let latencyCounts = text.split(separator: "\n").filter { $0.hasPrefix(#"llm_gateway_provider_latency_seconds_count{provider="sim","#) }
            #expect(latencyCounts.count == 1 && latencyCounts[0].hasSuffix(" 1"), "\(latencyCounts)")
            #expect(text.contains(#"llm_gateway_cache_entries 1"#))
            #expect(text.contains(#"route="other""#))
            #expect(!text.contains("/nowhere/"))
        }
    }
}
