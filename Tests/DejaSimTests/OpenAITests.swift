import AsyncHTTPClient
import DejaSim
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite struct OpenAITests {
    @Test func chatCompletionHasRecordedShape() async throws {
        try await withSimulator { sim in
            let reply = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody())
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.text.hasPrefix("{\n  \"id\": \"chatcmpl-"))
            #expect(reply.text.hasSuffix("\n}\n"))
            #expect(reply.text.contains("\"refusal\": null,\n        \"annotations\": []"))
            let json = try reply.json()
            #expect(json["object"] as? String == "chat.completion")
            #expect(json["service_tier"] as? String == "default")
            #expect((json["system_fingerprint"] as? String)?.hasPrefix("fp_") == true)
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            let message = try #require(choice["message"] as? [String: Any])
            let content = try #require(message["content"] as? String)
            #expect(content.split(separator: " ").count == 24)
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 24)
            #expect(usage["prompt_tokens"] as? Int == 2)
            #expect(usage["total_tokens"] as? Int == 26)
            #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 0)
            #expect((usage["completion_tokens_details"] as? [String: Any])?["reasoning_tokens"] as? Int == 0)
        }
    }

    @Test func sameInputGivesSameAnswer() async throws {
        try await withSimulator { sim in
            func answer(_ prompt: String) async throws -> String {
                let json = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody(prompt)).json()
                let choice = try #require((json["choices"] as? [[String: Any]])?.first)
                return try #require((choice["message"] as? [String: Any])?["content"] as? String)
            }
            let a = try await answer("What is the capital of France?")
            let b = try await answer("What is the capital of France?")
            let c = try await answer("What is the capital of Spain?")
            #expect(a == b)
            #expect(a != c)
        }
        // A fresh simulator with the same seed answers the same.
        var first = ""
        try await withSimulator { sim in
            first = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody("x")).text
        }
        try await withSimulator { sim in
            let again = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody("x")).text
            let content = { (s: String) in s.components(separatedBy: "\"content\": ")[1].components(separatedBy: "\n")[0] }
            #expect(content(first) == content(again))
        }
    }

    @Test func streamWithUsageHasRecordedFraming() async throws {
        try await withSimulator { sim in
            let reply = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(stream: true, includeUsage: true),
                headers: ["x-sim-tokens": "5"])
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/event-stream; charset=utf-8")
            #expect(reply.text.hasSuffix("\n\ndata: [DONE]\n\n"))
            let data = sseData(reply.text)
            #expect(data.last == "[DONE]")
            let chunks = try data.dropLast().map(parse)
            #expect(chunks.count == 8)
            for (i, line) in data.dropLast().enumerated() {
                #expect(line.contains("\"obfuscation\":\""))
                if i < chunks.count - 1 { #expect(line.contains("\"usage\":null")) }
            }
            #expect(data[0].contains("\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"))
            #expect(data[6].contains("\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\""))
            let usageChunk = chunks.last!
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            #expect((usageChunk["usage"] as? [String: Any])?["completion_tokens"] as? Int == 5)
            var text = ""
            for chunk in chunks.dropFirst().prefix(5) {
                let delta = ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])
                text += delta?["content"] as? String ?? ""
            }
            let plain = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(), headers: ["x-sim-tokens": "5"]
            ).json()
            let message = ((plain["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            #expect(message?["content"] as? String == text)
        }
    }

    @Test func streamWithoutUsageHasNoUsageFields() async throws {
        try await withSimulator { sim in
            let reply = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody(stream: true))
            #expect(!reply.text.contains("\"usage\""))
            #expect(sseData(reply.text).last == "[DONE]")
        }
    }

    @Test func maxTokensCutsWithLength() async throws {
        try await withSimulator { sim in
            let json = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(extra: ["max_tokens": 5])
            ).json()
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "length")
            let content = try #require((choice["message"] as? [String: Any])?["content"] as? String)
            #expect(content.split(separator: " ").count == 5)
            #expect((json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 5)
            let stream = try await send(
                sim, .POST, "/v1/chat/completions",
                body: openAIChatBody(stream: true, extra: ["max_completion_tokens": 3]))
            #expect(stream.text.contains("\"finish_reason\":\"length\""))
        }
    }

    @Test func toolCallsJSONAndStream() async throws {
        let tools: [[String: Any]] = [["type": "function", "function": ["name": "get_weather", "parameters": weatherSchema]]]
        try await withSimulator { sim in
            let json = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(extra: ["tools": tools])
            ).json()
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["content"] is NSNull)
            let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
            #expect((call["id"] as? String)?.hasPrefix("call_") == true)
            let function = try #require(call["function"] as? [String: Any])
            #expect(function["name"] as? String == "get_weather")
            #expect(function["arguments"] as? String == expectedWeatherArgs)

            let reply = try await send(
                sim, .POST, "/v1/chat/completions",
                body: openAIChatBody(stream: true, includeUsage: true, extra: ["tools": tools]),
                headers: ["x-sim-parallel-tools": "2"])
            let data = sseData(reply.text)
            #expect(data.last == "[DONE]")
            #expect(data[0].contains("\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_"))
            #expect(data[0].contains("\"arguments\":\"\"}}],\"refusal\":null}"))
            var args = ["", ""]
            var ids = Set<String>()
            for line in data.dropLast() {
                let chunk = try parse(line)
                let delta = (chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
                for tc in delta?["tool_calls"] as? [[String: Any]] ?? [] {
                    let index = try #require(tc["index"] as? Int)
                    if let id = tc["id"] as? String { ids.insert(id) }
                    args[index] += (tc["function"] as? [String: Any])?["arguments"] as? String ?? ""
                }
            }
            #expect(args == [expectedWeatherArgs, expectedWeatherArgs])
            #expect(ids.count == 2)
            #expect(reply.text.contains("\"finish_reason\":\"tool_calls\""))
        }
    }

    @Test func toolResultGetsTextAndNoneDisablesTools() async throws {
        let tools: [[String: Any]] = [["type": "function", "function": ["name": "get_weather", "parameters": weatherSchema]]]
        try await withSimulator { sim in
            let messages: [[String: Any]] = [
                ["role": "user", "content": "Weather?"],
                ["role": "assistant", "content": NSNull(), "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": "{}"]]]],
                ["role": "tool", "tool_call_id": "call_1", "content": "sunny"],
            ]
            let json = try await send(
                sim, .POST, "/v1/chat/completions",
                body: jsonText(["model": "gpt-4o", "messages": messages, "tools": tools])
            ).json()
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            #expect(((choice["message"] as? [String: Any])?["content"] as? String)?.isEmpty == false)
            let none = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(extra: ["tools": tools, "tool_choice": "none"])
            ).json()
            #expect((none["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")
        }
    }

    @Test func embeddingsFloatAndBase64Agree() async throws {
        try await withSimulator { sim in
            let float = try await send(
                sim, .POST, "/v1/embeddings",
                body: jsonText(["model": "text-embedding-3-small", "input": ["hello world", "other"]])
            ).json()
            let data = try #require(float["data"] as? [[String: Any]])
            #expect(data.count == 2)
            let v = try #require(data[0]["embedding"] as? [Double])
            #expect(v.count == 1536)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-3)
            let other = try #require(data[1]["embedding"] as? [Double])
            #expect(other != v)

            let b64 = try await send(
                sim, .POST, "/v1/embeddings",
                body: jsonText(["model": "text-embedding-3-small", "input": "hello world", "encoding_format": "base64"])
            ).json()
            let encoded = try #require((b64["data"] as? [[String: Any]])?.first?["embedding"] as? String)
            let bytes = try #require(Data(base64Encoded: encoded))
            #expect(bytes.count == 1536 * 4)
            let floats = bytes.withUnsafeBytes { raw in
                (0..<1536).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
            }
            for i in 0..<1536 { #expect(abs(Double(floats[i]) - v[i]) < 1e-6) }

            let small = try await send(
                sim, .POST, "/v1/embeddings", body: jsonText(["model": "nomic-embed-text", "input": [[1, 2, 3]]])
            ).json()
            #expect(((small["data"] as? [[String: Any]])?.first?["embedding"] as? [Any])?.count == 768)
            let dims = try await send(
                sim, .POST, "/v1/embeddings",
                body: jsonText(["model": "text-embedding-3-small", "input": "x", "dimensions": 256])
            ).json()
            #expect(((dims["data"] as? [[String: Any]])?.first?["embedding"] as? [Any])?.count == 256)
        }
    }

    @Test func modelsListsCatalogue() async throws {
        try await withSimulator { sim in
            let json = try await send(sim, .GET, "/v1/models").json()
            #expect(json["object"] as? String == "list")
            let ids = (json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(ids.contains("gpt-4o-mini") && ids.contains("gpt-4o") && ids.contains("text-embedding-3-small"))
            let anthropic = try await send(sim, .GET, "/v1/models", headers: anthropicHeaders).json()
            #expect(anthropic["has_more"] as? Bool == false)
            #expect((anthropic["data"] as? [[String: Any]])?.first?["type"] as? String == "model")
        }
    }
}
