import DejaSim
import Foundation
import NIOHTTP1
import Testing

@Suite struct AnthropicTests {
    /// `(event name, data line)` pairs of an Anthropic stream.
    func events(_ text: String) -> [(String, String)] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { frame in
            let lines = frame.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines[0].dropFirst(7)), String(lines[1].dropFirst(6)))
        }
    }

    @Test func messageHasRecordedShape() async throws {
        try await withSimulator { sim in
            let reply = try await send(sim, .POST, "/v1/messages", body: anthropicBody(), headers: anthropicHeaders)
            #expect(reply.status == 200)
            #expect(reply.text.hasPrefix("{\"model\":\"claude-sonnet-4-5\",\"id\":\"msg_01"))
            #expect(!reply.text.contains(" ") || reply.text.contains("\"text\":\""))
            #expect(reply.text.hasSuffix("\"service_tier\":\"standard\"}}"))
            let json = try reply.json()
            #expect(json["type"] as? String == "message")
            #expect(json["stop_reason"] as? String == "end_turn")
            #expect(json["stop_sequence"] is NSNull)
            let block = try #require((json["content"] as? [[String: Any]])?.first)
            #expect(block["type"] as? String == "text")
            #expect((block["text"] as? String)?.split(separator: " ").count == 24)
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["output_tokens"] as? Int == 24)
            #expect(usage["input_tokens"] as? Int == 2)
            #expect(usage["cache_read_input_tokens"] as? Int == 0)
            #expect((usage["cache_creation"] as? [String: Any])?["ephemeral_5m_input_tokens"] as? Int == 0)
        }
    }

    @Test func streamHasEventsPaddingAndPing() async throws {
        try await withSimulator { sim in
            let reply = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(stream: true), headers: anthropicHeaders)
            #expect(reply.header("content-type") == "text/event-stream; charset=utf-8")
            let list = events(reply.text)
            let names = list.map(\.0)
            #expect(names.first == "message_start")
            #expect(names[1] == "content_block_start")
            #expect(names.contains("ping"))
            #expect(names.suffix(3) == ["content_block_stop", "message_delta", "message_stop"])
            #expect(names.filter { $0 == "content_block_delta" }.count == 24)
            #expect(list.first { $0.0 == "ping" }?.1 == "{\"type\": \"ping\"}")
            let padded = list.filter { $0.1.hasSuffix(" }") }.count
            #expect(padded > list.count / 2)
            var text = ""
            for (name, data) in list where name != "ping" {
                let json = try parse(data)
                #expect(json["type"] as? String == name)
                if name == "content_block_delta" {
                    text += (json["delta"] as? [String: Any])?["text"] as? String ?? ""
                }
                if name == "message_delta" {
                    #expect((json["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
                    #expect((json["usage"] as? [String: Any])?["output_tokens"] as? Int == 24)
                }
            }
            let plain = try await send(sim, .POST, "/v1/messages", body: anthropicBody(), headers: anthropicHeaders).json()
            #expect((plain["content"] as? [[String: Any]])?.first?["text"] as? String == text)
        }
    }

    @Test func maxTokensAndStopSequences() async throws {
        try await withSimulator { sim in
            let cut = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(maxTokens: 3), headers: anthropicHeaders
            ).json()
            #expect(cut["stop_reason"] as? String == "max_tokens")
            #expect((cut["usage"] as? [String: Any])?["output_tokens"] as? Int == 3)
            let full = try await send(sim, .POST, "/v1/messages", body: anthropicBody(), headers: anthropicHeaders).json()
            let text = try #require((full["content"] as? [[String: Any]])?.first?["text"] as? String)
            let words = text.split(separator: " ")
            let stopWord = " " + words[4]
            let stopped = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(extra: ["stop_sequences": [stopWord]]),
                headers: anthropicHeaders
            ).json()
            #expect(stopped["stop_reason"] as? String == "stop_sequence")
            #expect(stopped["stop_sequence"] as? String == stopWord)
            let stoppedText = try #require((stopped["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(text.hasPrefix(stoppedText))
            #expect(!stoppedText.contains(stopWord))
        }
    }

    @Test func toolUseJSONAndStream() async throws {
        let tools: [[String: Any]] = [["name": "get_weather", "description": "Weather", "input_schema": weatherSchema]]
        try await withSimulator { sim in
            let json = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(extra: ["tools": tools]), headers: anthropicHeaders
            ).json()
            #expect(json["stop_reason"] as? String == "tool_use")
            let block = try #require((json["content"] as? [[String: Any]])?.first)
            #expect(block["type"] as? String == "tool_use")
            #expect((block["id"] as? String)?.hasPrefix("toolu_") == true)
            let input = try #require(block["input"] as? [String: Any])
            #expect(input["city"] as? String == "sim-city")
            #expect(input["unit"] as? String == "celsius")
            #expect(input["days"] as? Int == 1)
            #expect(input["detailed"] as? Bool == true)
            #expect(input["note"] == nil)

            let reply = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(stream: true, extra: ["tools": tools]),
                headers: anthropicHeaders)
            let list = events(reply.text)
            let start = try parse(try #require(list.first { $0.0 == "content_block_start" }).1)
            #expect((start["content_block"] as? [String: Any])?["type"] as? String == "tool_use")
            #expect(((start["content_block"] as? [String: Any])?["input"] as? [String: Any])?.isEmpty == true)
            let partials = try list.filter { $0.0 == "content_block_delta" }.map {
                try #require((try parse($0.1)["delta"] as? [String: Any])?["partial_json"] as? String)
            }
            #expect(partials.first == "")
            #expect(partials.count > 2)
            #expect(partials.joined() == expectedWeatherArgs)
            #expect(reply.text.contains("\"stop_reason\":\"tool_use\""))

            // A tool result turns into a text answer.
            let messages: [[String: Any]] = [
                ["role": "user", "content": "Weather?"],
                ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": [:] as [String: Any]]]],
                ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"]]],
            ]
            let after = try await send(
                sim, .POST, "/v1/messages",
                body: jsonText(["model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages, "tools": tools, "system": [["type": "text", "text": "Be brief"]]]),
                headers: anthropicHeaders
            ).json()
            #expect(after["stop_reason"] as? String == "end_turn")
        }
    }

    @Test func validationErrors() async throws {
        try await withSimulator { sim in
            let noVersion = try await send(sim, .POST, "/v1/messages", body: anthropicBody())
            #expect(noVersion.status == 400)
            #expect(noVersion.text.hasPrefix("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"anthropic-version"))
            #expect(noVersion.text.contains("\"request_id\":\"req_"))
            let noMax = try await send(sim, .POST, "/v1/messages", body: anthropicBody(maxTokens: nil), headers: anthropicHeaders)
            #expect(noMax.status == 400)
            #expect(try (noMax.json()["error"] as? [String: Any])?["message"] as? String == "max_tokens: Field required")
        }
    }
}
