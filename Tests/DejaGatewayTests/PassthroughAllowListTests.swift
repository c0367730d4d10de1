import DejaWire
@testable import DejaGateway
import DejaProviders
import DejaSim
import NIOHTTP1
import Testing

/// The pass-through forwards only allow-listed endpoints, refuses paths that could name
/// something else, and strips hop-by-hop headers, cookies and gateway keys in both directions —
/// asserted against what the simulator received.
@Suite struct PassthroughAllowListTests {
    @Test func endpointsOutsideTheAllowListAre403AndNeverForwarded() async throws {
        try await Harness.with(configure: PassthroughTests.configureAllFamilies) { h in
            let refused: [(HTTPMethod, String)] = [
                (.POST, "/openai/v1/files"), (.GET, "/openai/v1/files"), (.POST, "/openai/v1/batches"), (.POST, "/openai/v1/fine_tuning/jobs"),
                (.DELETE, "/openai/v1/models/gpt-4o-mini"), (.DELETE, "/openai/v1/chat/completions"), (.GET, "/openai/v1/chat/completions"),
                (.POST, "/anthropic/v1/messages/batches"), (.GET, "/anthropic/v1/files"), (.POST, "/anthropic/v1/complete"),
                (.POST, "/gemini/v1beta/cachedContents"), (.DELETE, "/gemini/v1beta/cachedContents/abc"), (.POST, "/gemini/v1beta/files"),
                (.POST, "/gemini/v1beta/models/gemini-2.5-flash:tuneModel"), (.POST, "/gemini/v1beta/tunedModels"),
            ]
            for (method, path) in refused {
                let reply = try await h.send(method, path, body: Array("{}".utf8))
                #expect(reply.status == 403, "\(method) \(path): \(reply.text)")
                #expect(try reply.errorObject()["code"] == .string("passthrough_endpoint_not_allowed"))
            }
            #expect(h.sim.recordedRequests().isEmpty)
            // The documented endpoints still pass.
            do { let reply = try await h.send(.POST, "/openai/v1/chat/completions", body: Array(chatBody().utf8)); #expect(reply.status == 200, "\(reply.text)") }
            do { let reply = try await h.send(.POST, "/openai/v1/embeddings", body: Array(#"{"model":"text-embedding-3-small","input":"x"}"#.utf8)); #expect(reply.status == 200, "\(reply.text)") }
            #expect(h.sim.recordedRequests().count == 2)
        }
    }

    @Test func theOperatorCanOpenMoreEndpointsPerProvider() async throws {
        try await Harness.with(configure: { c, url in
            PassthroughTests.configureAllFamilies(&c, url)
            c.providers[0].passthroughAllow = ["POST /files", "GET /files/*"]
        }) { h in
            _ = try await h.send(.POST, "/openai/v1/files", body: Array("{}".utf8))
            _ = try await h.send(.GET, "/openai/v1/files/file-123")
            #expect(h.sim.recordedRequests().map(\.path) == ["/v1/files", "/v1/files/file-123"])
            // Only what was opened, and only for that provider.
            do { let reply = try await h.send(.DELETE, "/openai/v1/files/file-123"); #expect(reply.status == 403, "\(reply.text)") }
            do { let reply = try await h.send(.GET, "/openai/v1/files/a/b"); #expect(reply.status == 403, "\(reply.text)") }
            do { let reply = try await h.send(.POST, "/anthropic/v1/files", body: Array("{}".utf8)); #expect(reply.status == 403, "\(reply.text)") }
        }
    }

    @Test func pathsThatCouldNameSomethingElseAre400() async throws {
        try await Harness.with(configure: PassthroughTests.configureAllFamilies) { h in
            let targets = [
                "/openai/v1/../v1/files", "/openai/v1/chat/../files", "/openai/v1/./chat/completions", "/openai/v1/chat%2Fcompletions",
                "/openai/v1/chat%2fcompletions", "/openai/v1/%2e%2e/files", "/openai/v1/chat/%2E/completions", "/openai/v1//chat/completions",
                "/openai/v1/chat\\completions", "/openai/v1/chat%5Ccompletions", "/openai/v1/chat/completions%00", "/anthropic/v1/messages/%2e%2e",
                "/gemini/v1beta/models/..%2Ffiles:generateContent", "http://evil.example/openai/v1/chat/completions", "/openai/v1/chat/completions%zz",
            ]
            for target in targets {
                let raw = try await RawConnection.request(
                    port: h.gateway.port, "POST \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json", body: chatBody())
                #expect(raw.httpStatus == 400, "\(target): \(raw.prefix(200))")
                #expect(raw.contains("\"invalid_path\"") || raw.contains("\"invalid_request_target\""), "\(target): \(raw.prefix(300))")
            }
            #expect(h.sim.recordedRequests().isEmpty, "\(h.sim.recordedRequests().map(\.path))")
            // A plain request on the same gateway still works.
            do { let reply = try await h.send(.POST, "/openai/v1/chat/completions", body: Array(chatBody().utf8)); #expect(reply.status == 200, "\(reply.text)") }
        }
    }

    @Test func normalisationRules() throws {
        #expect(try PassthroughPolicy.normalisedPath("/gemini/v1beta/models/gemini-2.5-flash%3AgenerateContent") == "/gemini/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(try PassthroughPolicy.normalisedPath("/openai/v1/models/") == "/openai/v1/models/")
        #expect(throws: PassthroughPolicy.PathError.dotSegment) { try PassthroughPolicy.normalisedPath("/a/../b") }
        #expect(throws: PassthroughPolicy.PathError.encodedSeparator) { try PassthroughPolicy.normalisedPath("/a/%2F/b") }
        #expect(throws: PassthroughPolicy.PathError.encodedSeparator) { try PassthroughPolicy.normalisedPath("/a/%2e%2e/b") }
        #expect(throws: PassthroughPolicy.PathError.notOriginForm) { try PassthroughPolicy.normalisedPath("http://x/a") }
        #expect(throws: PassthroughPolicy.PathError.emptySegment) { try PassthroughPolicy.normalisedPath("/a//b") }
        #expect(throws: PassthroughPolicy.PathError.invalidCharacter) { try PassthroughPolicy.normalisedPath("/a b") }
        #expect(throws: PassthroughPolicy.PathError.tooLong) { try PassthroughPolicy.normalisedPath("/" + String(repeating: "a", count: 5000)) }
        let rule = try #require(PassthroughPolicy.Rule("POST /v1beta/models/*:generateContent"))
        #expect(rule.matches(method: "POST", path: "/v1beta/models/gemini-2.5-flash:generateContent"))
        #expect(!rule.matches(method: "POST", path: "/v1beta/models/a/b:generateContent"))
        #expect(!rule.matches(method: "GET", path: "/v1beta/models/gemini-2.5-flash:generateContent"))
        #expect(PassthroughPolicy.Rule("GET /models/**")?.matches(method: "GET", path: "/models/meta-llama/Llama-3") == true)
        #expect(PassthroughPolicy.Rule("files") == nil)
        // A pathological pattern against a long path ends (the matcher has a step budget).
        let stars = try #require(PassthroughPolicy.Rule("GET /" + String(repeating: "*a", count: 40) + "b"))
        #expect(!stars.matches(method: "GET", path: "/" + String(repeating: "a", count: 2000)))
    }

    @Test func hopByHopHeadersCookiesAndGatewayKeysAreStrippedOnTheWayUp() async throws {
        try await Harness.with(configure: { c, url in
            PassthroughTests.configureAllFamilies(&c, url)
            c.tenants = [TenantKey(key: AuthenticationTests.alphaKey, tenant: "alpha")]
        }) { h in
            let reply = try await h.send(
                .POST, "/openai/v1/chat/completions", body: Array(chatBody().utf8),
                headers: [
                    ("authorization", "Bearer \(AuthenticationTests.alphaKey)"), ("cookie", "session=secret"), ("connection", "x-hop"),
                    ("x-hop", "1"), ("proxy-authorization", "Basic eA=="), ("te", "trailers"), ("x-api-key", "another"), ("x-goog-api-key", "more"),
                    ("x-kept", "yes"),
                ])
            #expect(reply.status == 200, "\(reply.text)")
            let recorded = try #require(h.sim.recordedRequests().last)
            for name in ["cookie", "x-hop", "proxy-authorization", "te", "x-api-key", "x-goog-api-key"] {
                #expect(recorded.header(name) == nil, "\(name) reached the provider")
            }
            #expect(recorded.header("authorization") == "Bearer test-key")
            #expect(recorded.header("x-kept") == "yes")
        }
    }

    @Test func accountHeadersReachOnlyAuthenticatedCallers() async throws {
        let body = Array(#"{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"#.utf8)
        try await Harness.with(configure: PassthroughTests.configureAllFamilies) { h in
            let anonymous = try await h.send(.POST, "/anthropic/v1/messages", body: body, headers: [("anthropic-version", "2023-06-01")])
            #expect(anonymous.status == 200)
            #expect(anonymous.headers.first(name: "anthropic-organization-id") == nil)
            #expect(anonymous.headers.first(name: "request-id") != nil)
        }
        try await Harness.with(configure: { c, url in
            PassthroughTests.configureAllFamilies(&c, url)
            c.tenants = [TenantKey(key: AuthenticationTests.alphaKey, tenant: "alpha")]
        }) { h in
            let tenant = try await h.send(
                .POST, "/anthropic/v1/messages", body: body, headers: [("x-api-key", AuthenticationTests.alphaKey), ("anthropic-version", "2023-06-01")])
            #expect(tenant.status == 200)
            #expect(tenant.headers.first(name: "anthropic-organization-id") != nil)
        }
    }
}
