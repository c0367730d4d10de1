import DejaSim
import Foundation
import NIOHTTP1
import Testing

@Suite struct GeminiTests {
    let path = "/v1beta/models/gemini-2.5-flash"

    @Test func generateContentHasRecordedShape() async throws {
        try await withSimulator { sim in
            let reply = try await send(sim, .POST, path + ":generateContent", body: geminiBody())
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json; charset=UTF-8")
            #expect(reply.text.hasPrefix("{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          {\n            \"text\": "))
            #expect(reply.text.hasSuffix("\n}\n"))
            let json = try reply.json()
            let candidate = try #require((json["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "STOP")
            #expect(candidate["index"] as? Int == 0)
            let usage = try #require(json["usageMetadata"] as? [String: Any])
            #expect(usage["candidatesTokenCount"] as? Int == 24)
            #expect(usage["promptTokenCount"] as? Int == 2)
            #expect(usage["totalTokenCount"] as? Int == 26)
            #expect(json["modelVersion"] as? String == "gemini-2.5-flash")
            #expect(json["responseId"] is String)
            // The same under /v1/.
            let v1 = try await send(sim, .POST, "/v1/models/gemini-2.5-flash:generateContent", body: geminiBody()).json()
            let text = { (j: [String: Any]) in
                (((j["candidates"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String
            }
            #expect(text(v1) == text(json))
            #expect(text(json) != nil)
        }
    }

    @Test func sseStreamUsesCRLFAndCumulativeUsage() async throws {
        try await withSimulator { sim in
            let reply = try await send(
                sim, .POST, path + ":streamGenerateContent?alt=sse", body: geminiBody(), headers: ["x-sim-tokens": "20"])
            #expect(reply.header("content-type") == "text/event-stream")
            #expect(reply.text.hasSuffix("}\r\n\r\n"))
            #expect(!reply.text.contains("[DONE]"))
            let frames = reply.text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
            #expect(frames.count == 3)
            var counts: [Int] = []
            var text = ""
            for (i, frame) in frames.enumerated() {
                #expect(frame.hasPrefix("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": "))
                #expect(frame.contains("],\"role\": \"model\"}"))
                let json = try parse(String(frame.dropFirst(6)))
                let usage = try #require(json["usageMetadata"] as? [String: Any])
                counts.append(try #require(usage["candidatesTokenCount"] as? Int))
                #expect(json["responseId"] is String && json["modelVersion"] is String)
                let candidate = try #require((json["candidates"] as? [[String: Any]])?.first)
                #expect((candidate["finishReason"] as? String) == (i == 2 ? "STOP" : nil))
                text += (((candidate["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            }
            #expect(counts == [8, 16, 20])
            let plain = try await send(sim, .POST, path + ":generateContent", body: geminiBody(), headers: ["x-sim-tokens": "20"]).text
            #expect(plain.contains(try #require(String(data: try JSONSerialization.data(withJSONObject: [text]), encoding: .utf8)).dropFirst().dropLast()))
        }
    }

    @Test func streamWithoutSSEIsPrettyArray() async throws {
        try await withSimulator { sim in
            let reply = try await send(
                sim, .POST, path + ":streamGenerateContent", body: geminiBody(), headers: ["x-sim-tokens": "12"])
            #expect(reply.text.hasPrefix("[{\n  \"candidates\""))
            #expect(reply.text.contains("\n}\n,\r\n{\n"))
            #expect(reply.text.hasSuffix("\n}\n]"))
            let array = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]])
            #expect(array.count == 2)
        }
    }

    @Test func maxOutputTokensAndJSONMode() async throws {
        try await withSimulator { sim in
            let cut = try await send(
                sim, .POST, path + ":generateContent", body: geminiBody(extra: ["generationConfig": ["maxOutputTokens": 2]])
            ).json()
            let candidate = try #require((cut["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "MAX_TOKENS")
            #expect((cut["usageMetadata"] as? [String: Any])?["candidatesTokenCount"] as? Int == 2)
            let json = try await send(
                sim, .POST, path + ":generateContent",
                body: geminiBody(extra: ["generationConfig": ["responseMimeType": "application/json"]])
            ).json()
            let text = try #require(
                (((json["candidates"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String)
            let object = try parse(text)
            #expect(object["answer"] is String)
        }
    }

    @Test func functionCallsHaveNoIDAndResponsesGetText() async throws {
        let tools: [[String: Any]] = [["functionDeclarations": [["name": "get_weather", "parameters": weatherSchema]]]]
        try await withSimulator { sim in
            let json = try await send(sim, .POST, path + ":generateContent", body: geminiBody(extra: ["tools": tools])).json()
            let candidate = try #require((json["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "STOP")
            let part = try #require(((candidate["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first)
            let call = try #require(part["functionCall"] as? [String: Any])
            #expect(call["id"] == nil)
            #expect(call["name"] as? String == "get_weather")
            #expect((call["args"] as? [String: Any])?["city"] as? String == "sim-city")

            let sse = try await send(
                sim, .POST, path + ":streamGenerateContent?alt=sse", body: geminiBody(extra: ["tools": tools]),
                headers: ["x-sim-parallel-tools": "2"])
            let frames = sse.text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
            #expect(frames.count == 1)
            #expect(frames[0].components(separatedBy: "\"functionCall\": {").count == 3)

            let contents: [[String: Any]] = [
                ["role": "user", "parts": [["text": "Weather?"]]],
                ["role": "model", "parts": [["functionCall": ["name": "get_weather", "args": ["city": "Paris"]]]]],
                ["role": "user", "parts": [["functionResponse": ["name": "get_weather", "response": ["t": 20]]]]],
            ]
            let after = try await send(
                sim, .POST, path + ":generateContent", body: jsonText(["contents": contents, "tools": tools])
            ).json()
            let afterPart = (((after["candidates"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first
            #expect(afterPart?["text"] is String)
        }
    }

    @Test func embeddings() async throws {
        try await withSimulator { sim in
            let batch = try await send(
                sim, .POST, "/v1beta/models/gemini-embedding-2:batchEmbedContents",
                body: jsonText(["requests": [
                    ["model": "models/gemini-embedding-2", "content": ["parts": [["text": "First text"]]], "outputDimensionality": 768],
                    ["model": "models/gemini-embedding-2", "content": ["parts": [["text": "Second text"]]], "outputDimensionality": 768],
                ]])
            )
            #expect(batch.text.hasPrefix("{\n  \"embeddings\": [\n    {\n      \"values\": [\n        "))
            let json = try batch.json()
            let embeddings = try #require(json["embeddings"] as? [[String: Any]])
            #expect(embeddings.count == 2)
            #expect((embeddings[0]["values"] as? [Double])?.count == 768)
            #expect((json["usageMetadata"] as? [String: Any])?["promptTokenCount"] as? Int == 4)
            let single = try await send(
                sim, .POST, "/v1beta/models/text-embedding-004:embedContent",
                body: jsonText(["content": ["parts": [["text": "First text"]]], "outputDimensionality": 768])
            ).json()
            let values = try #require((single["embedding"] as? [String: Any])?["values"] as? [Double])
            #expect(values == embeddings[0]["values"] as? [Double])
            let count = try await send(sim, .POST, path + ":countTokens", body: geminiBody("one two three")).json()
            #expect(count["totalTokens"] as? Int == 3)
        }
    }
}
