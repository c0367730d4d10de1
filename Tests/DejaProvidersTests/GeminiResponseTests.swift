import Foundation
import Testing

@testable import DejaProviders
import DejaWire

@Suite struct GeminiResponseTests {
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var contentPrefix: String?
        var toolCalls: [(name: String, arguments: String)]
        var finish: String
        var usage: (prompt: Int, completion: Int, total: Int)
        var model: String
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "generate-content-text.json", contentPrefix: "AI stands for **Artificial Intelligence**.", toolCalls: [], finish: "stop",
            usage: (5, 711 + 1096, 1812), model: "gemini-2.5-flash"),
        Case(
            file: "generate-content-text-thought-signature.json", contentPrefix: "Hello! How can I help you today?", toolCalls: [],
            finish: "stop", usage: (3, 9 + 204, 216), model: "gemini-3-pro-preview"),
        Case(
            file: "generate-content-function-call.json", contentPrefix: nil, toolCalls: [("get_weather", #"{"location":"Tokyo"}"#)],
            finish: "tool_calls", usage: (1180, 15 + 58, 1253), model: "gemini-2.5-flash"),
        Case(
            file: "generate-content-function-call-gemini-2.0.json", contentPrefix: nil,
            toolCalls: [("sum_numbers", #"{"a":10000,"b":20000}"#)], finish: "tool_calls", usage: (127, 7, 134),
            model: "gemini-2.0-flash-001"),
    ]

    @Test(arguments: cases)
    func recordedResponse(_ c: Case) throws {
        let bytes = try Fixtures.bytes("wire/gemini/" + c.file)
        let upstream = try WireTest.object(bytes)
        let out = try GeminiProvider.chatCompletion(fromResponse: bytes, model: "asked", created: 5, provider: "gemini")
        #expect(out["object"] == .string("chat.completion"))
        #expect(out["model"] == .string(c.model))
        #expect(out["id"] == .string("chatcmpl-" + (upstream["responseId"]?.stringValue ?? "")))
        let choices = out["choices"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(choices.count == 1)
        let choice = try #require(choices.first)
        #expect(choice["index"] == .int(0))
        #expect(choice["finish_reason"] == .string(c.finish))
        let message = try #require(choice["message"]?.objectValue)
        if let prefix = c.contentPrefix {
            let content = try #require(message["content"]?.stringValue)
            #expect(content.hasPrefix(prefix))
            // The whole text of the recorded parts, nothing else.
            let parts = upstream["candidates"]?.arrayValue?.first?.objectValue?["content"]?.objectValue?["parts"]?.arrayValue ?? []
            #expect(content == parts.compactMap { $0.objectValue?["text"]?.stringValue }.joined())
        } else {
            #expect(message["content"] == .null)
        }
        let calls = message["tool_calls"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(calls.count == c.toolCalls.count)
        for (call, expected) in zip(calls, c.toolCalls) {
            #expect(call["id"]?.stringValue?.hasPrefix("call_") == true)
            #expect(call["function"]?.objectValue?["name"] == .string(expected.name))
            #expect(call["function"]?.objectValue?["arguments"] == .string(expected.arguments))
        }
        let usage = try #require(out["usage"]?.objectValue)
        #expect(usage["prompt_tokens"] == .int(c.usage.prompt))
        #expect(usage["completion_tokens"] == .int(c.usage.completion))
        #expect(usage["total_tokens"] == .int(c.usage.total))
        // Minted ids are deterministic.
        let again = try GeminiProvider.chatCompletion(fromResponse: bytes, model: "asked", created: 6, provider: "gemini")
        #expect(again["choices"] == out["choices"])
    }

    @Test func theSignatureOfACallTravelsInItsID() throws {
        let bytes = try Fixtures.bytes("wire/gemini/generate-content-function-call.json")
        let out = try GeminiProvider.chatCompletion(fromResponse: bytes, model: "m", created: 0, provider: "gemini")
        let call = out["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["tool_calls"]?.arrayValue?.first?.objectValue
        let id = try #require(call?["id"]?.stringValue)
        #expect(GeminiToolCallID.signature(in: id)?.hasPrefix("CpECAb4+9vvTFzaczX2P") == true)
    }

    @Test func thoughtPartsAreLeftOut() throws {
        let body = #"{"candidates":[{"content":{"parts":[{"text":"thinking…","thought":true},{"text":"Answer"}],"role":"model"},"finishReason":"MAX_TOKENS"}],"responseId":"r"}"#
        let out = try GeminiProvider.chatCompletion(fromResponse: Array(body.utf8), model: "gemini-x", created: 0, provider: "gemini")
        let choice = out["choices"]?.arrayValue?.first?.objectValue
        #expect(choice?["message"]?.objectValue?["content"] == .string("Answer"))
        #expect(choice?["finish_reason"] == .string("length"))
        #expect(out["model"] == .string("gemini-x"))
    }

    @Test(arguments: [
        ("STOP", false, "stop"), ("STOP", true, "tool_calls"), ("MAX_TOKENS", false, "length"), ("SAFETY", false, "content_filter"),
        ("RECITATION", false, "content_filter"), ("BLOCKLIST", false, "content_filter"), ("PROHIBITED_CONTENT", false, "content_filter"),
        ("SPII", false, "content_filter"), ("OTHER", false, "stop"), ("MALFORMED_FUNCTION_CALL", false, "stop"),
    ])
    func finishReasons(reason: String, tools: Bool, expected: String) {
        #expect(GeminiChat.finishReason(.string(reason), hasToolCalls: tools) == .string(expected))
    }

    @Test func aBlockedPromptIsAContentFilterFinish() throws {
        let body = #"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}}"#
        let out = try GeminiProvider.chatCompletion(fromResponse: Array(body.utf8), model: "g", created: 0, provider: "gemini")
        #expect(out["choices"]?.arrayValue?.first?.objectValue?["finish_reason"] == .string("content_filter"))
        #expect(out["usage"]?.objectValue?["prompt_tokens"] == .int(4))
    }

    @Test(arguments: [
        ("error-400-invalid-argument-on-sse-endpoint.json", "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
        ("error-404-not-found.json", "NOT_FOUND", "models/gemini-1.5-flash is not found"),
        ("error-429-resource-exhausted.json", "RESOURCE_EXHAUSTED", "Resource exhausted. Please try again later."),
    ])
    func recordedErrors(file: String, status: String, messagePrefix: String) throws {
        let bytes = try Fixtures.bytes("wire/gemini/" + file)
        let parsed = try #require(GeminiErrorBody.parse(bytes))
        #expect(parsed.type == status)
        #expect(parsed.code == status)
        #expect(parsed.message.hasPrefix(messagePrefix))
        #expect(GeminiErrorBody.retryDelaySeconds(bytes) == nil)
    }

    @Test func retryInfoDelayIsKept() {
        let body = #"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}"#
        #expect(GeminiErrorBody.retryDelaySeconds(Array(body.utf8)) == "7")
        let fractional = body.replacingOccurrences(of: "\"7s\"", with: "\"1.2s\"")
        #expect(GeminiErrorBody.retryDelaySeconds(Array(fractional.utf8)) == "2")
        #expect(ProviderError.upstreamStatus(429, provider: "gemini", message: "x", retryAfter: "7").isRetryable)
    }
}
