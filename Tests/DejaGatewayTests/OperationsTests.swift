import AsyncHTTPClient
import DejaGateway
import DejaObservability
import DejaSim
import DejaWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import InMemoryTracing
import Testing
import Tracing

/// Metrics, logs, trace propagation, health and lifecycle: what an operator sees and relies on.
@Suite struct OperationsTests {
    /// The exposition's samples: `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    static func metrics(_ h: Harness) async throws -> (text: String, samples: [String: Double]) {
        let text = try await h.send(.GET, "/metrics").text
        return (text, samples(text))
    }

    @Test func metricsFollowMissesHitsRetriesErrorsStreamsAndStayBounded() async throws {
        try await CacheHarness.with { h in
            // A miss: one upstream call, tokens and cost by catalogue model.
            let miss = try await h.post("/v1/chat/completions", json: chatBody("What is the boiling point of water at sea level?"))
            #expect(miss.status == 200)
            var m = try await Self.metrics(h).samples
            #expect(m[#"llm_gateway_cache_misses_total"#] == 1)
            #expect(m[#"llm_gateway_provider_latency_seconds_count{provider="sim",model="gpt-4o-mini"}"#] == 1)
            let usage = try #require(try miss.json()["usage"]?.objectValue)
            #expect(m[#"llm_gateway_tokens_total{provider="sim",model="gpt-4o-mini",kind="input"}"#] == Double(usage["prompt_tokens"]?.intValue ?? -1))
            #expect(m[#"llm_gateway_tokens_total{provider="sim",model="gpt-4o-mini",kind="output"}"#] == Double(usage["completion_tokens"]?.intValue ?? -1))
            let cost = try #require(m[#"llm_gateway_cost_usd_total{provider="sim",model="gpt-4o-mini"}"#])
            #expect(cost > 0)
            #expect(m[#"llm_gateway_http_requests_total{route="/v1/chat/completions",method="POST",status_class="2xx"}"#] == 1)
            // The scrape itself is in flight while it renders; nothing else is.
            #expect(m["llm_gateway_in_flight_requests"] == 1)

            // The same question: an exact hit, no new call, its cost counted as saved.
            #expect(try await h.post("/v1/chat/completions", json: chatBody("What is the boiling point of water at sea level?")).cacheStatus == "HIT-EXACT")
            m = try await Self.metrics(h).samples
            #expect(m[#"llm_gateway_cache_hits_total{kind="exact"}"#] == 1)
            #expect(m[#"llm_gateway_provider_latency_seconds_count{provider="sim",model="gpt-4o-mini"}"#] == 1)
            #expect(abs((m["llm_gateway_cache_savings_usd_total"] ?? 0) - cost) < 1e-12)

            // A transient upstream failure: one failed attempt (server_error), one retry, then an answer.
            let retried = try await h.post(
                "/v1/chat/completions", json: chatBody("Name three prime numbers below twenty."),
                headers: [("x-sim-status", "503"), ("x-sim-fail-times", "1"), ("x-sim-fail-key", "ops-retry")])
            #expect(retried.status == 200, "\(retried.text)")
            m = try await Self.metrics(h).samples
            #expect(m[#"llm_gateway_upstream_retries_total{provider="sim"}"#] == 1)
            #expect(m[#"llm_gateway_upstream_errors_total{provider="sim",error_class="server_error"}"#] == 1)

            // A refused request upstream (400): an error of its class and a 4xx for the route.
            let refused = try await h.post(
                "/v1/chat/completions", json: chatBody("This one is refused upstream."), headers: [("x-sim-status", "400")])
            #expect(refused.status == 400)
            m = try await Self.metrics(h).samples
            #expect(m[#"llm_gateway_upstream_errors_total{provider="sim",error_class="client_error"}"#] == 1)
            #expect(m[#"llm_gateway_http_requests_total{route="/v1/chat/completions",method="POST",status_class="4xx"}"#] == 1)

            // A stream: time to first token, once.
            let stream = try await h.post("/v1/chat/completions", json: chatBody("Stream a short greeting.", extra: #""stream":true"#))
            #expect(stream.status == 200)
            m = try await Self.metrics(h).samples
            #expect(m[#"llm_gateway_time_to_first_token_seconds_count{provider="sim",model="gpt-4o-mini"}"#] == 1)

            // A model the catalogue does not know, and a path nobody serves: bounded labels.
            let odd = try await h.post("/v1/chat/completions", json: chatBody("Hello from a made-up model.", model: "gpt-made-up-31337"))
            #expect(odd.status == 200)
            _ = try await h.send(.GET, "/no/such/path/31337")
            let (text, after) = try await Self.metrics(h)
            #expect(after[#"llm_gateway_provider_latency_seconds_count{provider="sim",model="other"}"#] == 1)
            #expect(!text.contains("31337"))
            #expect(after[#"llm_gateway_http_requests_total{route="other",method="GET",status_class="4xx"}"#] == 1)
            #expect(after[#"llm_gateway_build_info{version="\#(BuildInfo.version)"}"#] == 1)
            // Lookup histograms use the lookup buckets (50 µs … 50 ms), LLM ones 5 ms … 120 s.
            #expect(text.contains(#"llm_gateway_cache_lookup_duration_seconds_bucket{le="0.00005"}"#))
            #expect(text.contains(#"llm_gateway_provider_latency_seconds_bucket{provider="sim",model="gpt-4o-mini",le="120.0"}"#))
            // Every family the gateway records is documented (a HELP line).
            for family in Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }) {
                #expect(text.contains("# HELP \(family) "), "\(family) has no help text")
                #expect(GatewayMetrics.exportedNames.contains(String(family)), "\(family) is not in the contract list")
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")))
    func theExpositionPassesPromtool() async throws {
        try await CacheHarness.with { h in
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is the capital of Peru?"))
            _ = try await h.post("/v1/chat/completions", json: chatBody("What is the capital of Peru?"))
            _ = try await h.post("/v1/chat/completions", json: chatBody("Stream it.", extra: #""stream":true"#))
            _ = try await h.post("/v1/chat/completions", json: chatBody("Fail.", model: "gpt-4o-mini"), headers: [("x-sim-status", "500")])
            let text = try await h.send(.GET, "/metrics").text
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
            process.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "promtool: \(report)")
            #expect(text.contains("llm_gateway_time_to_first_token_seconds_bucket"))
        }
    }

    @Test func accessLinesAreJSONWithTheRequestAndTraceIDsAndTheTraceGoesUpstream() async throws {
        let lines = Mutex<[String]>([])
        let sink = JSONLogHandler.LineSink { bytes in lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        let logger = Logger(label: "deja") { label in JSONLogHandler(label: label, level: .info, redactPrompts: true, sink: sink) }
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        try await Harness.with(logger: logger) { h in
            let reply = try await h.post(
                "/v1/chat/completions", json: chatBody("my private question about tangerines"),
                headers: [("x-request-id", "ops-req-1"), ("traceparent", "00-\(traceID)-00f067aa0ba902b7-01")])
            #expect(reply.status == 200)
            let streamed = try await h.post(
                "/v1/chat/completions", json: chatBody("another private tangerine question", extra: #""stream":true"#),
                headers: [("x-request-id", "ops-req-2")])
            #expect(streamed.status == 200)
            _ = try await h.send(.GET, "/v1/models", headers: [("x-request-id", "ops-req-3")])
            // The stream's line is written when the stream ends, just after the body was read.
            #expect(try await eventually { lines.withLock { $0.contains { $0.contains("ops-req-2") } } })

            let written = lines.withLock { $0 }
            var access: [String: JSONObject] = [:]
            for line in written {
                #expect(line.hasSuffix("\n"))
                let object = try #require(try JSONParser.parse(Array(line.utf8)).objectValue, "not JSON: \(line)")
                #expect(object["timestamp"]?.stringValue?.hasSuffix("Z") == true)
                #expect(object["level"] != nil)
                if object["message"]?.stringValue == "request", let id = object["request_id"]?.stringValue { access[id] = object }
            }
            #expect(!written.joined().contains("tangerine"), "a prompt reached the logs")
            let first = try #require(access["ops-req-1"])
            #expect(reply.headers.first(name: "x-request-id") == "ops-req-1")
            #expect(first["trace_id"]?.stringValue == traceID)
            #expect(first["route"]?.stringValue == "/v1/chat/completions")
            #expect(first["status"]?.intValue == 200)
            #expect(first["provider"]?.stringValue == "sim")
            #expect(first["model"]?.stringValue == "gpt-4o-mini")
            #expect(first["tokens_input"]?.intValue == (try reply.json()["usage"]?.objectValue?["prompt_tokens"]?.intValue))
            #expect((first["latency_ms"]?.doubleValue ?? -1) > 0)
            #expect(first["retries"]?.intValue == 0)
            #expect(first["fallback"] == .bool(false))
            #expect(first["cost_usd"]?.doubleValue != nil)
            let second = try #require(access["ops-req-2"])
            #expect((second["ttft_ms"]?.doubleValue ?? -1) > 0)
            #expect(second["trace_id"]?.stringValue?.count == 32 && second["trace_id"]?.stringValue != traceID)
            let third = try #require(access["ops-req-3"])
            #expect(third["route"]?.stringValue == "/v1/models" && third["tokens_input"] == nil)

            // The provider received the client's trace with the gateway's span as its parent.
            let upstream = h.sim.recordedRequests().compactMap { r in r.headers.first { $0.name.lowercased() == "traceparent" }?.value }
            #expect(upstream.contains { $0.hasPrefix("00-\(traceID)-") && !$0.contains("00f067aa0ba902b7") && $0.hasSuffix("-01") })
            #expect(upstream.count >= 2)
        }
    }

    @Test func spansFollowTheGenAIConventionsFromTheRequestToEachAttempt() async throws {
        let tracer = InMemoryTracer()
        try await CacheHarness.with(tracer: tracer) { h in
            let first = try await h.post("/v1/chat/completions", json: chatBody("How do I reset my router password?"))
            #expect(first.status == 200)
            let usage = try #require(try first.json()["usage"]?.objectValue)
            // A paraphrase: embedded, searched and verified (whatever the verdict).
            _ = try await h.post("/v1/chat/completions", json: chatBody("How can I reset the password of my router?"))
            // A transient failure: two attempts under one request span, the second a retry.
            let retried = try await h.post(
                "/v1/chat/completions", json: chatBody("List the planets of the solar system."),
                headers: [("x-sim-status", "503"), ("x-sim-fail-times", "1"), ("x-sim-fail-key", "trace-retry")])
            #expect(retried.status == 200)
            #expect(try await eventually { tracer.finishedSpans.filter { $0.operationName == "POST /v1/chat/completions" }.count == 3 })
            let spans = tracer.finishedSpans
            func children(of parent: FinishedInMemorySpan) -> [FinishedInMemorySpan] { spans.filter { $0.parentSpanID == parent.spanID } }

            let servers = spans.filter { $0.operationName == "POST /v1/chat/completions" }
            #expect(servers.allSatisfy { $0.kind == .server && $0.attributes["http.response.status_code"]?.toSpanAttribute() == 200 })
            // The first request: server → chat (usage, response model) → cache lookup and one attempt.
            let server = try #require(servers.first { s in children(of: s).contains { c in children(of: c).contains { $0.operationName == "deja.cache.lookup" } } })
            let chat = try #require(children(of: server).first { $0.operationName == "chat gpt-4o-mini" })
            #expect(chat.attributes["gen_ai.operation.name"]?.toSpanAttribute() == "chat")
            #expect(chat.attributes["gen_ai.request.model"]?.toSpanAttribute() == "gpt-4o-mini")
            #expect(chat.attributes["gen_ai.usage.input_tokens"]?.toSpanAttribute() == .int64(Int64(usage["prompt_tokens"]?.intValue ?? -1)))
            #expect(chat.attributes["gen_ai.usage.output_tokens"]?.toSpanAttribute() == .int64(Int64(usage["completion_tokens"]?.intValue ?? -1)))
            #expect(chat.attributes["gen_ai.response.model"] != nil)
            #expect(chat.attributes["gen_ai.input.messages"] == nil, "prompt content is recorded only when enabled")
            let attempts = children(of: chat).filter { $0.kind == .client }
            #expect(attempts.count == 1)
            #expect(attempts.first?.operationName == "chat gpt-4o-mini")
            #expect(attempts.first?.attributes["gen_ai.provider.name"]?.toSpanAttribute() == "sim")
            // The attempt's context went upstream (the in-memory tracer's own header names).
            let injected = h.sim.recordedRequests().first.flatMap { r in r.headers.first { $0.name.lowercased() == InMemoryTracer.traceIDKey }?.value }
            #expect(injected == attempts.first?.traceID)

            let lookups = spans.filter { $0.operationName == "deja.cache.lookup" }
            #expect(lookups.count == 3)
            let paraphrase = try #require(lookups.first { l in children(of: l).contains { $0.operationName == "deja.cache.embed" } })
            #expect(Set(children(of: paraphrase).map(\.operationName)).isSuperset(of: ["deja.cache.embed", "deja.cache.search"]))

            let retry = try #require(spans.first { $0.operationName == "chat gpt-4o-mini" && $0.kind == .client && $0.attributes["deja.attempt.retry"] != nil })
            #expect(retry.attributes["deja.attempt.retry"]?.toSpanAttribute() == 1)
            let failed = try #require(spans.first { $0.kind == .client && $0.parentSpanID == retry.parentSpanID && $0.spanID != retry.spanID })
            #expect(failed.attributes["error.type"]?.toSpanAttribute() == "503")
            #expect(failed.status?.code == .error)
        }
    }

    @Test func healthCarriesTheBuildAndReadinessNamesItsChecks() async throws {
        try await Harness.with { h in
            let health = try await h.send(.GET, "/health").json()
            #expect(health["version"]?.stringValue == BuildInfo.version)
            #expect(health["build"]?.stringValue?.isEmpty == false)
            #expect(health["uptime_seconds"]?.intValue != nil)
            // A loopback caller without an admin token has admin authority on a gateway without one.
            let ready = try await h.send(.GET, "/health/ready")
            #expect(ready.status == 200)
            let checks = try #require(try ready.json()["checks"]?.objectValue)
            #expect(checks["providers"]?.stringValue == "ok")
            #expect(checks["store"]?.stringValue == "ok")
            #expect(checks["model"]?.stringValue == "not_used")
        }
    }

    @Test func aGracefulStopFinishesTheStreamInFlightThenRefusesConnections() async throws {
        let sim = try await Simulator.start(SimulatorConfiguration(port: 0, logLevel: .critical))
        var quiet = Logger(label: "deja-test")
        quiet.logLevel = .critical
        let running = try await Gateway(configuration: Harness.simConfiguration(sim.baseURL), logger: quiet).start()
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var request = HTTPClientRequest(url: running.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        // About 40 chunks 25 ms apart: a stream of a second or so.
        request.headers.add(name: "x-sim-token-ms", value: "25")
        request.headers.add(name: "x-sim-tokens", value: "40")
        request.body = .bytes(ByteBuffer(string: chatBody("Tell me a long story.", extra: #""stream":true"#)))
        let response = try await client.execute(request, timeout: .seconds(30))
        #expect(response.status.code == 200)
        var body: [UInt8] = []
        var iterator = response.body.makeAsyncIterator()
        let firstChunk = try #require(try await iterator.next())
        body += Array(firstChunk.readableBytesView)
        // Stop while the stream is under way.
        let stop = Task { try await running.stopGracefully() }
        while let chunk = try await iterator.next() { body += Array(chunk.readableBytesView) }
        try await stop.value
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasSuffix("data: [DONE]\n\n"), "the stream was cut: \(text.suffix(200))")
        #expect(try Harness.events(body).filter { !$0.isDoneSentinel }.count > 10)
        // Stopped: a new request is not served.
        var after = HTTPClientRequest(url: running.baseURL + "/health/live")
        after.method = .GET
        await #expect(throws: (any Error).self) { _ = try await client.execute(after, timeout: .seconds(5)) }
        try await client.shutdown()
        await sim.shutdown()
    }
}

/// The JSON log handler's line format, escaping and redaction.
@Suite struct JSONLogHandlerTests {
    static func line(redactPrompts: Bool = true, _ log: (Logger) -> Void) throws -> JSONObject {
        let lines = Mutex<[String]>([])
        let sink = JSONLogHandler.LineSink { bytes in lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        let logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .debug, redactPrompts: redactPrompts, sink: sink) }
        log(logger)
        let text = try #require(lines.withLock { $0.first })
        #expect(text.hasSuffix("}\n") && text.filter { $0 == "\n" }.count == 1)
        return try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
    }

    @Test func fieldsAreFlattenedTypedAndEscaped() throws {
        let o = try Self.line { logger in
            logger.warning(
                "line one\nline \"two\"\u{1}",
                metadata: [
                    "deja.request.id": "12345", "latency_ms": .stringConvertible(LogNumber(12.5, places: 3)), "status": .stringConvertible(503),
                    "flag": .stringConvertible(true), "note": "true", "cost": .stringConvertible(LogNumber(0.000125, places: 8)),
                ])
        }
        #expect(o["message"]?.stringValue == "line one\nline \"two\"\u{1}")
        #expect(o["level"]?.stringValue == "warning")
        #expect(o["logger"]?.stringValue == "test")
        // A string stays a string whatever it looks like (a field's type never depends on its value).
        #expect(o["request_id"]?.stringValue == "12345")
        #expect(o["note"]?.stringValue == "true")
        #expect(o["latency_ms"]?.doubleValue == 12.5)
        #expect(o["cost"]?.doubleValue == 0.000125)
        #expect(o["status"]?.intValue == 503)
        #expect(o["flag"] == .bool(true))
        #expect(o["timestamp"]?.stringValue?.count == 24)
    }

    @Test func secretsAreAlwaysRedactedAndPromptsUnlessAllowed() throws {
        let metadata: Logger.Metadata = ["authorization": "Bearer sk-live-1", "openai_api_key": "sk-2", "prompt": "my secret plan", "tenant": "a"]
        let redacted = try Self.line { $0.info("x", metadata: metadata) }
        #expect(redacted["authorization"]?.stringValue == "[redacted]")
        #expect(redacted["openai_api_key"]?.stringValue == "[redacted]")
        #expect(redacted["prompt"]?.stringValue == "[redacted]")
        #expect(redacted["tenant"]?.stringValue == "a")
        let allowed = try Self.line(redactPrompts: false) { $0.info("x", metadata: metadata) }
        #expect(allowed["prompt"]?.stringValue == "my secret plan")
        #expect(allowed["authorization"]?.stringValue == "[redacted]")
    }
}

/// W3C `traceparent` parsing.
@Suite struct TraceContextTests {
    @Test func validHeadersKeepTheTraceAndGetANewSpan() throws {
        let t = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(t.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(t.parentSpanID == "00f067aa0ba902b7")
        #expect(t.spanID.count == 16 && t.spanID != "00f067aa0ba902b7")
        #expect(t.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(t.spanID)-01")
        // A future version may append fields.
        #expect(TraceContext(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra") != nil)
    }

    @Test func malformedHeadersStartANewTrace() {
        for bad in [
            "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            String(repeating: "a", count: 10_000),
        ] {
            #expect(TraceContext(traceparent: bad) == nil, "\(bad.prefix(60))")
        }
        let fresh = TraceContext()
        #expect(fresh.traceID.count == 32 && fresh.parentSpanID == nil && fresh.flags == 1)
    }
}
