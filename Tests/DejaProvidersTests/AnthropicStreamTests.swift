import Testing

@testable import DejaProviders
import DejaWire

@Suite struct AnthropicStreamTests {
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var content: String
        var toolCalls: [(id: String, name: String, arguments: String)]
        var finish: String
        var usage: (prompt: Int, completion: Int)
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(file: "messages-stream-text.sse", content: "- Captain\n- Scoop", toolCalls: [], finish: "stop", usage: (17, 10)),
        Case(
            file: "messages-stream-tool-use.sse",
            content:
                "I'll help you find out the current temperature in San Francisco. I'll use the get_current_temperature function to retrieve this information.",
            toolCalls: [("toolu_01Lfr3kUnHMZApePPRWMv1uS", "get_current_temperature", #"{"city": "San Francisco"}"#)],
            finish: "tool_calls", usage: (351, 85)),
        Case(
            file: "messages-stream-thinking.sse",
            content: "1. **Pouch** - references their iconic bill pouch\n2. **Pelé** - playful take on \"pelican\"", toolCalls: [],
            finish: "stop", usage: (46, 133)),
    ]

    func run(_ bytes: [UInt8], seed: UInt64, includeUsage: Bool) async throws -> (WireTest.Assembled, [[UInt8]], ProviderError?) {
        let source = WireTest.EventSource(try WireTest.events(bytes, seed: seed))
        let iterator = AnthropicProvider.chunkIterator(
            nextEvent: { source.next() },
            translator: AnthropicStreamTranslator(provider: "anthropic", includeUsage: includeUsage, created: 1))
        let (payloads, error) = await WireTest.drain(iterator)
        return (try WireTest.assemble(payloads), payloads, error)
    }

    @Test(arguments: cases, [UInt64(1), 2, 3, 42])
    func recordedStream(_ c: Case, seed: UInt64) async throws {
        let bytes = try Fixtures.bytes("wire/anthropic/" + c.file)
        let (a, payloads, error) = try await run(bytes, seed: seed, includeUsage: true)
        #expect(error == nil)
        #expect(a.role == "assistant")
        #expect(a.content == c.content)
        #expect(a.toolCalls.count == c.toolCalls.count)
        for (i, expected) in c.toolCalls.enumerated() {
            let call = try #require(a.toolCalls[i])
            #expect(call.id == expected.id)
            #expect(call.name == expected.name)
            #expect(call.arguments == expected.arguments)
        }
        #expect(a.finishReason == c.finish)
        let usage = try #require(a.usage)
        #expect(usage["prompt_tokens"] == .int(c.usage.prompt))
        #expect(usage["completion_tokens"] == .int(c.usage.completion))
        #expect(usage["total_tokens"] == .int(c.usage.prompt + c.usage.completion))
        #expect(a.ids.count == 1)
        // The last chunk carries usage and no choices, as OpenAI sends it.
        let last = try WireTest.object(try #require(payloads.last))
        #expect(last["choices"] == .array([]))
    }

    @Test func withoutIncludeUsageThereIsNoUsageChunk() async throws {
        let bytes = try Fixtures.bytes("wire/anthropic/messages-stream-text.sse")
        let (a, payloads, error) = try await run(bytes, seed: 9, includeUsage: false)
        #expect(error == nil)
        #expect(a.usage == nil)
        #expect(a.content == "- Captain\n- Scoop")
        for p in payloads { #expect(try WireTest.object(p)["usage"] == nil) }
    }

    @Test(arguments: ["messages-stream-text.sse", "messages-stream-tool-use.sse", "messages-stream-thinking.sse"])
    func aStreamCutBeforeMessageStopIsInterrupted(file: String) async throws {
        let events = try WireTest.events(try Fixtures.bytes("wire/anthropic/" + file), seed: 5)
        #expect(events.last.flatMap { try? WireTest.object($0.data)["type"] } == .string("message_stop"))
        for cut in [1, events.count / 2, events.count - 1] {
            let source = WireTest.EventSource(Array(events.prefix(cut)))
            let iterator = AnthropicProvider.chunkIterator(
                nextEvent: { source.next() },
                translator: AnthropicStreamTranslator(provider: "anthropic", includeUsage: true, created: 1))
            let (_, error) = await WireTest.drain(iterator)
            #expect(error?.isStreamInterrupted == true, "cut after \(cut) events")
        }
    }

    @Test func anErrorEventInterruptsTheStream() async throws {
        let text = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"c\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
        let source = WireTest.EventSource(try WireTest.events(Array(text.utf8), seed: 3))
        let iterator = AnthropicProvider.chunkIterator(
            nextEvent: { source.next() }, translator: AnthropicStreamTranslator(provider: "anthropic", includeUsage: false, created: 1))
        let (payloads, error) = await WireTest.drain(iterator)
        #expect(payloads.count == 1)
        #expect(error?.isStreamInterrupted == true)
        #expect(error?.message.contains("Overloaded") == true)
    }

    @Test func aToolWithoutParametersGetsAnEmptyObject() throws {
        var t = AnthropicStreamTranslator(provider: "anthropic", includeUsage: false, created: 1)
        var out: [[UInt8]] = []
        for data in [
            #"{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_9","name":"now","input":{}}}"#,
            #"{"type": "ping"}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":4}}"#,
            #"{"type":"message_stop"}"#,
        ] {
            out += try t.translate(SSEEvent(data: Array(data.utf8)))
        }
        #expect(t.isFinished)
        let a = try WireTest.assemble(out)
        #expect(a.toolCalls[0]?.id == "toolu_9")
        #expect(a.toolCalls[0]?.arguments == "{}")
        #expect(a.finishReason == "tool_calls")
    }
}
