import Testing

@testable import DejaProviders
import DejaWire

@Suite struct ChatRequestTests {
    func parse(_ text: String) throws(InvalidRequestError) -> ChatRequest {
        try ChatRequest.parse(Array(text.utf8))
    }

    @Test func acceptsTheFullSchemaAndKeepsUnknownFields() throws {
        let text = #"""
            {"model":"gpt-4o","messages":[{"role":"system","content":"Be brief"},
            {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"call_1","content":"42"}],
            "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto",
            "response_format":{"type":"json_object"},"logprobs":true,"top_logprobs":2,"seed":7,"stop":["\n"],"n":1,"user":"u1",
            "temperature":0.2,"stream":true,"stream_options":{"include_usage":true},"x_vendor_extension":{"keep":[1,2.50]}}
            """#
        let request = try parse(text)
        #expect(request.model == "gpt-4o")
        #expect(request.stream)
        #expect(request.includeUsage)
        let upstream = request.upstreamBody(model: "gpt-4o-2024-08-06")
        #expect(upstream["model"] == .string("gpt-4o-2024-08-06"))
        #expect(upstream["x_vendor_extension"] == .object(JSONObject(["keep": .array([.int(1), .number("2.50")])])))
        #expect(upstream.keys == request.body.keys)
    }

    @Test(arguments: [
        (#"{"messages":[{"role":"user","content":"hi"}]}"#, "model"),
        (#"{"model":"m"}"#, "messages"),
        (#"{"model":"m","messages":[]}"#, "messages"),
        (#"{"model":"m","messages":"hi"}"#, "messages"),
        (#"{"model":"","messages":[{"role":"user","content":"hi"}]}"#, "model"),
        (#"{"model":3,"messages":[{"role":"user","content":"hi"}]}"#, "model"),
        (#"{"model":"m","messages":[{"role":"wizard","content":"hi"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"content":"hi"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"role":"user"}]}"#, "messages[0].content"),
        (#"{"model":"m","messages":[{"role":"user","content":5}]}"#, "messages[0].content"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#, "messages[0].content[0].text"),
        (#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"}"#, "stream"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}"#, "temperature"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":3}"#, "temperature"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"n":0}"#, "n"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1.5}"#, "max_tokens"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":[1]}"#, "stop"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}]}"#, "tools[0]"),
    ])
    func rejectsInvalidRequestsNamingTheParameter(_ text: String, _ param: String) {
        #expect(throws: InvalidRequestError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.param == param, "\(error.message)")
        }
    }

    @Test func rejectsNonObjectsAndBrokenJSON() {
        for text in ["", "[]", "\"x\"", "{\"model\":", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing"] {
            #expect(throws: InvalidRequestError.self, "\(text)") { try parse(text) }
        }
    }
}
