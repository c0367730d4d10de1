import Testing

@testable import DejaProviders
import DejaWire

@Suite struct AnthropicRequestTests {
    func translate(_ json: String, defaultMaxTokens: Int = 4096, stream: Bool = false) throws -> JSONObject {
        try AnthropicProvider.messagesRequest(
            WireTest.request(json), model: "claude-sonnet-4-5", defaultMaxTokens: defaultMaxTokens, stream: stream, provider: "anthropic")
    }

    func messages(_ body: JSONObject) -> [JSONObject] { body["messages"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
    func blocks(_ message: JSONObject) -> [JSONObject] { message["content"]?.arrayValue?.compactMap(\.objectValue) ?? [] }

    @Test func systemMessagesAreJoinedAndTurnsAlternate() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
            {"role":"user","content":"Hello"},{"role":"user","content":[{"type":"text","text":"Again"}]},
            {"role":"assistant","content":"Bonjour"},{"role":"assistant","content":"Encore"},{"role":"user","content":"Thanks"}]}
            """#)
        #expect(body["model"] == .string("claude-sonnet-4-5"))
        #expect(body["system"] == .string("Be brief.\n\nAnswer in French."))
        let turns = messages(body)
        #expect(turns.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(blocks(turns[0]).map { $0["text"]?.stringValue } == ["Hello", "Again"])
        #expect(blocks(turns[1]).map { $0["text"]?.stringValue } == ["Bonjour", "Encore"])
        #expect(body["max_tokens"] == .int(4096))
        #expect(body["stream"] == nil)
    }

    @Test func maxTokensPrefersTheClientsValue() throws {
        #expect(try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#, defaultMaxTokens: 77)["max_tokens"] == .int(77))
        #expect(try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":12}"#)["max_tokens"] == .int(12))
        #expect(
            try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":12,"max_completion_tokens":34}"#)["max_tokens"]
                == .int(34))
        #expect(try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#, stream: true)["stream"] == .bool(true))
    }

    @Test func samplingStopAndUser() throws {
        let body = try translate(
            #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.5,"top_p":0.9,"stop":"END","user":"u-42"}"#)
        #expect(body["temperature"] == .number("0.5"))
        #expect(body["top_p"] == .number("0.9"))
        #expect(body["stop_sequences"] == .array([.string("END")]))
        #expect(body["metadata"] == .object(JSONObject(["user_id": .string("u-42")])))
        let list = try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b"]}"#)
        #expect(list["stop_sequences"] == .array([.string("a"), .string("b")]))
        #expect(try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":[]}"#)["stop_sequences"] == nil)
    }

    @Test func imagesBecomeBase64OrURLSources() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Compare"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
            {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}}]}]}
            """#)
        let b = blocks(messages(body)[0])
        #expect(b.count == 3)
        #expect(b[1]["type"] == .string("image"))
        #expect(
            b[1]["source"]
                == .object(JSONObject(["type": .string("base64"), "media_type": .string("image/png"), "data": .string("iVBORw0KGgo=")])))
        #expect(b[2]["source"] == .object(JSONObject(["type": .string("url"), "url": .string("https://example.com/cat.jpg")])))
        #expect(throws: ProviderError.self) {
            try translate(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}"#)
        }
    }

    @Test func toolsAreTranslated() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":"x"}],"tools":[
            {"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
            {"type":"function","function":{"name":"now"}}],"tool_choice":"auto"}
            """#)
        let tools = body["tools"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(tools.count == 2)
        #expect(tools[0]["name"] == .string("get_weather"))
        #expect(tools[0]["description"] == .string("Weather"))
        #expect(tools[0]["input_schema"]?.objectValue?["required"] == .array([.string("city")]))
        #expect(tools[1]["input_schema"] == .object(JSONObject(["type": .string("object"), "properties": .object(JSONObject())])))
        #expect(body["tool_choice"] == .object(JSONObject(["type": .string("auto")])))
    }

    @Test(arguments: [
        (#""auto""#, #"{"type":"auto"}"#),
        (#""none""#, #"{"type":"none"}"#),
        (#""required""#, #"{"type":"any"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, #"{"type":"tool","name":"f"}"#),
    ])
    func toolChoice(choice: String, expected: String) throws {
        let body = try translate(
            #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"#
                + choice + "}")
        #expect(body["tool_choice"] == (try JSONParser.parse(Array(expected.utf8))))
    }

    @Test func parallelToolCallsFalseDisablesParallelUse() throws {
        let base = #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false"#
        #expect(
            try translate(base + "}")["tool_choice"]
                == .object(JSONObject(["type": .string("auto"), "disable_parallel_tool_use": .bool(true)])))
        #expect(
            try translate(base + #","tool_choice":"required"}"#)["tool_choice"]
                == .object(JSONObject(["type": .string("any"), "disable_parallel_tool_use": .bool(true)])))
    }

    @Test func toolCallsAndResultsRoundTrip() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":"Weather in Paris and London?"},
            {"role":"assistant","content":"Checking.","tool_calls":[
              {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
              {"id":"toolu_2","type":"function","function":{"name":"now","arguments":""}}]},
            {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
            {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"noon"}]},
            {"role":"user","content":"And tomorrow?"}]}
            """#)
        let turns = messages(body)
        #expect(turns.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        let assistant = blocks(turns[1])
        #expect(assistant.map { $0["type"]?.stringValue } == ["text", "tool_use", "tool_use"])
        #expect(assistant[1]["id"] == .string("toolu_1"))
        #expect(assistant[1]["name"] == .string("get_weather"))
        #expect(assistant[1]["input"] == .object(JSONObject(["city": .string("Paris")])))
        #expect(assistant[2]["input"] == .object(JSONObject()))
        let results = blocks(turns[2])
        #expect(results.map { $0["type"]?.stringValue } == ["tool_result", "tool_result", "text"])
        #expect(results[0]["tool_use_id"] == .string("toolu_1"))
        #expect(results[0]["content"] == .string("18C"))
        #expect(results[1]["content"] == .array([.object(JSONObject(["type": .string("text"), "text": .string("noon")]))]))
        #expect(results[2]["text"] == .string("And tomorrow?"))
    }

    @Test func argumentsThatAreNotAnObjectAreRejected() throws {
        do {
            _ = try translate(
                #"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"[1"}}]}]}"#)
            Issue.record("expected an error")
        } catch let error as ProviderError {
            #expect(error.isInvalidRequest)
        }
    }
}
