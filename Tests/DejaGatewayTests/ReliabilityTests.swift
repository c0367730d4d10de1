import DejaGateway
import DejaReliability
import DejaSim
import DejaWire
import Foundation
import NIOHTTP1
import Testing

/// Retries, fallback across wire formats, circuit breakers, the degraded signal, deadlines and
/// test mode, end to end against deja-sim. The primary `flaky` (OpenAI format) receives the
/// simulator's fault headers; the fallback `backup` (Anthropic format, same simulator) does not,
/// so the simulator's per-format counters tell the two apart.
@Suite struct ReliabilityTests {
    static func twoProviders(_ c: inout GatewayConfiguration, _ simURL: String, primaryURL: String? = nil) {
        c.providers = [
            ProviderSettings(
                name: "flaky", kind: .openai, baseURL: primaryURL ?? simURL + "/v1", apiKey: "k", models: ["gpt-4o-mini"], forwardHeaders: ["x-sim-"]),
            ProviderSettings(name: "backup", kind: .anthropic, baseURL: simURL, apiKey: "k", models: ["claude-3-5-haiku-latest"]),
        ]
        c.defaultProvider = nil
        c.reliability.fallbacks = ["gpt-4o-mini": ["backup/claude-3-5-haiku-latest"]]
    }

    @Test func transientFailuresAreRetriedAndTheAnswerSaysHowManyAttempts() async throws {
        try await Harness.with { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("retry me"),
                headers: [("x-sim-status", "503"), ("x-sim-fail-times", "2"), ("x-sim-fail-key", "retry-\(UUID())")])
            #expect(reply.status == 200, "\(reply.text)")
            let gateway = try #require(try reply.json()["x-gateway"]?.objectValue)
            #expect(gateway["attempts"] == .number("3"))
            #expect(gateway["fallback_used"] == .bool(false))
            #expect(h.sim.stats().openAIChat == 3)
        }
    }

    @Test func aFailingPrimaryFallsBackToAnotherProviderInItsOwnWireFormat() async throws {
        try await Harness.with(configure: { c, url in Self.twoProviders(&c, url) }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody("fall back"), headers: [("x-sim-status", "500")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-provider") == "backup")
            #expect(reply.headers.first(name: "x-model") == "claude-3-5-haiku-latest")
            let body = try reply.json()
            #expect(body["object"] == .string("chat.completion"))
            let gateway = try #require(body["x-gateway"]?.objectValue)
            #expect(gateway["fallback_used"] == .bool(true))
            #expect(gateway["attempts"] == .number("4"))
            #expect(h.sim.stats().openAIChat == 3)
            #expect(h.sim.stats().anthropicMessages == 1)
        }
    }

    @Test func aStreamFallsBackBeforeItsFirstByte() async throws {
        try await Harness.with(configure: { c, url in Self.twoProviders(&c, url) }) { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("stream fall back", extra: #""stream":true"#), headers: [("x-sim-status", "503")])
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-provider") == "backup")
            let events = try Harness.events(reply.body)
            #expect(events.last?.isDoneSentinel == true)
            #expect(Harness.streamError(events) == nil)
            #expect(h.sim.stats().anthropicMessagesStream == 1)
        }
    }

    @Test func aHedgeAnswersWhenThePrimaryIsSlow() async throws {
        try await Harness.with(configure: { c, url in
            Self.twoProviders(&c, url)
            c.reliability.hedgeAfterMs = ["gpt-4o-mini": 100]
        }) { h in
            let started = ContinuousClock.now
            let reply = try await h.post("/v1/chat/completions", json: chatBody("hedge me"), headers: [("x-sim-latency-ms", "4000")])
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-provider") == "backup")
            #expect(try reply.json()["x-gateway"]?.objectValue?["fallback_used"] == .bool(true))
        }
    }

    @Test func aClientErrorIsNeitherRetriedNorSentToTheFallback() async throws {
        try await Harness.with(configure: { c, url in Self.twoProviders(&c, url) }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody("bad"), headers: [("x-sim-status", "400")])
            #expect(reply.status == 400)
            #expect(h.sim.stats().openAIChat == 1)
            #expect(h.sim.stats().anthropicMessages == 0)
        }
    }

    @Test func theBreakerOpensAndThenSparesTheDeadProviderUntilItsCooldown() async throws {
        try await Harness.with(configure: { c, url in
            Self.twoProviders(&c, url)
            c.reliability.executor.breakers = .init(failureThreshold: 5, window: .seconds(120), cooldown: .seconds(300))
        }) { h in
            for _ in 0..<6 {
                let reply = try await h.post("/v1/chat/completions", json: chatBody("open the circuit"), headers: [("x-sim-status", "503")])
                #expect(reply.status == 200)
                #expect(reply.headers.first(name: "x-provider") == "backup")
            }
            // Two requests of three attempts open the circuit (five failures); later requests
            // go straight to the fallback.
            #expect(h.sim.stats().openAIChat == 5)
            let breakers = try await h.send(.GET, "/api/circuit-breakers")
            #expect(breakers.status == 200)
            let circuits = try #require(try breakers.json()["circuits"]?.arrayValue)
            let flaky = try #require(circuits.compactMap(\.objectValue).first { $0["provider"] == .string("flaky") })
            #expect(flaky["state"] == .string("open"))
            #expect(flaky["openings"] == .number("1"))
            let providers = try await h.send(.GET, "/api/providers")
            #expect(providers.status == 200)
            let list = try #require(try providers.json()["providers"]?.arrayValue?.compactMap(\.objectValue))
            let flakyEntry = list.first { $0["name"] == .string("flaky") }
            let flakyModels = try #require(flakyEntry?["models"]?.arrayValue).compactMap(\.objectValue)
            #expect(flakyModels.first?["circuit"] == .string("open"))
            #expect(flakyModels.first?["failures"] == .number("5"))
            #expect(flakyModels.first?["error_rate"]?.doubleValue == 1)
            let backupEntry = list.first { $0["name"] == .string("backup") }
            let backupModels = try #require(backupEntry?["models"]?.arrayValue).compactMap(\.objectValue)
            #expect(backupModels.first?["latency"]?.objectValue?["p50_ms"]?.doubleValue != nil)
            let metrics = try await h.send(.GET, "/metrics")
            #expect(metrics.text.contains(#"llm_gateway_circuit_breaker_state{provider="flaky",model="gpt-4o-mini"} 1"#))
            #expect(metrics.text.contains(#"llm_gateway_upstream_retries_total{provider="flaky"}"#))
        }
    }

    @Test func whenEveryProviderIsDownTheGatewayGivesUpFastWithItsMarker() async throws {
        try await Harness.with(configure: { c, url in
            Self.twoProviders(&c, url, primaryURL: "http://127.0.0.1:1/v1")
            c.providers[1].baseURL = "http://127.0.0.1:1"
        }) { h in
            let started = ContinuousClock.now
            let reply = try await h.post("/v1/chat/completions", json: chatBody("nobody home"))
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(reply.status == 503)
            #expect(reply.headers.first(name: "x-deja-error-class") == "provider_degraded")
            #expect(reply.text.contains("[DEJA_PROVIDER_DEGRADED]"))
            #expect(try reply.errorObject()["code"] == .string("provider_degraded"))
            #expect(try await h.send(.GET, "/health/live").status == 200)
        }
    }

    @Test func theErrorClassHeaderAndMarkerAreConfigurable() async throws {
        try await Harness.with(configure: { c, _ in
            c.reliability.testModeEnabled = true
            c.reliability.errorClassHeader = "X-Llm-Proxy-Error-Class"
            c.reliability.degradedMarker = "[GATEWAY_DOWN]"
        }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-deja-test-mode", "force_degraded")])
            #expect(reply.status == 503)
            #expect(reply.headers.first(name: "x-llm-proxy-error-class") == "provider_degraded")
            #expect(reply.text.contains("[GATEWAY_DOWN]"))
        }
    }

    @Test func testModeIsOffUnlessEnabledAndWorksAsHeaderOrQueryParameter() async throws {
        try await Harness.with { h in
            let refused = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-deja-test-mode", "force_degraded")])
            #expect(refused.status == 400)
            #expect(try refused.errorObject()["code"] == .string("test_mode_disabled"))
            #expect(h.sim.stats().openAIChat == 0)
        }
        try await Harness.with(configure: { c, _ in c.reliability.testModeEnabled = true }) { h in
            let forced = try await h.post("/v1/chat/completions?deja_test_mode=force_degraded", json: chatBody())
            #expect(forced.status == 503)
            #expect(forced.text.contains("[DEJA_PROVIDER_DEGRADED]"))
            #expect(h.sim.stats().openAIChat == 0)
            let recovered = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-deja-test-mode", "force_transient_recover")])
            #expect(recovered.status == 200)
            #expect(try recovered.json()["x-gateway"]?.objectValue?["attempts"] == .number("2"))
            #expect(h.sim.stats().openAIChat == 1)
            let unknown = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-deja-test-mode", "explode")])
            #expect(unknown.status == 400)
        }
    }

    @Test(arguments: ["0", "-5", "abc", "600001", "99999999999999999999"])
    func aMalformedDeadlineIsA400(value: String) async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-deja-deadline-ms", value)])
            #expect(reply.status == 400)
            #expect(try reply.errorObject()["param"] == .string("x-deja-deadline-ms"))
            #expect(h.sim.stats().openAIChat == 0)
        }
    }

    @Test func theDeadlineBoundsASlowUpstream() async throws {
        try await Harness.with { h in
            let started = ContinuousClock.now
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("slow"), headers: [("x-sim-latency-ms", "3000"), ("x-deja-deadline-ms", "300")])
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(reply.status == 504 || reply.status == 503, "\(reply.status) \(reply.text)")
        }
    }

    @Test func aFallbackAnswerIsNotCachedAsTheRequestedModelsUnlessAllowed() async throws {
        for allowed in [false, true] {
            try await CacheHarness.with(configure: { c, url in
                Self.twoProviders(&c, url)
                c.reliability.cacheFallbackAnswers = allowed
            }) { (h: Harness) async throws in
                let first = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"), headers: [("x-sim-status", "503")])
                #expect(first.headers.first(name: "x-provider") == "backup")
                let second = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?"))
                #expect(second.cacheStatus == (allowed ? "HIT-EXACT" : "MISS"))
                if allowed { #expect(second.headers.first(name: "x-provider") == "backup") }
            }
        }
    }

    @Test func corsExposesTheErrorClassHeader() async throws {
        try await Harness.with { h in
            let reply = try await h.send(.GET, "/v1/models", headers: [("origin", "https://app.example")])
            let exposed = reply.headers.first(name: "access-control-expose-headers") ?? ""
            #expect(exposed.contains("X-Deja-Error-Class"))
            #expect(exposed.contains("X-Cache"))
        }
    }
}
