import AsyncHTTPClient
import DejaCache
import DejaGateway
import DejaProviders
import DejaReliability
import DejaSim
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing
import Tracing
import DejaWire

/// A gateway and a simulator on free loopback ports, plus a client; torn down after the body.
struct Harness {
    let gateway: RunningGateway
    let sim: Simulator
    let client: HTTPClient

    var base: String { gateway.baseURL }

    /// The configuration used by most tests: one OpenAI-compatible provider `sim` that claims
    /// `gpt-*` and forwards the simulator's fault-injection headers.
    static func simConfiguration(_ simURL: String) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.requestTimeoutMs = 5_000
        // Most tests exercise the request path without the cache; cache tests turn it on.
        configuration.cacheSettings.cache.enabled = false
        configuration.maxBodyBytes = 64 << 10
        // Load-style tests send hundreds of requests from one address; governance tests set limits.
        configuration.governance.perAddress = nil
        // Retries back off by milliseconds and wait out no Retry-After, so that no test sleeps
        // through a real backoff (the schedule itself is tested with an injected clock).
        configuration.reliability.executor.retry = RetryPolicy(
            maxAttempts: 3, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(4), maxRetryAfter: .milliseconds(100))
        configuration.providers = [
            ProviderSettings(
                name: "sim", kind: .openai, baseURL: simURL + "/v1", apiKey: "test-key", models: ["gpt-4o-mini", "text-embedding-3-small"],
                modelPatterns: ["gpt-*", "text-embedding-*"], forwardHeaders: ["x-sim-"])
        ]
        return configuration
    }

    static func with(
        configure: (inout GatewayConfiguration, String) -> Void = { _, _ in },
        simulator: SimulatorConfiguration = SimulatorConfiguration(port: 0, logLevel: .critical),
        logger: Logger? = nil,
        tracer: (any Tracer)? = nil,
        _ body: (Harness) async throws -> Void
    ) async throws {
        let sim = try await Simulator.start(simulator)
        var configuration = simConfiguration(sim.baseURL)
        configure(&configuration, sim.baseURL)
        let logger = logger ?? {
            var quiet = Logger(label: "deja-test")
            quiet.logLevel = .critical
            return quiet
        }()
        let gateway = try await Gateway(configuration: configuration, logger: logger, tracer: tracer ?? NoOpTracer()).start()
        var clientConfiguration = HTTPClient.Configuration()
        // Concurrency tests need every request on the wire at once (the default pool holds 8).
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        let harness = Harness(gateway: gateway, sim: sim, client: client)
        do {
            try await body(harness)
        } catch {
            try? await client.shutdown()
            await gateway.shutdown()
            await sim.shutdown()
            throw error
        }
        try await client.shutdown()
        await gateway.shutdown()
        await sim.shutdown()
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> JSONObject { try #require(try JSONParser.parse(body).objectValue) }
        func errorObject() throws -> JSONObject { try #require(try json()["error"]?.objectValue) }
    }

    func send(
        _ method: HTTPMethod = .POST, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "content-type", value: "application/json")
        }
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    func post(_ path: String, json: String, headers: [(String, String)] = []) async throws -> Reply {
        try await send(.POST, path, body: Array(json.utf8), headers: headers)
    }

    /// The SSE `data:` payloads of a streamed body.
    static func events(_ body: [UInt8]) throws -> [SSEEvent] {
        var parser = SSEParser()
        return try parser.feed(body)
    }

    /// The error object of a stream that failed midway: such a stream ends with the gateway's
    /// error event and then `[DONE]`. Nil when the stream ends otherwise.
    static func streamError(_ events: [SSEEvent]) -> JSONObject? {
        guard events.count >= 2, events[events.count - 1].isDoneSentinel else { return nil }
        return (try? JSONParser.parse(events[events.count - 2].data))?.objectValue?["error"]?.objectValue
    }
}

/// A chat request body for `content`.
func chatBody(_ content: String = "Hello there", model: String = "gpt-4o-mini", extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(content)"}]\#(extra.isEmpty ? "" : ",")\#(extra)}"#
}

/// Polls `condition` for up to `seconds`.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

extension JSONObject {
    /// The string member `key`, or "" (keeps expectations free of optional chains).
    func text(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
