import Foundation
import Testing

@testable import DejaProviders
import DejaWire

@Suite struct GeminiRequestTests {
    func translate(_ json: String, model: String = "gemini-2.5-flash") throws -> JSONObject {
        try GeminiProvider.generateContentRequest(WireTest.request(json), model: model, provider: "gemini")
    }

    func contents(_ body: JSONObject) -> [JSONObject] { body["contents"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
    func parts(_ content: JSONObject) -> [JSONObject] { content["parts"]?.arrayValue?.compactMap(\.objectValue) ?? [] }

    @Test func rolesSystemInstructionAndMerging() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":"No emoji."},
            {"role":"user","content":"Hi"},{"role":"user","content":"There"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}]}
            """#)
        #expect(
            body["systemInstruction"]
                == .object(JSONObject(["parts": .array([.object(JSONObject(["text": .string("Be brief.\n\nNo emoji.")]))])])))
        let c = contents(body)
        #expect(c.map { $0["role"]?.stringValue } == ["user", "model", "user"])
        #expect(parts(c[0]).map { $0["text"]?.stringValue } == ["Hi", "There"])
        #expect(body["generationConfig"] == nil)
        #expect(body["tools"] == nil)
    }

    @Test func generationConfig() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.2,"top_p":0.8,"max_tokens":100,"stop":"END",
            "n":2,"seed":7,"presence_penalty":0.5,"frequency_penalty":-0.5}
            """#)
        let config = try #require(body["generationConfig"]?.objectValue)
        #expect(config["temperature"] == .number("0.2"))
        #expect(config["topP"] == .number("0.8"))
        #expect(config["maxOutputTokens"] == .int(100))
        #expect(config["stopSequences"] == .array([.string("END")]))
        #expect(config["candidateCount"] == .int(2))
        #expect(config["seed"] == .int(7))
        #expect(config["presencePenalty"] == .number("0.5"))
        #expect(config["frequencyPenalty"] == .number("-0.5"))
        let list = try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":9,"stop":["a","b"]}"#)
        #expect(list["generationConfig"]?.objectValue?["maxOutputTokens"] == .int(9))
        #expect(list["generationConfig"]?.objectValue?["stopSequences"] == .array([.string("a"), .string("b")]))
    }

    @Test func jsonMode() throws {
        let object = try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}"#)
        #expect(object["generationConfig"] == .object(JSONObject(["responseMimeType": .string("application/json")])))
        let schema = try translate(
            #"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}}"#
        )
        let config = try #require(schema["generationConfig"]?.objectValue)
        #expect(config["responseMimeType"] == .string("application/json"))
        #expect(config["responseJsonSchema"]?.objectValue?["required"] == .array([.string("a")]))
        let text = try translate(#"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"}}"#)
        #expect(text["generationConfig"] == nil)
    }

    @Test func imagesBecomeInlineOrFileData() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Look"},
            {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
            {"type":"image_url","image_url":{"url":"https://example.com/a/cat.PNG?x=1"}}]}]}
            """#)
        let p = parts(contents(body)[0])
        #expect(p.count == 3)
        #expect(p[1]["inlineData"] == .object(JSONObject(["mimeType": .string("image/jpeg"), "data": .string("/9j/4AAQ")])))
        #expect(
            p[2]["fileData"]
                == .object(JSONObject(["mimeType": .string("image/png"), "fileUri": .string("https://example.com/a/cat.PNG?x=1")])))
    }

    @Test func toolsAndToolChoice() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":"x"}],"tools":[
            {"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
            {"type":"function","function":{"name":"now","parameters":{}}}],"tool_choice":{"type":"function","function":{"name":"now"}}}
            """#)
        let declarations = body["tools"]?.arrayValue?.first?.objectValue?["functionDeclarations"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(declarations.map { $0["name"]?.stringValue } == ["get_weather", "now"])
        #expect(declarations[0]["description"] == .string("Weather"))
        #expect(declarations[0]["parametersJsonSchema"]?.objectValue?["required"] == .array([.string("city")]))
        #expect(declarations[1]["parametersJsonSchema"] == nil)
        #expect(
            body["toolConfig"]
                == .object(
                    JSONObject([
                        "functionCallingConfig": .object(JSONObject(["mode": .string("ANY"), "allowedFunctionNames": .array([.string("now")])]))
                    ])))
    }

    @Test(arguments: [("auto", "AUTO"), ("none", "NONE"), ("required", "ANY")])
    func toolChoiceModes(choice: String, mode: String) throws {
        let body = try translate(
            #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":""#
                + choice + #""}"#)
        #expect(body["toolConfig"]?.objectValue?["functionCallingConfig"] == .object(JSONObject(["mode": .string(mode)])))
    }

    @Test func toolCallsAndToolResults() throws {
        let body = try translate(
            #"""
            {"model":"m","messages":[{"role":"user","content":"Paris and London?"},
            {"role":"assistant","content":null,"tool_calls":[
              {"id":"call_a","type":"function","function":{"name":"get_temp","arguments":"{\"city\":\"Paris\"}"}},
              {"id":"call_b","type":"function","function":{"name":"get_temp","arguments":"{\"city\":\"London\"}"}}]},
            {"role":"tool","tool_call_id":"call_a","content":"{\"celsius\":18}"},
            {"role":"tool","tool_call_id":"call_b","content":"cloudy"}]}
            """#)
        let c = contents(body)
        #expect(c.map { $0["role"]?.stringValue } == ["user", "model", "user"])
        let calls = parts(c[1])
        #expect(calls.count == 2)
        #expect(
            calls[0]["functionCall"]
                == .object(JSONObject(["name": .string("get_temp"), "args": .object(JSONObject(["city": .string("Paris")]))])))
        #expect(calls[0]["thoughtSignature"] == nil)
        let responses = parts(c[2]).compactMap { $0["functionResponse"]?.objectValue }
        #expect(responses.count == 2)
        #expect(responses[0]["name"] == .string("get_temp"))
        #expect(responses[0]["response"] == .object(JSONObject(["celsius": .int(18)])))
        #expect(responses[1]["response"] == .object(JSONObject(["result": .string("cloudy")])))
    }

    @Test func anUnknownToolCallIDIsRejected() throws {
        do {
            _ = try translate(#"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"nope","content":"1"}]}"#)
            Issue.record("expected an error")
        } catch let error as ProviderError {
            #expect(error.isInvalidRequest)
        }
    }

    @Test func thoughtSignaturesRoundTripThroughToolCallIDs() throws {
        let id = GeminiToolCallID.make(responseID: "r1", candidate: 0, ordinal: 0, name: "f", signature: "Ep+/AbC=")
        #expect(id.hasPrefix("call_"))
        #expect(GeminiToolCallID.signature(in: id) == "Ep+/AbC=")
        #expect(GeminiToolCallID.make(responseID: "r1", candidate: 0, ordinal: 0, name: "f", signature: nil).count == 29)
        #expect(
            GeminiToolCallID.make(responseID: "r1", candidate: 0, ordinal: 0, name: "f", signature: nil)
                != GeminiToolCallID.make(responseID: "r1", candidate: 0, ordinal: 1, name: "f", signature: nil))
        let json = #"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"call_2","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"\#(id)","content":"1"},{"role":"tool","tool_call_id":"call_2","content":"2"}]}"#
        let signed = parts(contents(try translate(json, model: "gemini-3-pro-preview"))[1])
        #expect(signed[0]["thoughtSignature"] == .string("Ep+/AbC="))
        #expect(signed[1]["thoughtSignature"] == nil)
        // A Gemini 3 call replayed without its signature gets the documented placeholder.
        let unsigned = json.replacingOccurrences(of: id, with: "call_1")
        let placeholder = parts(contents(try translate(unsigned, model: "gemini-3-pro-preview"))[1])
        #expect(placeholder[0]["thoughtSignature"] == .string("skip_thought_signature_validator"))
        #expect(placeholder[1]["thoughtSignature"] == nil)
        let older = parts(contents(try translate(unsigned, model: "gemini-2.5-flash"))[1])
        #expect(older[0]["thoughtSignature"] == nil)
    }
}
