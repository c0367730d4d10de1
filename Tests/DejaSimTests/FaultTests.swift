import AsyncHTTPClient
@testable import DejaSim
import HTTPTypes
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite struct FaultTests {
    @Test func statusHeaderUsesEachProvidersErrorShape() async throws {
        try await withSimulator { sim in
            let openAI = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(), headers: ["x-sim-status": "429"])
            #expect(openAI.status == 429)
            #expect(openAI.header("retry-after") == "1")
            let oe = try #require(try openAI.json()["error"] as? [String: Any])
            #expect(oe["type"] as? String == "requests")
            #expect(oe["code"] as? String == "rate_limit_exceeded")
            #expect(oe.keys.sorted() == ["code", "message", "param", "type"])

            let anthropic = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(), headers: anthropicHeaders.merging(["x-sim-status": "529"]) { a, _ in a })
            #expect(anthropic.status == 529)
            #expect(anthropic.text.hasPrefix("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_"))

            let gemini = try await send(
                sim, .POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: geminiBody(),
                headers: ["x-sim-status": "429", "x-sim-retry-after": "7"])
            #expect(gemini.status == 429)
            #expect(gemini.header("retry-after") == "7")
            #expect(gemini.text.hasPrefix("{\n  \"error\": {\n    \"code\": 429,\n    \"message\": "))
            #expect(try (gemini.json()["error"] as? [String: Any])?["status"] as? String == "RESOURCE_EXHAUSTED")

            let sse = try await send(
                sim, .POST, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", body: geminiBody(),
                headers: ["x-sim-status": "500"])
            #expect(sse.status == 500)
            #expect(sse.header("content-type") == "text/event-stream")
            #expect(try (sse.json()["error"] as? [String: Any])?["status"] as? String == "INTERNAL")
            #expect(sim.stats().errorsInjected == 4)
        }
    }

    @Test func failTimesFailsThenSucceeds() async throws {
        try await withSimulator { sim in
            let headers = ["x-sim-fail-times": "2", "x-sim-status": "503"]
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody(), headers: headers).status)
            }
            #expect(statuses == [503, 503, 200])
            // Keyed by x-sim-fail-key: a different body shares the key's attempts.
            let keyed = ["x-sim-fail-times": "1", "x-sim-fail-key": "k1"]
            let a = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody("a"), headers: keyed)
            let b = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody("b"), headers: keyed)
            #expect(a.status == 500)
            #expect(b.status == 200)
        }
    }

    @Test func latencyDelaysResponse() async throws {
        try await withSimulator { sim in
            let start = ContinuousClock.now
            let reply = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody(), headers: ["x-sim-latency-ms": "300"])
            #expect(reply.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
        try await withSimulator(SimulatorConfiguration(latencyMs: 200)) { sim in
            let start = ContinuousClock.now
            _ = try await send(sim, .POST, "/v1/messages", body: anthropicBody(), headers: anthropicHeaders)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
        }
    }

    @Test func ttftAndTokenDelays() async throws {
        try await withSimulator { sim in
            let start = ContinuousClock.now
            let reply = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(stream: true),
                headers: ["x-sim-ttft-ms": "200", "x-sim-token-ms": "20", "x-sim-tokens": "5"])
            #expect(sseData(reply.text).last == "[DONE]")
            // 200 ms before the first chunk, then 7 gaps of 20 ms.
            #expect(ContinuousClock.now - start >= .milliseconds(340))
        }
    }

    @Test func dropClosesWithoutResponse() async throws {
        try await withSimulator { sim in
            await #expect(throws: (any Error).self) {
                _ = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody(), headers: ["x-sim-drop": "1"])
            }
            await #expect(throws: (any Error).self) {
                _ = try await send(
                    sim, .POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: geminiBody(),
                    headers: ["x-sim-drop": "true"])
            }
            #expect(sim.stats().connectionsDropped == 2)
            // The server still serves afterwards.
            do { let r = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody()); #expect(r.status == 200) }
        }
    }

    @Test func malformedBodiesDoNotParse() async throws {
        try await withSimulator { sim in
            let plain = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody(), headers: ["x-sim-malformed": "1"])
            #expect(plain.status == 200)
            #expect((try? JSONSerialization.jsonObject(with: Data(plain.body))) == nil)
            let stream = try await send(
                sim, .POST, "/v1/chat/completions", body: openAIChatBody(stream: true), headers: ["x-sim-malformed": "1"])
            let data = sseData(stream.text)
            #expect(data.last == "[DONE]")
            let broken = data.dropLast().filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil }
            #expect(broken.count == 1)
            let anthropic = try await send(
                sim, .POST, "/v1/messages", body: anthropicBody(stream: true),
                headers: anthropicHeaders.merging(["x-sim-malformed": "1"]) { a, _ in a })
            #expect(anthropic.text.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"" ) == false)
            #expect(anthropic.text.contains("message_stop"))
        }
    }

    @Test func truncateStreamCutsConnection() async throws {
        try await withSimulator { sim in
            var request = HTTPClientRequest(url: sim.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "x-sim-truncate-stream", value: "3")
            request.body = .bytes(ByteBuffer(string: openAIChatBody(stream: true)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok)
            var received = ""
            await #expect(throws: (any Error).self) {
                for try await chunk in response.body {
                    received += String(buffer: chunk)
                }
            }
            #expect(sseData(received).count == 3)
            #expect(!received.contains("[DONE]"))
            #expect(sim.stats().connectionsDropped == 1)
            #expect(sim.stats().streamsCompleted == 0)
        }
    }

    @Test func errorRateInjectsErrors() async throws {
        try await withSimulator(SimulatorConfiguration(errorRate: 1)) { sim in
            for _ in 0..<5 {
                let status = try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody()).status
                #expect([429, 500, 503].contains(status))
            }
            #expect(sim.stats().errorsInjected == 5)
        }
        try await withSimulator(SimulatorConfiguration(errorRate: 0.5, seed: 7)) { sim in
            var failures = 0
            for _ in 0..<40 where try await send(sim, .POST, "/v1/chat/completions", body: openAIChatBody()).status != 200 {
                failures += 1
            }
            #expect(failures > 5 && failures < 35)
        }
    }

    @Test func theChaosMixSpreadsItsFaultsOverEveryKind() {
        var kinds: [String: Int] = [:]
        for kind in 0..<7 {
            var faults = Faults(HTTPFields())
            faults.applyChaos(kind: kind)
            let name: String
            if let status = faults.status { name = "status \(status)" + (faults.retryAfter.map { " after \($0)" } ?? "") }
            else if faults.drop { name = "drop" }
            else if let cut = faults.truncateAfter { name = "cut \(cut)" }
            else { name = "stall \(faults.latencyMs)" }
            kinds[name, default: 0] += 1
        }
        #expect(Set(kinds.keys) == ["status 429 after 1", "status 500", "status 503", "status 529", "drop", "cut 2", "stall 2000"])
    }
}

