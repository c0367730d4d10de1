import Testing

@testable import DejaProviders
import DejaWire

@Suite struct GeminiStreamTests {
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var content: String
        var toolCalls: [(name: String, arguments: String)]
        var finish: String
        var usage: (prompt: Int, completion: Int, total: Int)
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "stream-generate-content-text.sse",
            content: (1...30).map(String.init).joined(separator: "\n"), toolCalls: [], finish: "stop", usage: (18, 80 + 35, 133)),
        Case(
            file: "stream-generate-content-function-call.sse", content: "",
            toolCalls: [("get_current_temperature", #"{"city":"Paris"}"#), ("get_current_temperature", #"{"city":"London"}"#)],
            finish: "tool_calls", usage: (37, 14, 51)),
        Case(
            file: "stream-generate-content-text-after-function-response.sse", content: "The capital of Mexico is Mexico City.",
            toolCalls: [], finish: "stop", usage: (257, 8, 265)),
    ]

    func run(_ events: [SSEEvent], includeUsage: Bool) async -> ([[UInt8]], ProviderError?) {
        let source = WireTest.EventSource(events)
        let iterator = GeminiProvider.chunkIterator(
            nextEvent: { source.next() },
            translator: GeminiStreamTranslator(provider: "gemini", model: "asked", includeUsage: includeUsage, created: 1))
        return await WireTest.drain(iterator)
    }

    @Test(arguments: cases, [UInt64(1), 2, 3, 42])
    func recordedStream(_ c: Case, seed: UInt64) async throws {
        let events = try WireTest.events(try Fixtures.bytes("wire/gemini/" + c.file), seed: seed)
        let (payloads, error) = await run(events, includeUsage: true)
        #expect(error == nil)
        let a = try WireTest.assemble(payloads)
        #expect(a.role == "assistant")
        #expect(a.content == c.content)
        #expect(a.toolCalls.count == c.toolCalls.count)
        var ids: Set<String> = []
        for (i, expected) in c.toolCalls.enumerated() {
            let call = try #require(a.toolCalls[i])
            #expect(call.id.hasPrefix("call_"))
            ids.insert(call.id)
            #expect(call.name == expected.name)
            #expect(call.arguments == expected.arguments)
        }
        #expect(ids.count == c.toolCalls.count)
        #expect(a.finishReason == c.finish)
        let usage = try #require(a.usage)
        #expect(usage["prompt_tokens"] == .int(c.usage.prompt))
        #expect(usage["completion_tokens"] == .int(c.usage.completion))
        #expect(usage["total_tokens"] == .int(c.usage.total))
        #expect(a.ids.count == 1)
        let last = try WireTest.object(try #require(payloads.last))
        #expect(last["choices"] == .array([]))
    }

    @Test func streamedIDsMatchTheNonStreamedOnes() async throws {
        let events = try WireTest.events(try Fixtures.bytes("wire/gemini/stream-generate-content-function-call.sse"), seed: 7)
        let (payloads, _) = await run(events, includeUsage: false)
        let a = try WireTest.assemble(payloads)
        #expect(a.usage == nil)
        // The same response, non-streamed, mints the same ids.
        let whole = try GeminiProvider.chatCompletion(fromResponse: events[0].data, model: "m", created: 0, provider: "gemini")
        let calls = whole["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["tool_calls"]?.arrayValue ?? []
        #expect(calls.compactMap { $0.objectValue?["id"]?.stringValue } == [a.toolCalls[0]?.id, a.toolCalls[1]?.id].compactMap { $0 })
    }

    @Test(arguments: ["stream-generate-content-text.sse", "stream-generate-content-text-after-function-response.sse"])
    func aStreamCutBeforeFinishReasonIsInterrupted(file: String) async throws {
        let events = try WireTest.events(try Fixtures.bytes("wire/gemini/" + file), seed: 11)
        for cut in 0..<events.count {
            let (_, error) = await run(Array(events.prefix(cut)), includeUsage: true)
            #expect(error?.isStreamInterrupted == true, "cut after \(cut) events")
        }
    }

    @Test func anErrorObjectInTheStreamInterruptsIt() async throws {
        let text = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"}}]}\r\n\r\ndata: {\"error\": {\"code\": 500,\"message\": \"Internal error\",\"status\": \"INTERNAL\"}}\r\n\r\n"
        let (payloads, error) = await run(try WireTest.events(Array(text.utf8), seed: 2), includeUsage: false)
        #expect(try WireTest.assemble(payloads).content == "Hi")
        #expect(error?.isStreamInterrupted == true)
        #expect(error?.message.contains("Internal error") == true)
    }
}
