import DejaWire
@testable import DejaGateway
import DejaProviders
import DejaSim
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// Native pass-through: the simulator must receive exactly what the client sent.
@Suite struct PassthroughTests {
    static func configureAllFamilies(_ c: inout GatewayConfiguration, _ simURL: String) {
        c.providers.append(ProviderSettings(name: "anthropic", kind: .anthropic, baseURL: simURL, apiKey: "configured-anthropic-key"))
        c.providers.append(ProviderSettings(name: "gemini", kind: .gemini, baseURL: simURL, apiKey: "configured-gemini-key"))
    }

    @Test func openAIBodyIsForwardedByteForByteAndTheConfiguredKeyInjected() async throws {
        try await Harness.with { h in
            // Odd spacing and member order that a re-serialiser would change.
            let body = "{ \"messages\" : [ {\"content\":\"Hi\",   \"role\":\"user\"} ],\n \"model\":\"gpt-4o-mini\", \"temperature\": 1.0 }"
            let reply = try await h.send(.POST, "/openai/v1/chat/completions?trace=1", body: Array(body.utf8), headers: [("x-custom", "kept")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-provider") == "sim")
            #expect(reply.headers.first(name: "x-request-id") != nil)
            let recorded = try #require(h.sim.recordedRequests().last)
            #expect(recorded.body == Array(body.utf8))
            #expect(recorded.path == "/v1/chat/completions")
            #expect(recorded.query == "trace=1")
            #expect(recorded.header("x-custom") == "kept")
            #expect(recorded.header("authorization") == "Bearer test-key")
            // The answer is the simulator's own bytes: no x-gateway splice on pass-through.
            #expect(!reply.text.contains("x-gateway"))
        }
    }

    @Test func theClientsOwnKeyWins() async throws {
        try await Harness.with { h in
            let reply = try await h.send(
                .POST, "/openai/v1/chat/completions", body: Array(chatBody().utf8), headers: [("authorization", "Bearer client-key")])
            #expect(reply.status == 200)
            #expect(h.sim.recordedRequests().last?.header("authorization") == "Bearer client-key")
        }
    }

    @Test func streamsPassThroughUntouched() async throws {
        try await Harness.with { h in
            let reply = try await h.send(.POST, "/openai/v1/chat/completions", body: Array(chatBody(extra: #""stream":true"#).utf8))
            #expect(reply.status == 200)
            #expect(reply.text.hasSuffix("data: [DONE]\n\n"))
            #expect(reply.text.contains("\"obfuscation\""))
        }
    }

    @Test func upstreamErrorsPassThroughWithTheirStatus() async throws {
        try await Harness.with { h in
            let reply = try await h.send(.POST, "/openai/v1/chat/completions", body: Array(chatBody().utf8), headers: [("x-sim-status", "429")])
            #expect(reply.status == 429)
            #expect(reply.headers.first(name: "retry-after") != nil)
        }
    }

    @Test func anthropicNativeRequestIsForwardedExactly() async throws {
        try await Harness.with(configure: Self.configureAllFamilies) { h in
            let body = #"{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hello"}]}"#
            let reply = try await h.send(.POST, "/anthropic/v1/messages", body: Array(body.utf8), headers: [("anthropic-version", "2023-06-01")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try reply.json()["type"] == .string("message"))
            let recorded = try #require(h.sim.recordedRequests().last)
            #expect(recorded.body == Array(body.utf8))
            #expect(recorded.path == "/v1/messages")
            #expect(recorded.header("x-api-key") == "configured-anthropic-key")
            #expect(recorded.header("anthropic-version") == "2023-06-01")
        }
    }

    @Test func geminiNativeStreamIsForwardedExactly() async throws {
        try await Harness.with(configure: Self.configureAllFamilies) { h in
            let body = #"{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}"#
            let reply = try await h.send(
                .POST, "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", body: Array(body.utf8),
                headers: [("x-goog-api-key", "client-gemini-key")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.text.contains("\r\n\r\n"))
            let recorded = try #require(h.sim.recordedRequests().last)
            #expect(recorded.body == Array(body.utf8))
            #expect(recorded.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
            #expect(recorded.query == "alt=sse")
            #expect(recorded.header("x-goog-api-key") == "client-gemini-key")
        }
    }

    @Test func unconfiguredFamilyIs404() async throws {
        try await Harness.with { h in
            let reply = try await h.send(.POST, "/anthropic/v1/messages", body: Array("{}".utf8))
            #expect(reply.status == 404)
            #expect(try reply.errorObject()["code"] == .string("provider_not_configured"))
        }
    }

    @Test func upstreamPathMapping() throws {
        // An OpenAI-kind base URL ends in its version segment, so the path below /openai/v1 is appended to it.
        #expect(try PassthroughHandler.upstreamPath(family: .openai, rawTarget: "/openai/v1/models") == "/models")
        #expect(try PassthroughHandler.upstreamPath(family: .anthropic, rawTarget: "/anthropic/v1/messages?beta=true") == "/v1/messages")
        #expect(try PassthroughHandler.upstreamPath(family: .gemini, rawTarget: "/gemini/v1/models/x:generateContent") == "/v1/models/x:generateContent")
    }
}
