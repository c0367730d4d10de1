import DejaHTTPClient
import Logging
import Testing

@testable import DejaProviders
import DejaWire

@Suite struct AnthropicResponseTests {
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var content: String?
        var toolCalls: [(id: String, name: String, arguments: String)]
        var finish: String
        var usage: (prompt: Int, completion: Int, cached: Int)
        var model: String
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "messages-text.json", content: "Hello! It's nice to meet you. How are you doing today?", toolCalls: [],
            finish: "stop", usage: (9, 18, 0), model: "claude-sonnet-4-20250514"),
        Case(
            file: "messages-tool-use.json", content: nil,
            toolCalls: [("toolu_01AoUFM2koNLsFscK6xjnLPo", "get_weather", #"{"location":"Tokyo, Japan"}"#)],
            finish: "tool_calls", usage: (620, 55, 0), model: "claude-sonnet-4-5-20250929"),
        Case(
            file: "messages-text-and-tool-use.json", content: "I'll check the current weather in San Francisco for you.",
            toolCalls: [("toolu_0133tWTcW1kwL2KtdJQbPahU", "get_weather", #"{"location":"San Francisco, CA"}"#)],
            finish: "tool_calls", usage: (401, 69, 0), model: "claude-sonnet-4-20250514"),
        Case(
            file: "messages-text-and-tool-use-2024.json",
            content:
                "Certainly! I'd be happy to help you with both the current weather in New York and the current time there. Let's use the available tools to get this information for you.",
            toolCalls: [
                ("toolu_012r6TBCWjRHG71j6zruYyUL", "get_weather", #"{"location":"New York, NY","unit":"fahrenheit"}"#),
                ("toolu_01SkeBKkLCNYWNuivqFerGDd", "get_time", #"{"timezone":"America/New_York"}"#),
            ],
            finish: "tool_calls", usage: (514, 152, 0), model: "claude-3-5-sonnet-20240620"),
        Case(
            file: "messages-thinking.json",
            content:
                "I don't have access to real-time weather information. To get the current weather in Tokyo, you could:\n\n1. **Search online**: Google \"Tokyo weather\" for immediate results\n2. **Weather websites/apps**: Check weather.com, AccuWeather, or Weather Underground\n3. **Local sources**: The Japan Meteorological Agency (jma.go.jp) provides official forecasts\n\nIs there anything else about Tokyo I can help you with, such as general climate information or what weather to expect during different seasons?",
            toolCalls: [], finish: "stop", usage: (43, 199, 0), model: "claude-sonnet-4-5-20250929"),
    ]

    @Test(arguments: cases)
    func recordedResponse(_ c: Case) throws {
        let bytes = try Fixtures.bytes("wire/anthropic/" + c.file)
        let out = try AnthropicProvider.chatCompletion(fromMessage: bytes, created: 1_700_000_000, provider: "anthropic")
        #expect(out["object"] == .string("chat.completion"))
        #expect(out["created"] == .int(1_700_000_000))
        #expect(out["model"] == .string(c.model))
        let upstreamID = try WireTest.object(bytes)["id"]?.stringValue ?? ""
        #expect(out["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
        #expect(out["id"]?.stringValue?.hasSuffix(String(upstreamID.dropFirst(4))) == true)
        let choice = try #require(out["choices"]?.arrayValue?.first?.objectValue)
        #expect(choice["finish_reason"] == .string(c.finish))
        let message = try #require(choice["message"]?.objectValue)
        #expect(message["role"] == .string("assistant"))
        #expect(message["content"] == (c.content.map(JSONValue.string) ?? .null))
        let calls = message["tool_calls"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(calls.count == c.toolCalls.count)
        for (call, expected) in zip(calls, c.toolCalls) {
            #expect(call["id"] == .string(expected.id))
            #expect(call["type"] == .string("function"))
            let f = call["function"]?.objectValue
            #expect(f?["name"] == .string(expected.name))
            #expect(f?["arguments"] == .string(expected.arguments))
        }
        let usage = try #require(out["usage"]?.objectValue)
        #expect(usage["prompt_tokens"] == .int(c.usage.prompt))
        #expect(usage["completion_tokens"] == .int(c.usage.completion))
        #expect(usage["total_tokens"] == .int(c.usage.prompt + c.usage.completion))
        #expect(usage["prompt_tokens_details"]?.objectValue?["cached_tokens"] == .int(c.usage.cached))
    }

    @Test func cacheTokensCountAsPrompt() throws {
        let body = #"{"id":"msg_x","model":"claude","content":[{"type":"text","text":"ok"}],"stop_reason":"max_tokens","usage":{"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":5}}"#
        let out = try AnthropicProvider.chatCompletion(fromMessage: Array(body.utf8), created: 0, provider: "anthropic")
        let usage = try #require(out["usage"]?.objectValue)
        #expect(usage["prompt_tokens"] == .int(1210))
        #expect(usage["total_tokens"] == .int(1215))
        #expect(usage["prompt_tokens_details"]?.objectValue?["cached_tokens"] == .int(1000))
        #expect(out["choices"]?.arrayValue?.first?.objectValue?["finish_reason"] == .string("length"))
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("refusal", "content_filter"), ("pause_turn", "stop"),
    ])
    func stopReasons(reason: String, expected: String) {
        #expect(AnthropicChat.finishReason(.string(reason)) == .string(expected))
    }

    @Test func aBodyThatIsNotAMessageIsMalformed() {
        #expect(throws: ProviderError.self) {
            try AnthropicProvider.chatCompletion(fromMessage: Array("<html>".utf8), created: 0, provider: "anthropic")
        }
    }

    @Test(arguments: [
        ("error-529-overloaded.json", "overloaded_error", "Overloaded"),
        ("error-400-invalid-request.json", "invalid_request_error", "tools.0.custom.input_schema.type: Field required"),
        ("error-404-not-found.json", "not_found_error", "model: claude-sonet-4-5"),
    ])
    func recordedErrors(file: String, type: String, message: String) throws {
        let parsed = try #require(AnthropicErrorBody.parse(try Fixtures.bytes("wire/anthropic/" + file)))
        #expect(parsed.type == type)
        #expect(parsed.message == message)
        #expect(AnthropicErrorBody.parse(Array(#"{"id":"msg_1","content":[]}"#.utf8)) == nil)
    }

    @Test func overloadedIsRetryableAndBadRequestIsNot() {
        #expect(ProviderError.upstreamStatus(529, provider: "anthropic", message: "Overloaded", type: "overloaded_error").isRetryable)
        #expect(!ProviderError.upstreamStatus(400, provider: "anthropic", message: "bad").isRetryable)
    }

    @Test func embeddingsAreUnsupported() async throws {
        let provider = AnthropicProvider(
            configuration: .init(apiKey: "k"), client: UpstreamClient())
        do {
            _ = try await provider.embeddings(JSONObject(), model: "m", context: .init(requestID: "r", logger: .init(label: "t")))
            Issue.record("expected unsupported")
        } catch let error as ProviderError {
            #expect(error.isUnsupported)
        }
    }
}
