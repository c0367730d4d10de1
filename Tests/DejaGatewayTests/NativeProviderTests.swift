import DejaGateway
import DejaProviders
import DejaSim
import Logging
import NIOCore
import NIOHTTP1
import Testing
import DejaWire

/// OpenAI clients using `claude-…` and `gemini-…` models: the gateway translates to each
/// provider's own API (spoken by the simulator) and back.
@Suite struct NativeProviderTests {
    static let models = ["claude-sonnet-4-5", "gemini-2.5-flash"]

    static func configure(_ c: inout GatewayConfiguration, _ simURL: String) {
        c.providers.insert(
            ProviderSettings(
                name: "anthropic", kind: .anthropic, baseURL: simURL, apiKey: "ak", modelPatterns: ["claude-*"], forwardHeaders: ["x-sim-"]),
            at: 0)
        c.providers.insert(
            ProviderSettings(
                name: "gemini", kind: .gemini, baseURL: simURL, apiKey: "gk", modelPatterns: ["gemini-*"], forwardHeaders: ["x-sim-"]),
            at: 0)
    }

    func content(_ reply: Harness.Reply) throws -> (text: String, finish: String, usage: JSONObject?) {
        let body = try reply.json()
        let choice = try #require(body["choices"]?.arrayValue?.first?.objectValue)
        return (choice["message"]?.objectValue?.text("content") ?? "", choice.text("finish_reason"), body["usage"]?.objectValue)
    }

    @Test(arguments: models)
    func nonStreamingRoundTripWithSystemPromptAndUsage(model: String) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let body = #"{"model":"\#(model)","messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":[{"type":"text","text":"Describe this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}"#
            let reply = try await h.post("/v1/chat/completions", json: body)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-provider") == (model.hasPrefix("claude") ? "anthropic" : "gemini"))
            let (text, finish, usage) = try content(reply)
            #expect(!text.isEmpty)
            #expect(finish == "stop")
            #expect(usage?["prompt_tokens"]?.intValue ?? 0 > 0)
            #expect(usage?["completion_tokens"]?.intValue ?? 0 > 0)
            let recorded = try #require(h.sim.recordedRequests().last)
            let sent = try #require(try JSONParser.parse(recorded.body).objectValue)
            if model.hasPrefix("claude") {
                #expect(recorded.path == "/v1/messages")
                #expect(recorded.header("anthropic-version") == "2023-06-01")
                #expect(recorded.header("x-api-key") == "ak")
                #expect(sent["system"] != nil)
                #expect(sent["max_tokens"]?.intValue == 4096)
                let blocks = sent["messages"]?.arrayValue?.first?.objectValue?["content"]?.arrayValue ?? []
                #expect(blocks.contains { $0.objectValue?["type"] == .string("image") })
            } else {
                #expect(recorded.path == "/v1beta/models/\(model):generateContent")
                #expect(recorded.header("x-goog-api-key") == "gk")
                #expect(sent["systemInstruction"] != nil)
                let parts = sent["contents"]?.arrayValue?.first?.objectValue?["parts"]?.arrayValue ?? []
                #expect(parts.contains { $0.objectValue?["inlineData"] != nil })
            }
        }
    }

    @Test(arguments: models)
    func streamingRoundTripMatchesTheJSONAnswer(model: String) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let plain = try await h.post("/v1/chat/completions", json: chatBody("Count for me", model: model))
            let expected = try content(plain).text
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("Count for me", model: model, extra: #""stream":true,"stream_options":{"include_usage":true}"#))
            #expect(reply.status == 200)
            let events = try Harness.events(reply.body)
            #expect(events.last?.isDoneSentinel == true)
            var assembler = ChatStreamAssembler()
            var sawUsage = false
            for event in events.dropLast() {
                let chunk = try #require(try JSONParser.parse(event.data).objectValue)
                if chunk["usage"]?.objectValue != nil { sawUsage = true }
                assembler.add(chunk)
            }
            let completion = try #require(assembler.completion())
            let text = completion["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?.text("content")
            #expect(text == expected)
            #expect(assembler.finish == "stop")
            #expect(sawUsage)
        }
    }

    @Test(arguments: models)
    func toolCallsBothWays(model: String) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let tools = #""tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]"#
            let first = try await h.post("/v1/chat/completions", json: chatBody("Weather in Paris?", model: model, extra: tools))
            #expect(first.status == 200, "\(first.text)")
            let choice = try #require(try first.json()["choices"]?.arrayValue?.first?.objectValue)
            #expect(choice.text("finish_reason") == "tool_calls")
            let call = try #require(choice["message"]?.objectValue?["tool_calls"]?.arrayValue?.first?.objectValue)
            let id = call.text("id")
            #expect(!id.isEmpty)
            #expect(call["function"]?.objectValue?.text("name") == "get_weather")
            let arguments = try #require(try JSONParser.parse(Array((call["function"]?.objectValue?.text("arguments") ?? "").utf8)).objectValue)
            #expect(arguments["city"] != nil)

            // Send the tool result back: the provider sees its own tool_result / functionResponse.
            let followUp = #"""
                {"model":"\#(model)",\#(tools),"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"\#(id)","content":"{\"temp\":21}"}]}
                """#
            let second = try await h.post("/v1/chat/completions", json: followUp)
            #expect(second.status == 200, "\(second.text)")
            #expect(try content(second).finish == "stop")
            let recorded = try #require(h.sim.recordedRequests().last)
            if model.hasPrefix("claude") {
                #expect(recorded.bodyString.contains("\"tool_result\""))
                #expect(recorded.bodyString.contains("\"tool_use\""))
            } else {
                #expect(recorded.bodyString.contains("\"functionResponse\""))
                #expect(recorded.bodyString.contains("\"functionCall\""))
            }
        }
    }

    @Test(arguments: models)
    func streamedToolCallsCarryArguments(model: String) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let tools = #""stream":true,"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}}]"#
            let reply = try await h.post("/v1/chat/completions", json: chatBody("Look it up", model: model, extra: tools))
            var assembler = ChatStreamAssembler()
            for event in try Harness.events(reply.body).dropLast() { assembler.add(event.data) }
            let completion = try #require(assembler.completion())
            let call = try #require(completion["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["tool_calls"]?.arrayValue?.first?.objectValue)
            let args = call["function"]?.objectValue?.text("arguments") ?? ""
            #expect(try JSONParser.parse(Array(args.utf8)).objectValue?["q"] != nil)
            #expect(assembler.finish == "tool_calls")
        }
    }

    @Test(arguments: models)
    func maxTokensCutIsLength(model: String) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody("Tell me more", model: model, extra: #""max_tokens":3"#))
            #expect(reply.status == 200)
            #expect(try content(reply).finish == "length")
        }
    }

    @Test(arguments: [
        ("claude-sonnet-4-5", 401, 502), ("claude-sonnet-4-5", 429, 429), ("claude-sonnet-4-5", 529, 503), ("claude-sonnet-4-5", 500, 502),
        ("claude-sonnet-4-5", 400, 400), ("claude-sonnet-4-5", 404, 404),
        ("gemini-2.5-flash", 403, 502), ("gemini-2.5-flash", 429, 429), ("gemini-2.5-flash", 503, 503), ("gemini-2.5-flash", 500, 502),
        ("gemini-2.5-flash", 400, 400), ("gemini-2.5-flash", 404, 404),
    ])
    func upstreamErrorsMap(model: String, upstream: Int, expected: Int) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody(model: model), headers: [("x-sim-status", "\(upstream)"), ("x-sim-retry-after", "4")])
            #expect(reply.status == expected, "\(reply.text)")
            #expect(try reply.errorObject().text("message").isEmpty == false)
            if expected == 429 { #expect(reply.headers.first(name: "retry-after") == "4") }
        }
    }

    @Test(arguments: models)
    func aStreamCutMidwayEndsWithAnErrorEvent(model: String) async throws {
        try await Harness.with(configure: Self.configure) { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody(model: model, extra: #""stream":true"#), headers: [("x-sim-truncate-stream", "2")])
            #expect(reply.status == 200)
            #expect(Harness.streamError(try Harness.events(reply.body)) != nil)
        }
    }
}
