import DejaWire
import NIOHTTP1
import NIOCore
import Logging
import DejaGateway
import DejaProviders
import DejaSim
import Testing

/// Upstream failures become the contract statuses, in the OpenAI error shape.
@Suite struct ErrorMappingTests {
    @Test(arguments: [
        (401, 502, "upstream_error"),
        (403, 502, "upstream_error"),
        (500, 502, "upstream_error"),
        (502, 502, "upstream_error"),
        (503, 503, "upstream_error"),
        (400, 400, "invalid_request_error"),
        (404, 404, "invalid_request_error"),
    ])
    func upstreamStatusesMapToContractStatuses(upstream: Int, expected: Int, type: String) async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-sim-status", "\(upstream)")])
            #expect(reply.status == expected, "\(reply.text)")
            let err = try reply.errorObject()
            #expect(err["type"]?.stringValue != nil)
            #expect(err.text("message").contains("sim"))
            if upstream == 401 || upstream == 403 {
                // The provider's own message is preserved for the operator.
                #expect(err.text("message").contains("HTTP \(upstream)"))
            }
            if upstream == 503 {
                // A single provider's own 503, relayed after its retries: its own class, not the
                // gateway's give-up signal.
                #expect(reply.headers.first(name: "x-deja-error-class") == "upstream_unavailable")
                #expect(!reply.text.contains("provider_degraded") && !reply.text.contains("[DEJA_PROVIDER_DEGRADED]"))
                #expect(h.sim.stats().openAIChat == 3)
            }
            if upstream == 400 || upstream == 404 || upstream == 401 || upstream == 403 {
                #expect(h.sim.stats().openAIChat == 1, "a client error is never retried")
            }
            if upstream == 400 || upstream == 404 { #expect(err["type"]?.stringValue == type) }
        }
    }

    @Test func rateLimitKeepsRetryAfter() async throws {
        try await Harness.with { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody(), headers: [("x-sim-status", "429"), ("x-sim-retry-after", "7")])
            #expect(reply.status == 429)
            #expect(reply.headers.first(name: "retry-after") == "7")
            #expect(try reply.errorObject()["type"] == .string("rate_limit_error"))
        }
    }

    @Test func rateLimitBeforeAStreamIsAnHTTPError() async throws {
        try await Harness.with { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody(extra: #""stream":true"#),
                headers: [("x-sim-status", "429"), ("x-sim-retry-after", "3")])
            #expect(reply.status == 429)
            #expect(reply.headers.first(name: "retry-after") == "3")
        }
    }

    @Test func slowUpstreamIsAGatewayTimeout() async throws {
        try await Harness.with(configure: { c, _ in c.providers[0].timeoutMs = 300 }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-sim-latency-ms", "3000")])
            #expect(reply.status == 504)
            #expect(try reply.errorObject()["code"] == .string("upstream_timeout"))
        }
    }

    @Test func unreachableUpstreamIsABadGateway() async throws {
        try await Harness.with(configure: { c, _ in c.providers[0].baseURL = "http://127.0.0.1:1/v1" }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody())
            #expect(reply.status == 502)
            #expect(try reply.errorObject()["code"] == .string("upstream_unavailable"))
            let health = try await h.send(.GET, "/health")
            #expect(health.text.contains("\"unhealthy\""))
        }
    }

    @Test func droppedConnectionIsABadGateway() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-sim-drop", "1")])
            #expect(reply.status == 502)
        }
    }

    @Test func malformedUpstreamBodyIsABadGateway() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-sim-malformed", "1")])
            #expect(reply.status == 502, "\(reply.text)")
            #expect(try reply.errorObject()["type"] == .string("upstream_error"))
        }
    }

    @Test func malformedStreamEndsWithAnErrorEvent() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(extra: #""stream":true"#), headers: [("x-sim-malformed", "1")])
            let events = try Harness.events(reply.body)
            #expect(Harness.streamError(events) != nil)
        }
    }
}
