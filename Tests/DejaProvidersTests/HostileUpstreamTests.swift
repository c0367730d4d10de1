import Testing

@testable import DejaProviders
import DejaWire

/// What a hostile or broken upstream can send — absurd indices, overflowing usage, endless SSE
/// lines — ends in a `ProviderError` or a clamped value, never a trap or unbounded growth.
@Suite struct HostileUpstreamTests {
    static let int32Max = Int(Int32.max)

    static func object(_ text: String) throws -> JSONObject { try WireTest.object(Array(text.utf8)) }

    static func event(_ type: String, _ json: String) -> SSEEvent { SSEEvent(event: type, data: Array(json.utf8)) }

    /// A chunk source that hands out `chunks`, then `forever` endlessly (if set), counting reads.
    final class ChunkSource: @unchecked Sendable {
        var chunks: [[UInt8]]
        let forever: [UInt8]?
        private(set) var reads = 0
        init(_ chunks: [[UInt8]], forever: [UInt8]? = nil) {
            self.chunks = chunks
            self.forever = forever
        }
        func next() -> [UInt8]? {
            reads += 1
            if !chunks.isEmpty { return chunks.removeFirst() }
            return forever
        }
    }

    func expectMalformed(_ error: ProviderError?, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error?.isMalformedResponse == true, comment, sourceLocation: sourceLocation)
        #expect(error?.isRetryable == false, sourceLocation: sourceLocation)
    }

    // MARK: Usage arithmetic

    @Test func anthropicUsageSaturatesInsteadOfOverflowing() throws {
        let body = #"""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"hi"}],
            "stop_reason":"end_turn","usage":{"input_tokens":9223372036854775807,"cache_read_input_tokens":9223372036854775807,
            "cache_creation_input_tokens":1e300,"output_tokens":9223372036854775807}}
            """#
        let completion = try AnthropicProvider.chatCompletion(fromMessage: Array(body.utf8), created: 1, provider: "anthropic")
        let usage = try #require(completion["usage"]?.objectValue)
        #expect(usage["prompt_tokens"] == .int(Self.int32Max))
        #expect(usage["completion_tokens"] == .int(Self.int32Max))
        #expect(usage["total_tokens"] == .int(Self.int32Max))
        #expect(usage["prompt_tokens_details"]?.objectValue?["cached_tokens"] == .int(Self.int32Max))

        let negative = AnthropicChat.usage(try Self.object(#"{"input_tokens":-5,"output_tokens":-1e300,"cache_read_input_tokens":"7"}"#))
        #expect(negative["prompt_tokens"] == .int(0))
        #expect(negative["completion_tokens"] == .int(0))
        #expect(negative["total_tokens"] == .int(0))
        let normal = AnthropicChat.usage(try Self.object(#"{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":2,"output_tokens":3}"#))
        #expect(normal["prompt_tokens"] == .int(17))
        #expect(normal["total_tokens"] == .int(20))
    }

    @Test func geminiUsageSaturatesInsteadOfOverflowing() throws {
        let usage = GeminiChat.usage(
            try Self.object(
                #"{"promptTokenCount":9223372036854775807,"candidatesTokenCount":9223372036854775807,"thoughtsTokenCount":1e400,"cachedContentTokenCount":-3}"#))
        #expect(usage["prompt_tokens"] == .int(Self.int32Max))
        #expect(usage["completion_tokens"] == .int(Self.int32Max))
        #expect(usage["total_tokens"] == .int(Self.int32Max))
        #expect(usage["prompt_tokens_details"]?.objectValue?["cached_tokens"] == .int(0))
        #expect(usage["completion_tokens_details"]?.objectValue?["reasoning_tokens"] == .int(Self.int32Max))
        let given = GeminiChat.usage(try Self.object(#"{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":9223372036854775807}"#))
        #expect(given["total_tokens"] == .int(Self.int32Max))
        let normal = GeminiChat.usage(try Self.object(#"{"promptTokenCount":3,"candidatesTokenCount":4,"thoughtsTokenCount":2}"#))
        #expect(normal["total_tokens"] == .int(9))

        let embeddings = try GeminiProvider.embeddingsList(
            fromResponse: Array(#"{"embeddings":[{"values":[1e300,-1e400,0.5]}],"usageMetadata":{"promptTokenCount":1e300}}"#.utf8),
            model: "e", base64: true, provider: "gemini")
        #expect(embeddings["usage"]?.objectValue?["prompt_tokens"] == .int(Self.int32Max))
    }

    @Test(arguments: [
        (#""7s""#, "7" as String?), (#""0.2s""#, "1"), (#""1e300s""#, "86400"), (#""infs""#, nil), (#""nans""#, nil), (#""-1s""#, nil),
        (#""1e400s""#, nil), (#""90000s""#, "86400"), (#""s""#, nil), ("7", nil),
    ])
    func geminiRetryDelaysAreClamped(_ delay: String, _ expected: String?) {
        let body = #"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"# + delay + "}]}}"
        #expect(GeminiErrorBody.retryDelaySeconds(Array(body.utf8)) == expected)
    }

    // MARK: Anthropic stream indices

    func anthropic(_ events: [SSEEvent], includeUsage: Bool = true) async -> ([[UInt8]], ProviderError?) {
        let source = WireTest.EventSource(events)
        let iterator = AnthropicProvider.chunkIterator(
            nextEvent: { source.next() }, translator: AnthropicStreamTranslator(provider: "anthropic", includeUsage: includeUsage, created: 1))
        return await WireTest.drain(iterator)
    }

    static let messageStart = event("message_start", #"{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":9223372036854775807}}}"#)

    static func toolStart(_ index: String, id: String = "toolu_1") -> SSEEvent {
        event("content_block_start", #"{"type":"content_block_start","index":\#(index),"content_block":{"type":"tool_use","id":"\#(id)","name":"f","input":{}}}"#)
    }

    @Test func aHugeButValidBlockIndexIsOnlyAKey() async throws {
        let huge = "4611686018427387904"  // 2^62
        let (payloads, error) = await anthropic([
            Self.messageStart, Self.toolStart(huge),
            Self.event("content_block_delta", #"{"type":"content_block_delta","index":\#(huge),"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}"#),
            Self.event("content_block_stop", #"{"type":"content_block_stop","index":\#(huge)}"#),
            Self.event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9223372036854775807}}"#),
            Self.event("message_stop", #"{"type":"message_stop"}"#),
        ])
        #expect(error == nil)
        let assembled = try WireTest.assemble(payloads)
        #expect(assembled.toolCalls.count == 1)
        #expect(assembled.toolCalls[0]?.arguments == #"{"a":1}"#)
        #expect(assembled.finishReason == "tool_calls")
        #expect(assembled.usage?["prompt_tokens"] == .int(Self.int32Max))
        #expect(assembled.usage?["total_tokens"] == .int(Self.int32Max))
    }

    @Test(arguments: ["-1", "-4611686018427387904", "1.5", "1e300", #""0""#, "[0]", "true", "9223372036854775808"])
    func invalidBlockIndicesAreMalformed(_ index: String) async {
        for second in [
            Self.toolStart(index),
            Self.event("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":{"type":"text_delta","text":"x"}}"#),
            Self.event("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#),
        ] {
            let (_, error) = await anthropic([Self.messageStart, second, Self.event("message_stop", #"{"type":"message_stop"}"#)])
            expectMalformed(error, "index \(index) in \(second.event ?? "")")
        }
    }

    @Test func endlessToolBlocksAreCapped() async {
        var events = [Self.messageStart]
        for i in 0..<(StreamLimits.maxToolCalls + 1) { events.append(Self.toolStart(String(i), id: "t\(i)")) }
        let start = ContinuousClock.now
        let (payloads, error) = await anthropic(events)
        expectMalformed(error)
        #expect(error?.message.contains("more than 1024 tool calls") == true)
        #expect(payloads.count == 1 + StreamLimits.maxToolCalls)  // the role chunk, then one per accepted tool
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func aHugeUsageObjectCostsOnePass() async throws {
        let junk = (0..<100_000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let start = ContinuousClock.now
        let (payloads, error) = await anthropic([
            Self.messageStart,
            Self.event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{\#(junk),"output_tokens":5}}"#),
            Self.event("message_stop", #"{"type":"message_stop"}"#),
        ])
        #expect(error == nil)
        #expect(ContinuousClock.now - start < .seconds(3))
        let usage = try #require(try WireTest.assemble(payloads).usage)
        #expect(usage["completion_tokens"] == .int(5))
        #expect(usage.count == 4)
    }

    // MARK: Gemini candidate indices

    func geminiBody(_ candidates: String) -> [UInt8] {
        Array(#"{"candidates":[\#(candidates)],"responseId":"r1","modelVersion":"gemini-2.5-flash"}"#.utf8)
    }

    static let candidate = #"{"content":{"parts":[{"text":"hi"}],"role":"model"},"finishReason":"STOP""#

    @Test(arguments: ["-1", "4611686018427387904", "128", "1e300", "1.5", #""0""#, "{}"])
    func invalidCandidateIndicesAreMalformed(_ index: String) async {
        let one = Self.candidate + #","index":\#(index)}"#
        do {
            _ = try GeminiProvider.chatCompletion(fromResponse: geminiBody(one), model: "g", created: 1, provider: "gemini")
            Issue.record("accepted index \(index)")
        } catch {
            expectMalformed(error)
        }
        var translator = GeminiStreamTranslator(provider: "gemini", model: "g", includeUsage: false, created: 1)
        do {
            _ = try translator.translate(SSEEvent(data: geminiBody(one)))
            Issue.record("stream accepted index \(index)")
        } catch {
            expectMalformed(error)
        }
    }

    @Test func candidateCountIsBoundedByTheChoiceLimit() throws {
        let many = Array(repeating: Self.candidate + "}", count: GeminiChat.maxCandidates)
        let completion = try GeminiProvider.chatCompletion(fromResponse: geminiBody(many.joined(separator: ",")), model: "g", created: 1, provider: "gemini")
        #expect(completion["choices"]?.arrayValue?.count == 128)
        #expect(completion["choices"]?.arrayValue?.last?.objectValue?["index"] == .int(127))
        let tooMany = (many + [Self.candidate + "}"]).joined(separator: ",")
        #expect(throws: ProviderError.self) {
            try GeminiProvider.chatCompletion(fromResponse: geminiBody(tooMany), model: "g", created: 1, provider: "gemini")
        }
        var translator = GeminiStreamTranslator(provider: "gemini", model: "g", includeUsage: false, created: 1)
        #expect(throws: ProviderError.self) { try translator.translate(SSEEvent(data: geminiBody(tooMany))) }
    }

    @Test func geminiStreamUsageIsClamped() async throws {
        let events = [
            SSEEvent(data: Array(#"{"candidates":[\#(Self.candidate),"index":0}],"usageMetadata":{"promptTokenCount":9223372036854775807,"candidatesTokenCount":9223372036854775807}}"#.utf8))
        ]
        let source = WireTest.EventSource(events)
        let (payloads, error) = await WireTest.drain(
            GeminiProvider.chunkIterator(
                nextEvent: { source.next() }, translator: GeminiStreamTranslator(provider: "gemini", model: "g", includeUsage: true, created: 1)))
        #expect(error == nil)
        let usage = try #require(try WireTest.assemble(payloads).usage)
        #expect(usage["total_tokens"] == .int(Self.int32Max))
    }

    // MARK: SSE size caps, through the reader every adapter uses

    @Test func anUnterminatedLineIsCutAtTheDefaultCap() async {
        let chunk = Array(repeating: UInt8(ascii: "x"), count: 64 << 10)
        let source = ChunkSource([Array("data: ".utf8)], forever: chunk)
        let reader = SSEEventReader(provider: "openai") { source.next() }
        let start = ContinuousClock.now
        do {
            let event = try await reader.next()
            Issue.record("got \(String(describing: event?.data.count))")
        } catch let error as ProviderError {
            expectMalformed(error)
            #expect(error.message.contains("8388608 bytes"))
        } catch {
            Issue.record("\(error)")
        }
        // Bounded: at most the cap plus one read was buffered.
        #expect(source.reads <= (8 << 20) / chunk.count + 2)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    /// Hostile framings, each past a small cap: one endless line, endless data lines of one event,
    /// endless comment or `event:` lines, a single line over the cap inside one read.
    static let framings: [(String, [UInt8]?, [UInt8])] = [
        ("endless data line", nil, Array(repeating: UInt8(ascii: "a"), count: 1000)),
        ("endless data lines", nil, Array("data: 0123456789\n".utf8)),
        ("endless comment line", Array(": ".utf8), Array(repeating: UInt8(ascii: "c"), count: 1000)),
        ("endless event name", Array("event: ".utf8), Array(repeating: UInt8(ascii: "e"), count: 1000)),
        ("no colon", Array("dddd".utf8), Array(repeating: UInt8(ascii: "d"), count: 1000)),
    ]

    @Test(arguments: framings)
    func hostileFramingsEndInMalformedResponse(_ name: String, _ prefix: [UInt8]?, _ forever: [UInt8]) async {
        let cap = 64 << 10
        for adapter in ["openai", "anthropic", "gemini"] {
            let source = ChunkSource([prefix ?? Array("data: ".utf8)], forever: forever)
            let reader = SSEEventReader(provider: adapter, maxEventBytes: cap) { source.next() }
            let next: () async throws -> SSEEvent? = { try await reader.next() }
            let iterator: ChatChunkStream.AsyncIterator
            switch adapter {
            case "openai": iterator = OpenAICompatibleProvider.chunkIterator(nextEvent: next, provider: adapter)
            case "anthropic":
                iterator = AnthropicProvider.chunkIterator(
                    nextEvent: next, translator: AnthropicStreamTranslator(provider: adapter, includeUsage: false, created: 1))
            default:
                iterator = GeminiProvider.chunkIterator(
                    nextEvent: next, translator: GeminiStreamTranslator(provider: adapter, model: "g", includeUsage: false, created: 1))
            }
            let (payloads, error) = await WireTest.drain(iterator)
            #expect(payloads.isEmpty, "\(name) via \(adapter)")
            expectMalformed(error, "\(name) via \(adapter)")
            #expect(error?.provider == adapter)
            // Linear in the cap: a data line adds fewer bytes to the event than it has on the wire.
            #expect(source.reads <= 2 * cap / forever.count + 3, "\(name) via \(adapter): \(source.reads) reads")
        }
    }

    @Test func aLongLineInsideOneReadIsRejected() {
        var parser = SSEParser(maxEventBytes: 1024)
        let line = Array("data: ".utf8) + Array(repeating: UInt8(ascii: "x"), count: 5000) + Array("\n\n".utf8)
        #expect(throws: SSEParser.ParseError.self) { try parser.feed(line) }
        var split = SSEParser(maxEventBytes: 1024)
        let lines = Array(String(repeating: "data: 0123456789\n", count: 200).utf8) + [0x0A]
        #expect(throws: SSEParser.ParseError.self) { try split.feed(lines) }
    }

    @Test func eventsUpToTheCapPass() throws {
        var parser = SSEParser(maxEventBytes: 1024)
        let data = Array(repeating: UInt8(ascii: "x"), count: 1018)  // "data: " + 1018 = 1024
        let events = try parser.feed(Array("data: ".utf8) + data + Array("\n\n".utf8))
        #expect(events.map(\.data) == [data])
        // Many small events, far more than the cap in total, are fine: the cap is per event.
        let many = Array(String(repeating: "data: {}\n\n", count: 10_000).utf8)
        #expect(try parser.feed(many).count == 10_000)
    }

    @Test func blankLineFloodsProduceNothingAndBufferNothing() throws {
        var parser = SSEParser(maxEventBytes: 1024)
        let start = ContinuousClock.now
        for _ in 0..<100 {
            #expect(try parser.feed(Array(String(repeating: "\r\n\r\r\n\n:\n", count: 1000).utf8)).isEmpty)
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    // MARK: OpenAI-compatible streams

    func openAI(_ events: [SSEEvent]) async -> ([[UInt8]], ProviderError?) {
        let source = WireTest.EventSource(events)
        return await WireTest.drain(OpenAICompatibleProvider.chunkIterator(nextEvent: { source.next() }, provider: "openai"))
    }

    @Test func openAIStreamsRelayOnlyWholeObjects() async {
        let chunk = SSEEvent(data: Array(#"{"id":"c","object":"chat.completion.chunk","choices":[]}"#.utf8))
        let done = SSEEvent(data: Array("[DONE]".utf8))
        var (payloads, error) = await openAI([chunk, done])
        #expect(payloads.count == 1 && error == nil)
        for bad in ["[1]", "{\"a\":", "NaN", String(repeating: "[", count: 500), "\"\\ud800\""] {
            (payloads, error) = await openAI([chunk, SSEEvent(data: Array(bad.utf8)), done])
            #expect(payloads.count == 1)
            expectMalformed(error, "\(bad.prefix(20))")
        }
        (payloads, error) = await openAI([chunk, SSEEvent(data: Array(#"{"error":{"message":"boom","code":1e300}}"#.utf8))])
        #expect(error?.isStreamInterrupted == true)
        (payloads, error) = await openAI([chunk])
        #expect(error?.isStreamInterrupted == true)
    }

    // MARK: The stream assembler (gateway side of every adapter)

    static func chunk(_ choices: String) -> JSONObject {
        (try? object(#"{"id":"c","object":"chat.completion.chunk","model":"m","choices":[\#(choices)]}"#)) ?? JSONObject()
    }

    @Test(arguments: ["4611686018427387904", "-1", "1024", "1e300", "1.5", #""0""#])
    func absurdToolCallIndicesMakeTheAnswerUnusable(_ index: String) {
        var assembler = ChatStreamAssembler()
        assembler.add(Self.chunk(#"{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":\#(index),"id":"x","function":{"name":"f","arguments":"{}"}}]}}"#))
        assembler.add(Self.chunk(#"{"index":0,"delta":{},"finish_reason":"tool_calls"}"#))
        #expect(assembler.completion() == nil)
        #expect(assembler.malformed?.contains("tool call 'index'") == true)
    }

    @Test(arguments: ["1e300", "1.5", #""0""#, "[]"])
    func nonIntegerChoiceIndicesAreNotChoiceZero(_ index: String) {
        var assembler = ChatStreamAssembler()
        assembler.add(Self.chunk(#"{"index":\#(index),"delta":{"content":"injected"}}"#))
        assembler.add(Self.chunk(#"{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}"#))
        #expect(assembler.completion() == nil)
        #expect(assembler.malformed == "a choice 'index' is not an integer")
    }

    @Test func wellFormedToolCallsStillAssemble() throws {
        var assembler = ChatStreamAssembler()
        assembler.add(Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"{}"}}]}}"#))
        assembler.add(Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{"}}]}}"#))
        assembler.add(Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]},"finish_reason":"tool_calls"}"#))
        let message = try #require(assembler.completion()?["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue)
        let calls = try #require(message["tool_calls"]?.arrayValue)
        #expect(calls.map { $0.objectValue?["id"] } == [.string("a"), .string("b")])
        #expect(calls.first?.objectValue?["function"]?.objectValue?["arguments"] == .string("{}"))
    }

    // MARK: Property-style: random hostile events through both translators

    static let hostileValues = [
        "0", "1", "-1", "2", "127", "128", "4611686018427387904", "-4611686018427387904", "9223372036854775807",
        "9223372036854775808", "1e300", "-1e400", "1.5", "null", "true", #""0""#, "[]", "{}", #""x""#,
    ]

    struct EventGen {
        var gen: HostileGen
        mutating func v() -> String { gen.pick(HostileUpstreamTests.hostileValues) }
        mutating func anthropicEvent() -> SSEEvent {
            let type = gen.pick([
                "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping",
                "error", "bogus",
            ])
            let block = gen.pick([#"{"type":"tool_use","id":"t","name":"f","input":{"a":1}}"#, #"{"type":"text","text":"hi"}"#, v()])
            let delta = gen.pick([
                #"{"type":"text_delta","text":"x"}"#, #"{"type":"input_json_delta","partial_json":"{\"a\""}"#, #"{"stop_reason":"end_turn"}"#, v(),
            ])
            let usage = #"{"input_tokens":\#(v()),"output_tokens":\#(v()),"cache_read_input_tokens":\#(v())}"#
            var json = #"{"type":"\#(type)","index":\#(v()),"content_block":\#(block),"delta":\#(delta),"usage":\#(usage)"#
            json += #","message":{"id":"m","model":\#(v()),"usage":\#(usage)}}"#
            if gen.chance(3) { json = String(json.prefix(gen.int(0...json.count))) }
            return SSEEvent(event: type, data: Array(json.utf8))
        }
        mutating func geminiEvent() -> SSEEvent {
            var candidates: [String] = []
            for _ in 0..<gen.int(0...3) {
                let parts = gen.pick([
                    #"[{"text":"hi"}]"#, #"[{"functionCall":{"name":"f","args":{"x":1}}},{"functionCall":{"name":"g"}}]"#, #"[{"thought":true,"text":"t"}]"#, v(),
                ])
                var c = #"{"content":{"parts":\#(parts)},"finishReason":\#(gen.pick([#""STOP""#, #""MAX_TOKENS""#, "null", v()]))"#
                if gen.chance(70) { c += #","index":\#(v())"# }
                candidates.append(c + "}")
            }
            var json = #"{"candidates":[\#(candidates.joined(separator: ","))],"usageMetadata":{"promptTokenCount":\#(v()),"candidatesTokenCount":\#(v()),"totalTokenCount":\#(v())}}"#
            if gen.chance(3) { json = String(json.prefix(gen.int(0...json.count))) }
            return SSEEvent(data: Array(json.utf8))
        }
    }

    @Test(arguments: [UInt64(7), 8, 9])
    func randomHostileStreamsEndInPayloadsOrProviderErrors(seed: UInt64) async throws {
        var events = EventGen(gen: HostileGen(seed: seed))
        let start = ContinuousClock.now
        var errors = 0
        for _ in 0..<300 {
            var anthropic = AnthropicStreamTranslator(provider: "anthropic", includeUsage: true, created: 1)
            var gemini = GeminiStreamTranslator(provider: "gemini", model: "g", includeUsage: true, created: 1)
            var payloads: [[UInt8]] = []
            do {
                for _ in 0..<events.gen.int(1...12) { payloads += try anthropic.translate(events.anthropicEvent()) }
            } catch {
                errors += 1
                #expect(error.isMalformedResponse || error.isStreamInterrupted, "\(error)")
            }
            do {
                for _ in 0..<events.gen.int(1...12) { payloads += try gemini.translate(events.geminiEvent()) }
                payloads += try gemini.finish()
            } catch {
                errors += 1
                #expect(error.isMalformedResponse || error.isStreamInterrupted, "\(error)")
            }
            for p in payloads {
                let chunk = try WireTest.object(p)
                for choice in chunk["choices"]?.arrayValue ?? [] {
                    let index = choice.objectValue?["index"]?.intValue ?? -1
                    #expect((0..<GeminiChat.maxCandidates).contains(index))
                }
                if let usage = chunk["usage"]?.objectValue {
                    for key in ["prompt_tokens", "completion_tokens", "total_tokens"] {
                        #expect((0...Self.int32Max).contains(usage[key]?.intValue ?? -1), "\(key)")
                    }
                }
            }
            // The same bodies as non-streaming responses.
            _ = try? GeminiProvider.chatCompletion(fromResponse: events.geminiEvent().data, model: "g", created: 1, provider: "gemini")
            _ = try? AnthropicProvider.chatCompletion(fromMessage: events.anthropicEvent().data, created: 1, provider: "anthropic")
        }
        #expect(errors > 0)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
