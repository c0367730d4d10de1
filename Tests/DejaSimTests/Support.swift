import AsyncHTTPClient
import DejaSim
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A response read in full.
struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first(name: name) }
    func json() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(body))
        return try #require(value as? [String: Any])
    }
}

/// Starts a simulator, runs `body`, and shuts it down.
func withSimulator(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (Simulator) async throws -> Void
) async throws {
    let simulator = try await Simulator.start(configuration)
    do {
        try await body(simulator)
    } catch {
        await simulator.shutdown()
        throw error
    }
    await simulator.shutdown()
}

func send(
    _ simulator: Simulator, _ method: HTTPMethod = .POST, _ path: String, body: String? = nil,
    headers: [String: String] = [:], timeout: TimeAmount = .seconds(10)
) async throws -> Reply {
    var request = HTTPClientRequest(url: simulator.baseURL + path)
    request.method = method
    if body != nil { request.headers.add(name: "content-type", value: "application/json") }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let response = try await HTTPClient.shared.execute(request, timeout: timeout)
    let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
    return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: buffer))
}

/// JSON text of a value, for request bodies.
func jsonText(_ value: Any) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
}

/// The `data:` payloads of an SSE body with `\n\n` framing.
func sseData(_ text: String, separator: String = "\n\n") -> [String] {
    text.components(separatedBy: separator).filter { !$0.isEmpty }.map { frame in
        frame.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) } ?? ""
    }
}

func parse(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

func openAIChatBody(
    _ prompt: String = "Say hello", stream: Bool = false, includeUsage: Bool = false, extra: [String: Any] = [:]
) -> String {
    var body: [String: Any] = ["model": "gpt-4o-mini", "messages": [["role": "user", "content": prompt]]]
    if stream { body["stream"] = true }
    if includeUsage { body["stream_options"] = ["include_usage": true] }
    for (k, v) in extra { body[k] = v }
    return jsonText(body)
}

let anthropicHeaders = ["anthropic-version": "2023-06-01"]

func anthropicBody(_ prompt: String = "Say hello", stream: Bool = false, maxTokens: Int? = 1024, extra: [String: Any] = [:])
    -> String
{
    var body: [String: Any] = ["model": "claude-sonnet-4-5", "messages": [["role": "user", "content": prompt]]]
    if let maxTokens { body["max_tokens"] = maxTokens }
    if stream { body["stream"] = true }
    for (k, v) in extra { body[k] = v }
    return jsonText(body)
}

func geminiBody(_ prompt: String = "Say hello", extra: [String: Any] = [:]) -> String {
    var body: [String: Any] = ["contents": [["role": "user", "parts": [["text": prompt]]]]]
    for (k, v) in extra { body[k] = v }
    return jsonText(body)
}

nonisolated(unsafe) let weatherSchema: [String: Any] = [
    "type": "object",
    "properties": [
        "city": ["type": "string"], "unit": ["type": "string", "enum": ["celsius", "fahrenheit"]],
        "days": ["type": "integer"], "detailed": ["type": "boolean"], "note": ["type": "string"],
    ],
    "required": ["city", "unit", "days", "detailed"],
]

/// The arguments every tool call to `weatherSchema` must carry.
let expectedWeatherArgs = "{\"city\":\"sim-city\",\"unit\":\"celsius\",\"days\":1,\"detailed\":true}"
