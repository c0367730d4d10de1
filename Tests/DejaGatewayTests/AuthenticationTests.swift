import DejaWire
import DejaCache
import DejaHTTPServer
@testable import DejaGateway
import DejaProviders
import DejaSim
import Logging
import NIOHTTP1
import Testing

/// With client keys configured, every client route family refuses a missing, unknown or
/// unsupported credential with 401 before anything goes upstream; a valid key never travels
/// upstream, and the operator's provider key is added only for it.
@Suite struct AuthenticationTests {
    static let alphaKey = "alpha-client-key-0001"
    static let betaKey = "beta-client-key-00002"

    static func configure(_ c: inout GatewayConfiguration, _ simURL: String) {
        PassthroughTests.configureAllFamilies(&c, simURL)
        c.tenants = [TenantKey(key: alphaKey, tenant: "alpha"), TenantKey(key: betaKey, tenant: "beta")]
    }

    /// One request per route family: (method, path, body, the header that carries a key there).
    static let routes: [(HTTPMethod, String, String?, keyHeader: @Sendable (String) -> (String, String))] = [
        (.POST, "/v1/chat/completions", chatBody(), { ("authorization", "Bearer \($0)") }),
        (.POST, "/v1/embeddings", #"{"model":"text-embedding-3-small","input":"hi"}"#, { ("authorization", "Bearer \($0)") }),
        (.GET, "/v1/models", nil, { ("x-api-key", $0) }),
        (.POST, "/openai/v1/chat/completions", chatBody(), { ("authorization", "Bearer \($0)") }),
        (.POST, "/anthropic/v1/messages", #"{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"#, { ("x-api-key", $0) }),
        (.POST, "/gemini/v1beta/models/gemini-2.5-flash:generateContent", #"{"contents":[{"parts":[{"text":"Hi"}]}]}"#, { ("x-goog-api-key", $0) }),
    ]

    @Test func everyRouteFamilyRefusesMissingUnknownAndUnsupportedCredentials() async throws {
        try await Harness.with(configure: Self.configure) { h in
            for (method, path, body, keyHeader) in Self.routes {
                let cases: [([(String, String)], String)] = [
                    ([], "missing_api_key"),
                    ([keyHeader("not-a-configured-key-123")], "invalid_api_key"),
                    ([("authorization", "Basic YWxwaGE6YmV0YQ==")], "unsupported_authorization_scheme"),
                    ([("authorization", "Bearer")], "unsupported_authorization_scheme"),
                ]
                for (headers, code) in cases {
                    let before = h.sim.recordedRequests().count
                    let reply = try await h.send(method, path, body: body.map { Array($0.utf8) }, headers: headers)
                    #expect(reply.status == 401, "\(method) \(path) \(headers): \(reply.text)")
                    #expect(try reply.errorObject()["type"] == .string("authentication_error"))
                    #expect(try reply.errorObject()["code"] == .string(code), "\(path)")
                    #expect(reply.headers.first(name: "www-authenticate") == "Bearer")
                    #expect(h.sim.recordedRequests().count == before, "nothing may go upstream for \(path)")
                }
            }
            // The gateway still serves an authenticated caller afterwards.
            let ok = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("authorization", "Bearer \(Self.alphaKey)")])
            #expect(ok.status == 200)
        }
    }

    @Test func aValidKeyPassesOnEveryFamilyAndNeverTravelsUpstream() async throws {
        try await Harness.with(configure: Self.configure) { h in
            for (method, path, body, keyHeader) in Self.routes {
                let reply = try await h.send(
                    method, path, body: body.map { Array($0.utf8) }, headers: [keyHeader(Self.alphaKey), ("anthropic-version", "2023-06-01")])
                #expect(reply.status == 200, "\(path): \(reply.text)")
            }
            let recorded = h.sim.recordedRequests()
            #expect(recorded.count == 5)
            for request in recorded {
                for header in request.headers { #expect(!header.value.contains(Self.alphaKey), "\(request.path) carried the gateway key in \(header.name)") }
            }
            // The operator's provider keys were added instead.
            #expect(recorded.filter { $0.path == "/v1/chat/completions" }.allSatisfy { $0.header("authorization") == "Bearer test-key" })
            #expect(recorded.first { $0.path == "/v1/messages" }?.header("x-api-key") == "configured-anthropic-key")
            #expect(recorded.first { $0.path.hasSuffix(":generateContent") }?.header("x-goog-api-key") == "configured-gemini-key")
        }
    }

    @Test func geminiQueryKeyAuthenticatesAndIsRemovedFromTheForwardedQuery() async throws {
        try await Harness.with(configure: Self.configure) { h in
            let body = Array(#"{"contents":[{"parts":[{"text":"Hi"}]}]}"#.utf8)
            let reply = try await h.send(.POST, "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=\(Self.betaKey)", body: body)
            #expect(reply.status == 200, "\(reply.text)")
            let recorded = try #require(h.sim.recordedRequests().last)
            #expect(recorded.query == "alt=sse")
            #expect(recorded.header("x-goog-api-key") == "configured-gemini-key")
            let refused = try await h.send(.POST, "/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=wrong-key-000000000", body: body)
            #expect(refused.status == 401)
        }
    }

    @Test func feedbackNeedsAClientKeyToo() async throws {
        try await CacheHarness.with(configure: Self.configure) { h in
            let body = #"{"completion_id":"chatcmpl-x","correct":false}"#
            do { let reply = try await h.post("/api/cache/feedback", json: body); #expect(reply.status == 401, "\(reply.text)") }
            do { let reply = try await h.post("/api/cache/feedback", json: body, headers: [("authorization", "Bearer nope-nope-nope-nope")]); #expect(reply.status == 401, "\(reply.text)") }
            // Authenticated: an unknown completion id of this tenant is a 404, not a 401.
            do { let reply = try await h.post("/api/cache/feedback", json: body, headers: [("authorization", "Bearer \(Self.alphaKey)")]); #expect(reply.status == 404, "\(reply.text)") }
        }
    }

    @Test func tenantsGetSeparateCachesAndTheAnonymousScopeIsNotDefault() throws {
        let configuration = CacheConfiguration()
        #expect(CallerIdentity.anonymous.cacheScope(configuration) != CallerIdentity.tenant("default").cacheScope(configuration))
        #expect(CallerIdentity.anonymous.key != CallerIdentity.tenant("default").key)
        #expect(CallerIdentity.anonymous.key != CallerIdentity.tenant("anonymous").key)
        #expect(CallerIdentity.anonymous.cacheScope(configuration) != CallerIdentity.tenant("anonymous").cacheScope(configuration))
    }

    @Test func withoutClientKeysCallersAreAnonymousAndTheirOwnProviderKeyIsForwarded() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("authorization", "Bearer anything")])
            #expect(reply.status == 200)
            let own = try await h.send(.POST, "/openai/v1/chat/completions", body: Array(chatBody().utf8), headers: [("authorization", "Bearer sk-client-own")])
            #expect(own.status == 200)
            #expect(h.sim.recordedRequests().last?.header("authorization") == "Bearer sk-client-own")
        }
    }
}

/// A gateway with no client keys refuses to listen beyond loopback unless told to.
@Suite struct ExposureTests {
    static func configuration(host: String) -> GatewayConfiguration {
        var c = GatewayConfiguration()
        c.host = host
        c.port = 0
        c.cacheSettings.cache.enabled = false
        c.providers = [ProviderSettings(name: "sim", kind: .openai, baseURL: "http://127.0.0.1:1/v1", apiKey: "k", modelPatterns: ["gpt-*"])]
        return c
    }

    @Test(arguments: ["0.0.0.0", "::", "10.1.2.3", "example.internal"])
    func anExposedGatewayWithoutKeysRefusesToStart(host: String) throws {
        #expect(throws: ConfigurationError.self) { _ = try Gateway(configuration: Self.configuration(host: host), logger: .init(label: "t")) }
        #expect((try? Self.configuration(host: host).checkExposure()) == nil)
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
    func loopbackWithoutKeysStarts(host: String) throws {
        try Self.configuration(host: host).checkExposure()
    }

    @Test func explicitPermissionOrClientKeysAllowAnExposedGateway() async throws {
        var open = Self.configuration(host: "0.0.0.0")
        open.allowUnauthenticated = true
        try open.checkExposure()
        var keyed = Self.configuration(host: "0.0.0.0")
        keyed.tenants = [TenantKey(key: "some-client-key-0001", tenant: "a")]
        try keyed.checkExposure()
        let gateway = try await Gateway(configuration: open, logger: .init(label: "t")).start()
        await gateway.shutdown()
    }

    @Test func theEnvironmentCanAllowUnauthenticatedExplicitly() throws {
        let loaded = try ConfigurationLoader().load(path: nil, environment: ["HOST": "0.0.0.0", "ALLOW_UNAUTHENTICATED": "true", "OPENAI_API_KEY": "k"])
        #expect(loaded.allowUnauthenticated)
        try loaded.checkExposure()
        let strict = try ConfigurationLoader().load(path: nil, environment: ["HOST": "0.0.0.0", "OPENAI_API_KEY": "k"])
        #expect(throws: ConfigurationError.self) { try strict.checkExposure() }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader().load(path: nil, environment: ["ALLOW_UNAUTHENTICATED": "maybe"]) }
    }

    @Test func securitySettingsAreParsedAndCheckedAtStartUp() throws {
        let loader = ConfigurationLoader()
        let yaml = """
            server:
              max_connections: 10
              header_timeout_ms: 1500
              idle_timeout_ms: 2500
              body_timeout_ms: 3500
              write_timeout_ms: 4500
              max_header_bytes: 8192
            admin_api_key: an-admin-token-long-enough
            protect_metrics: true
            local_embeddings:
              max_tokens_per_request: 1000
              batch_size: 8
              concurrent_batches: 2
            providers:
              openai:
                api_key: k
                passthrough_allow: ["POST /files", "GET /files/*"]
            """
        let c = try loader.merge(try loader.parseYAML(yaml, source: "t"), environment: [:])
        #expect(c.serverLimits.maxConnections == 10)
        #expect(c.serverLimits.headerTimeout == .milliseconds(1500))
        #expect(c.serverLimits.idleTimeout == .milliseconds(2500))
        #expect(c.serverLimits.bodyTimeout == .milliseconds(3500))
        #expect(c.serverLimits.writeTimeout == .milliseconds(4500))
        #expect(c.serverLimits.maxHeaderBytes == 8192)
        #expect(c.adminTokenHash == SecretHash.sha256("an-admin-token-long-enough"))
        #expect(c.protectMetrics)
        #expect(c.localEmbeddings.maxTokensPerRequest == 1000 && c.localEmbeddings.batchSize == 8 && c.localEmbeddings.concurrentBatches == 2)
        #expect(c.provider(named: "openai")?.passthroughAllow == ["POST /files", "GET /files/*"])
        // ADMIN_API_KEY wins over the file; ADMIN_TOKEN is an alias.
        let env = try loader.merge(try loader.parseYAML(yaml, source: "t"), environment: ["ADMIN_TOKEN": "another-admin-token-0000"])
        #expect(env.adminTokenHash == SecretHash.sha256("another-admin-token-0000"))

        let refused: [(String, String)] = [
            ("providers:\n  openai:\n    passthrough_allow: [\"files\"]\n", "passthrough_allow"),
            ("tenants:\n  - key: short\n    tenant: a\n", "tenants[0].key"),
            ("tenants:\n  - key: long-enough-client-key\n    tenant: \"a b\"\n", "tenants[0].tenant"),
            ("admin_api_key: short\n", "ADMIN_API_KEY"),
            ("server:\n  header_timeout_ms: 99999999999\n", "server.header_timeout_ms"),
            ("allow_unauthenticated: perhaps\n", "allow_unauthenticated"),
            ("local_embeddings:\n  batch: 3\n", "local_embeddings.batch"),
        ]
        for (text, key) in refused {
            do {
                _ = try loader.merge(try loader.parseYAML(text, source: "t"), environment: [:])
                Issue.record("\(key) was accepted")
            } catch let error as ConfigurationError {
                #expect(error.message.contains(key), "\(error.message)")
            }
        }
    }
}
