import Testing

@testable import DejaProviders
import DejaWire

@Suite struct JSONParserTests {
    @Test func keepsMemberOrderAndNumberText() throws {
        let text = #"{"z":1.50,"a":[true,false,null],"m":{"k":"v"},"e":-2E+3}"#
        let value = try JSONParser.parse(Array(text.utf8))
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "m", "e"])
        #expect(object["z"] == .number("1.50"))
        #expect(object["e"] == .number("-2E+3"))
        #expect(String(decoding: value.serialized, as: UTF8.self) == text)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(Array(#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00"]"#.utf8))
        #expect(value == .array([.string("a\"b\\c/\n\té😀")]))
    }

    @Test func writerEscapesControlCharacters() throws {
        let value = JSONValue.string("line\nquote\" tab\t bell\u{07} é")
        let bytes = value.serialized
        #expect(String(decoding: bytes, as: UTF8.self) == #""line\nquote\" tab\t bell\u0007 é""#)
        #expect(try JSONParser.parse(bytes) == value)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "[1] x", "{'a':1}", "\"\\x\"",
        "\"\\ud800\"", "\"a\u{01}b\"", "NaN", "{\"a\":1}}",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0xFE, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func boundsNestingDepthInsteadOfOverflowingTheStack() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8)) }
        #expect(error.message.contains("nested deeper"))
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONParser.parse(Array(ok.utf8)) }
    }

    @Test func objectSubscriptReplacesAndRemoves() {
        var object = JSONObject(["a": .int(1), "b": .int(2)])
        object["a"] = .int(3)
        object["c"] = .bool(true)
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == .int(3))
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
    }
}

@Suite struct SSEParserTests {
    @Test func parsesEventsSplitAnywhere() throws {
        let stream = "event: message_start\ndata: {\"a\":1}\n\n: comment\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        // Feed one byte at a time: framing must not depend on read boundaries.
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for b in bytes { events += try parser.feed([b]) }
        #expect(events.count == 3)
        #expect(events[0].event == "message_start")
        #expect(events[0].data == Array("{\"a\":1}".utf8))
        #expect(events[1].data == Array("line1\nline2".utf8))
        #expect(events[2].isDoneSentinel)
    }

    @Test func handlesCRLFFraming() throws {
        var parser = SSEParser()
        let events = try parser.feed(Array("data: {\"x\": 1}\r\n\r\ndata: {\"y\": 2}\r\n\r\n".utf8))
        #expect(events.map { String(decoding: $0.data, as: UTF8.self) } == ["{\"x\": 1}", "{\"y\": 2}"])
    }

    @Test func rejectsOversizedEvents() {
        var parser = SSEParser(maxEventBytes: 64)
        #expect(throws: SSEParser.ParseError.self) { try parser.feed(Array(("data: " + String(repeating: "x", count: 100)).utf8)) }
    }

    @Test func parsesRecordedOpenAIStream() throws {
        let bytes = try Fixtures.bytes("wire/openai/chat-stream-usage.sse")
        var parser = SSEParser()
        let events = try parser.feed(bytes)
        #expect(events.last?.isDoneSentinel == true)
        let usage = try #require(try JSONParser.parse(events[events.count - 2].data).objectValue)
        #expect(usage["choices"] == .array([]))
        #expect(usage["usage"]?.objectValue?["total_tokens"]?.intValue != nil)
    }
}

@Suite struct OpenAIErrorBodyTests {
    @Test func parsesRecordedErrors() throws {
        let notFound = try #require(OpenAIErrorBody.parse(try Fixtures.bytes("wire/openai/error-404-model-not-found.json")))
        #expect(notFound.code == "model_not_found")
        let badParam = try #require(OpenAIErrorBody.parse(try Fixtures.bytes("wire/openai/error-400-unsupported-parameter.json")))
        #expect(badParam.code == "unsupported_parameter")
        #expect(OpenAIErrorBody.parse(Array(#"{"id":"chatcmpl-1","error":null}"#.utf8)) == nil)
    }
}
