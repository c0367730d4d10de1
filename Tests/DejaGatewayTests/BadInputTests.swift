import DejaWire
import DejaSim
import Logging
import AsyncHTTPClient
import DejaGateway
import DejaProviders
import NIOCore
import NIOHTTP1
import Testing

/// Nothing a client sends crashes the gateway or leaves a connection hanging; every bad input gets
/// an OpenAI-shaped error that says what is wrong.
@Suite struct BadInputTests {
    @Test(arguments: [
        ("{not json", 400, "not valid JSON"),
        ("[1,2]", 400, "must be a JSON object"),
        (#"{"messages":[{"role":"user","content":"hi"}]}"#, 400, "'model'"),
        (#"{"model":"gpt-4o-mini"}"#, 400, "'messages'"),
        (#"{"model":"gpt-4o-mini","messages":[]}"#, 400, "at least one message"),
        (#"{"model":"gpt-4o-mini","messages":[{"role":"robot","content":"hi"}]}"#, 400, "messages[0].role"),
        (#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":"warm"}"#, 400, "'temperature' must be a number"),
        (#"{"model":42,"messages":[{"role":"user","content":"hi"}]}"#, 400, "'model' must be a non-empty string"),
        ("", 400, "empty"),
    ])
    func invalidChatBodies(_ body: String, _ status: Int, _ fragment: String) async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: body)
            #expect(reply.status == status)
            let err = try reply.errorObject()
            #expect(err["type"] == .string("invalid_request_error"))
            #expect(err.text("message").contains(fragment), "\(err)")
            #expect(h.sim.stats().totalRequests == 0)
        }
    }

    @Test func nonUTF8BytesAreRejected() async throws {
        try await Harness.with { h in
            var bytes = Array(#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"caf"#.utf8)
            bytes += [0xC3, 0x28, 0xFF]
            bytes += Array(#""}]}"#.utf8)
            let reply = try await h.send(.POST, "/v1/chat/completions", body: bytes)
            #expect(reply.status == 400)
            let message = try reply.errorObject()["message"]?.stringValue ?? ""
            #expect(message.contains("UTF-8"))
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await Harness.with { h in
            let big = chatBody(String(repeating: "a", count: 70 << 10))
            let reply = try await h.post("/v1/chat/completions", json: big)
            #expect(reply.status == 413)
            #expect(try reply.errorObject()["code"] == .string("request_too_large"))
        }
    }

    @Test func bodyOverTheLimitWithoutContentLengthIs413() async throws {
        try await Harness.with { h in
            var request = HTTPClientRequest(url: h.base + "/v1/chat/completions")
            request.method = .POST
            let chunk = ByteBuffer(repeating: UInt8(ascii: "a"), count: 16 << 10)
            // A streamed body of unknown length (chunked transfer encoding).
            request.body = .stream(AsyncStream { c in
                for _ in 0..<8 { c.yield(chunk) }
                c.finish()
            }, length: .unknown)
            let response = try await h.client.execute(request, timeout: .seconds(10))
            #expect(response.status == .payloadTooLarge)
        }
    }

    @Test func unknownRouteIs404AndWrongMethodIs405() async throws {
        try await Harness.with { h in
            let missing = try await h.send(.GET, "/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(try missing.errorObject()["code"] == .string("unknown_route"))
            let wrong = try await h.send(.GET, "/v1/chat/completions")
            #expect(wrong.status == 405)
            #expect(wrong.headers.first(name: "allow") == "POST")
            let wrong2 = try await h.send(.DELETE, "/v1/models")
            #expect(wrong2.status == 405)
        }
    }

    @Test func unknownModelIs404WhenNoProviderClaimsIt() async throws {
        try await Harness.with(configure: { c, _ in c.defaultProvider = nil }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(model: "mystery-model-9"))
            #expect(reply.status == 404)
            #expect(try reply.errorObject()["code"] == .string("model_not_found"))
            let prefixed = try await h.post("/v1/chat/completions", json: chatBody(model: "nosuchprovider/x"))
            #expect(prefixed.status == 404)
        }
    }

    @Test func deeplyNestedJSONIsRejectedNotACrash() async throws {
        try await Harness.with { h in
            let nested = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
            let reply = try await h.post("/v1/chat/completions", json: #"{"model":"gpt-4o-mini","messages":"# + nested + "}")
            #expect(reply.status == 400)
            // The server is still alive.
            #expect(try await h.send(.GET, "/health/live").status == 200)
        }
    }
}
