import Logging
import AsyncHTTPClient
import DejaGateway
import DejaProviders
import DejaSim
import NIOCore
import NIOHTTP1
import Testing
import DejaWire

@Suite struct ChatCompletionsTests {
    @Test func nonStreamingCompletionCarriesGatewayHeadersAndObject() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-request-id", "client-id-42")])
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-provider") == "sim")
            #expect(reply.headers.first(name: "x-model") == "gpt-4o-mini")
            #expect(reply.headers.first(name: "x-request-id") == "client-id-42")
            #expect(reply.headers.first(name: "x-response-time")?.hasSuffix("ms") == true)
            #expect(reply.headers.first(name: "x-cached") == "false")
            let body = try reply.json()
            #expect(body["object"] == .string("chat.completion"))
            let message = try #require(body["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue)
            #expect((message["content"]?.stringValue ?? "").isEmpty == false)
            let gateway = try #require(body["x-gateway"]?.objectValue)
            #expect(gateway["provider"] == .string("sim"))
            #expect(gateway["model"] == .string("gpt-4o-mini"))
            #expect(gateway["cache_hit"] == .bool(false))
            #expect(gateway["fallback_used"] == .bool(false))
            #expect(gateway["attempts"] == .number("1"))
            #expect(gateway["upstream_latency_ms"]?.doubleValue != nil)
            #expect(h.sim.stats().openAIChat == 1)
        }
    }

    @Test func generatedRequestIdsAreUnique() async throws {
        try await Harness.with { h in
            let a = try await h.send(.GET, "/health/live")
            let b = try await h.send(.GET, "/health/live")
            let idA = try #require(a.headers.first(name: "x-request-id"))
            #expect(idA != b.headers.first(name: "x-request-id"))
        }
    }

    @Test func forwardsTheFullSchemaAndUnknownFieldsUntouched() async throws {
        try await Harness.with { h in
            let body = #"""
                {"model":"sim/my-custom-model","messages":[{"role":"system","content":"Be terse"},{"role":"user","content":[{"type":"text","text":"Describe"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}],"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}],"tool_choice":"none","response_format":{"type":"text"},"logprobs":false,"seed":11,"stop":["END"],"n":1,"user":"u-7","temperature":0.30,"vendor_field":{"nested":[1,2.50,"x"]}}
                """#
            let reply = try await h.post("/v1/chat/completions", json: body)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "x-model") == "my-custom-model")
            let recorded = try #require(h.sim.recordedRequests().last)
            let sent = try #require(try JSONParser.parse(recorded.body).objectValue)
            let original = try #require(try JSONParser.parse(Array(body.utf8)).objectValue)
            #expect(sent["model"] == .string("my-custom-model"))
            for key in original.keys where key != "model" {
                #expect(sent[key] == original[key], "field \(key)")
            }
            #expect(recorded.header("authorization") == "Bearer test-key")
        }
    }

    @Test func toolCallsRoundTrip() async throws {
        try await Harness.with { h in
            let body = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}"#
            let reply = try await h.post("/v1/chat/completions", json: body)
            #expect(reply.status == 200)
            let choice = try #require(try reply.json()["choices"]?.arrayValue?.first?.objectValue)
            #expect(choice["finish_reason"] == .string("tool_calls"))
            let call = try #require(choice["message"]?.objectValue?["tool_calls"]?.arrayValue?.first?.objectValue)
            #expect(call["function"]?.objectValue?["name"] == .string("get_weather"))
        }
    }

    @Test func streamingRelaysChunksAndHonoursIncludeUsage() async throws {
        try await Harness.with { h in
            let plain = try await h.post("/v1/chat/completions", json: chatBody("Stream me"))
            let expected = try #require(try plain.json()["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["content"]?.stringValue)

            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("Stream me", extra: #""stream":true,"stream_options":{"include_usage":true}"#))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type") == "text/event-stream")
            #expect(reply.headers.first(name: "x-provider") == "sim")
            let events = try Harness.events(reply.body)
            #expect(events.last?.isDoneSentinel == true)
            var text = ""
            var usageChunks = 0
            for event in events.dropLast() {
                let chunk = try #require(try JSONParser.parse(event.data).objectValue)
                #expect(chunk["object"] == .string("chat.completion.chunk"))
                if let usage = chunk["usage"]?.objectValue {
                    usageChunks += 1
                    #expect(chunk["choices"] == .array([]))
                    #expect(usage["completion_tokens"]?.intValue ?? 0 > 0)
                }
                for choice in chunk["choices"]?.arrayValue ?? [] {
                    text += choice.objectValue?["delta"]?.objectValue?["content"]?.stringValue ?? ""
                }
            }
            #expect(usageChunks == 1)
            #expect(text == expected)
        }
    }

    @Test func streamingWithoutIncludeUsageHasNoUsageChunk() async throws {
        try await Harness.with { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody(extra: #""stream":true"#))
            let events = try Harness.events(reply.body)
            #expect(events.count > 2)
            for event in events.dropLast() {
                let chunk = try #require(try JSONParser.parse(event.data).objectValue)
                #expect(chunk["usage"]?.objectValue == nil)
            }
        }
    }

    @Test func aStreamCutMidwayEndsWithAnErrorEventNotAHang() async throws {
        try await Harness.with { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody(extra: #""stream":true"#), headers: [("x-sim-truncate-stream", "3")])
            #expect(reply.status == 200)
            // An error event, then [DONE]; nothing retried, no content duplicated.
            let events = try Harness.events(reply.body)
            let err = try #require(Harness.streamError(events))
            #expect(err["type"] == .string("upstream_error"))
            #expect(h.sim.stats().openAIChatStream == 1)
        }
    }

    @Test func clientDisconnectMidStreamCancelsTheUpstreamRequest() async throws {
        try await Harness.with { h in
            var request = HTTPClientRequest(url: h.base + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "x-sim-tokens", value: "200")
            request.headers.add(name: "x-sim-token-ms", value: "20")
            request.body = .bytes(ByteBuffer(string: chatBody(extra: #""stream":true"#)))
            let response = try await h.client.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok)
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            // Dropping the body mid-stream closes our connection to the gateway.
            _ = consume iterator
            let aborted = try await eventually(5) { h.sim.stats().streamsAborted == 1 }
            #expect(aborted, "the simulator should see the upstream stream aborted: \(h.sim.stats())")
            #expect(h.sim.stats().streamsCompleted == 0)
        }
    }
}
