import DejaCache
import DejaEmbedding
@testable import DejaGateway
import DejaReliability
import DejaRouting
import DejaSim
import DejaWire
import Foundation
import NIOHTTP1
import Testing

/// Virtual models end to end through deja-sim: three providers (two wire formats) with three
/// prices; the router picks, the executor answers, the report says why.
@Suite struct RoutingTests {
    static let adminToken = "routing-admin-token-0123456789"

    static func model(_ id: String, provider: String, input: Double, output: Double, quality: Double) -> CatalogueModel {
        CatalogueModel(
            id: id, provider: provider, upstream: id + "-upstream", price: Pricing(input: input, output: output, cachedInput: input / 4),
            quality: Dictionary(uniqueKeysWithValues: TaskFamily.allCases.map { ($0, quality) }), contextWindow: 100_000,
            capabilities: [.tools, .jsonMode, .streaming, .vision])
    }

    static func threeProviders(_ c: inout GatewayConfiguration, _ simURL: String, cheapURL: String? = nil) {
        c.providers = [
            ProviderSettings(name: "budget", kind: .openai, baseURL: cheapURL ?? simURL + "/v1", apiKey: "k", forwardHeaders: ["x-sim-"], catalogueProviders: ["groq"]),
            ProviderSettings(name: "middle", kind: .openai, baseURL: simURL + "/v1", apiKey: "k", forwardHeaders: ["x-sim-"], catalogueProviders: ["openai"]),
            ProviderSettings(name: "premium", kind: .anthropic, baseURL: simURL, apiKey: "k", forwardHeaders: ["x-sim-"], catalogueProviders: ["anthropic"]),
        ]
        c.defaultProvider = nil
        c.routing.catalogue = ModelCatalogue(models: [
            model("small", provider: "groq", input: 0.05, output: 0.1, quality: 0.9),
            model("medium", provider: "openai", input: 1, output: 4, quality: 0.93),
            model("large", provider: "anthropic", input: 10, output: 40, quality: 0.97),
            // Cheapest and retired: never picked.
            CatalogueModel(
                id: "retired", provider: "groq", price: Pricing(input: 0.001, output: 0.001), quality: [.general: 0.99],
                contextWindow: 100_000, deprecationDate: "2020-01-01"),
        ])
        c.routing.headEnabled = false
        c.adminTokenHash = SecretHash.sha256(adminToken)
    }

    static func decision(_ reply: Harness.Reply) throws -> JSONObject {
        try #require(try reply.json()["x-gateway"]?.objectValue?["routing_decision"]?.objectValue)
    }

    @Test func eachVirtualModelAnswersWithTheModelItsStrategyPrefers() async throws {
        try await Harness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let cheap = try await h.post("/v1/chat/completions", json: chatBody("What is the capital of France?", model: "cheap"))
            #expect(cheap.status == 200, "\(cheap.text)")
            #expect(cheap.headers.first(name: "x-provider") == "budget")
            #expect(cheap.headers.first(name: "x-model") == "small-upstream")
            #expect(cheap.headers.first(name: "x-virtual-model") == "cheap")
            #expect(cheap.headers.first(name: "x-routing-strategy") == "cost")
            let d = try Self.decision(cheap)
            #expect(d["chosen"] == .string("small"))
            #expect(d["strategy"] == .string("cost"))
            #expect(d["virtual_model"] == .string("cheap"))
            #expect(d["runners_up"]?.arrayValue?.count == 2)
            let best = try await h.post("/v1/chat/completions", json: chatBody("What is the capital of France?", model: "quality"))
            #expect(best.headers.first(name: "x-provider") == "premium")
            #expect(try Self.decision(best)["chosen"] == .string("large"))
            // The cost comes from the simulator's reported usage at the catalogue's price.
            let gateway = try #require(try cheap.json()["x-gateway"]?.objectValue)
            let usage = try #require(try cheap.json()["usage"]?.objectValue)
            let expected = (Double(usage["prompt_tokens"]?.intValue ?? 0) * 0.05 + Double(usage["completion_tokens"]?.intValue ?? 0) * 0.1) / 1e6
            #expect(abs((gateway["cost_usd"]?.doubleValue ?? -1) - expected) < 1e-9)
            #expect(expected > 0)
            let metrics = try await h.send(.GET, "/metrics")
            #expect(metrics.text.contains("llm_gateway_cost_usd_total"))
        }
    }

    @Test func routingControlsSteerTheDecisionAndNeverReachTheUpstream() async throws {
        try await Harness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let body = #"{"model":"auto","x-routing-strategy":"quality","messages":[{"role":"user","content":"hello"}]}"#
            let reply = try await h.post("/v1/chat/completions", json: body, headers: [("x-prefer-provider", "openai")])
            #expect(reply.status == 200, "\(reply.text)")
            let d = try Self.decision(reply)
            #expect(d["strategy"] == .string("quality"))
            #expect(d["chosen"] == .string("medium"))
            #expect(reply.headers.first(name: "x-provider") == "middle")
            let sent = try #require(h.sim.recordedRequests().last)
            let upstream = String(decoding: sent.body, as: UTF8.self)
            #expect(!upstream.contains("x-routing-strategy") && !upstream.contains("x-prefer-provider"))
            #expect(upstream.contains("medium-upstream"))
            // An unknown strategy is the client's mistake, named.
            let bad = try await h.post("/v1/chat/completions", json: chatBody("hello", model: "auto"), headers: [("x-routing-strategy", "fastest")])
            #expect(bad.status == 400)
            #expect(try bad.errorObject()["code"] == .string("invalid_routing_strategy"))
        }
    }

    @Test func anOpenCircuitMovesTheDecisionToTheNextModel() async throws {
        // The budget provider points at a closed port: its calls fail, its circuit opens.
        try await Harness.with(configure: { c, url in
            Self.threeProviders(&c, url, cheapURL: "http://127.0.0.1:9/v1")
            c.reliability.executor.breakers.failureThreshold = 1
            c.reliability.executor.retry.maxAttempts = 1
        }) { h in
            let first = try await h.post("/v1/chat/completions", json: chatBody("first", model: "cheap"))
            #expect(first.status == 200, "\(first.text)")
            #expect(try Self.decision(first)["chosen"] == .string("small"))
            #expect(try first.json()["x-gateway"]?.objectValue?["fallback_used"] == .bool(true))
            let second = try await h.post("/v1/chat/completions", json: chatBody("second", model: "cheap"))
            #expect(try Self.decision(second)["chosen"] == .string("medium"))
            #expect(try second.json()["x-gateway"]?.objectValue?["fallback_used"] == .bool(false))
        }
    }

    @Test func theAdminRoutingAPIChangesDecisionsAtOnce() async throws {
        try await Harness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let auth = [("authorization", "Bearer \(Self.adminToken)")]
            let before = try await h.post("/v1/chat/completions", json: chatBody("hello", model: "auto"))
            #expect(try Self.decision(before)["strategy"] == .string("balanced"))
            let put = try await h.send(
                .PUT, "/api/admin/routing",
                body: Array(#"{"default_strategy":"quality","virtual_models":{"support-bot":{"strategy":"cost","allow":["medium","large"]}}}"#.utf8),
                headers: auth)
            #expect(put.status == 200, "\(put.text)")
            let after = try await h.post("/v1/chat/completions", json: chatBody("hello", model: "auto"))
            #expect(try Self.decision(after)["chosen"] == .string("large"))
            let bot = try await h.post("/v1/chat/completions", json: chatBody("hello", model: "support-bot"))
            #expect(try Self.decision(bot)["chosen"] == .string("medium"))
            let read = try await h.send(.GET, "/api/admin/routing", headers: auth)
            #expect(try read.json()["default_strategy"] == .string("quality"))
            // Refused: no token, and an inconsistent policy (the old one stays).
            #expect(try await h.send(.GET, "/api/admin/routing").status == 401)
            let invalid = try await h.send(.PUT, "/api/admin/routing", body: Array(#"{"default_strategy":"nope"}"#.utf8), headers: auth)
            #expect(invalid.status == 400)
            #expect(try await h.send(.GET, "/api/admin/routing", headers: auth).json()["default_strategy"] == .string("quality"))
        }
    }

    @Test func modelsListsVirtualAndCatalogueModels() async throws {
        try await Harness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let list = try await h.send(.GET, "/v1/models")
            let ids = try #require(try list.json()["data"]?.arrayValue).compactMap { $0.objectValue?["id"]?.stringValue }
            for id in ["auto", "fast", "cheap", "quality", "small", "medium", "large"] { #expect(ids.contains(id), "\(id)") }
            #expect(!ids.contains("retired"))
            // A catalogue model is also reachable by its name, pinned.
            let pinned = try await h.post("/v1/chat/completions", json: chatBody("hello", model: "large"))
            #expect(pinned.status == 200)
            #expect(pinned.headers.first(name: "x-model") == "large-upstream")
        }
    }

    @Test func aVirtualModelsCacheNamespaceIsTheVirtualModelAndItsStrategy() async throws {
        try await CacheHarness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let first = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my password?", model: "cheap"))
            #expect(first.cacheStatus == "MISS")
            let again = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my password?", model: "cheap"))
            #expect(again.cacheStatus == "HIT-EXACT")
            #expect(again.headers.first(name: "x-model") == "small-upstream")
            #expect(try again.json()["x-gateway"]?.objectValue?["cost_usd"] == .number("0"))
            // Another strategy, or the model pinned, is another namespace.
            let quality = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my password?", model: "quality"))
            #expect(quality.cacheStatus == "MISS")
            let pinned = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my password?", model: "small"))
            #expect(pinned.cacheStatus == "MISS")
        }
    }

    @Test(arguments: [
        ("[1,2]", "JSON object"),
        (#"{"plan_length":"three"}"#, "plan_length"),
        (#"{"strategies":{"x":{"cost":-1}}}"#, "strategies.x.cost"),
        (#"{"virtual_models":{"a/b":{}}}"#, "virtual model names"),
        (#"{"virtual_models":{"bot":{"allow":[1]}}}"#, "virtual_models.bot.allow"),
        (#"{"min_quality":{"simple":7}}"#, "min_quality.simple"),
        (#"{"colour":"blue"}"#, "colour"),
    ])
    func badPoliciesAreRefusedAndChangeNothing(_ body: String, _ fragment: String) async throws {
        try await Harness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let auth = [("authorization", "Bearer \(Self.adminToken)")]
            let reply = try await h.send(.PUT, "/api/admin/routing", body: Array(body.utf8), headers: auth)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.text.contains(fragment), "\(reply.text)")
            let now = try await h.send(.GET, "/api/admin/routing", headers: auth).json()
            #expect(now["default_strategy"] == .string("balanced"))
            #expect(now["plan_length"] == .number("3"))
        }
    }

    @Test func aRequestNoModelCanServeIsAClientErrorNamingWhy() async throws {
        try await Harness.with(configure: { c, url in
            Self.threeProviders(&c, url)
            c.maxBodyBytes = 4 << 20
        }) { h in
            // About 500,000 tokens of prompt: beyond every model's 100,000-token window.
            let huge = String(repeating: "word ", count: 400_000)
            let reply = try await h.post("/v1/chat/completions", json: chatBody(huge, model: "auto"))
            #expect(reply.status == 400)
            #expect(try reply.errorObject()["code"] == .string("no_capable_model"))
            #expect(reply.text.contains("tokens of context"))
        }
    }

    @Test func twoCatalogueEntriesThatAreOneCallAreTriedOnce() async throws {
        try await Harness.with(configure: { c, url in
            Self.threeProviders(&c, url)
            c.providers[0].catalogueProviders = ["groq", "together"]
            c.reliability.executor.retry.maxAttempts = 1
            c.routing.catalogue = ModelCatalogue(models: [
                CatalogueModel(
                    id: "twin-groq", provider: "groq", upstream: "same", price: Pricing(input: 0.05, output: 0.1),
                    quality: [.general: 0.9], contextWindow: 100_000),
                CatalogueModel(
                    id: "twin-together", provider: "together", upstream: "same", price: Pricing(input: 0.06, output: 0.1),
                    quality: [.general: 0.9], contextWindow: 100_000),
                Self.model("large", provider: "anthropic", input: 10, output: 40, quality: 0.97),
            ])
        }) { h in
            // The first call fails once; the plan's next distinct call is the Anthropic model,
            // not the same upstream call under the other catalogue name.
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("hello", model: "cheap"),
                headers: [("x-sim-status", "500"), ("x-sim-fail-times", "1"), ("x-sim-fail-key", "twin-\(UUID())")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-provider") == "premium")
            #expect(try reply.json()["x-gateway"]?.objectValue?["attempts"] == .number("2"))
        }
    }

    @Test func aStreamedAnswerIsCostedAndTheUsageChunkGoesOnlyToClientsWhoAskedForIt() async throws {
        try await Harness.with(configure: { c, url in Self.threeProviders(&c, url) }) { h in
            let plain = try await h.post("/v1/chat/completions", json: chatBody("stream please", model: "cheap", extra: #""stream":true"#))
            #expect(plain.status == 200)
            #expect(plain.headers.first(name: "x-virtual-model") == "cheap")
            let events = try Harness.events(plain.body).filter { !$0.isDoneSentinel }
            #expect(!events.isEmpty)
            #expect(!events.contains { (try? JSONParser.parse($0.data).objectValue?["usage"]).flatMap { $0 }.map { !$0.isNull } ?? false })
            let metrics = try await h.send(.GET, "/metrics").text
            #expect(metrics.contains(#"llm_gateway_cost_usd_total{provider="budget",model="small"}"#), "\(metrics)")
            let asked = try await h.post(
                "/v1/chat/completions", json: chatBody("stream please", model: "cheap", extra: #""stream":true,"stream_options":{"include_usage":true}"#))
            let last = try #require(try Harness.events(asked.body).filter { !$0.isDoneSentinel }.last)
            #expect(try JSONParser.parse(last.data).objectValue?["usage"]?.objectValue?["completion_tokens"] != nil)
        }
    }

    @Test func aCacheOnAnotherEmbedderStoresItsOwnVectorNotTheRoutersOne() async throws {
        // The cache embeds by feature hashing; the router's head reads MiniLM vectors of its own.
        // A near-repeat must find the first answer by the cache's vector.
        try await Harness.with(configure: { c, url in
            Self.threeProviders(&c, url)
            c.routing.headEnabled = true
            c.cacheSettings.cache.enabled = true
            c.cacheSettings.embedder = .hashing
            c.cacheSettings.modelDirectory = CacheHarness.modelDirectory
        }) { h in
            let first = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my account password?", model: "cheap"))
            #expect(first.cacheStatus == "MISS")
            // The head read the MiniLM vector of the question, not the cache's hashed one.
            let question = "How do I reset my account password?"
            let miniLM = try MiniLMEmbedder(configuration: .init(modelDirectory: URL(fileURLWithPath: CacheHarness.modelDirectory)))
            let expected = try StrongModelHead.shipped().score(
                embedding: try miniLM.embedSynchronously([question])[0], features: PromptFeatures(prompt: question).headVector)
            let got = try #require(try Self.decision(first)["strong_score"]?.doubleValue)
            #expect(abs(got - expected) < 1e-3, "\(got) vs \(expected)")
            let near = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my account password ?", model: "cheap"))
            #expect(near.cacheStatus == "HIT-SEMANTIC", "\(near.headers)")
        }
    }
}

