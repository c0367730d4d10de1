import DejaEmbedding
import DejaCache
import DejaObservability
import DejaSim
import NIOHTTP1
import NIOCore
import Logging
import DejaReliability
import Foundation
import Testing

@testable import DejaGateway
import DejaRouting
import DejaVerifier

@Suite struct ConfigurationTests {
    func load(_ yaml: String?, env: [String: String] = [:]) throws -> GatewayConfiguration {
        guard let yaml else { return try ConfigurationLoader().load(path: nil, environment: env) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deja-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try ConfigurationLoader().load(path: url.path, environment: env)
    }

    func expectError(_ yaml: String?, env: [String: String] = [:], mentioning fragments: [String]) {
        do {
            _ = try load(yaml, env: env)
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            for fragment in fragments { #expect(error.message.contains(fragment), "\(error.message)") }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func defaultsWithoutFileOrEnvironment() throws {
        let c = try load(nil)
        #expect(c.port == 8080)
        #expect(c.host == "127.0.0.1")
        #expect(c.providers.isEmpty)
        #expect(c.defaultProvider == nil)
        #expect(c.logLevel == .info)
    }

    @Test func providerKeysEnableBuiltInsAndASingleProviderIsTheDefault() throws {
        let c = try load(nil, env: ["OPENAI_API_KEY": "sk-test"])
        #expect(c.providers.map(\.name) == ["openai"])
        #expect(c.providers[0].baseURL == "https://api.openai.com/v1")
        #expect(c.providers[0].apiKey == "sk-test")
        #expect(c.defaultProvider == "openai")
        let two = try load(nil, env: ["OPENAI_API_KEY": "a", "GROQ_API_KEY": "b", "DEFAULT_PROVIDER": "groq"])
        #expect(two.providers.map(\.name) == ["openai", "groq"])
        #expect(two.defaultProvider == "groq")
    }

    @Test func environmentOverridesTheFile() throws {
        let yaml = """
            server:
              port: 9000
              host: 0.0.0.0
              max_body_bytes: 1000
            log_level: debug
            providers:
              local:
                base_url: http://127.0.0.1:9999/v1
                models: [m1]
            """
        let file = try load(yaml)
        #expect(file.port == 9000)
        #expect(file.host == "0.0.0.0")
        #expect(file.maxBodyBytes == 1000)
        #expect(file.logLevel == .debug)
        #expect(file.providers.first?.name == "local")
        #expect(file.providers.first?.kind == .openai)
        #expect(file.defaultProvider == "local")
        let env = try load(yaml, env: ["PORT": "9100", "HOST": "127.0.0.2", "LOG_LEVEL": "error", "MAX_BODY_BYTES": "2048", "REQUEST_TIMEOUT_MS": "1500"])
        #expect(env.port == 9100)
        #expect(env.host == "127.0.0.2")
        #expect(env.logLevel == .error)
        #expect(env.maxBodyBytes == 2048)
        #expect(env.requestTimeoutMs == 1500)
    }

    @Test func ollamaURLEnablesOllamaWithV1() throws {
        let c = try load(nil, env: ["OLLAMA_URL": "http://localhost:11434"])
        #expect(c.providers.first?.name == "ollama")
        #expect(c.providers.first?.baseURL == "http://localhost:11434/v1")
    }

    @Test func unknownKeysAreErrorsNamingTheKey() {
        expectError("server:\n  prot: 1\n", mentioning: ["server.prot", "unknown", "port"])
        expectError("colour: blue\n", mentioning: ["colour", "unknown"])
        expectError("providers:\n  openai:\n    apikey: x\n", mentioning: ["providers.openai.apikey", "api_key"])
    }

    @Test func invalidValuesNameTheKeyAndTheExpectedForm() {
        expectError("server:\n  port: abc\n", mentioning: ["server.port", "port number"])
        expectError("server:\n  port: 70000\n", mentioning: ["server.port"])
        expectError("log_level: loud\n", mentioning: ["log_level", "debug"])
        expectError("demo: maybe\n", mentioning: ["demo", "true or false"])
        expectError("providers:\n  x:\n    kind: cohere\n    base_url: http://a\n", mentioning: ["providers.x.kind", "openai, anthropic, gemini"])
        expectError("providers:\n  x:\n    base_url: ftp://a\n", mentioning: ["providers.x.base_url", "http"])
        expectError("providers:\n  x:\n    models: abc\n    base_url: http://a\n", mentioning: ["providers.x.models", "list"])
        expectError("providers:\n  x:\n    kind: openai\n", mentioning: ["providers.x.base_url", "required"])
        expectError("server: [1, 2]\n", mentioning: ["server"])
        expectError("a: [unclosed\n", mentioning: ["YAML"])
        expectError(nil, env: ["PORT": "eighty"], mentioning: ["PORT", "port number"])
        expectError(nil, env: ["MAX_BODY_BYTES": "-5"], mentioning: ["MAX_BODY_BYTES", "positive integer"])
        expectError(nil, env: ["LOG_LEVEL": "chatty"], mentioning: ["LOG_LEVEL"])
        expectError(nil, env: ["OLLAMA_URL": "localhost"], mentioning: ["OLLAMA_URL", "http"])
        expectError(nil, env: ["OPENAI_API_KEY": "x", "DEFAULT_PROVIDER": "anthropic"], mentioning: ["DEFAULT_PROVIDER", "anthropic", "openai"])
    }

    @Test func verifierChecksAndBoundsAreConfiguration() throws {
        let c = try load("cache:\n  verifier:\n    checks: [slots, polarity]\n    min_word_similarity: 0.45\n    min_contextual_similarity: 0.7\n    context_memo_texts: 100\n")
        #expect(c.cacheSettings.verifierContextMemoTexts == 100)
        #expect(c.cacheSettings.verifierChecks == ["slots", "polarity"])
        #expect(c.cacheSettings.verifierMinimumWordSimilarity == 0.45)
        #expect(c.cacheSettings.verifierMinimumContextualSimilarity == 0.7)
        let defaults = try load(nil)
        #expect(defaults.cacheSettings.verifierMinimumWordSimilarity == nil)
        #expect(defaults.cacheSettings.verifierMinimumContextualSimilarity == nil)
        // The bounds reach every preset chain the gateway builds (no model here, so content words are off).
        let verifier = try #require(EmbedderFactory.verifier(c.cacheSettings, native: nil))
        for chain in [verifier.strict, verifier.balanced, verifier.aggressive] {
            #expect(chain.configuration.minimumWordSimilarity == 0.45)
            #expect(chain.configuration.minimumContextualWordSimilarity == 0.7)
            #expect(!chain.configuration.checksOrder && !chain.configuration.checksContentWords && chain.configuration.checksSlots)
        }
        // Without explicit bounds each preset keeps its own.
        let presets = try #require(EmbedderFactory.verifier(defaults.cacheSettings, native: nil))
        #expect(presets.strict.configuration.minimumWordSimilarity == VerifierConfiguration.strict.minimumWordSimilarity)
        #expect(presets.aggressive.configuration.minimumWordSimilarity == VerifierConfiguration.aggressive.minimumWordSimilarity)
        expectError("cache:\n  verifier:\n    min_contextual_similarity: 2\n", mentioning: ["cache.verifier.min_contextual_similarity", "between -1 and 1"])
        expectError("cache:\n  verifier:\n    min_word_similarity: high\n", mentioning: ["cache.verifier.min_word_similarity", "between -1 and 1"])
        expectError("cache:\n  verifier:\n    checks: [slots, vibes]\n", mentioning: ["cache.verifier.checks", "vibes"])
        expectError("cache:\n  verifier:\n    context_memo_texts: 0\n", mentioning: ["cache.verifier.context_memo_texts"])
        #expect(defaults.cacheSettings.verifierContextMemoTexts == 4096)
        // The preamble rule's cosine: 0.95 by default, configurable, or off.
        #expect(presets.balanced.configuration.preambleSimilarity == 0.95)
        let lowered = try load("cache:\n  verifier:\n    preamble_min_similarity: 0.97\n")
        #expect(try #require(EmbedderFactory.verifier(lowered.cacheSettings, native: nil)).aggressive.configuration.preambleSimilarity == 0.97)
        let off = try load("cache:\n  verifier:\n    preamble_min_similarity: off\n")
        #expect(try #require(EmbedderFactory.verifier(off.cacheSettings, native: nil)).strict.configuration.preambleSimilarity == nil)
        expectError("cache:\n  verifier:\n    preamble_min_similarity: 1.5\n", mentioning: ["cache.verifier.preamble_min_similarity", "between 0 and 1"])
    }

    @Test func reliabilitySettingsParseAndBadValuesAreRefused() throws {
        let c = try load("""
            reliability:
              max_attempts: 5
              initial_backoff_ms: 100
              max_retry_after_ms: 2000
              retry_budget_ratio: 0.5
              request_deadline_ms: 30000
              failure_threshold: 3
              cooldown_seconds: 60
              fallbacks:
                gpt-4o-mini: [claude-3-5-haiku-latest, gemini-2.0-flash]
              hedge_after_ms:
                gpt-4o-mini: 800
              cache_fallback_answers: true
              error_class_header: X-Llm-Proxy-Error-Class
              test_mode_enabled: true
            """)
        #expect(c.reliability.executor.retry.maxAttempts == 5)
        #expect(c.reliability.executor.retry.initialBackoff == .milliseconds(100))
        #expect(c.reliability.executor.retry.maxRetryAfter == .seconds(2))
        #expect(c.reliability.executor.budget.ratio == 0.5)
        #expect(c.reliability.requestDeadlineMs == 30000)
        #expect(c.reliability.executor.breakers.failureThreshold == 3)
        #expect(c.reliability.executor.breakers.cooldown == .seconds(60))
        #expect(c.reliability.fallbacks["gpt-4o-mini"] == ["claude-3-5-haiku-latest", "gemini-2.0-flash"])
        #expect(c.reliability.hedgeAfterMs["gpt-4o-mini"] == 800)
        #expect(c.reliability.cacheFallbackAnswers && c.reliability.testModeEnabled)
        #expect(c.reliability.errorClassHeader == "X-Llm-Proxy-Error-Class")
        #expect(try load(nil, env: ["RETRY_MAX_ATTEMPTS": "1"]).reliability.executor.retry.maxAttempts == 1)
        let defaults = try load(nil)
        #expect(defaults.reliability.executor.retry.maxAttempts == 3)
        #expect(!defaults.reliability.testModeEnabled)
        expectError("reliability:\n  max_attempts: 0\n", mentioning: ["reliability.max_attempts"])
        expectError("reliability:\n  max_attempts: 11\n", mentioning: ["reliability.max_attempts", "1 to 10"])
        expectError("reliability:\n  retry_budget_ratio: lots\n", mentioning: ["reliability.retry_budget_ratio"])
        expectError("reliability:\n  fallbacks: [a, b]\n", mentioning: ["reliability.fallbacks"])
        expectError("reliability:\n  error_class_header: \"bad header\"\n", mentioning: ["reliability.error_class_header"])
        expectError("reliability:\n  hedge_after_ms:\n    m: -1\n", mentioning: ["reliability.hedge_after_ms.m"])
        expectError("reliability:\n  retries: 3\n", mentioning: ["reliability.retries"])
    }

    @Test func aFallbackNoProviderServesStopsStartUp() async throws {
        var configuration = GatewayConfiguration()
        configuration.providers = [ProviderSettings(name: "sim", kind: .openai, baseURL: "http://127.0.0.1:1/v1", models: ["gpt-4o-mini"])]
        configuration.reliability.fallbacks = ["gpt-4o-mini": ["no-such-model"]]
        #expect(throws: ConfigurationError.self) { _ = try Gateway(configuration: configuration, logger: .init(label: "test")) }
    }

    @Test func theExampleFileIsValid() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deja.example.yaml")
        let c = try ConfigurationLoader().load(path: example.path, environment: [:])
        #expect(c.defaultProvider == "openai")
        #expect(c.provider(named: "my-vllm")?.models == ["meta-llama/Llama-3.1-8B-Instruct"])
        #expect(c.provider(named: "ollama") == nil)  // enabled: false
    }

    @Test func globMatching() {
        #expect(Glob.matches("gpt-*", "gpt-4o"))
        #expect(Glob.matches("*", "anything"))
        #expect(Glob.matches("o1*", "o1"))
        #expect(Glob.matches("a*b*c", "axxbyyc"))
        #expect(!Glob.matches("gpt-*", "claude-3"))
        #expect(!Glob.matches("a*b", "a-b-c"))
    }

    @Test func timeSensitivityAndShadowModeAreConfigured() throws {
        let c = try load(
            """
            cache:
              mode: shadow
              tenant_modes: {acme: serve}
              model_modes: {gpt-4o: shadow}
              shadow_log_entries: 500
              shadow_log_bytes: 65536
              time_sensitive:
                enabled: true
                ttl_seconds: {prices: 30, now: 0, weather: 600}
            """)
        let cache = c.cacheSettings.cache
        #expect(cache.mode == .shadow)
        #expect(cache.tenantModes == ["acme": .serve])
        #expect(cache.modelModes == ["gpt-4o": .shadow])
        #expect(cache.shadowLogEntries == 500 && cache.shadowLogBytes == 65536)
        #expect(cache.timeSensitiveTTLs[.prices] == 30 && cache.timeSensitiveTTLs[.weather] == 600 && cache.timeSensitiveTTLs[.now] == 0)
        #expect(cache.timeSensitiveTTLs[.scores] == CacheConfiguration.defaultTimeSensitiveTTLs[.scores], "unnamed kinds keep their default")
        #expect(try load("cache:\n  time_sensitive: {enabled: false}").cacheSettings.cache.timeSensitivityEnabled == false)
        expectError("cache:\n  mode: sometimes", mentioning: ["cache.mode", "serve or shadow"])
        expectError("cache:\n  tenant_modes: {acme: maybe}", mentioning: ["cache.tenant_modes.acme"])
        expectError("cache:\n  time_sensitive: {ttl_seconds: {tides: 60}}", mentioning: ["cache.time_sensitive.ttl_seconds.tides", "unknown kind", "prices"])
        expectError("cache:\n  time_sensitive: {ttl_seconds: {prices: -1}}", mentioning: ["cache.time_sensitive.ttl_seconds.prices"])
        expectError("cache:\n  time_sensitive: {ttl_seconds: {prices: soon}}", mentioning: ["cache.time_sensitive.ttl_seconds.prices"])
        expectError("cache:\n  time_sensitive: {often: true}", mentioning: ["cache.time_sensitive.often"])
        expectError("cache:\n  shadow_log_entries: 0", mentioning: ["cache.shadow_log_entries"])
    }

    @Test func encoderPrecisionIsConfigured() throws {
        #expect(try load("cache:\n  embedder: native").cacheSettings.encoderPrecision == .auto, "auto by default")
        for precision in EncoderPrecision.allCases {
            #expect(try load("cache:\n  encoder_precision: \(precision.rawValue)").cacheSettings.encoderPrecision == precision)
        }
        expectError("cache:\n  encoder_precision: int4", mentioning: ["cache.encoder_precision", "fp32, bf16, int8, w8a8, auto", "int4"])
    }
}

/// `.env` files and the seeds' variable names.
@Suite struct DotEnvTests {
    @Test func parsesTheCommonSyntax() throws {
        let values = try DotEnv.parse(
            """
            # comment

            A=plain value   # trailing comment
            export B="quoted # not a comment\\nnext"
            C='single $literal \\n'
            D=
            E = spaced\r
            A=later wins
            """)
        #expect(values["A"] == "later wins")
        #expect(values["B"] == "quoted # not a comment\nnext")
        #expect(values["C"] == "single $literal \\n")
        #expect(values["D"] == "")
        #expect(values["E"] == "spaced")
        #expect(throws: DotEnv.ParseError.self) { try DotEnv.parse("NO_EQUALS") }
        #expect(throws: DotEnv.ParseError.self) { try DotEnv.parse("1BAD=x") }
        #expect(throws: DotEnv.ParseError.self) { try DotEnv.parse("Q=\"unterminated") }
        #expect(throws: DotEnv.ParseError.self) { try DotEnv.parse("Q=\"a\" junk") }
    }

    @Test func theEnvironmentWinsOverTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deja-dotenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try DotEnv.environment(directory: dir.path, process: ["X": "1"]) == ["X": "1"])
        try "X=file\nY=file\n".write(to: dir.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        #expect(try DotEnv.environment(directory: dir.path, process: ["X": "env"]) == ["X": "env", "Y": "file"])
    }

    @Test func theSeedsVariableNamesConfigureTheGateway() throws {
        let c = try ConfigurationLoader().load(
            path: nil,
            environment: [
                "CACHE_TTL_SECONDS": "90", "CACHE_SIMILARITY_THRESHOLD": "0.9", "CACHE_MAX_ENTRIES": "1234", "LOG_PRETTY": "true",
                "ADMIN_API_KEY": "0123456789abcdef0123", "SHUTDOWN_GRACE_MS": "5000",
            ])
        #expect(c.cacheSettings.cache.ttlSeconds == 90)
        #expect(c.cacheSettings.cache.threshold == 0.9)
        #expect(c.cacheSettings.cache.maxEntries == 1234)
        #expect(c.logFormat == .text)
        #expect(c.adminTokenHash != nil)
        #expect(c.shutdownGraceMs == 5000)
        #expect(try ConfigurationLoader().load(path: nil, environment: ["LOG_FORMAT": "json"]).logFormat == .json)
        for (name, value) in [("CACHE_TTL_SECONDS", "-1"), ("CACHE_SIMILARITY_THRESHOLD", "2"), ("CACHE_MAX_ENTRIES", "many"), ("LOG_FORMAT", "xml")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") { try ConfigurationLoader().load(path: nil, environment: [name: value]) }
        }
    }
}
