import Testing

@testable import DejaProviders
import DejaWire

/// Helpers for the Anthropic and Gemini translation tests: parsing, seeded slicing of recorded
/// streams, and assembling OpenAI chunks back into one answer.
enum WireTest {
    static func request(_ text: String) throws -> ChatRequest {
        try ChatRequest.parse(Array(text.utf8))
    }

    static func object(_ bytes: [UInt8]) throws -> JSONObject {
        guard case .object(let o) = try JSONParser.parse(bytes) else { throw Failure("not a JSON object") }
        return o
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A small deterministic generator, so a failing slicing can be reproduced.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Feeds the bytes through `SSEParser` in random-sized slices (1…maxSlice bytes).
    static func events(_ bytes: [UInt8], seed: UInt64, maxSlice: Int = 17) throws -> [SSEEvent] {
        var rng = SplitMix(state: seed)
        var parser = SSEParser()
        var events: [SSEEvent] = []
        var i = 0
        while i < bytes.count {
            let n = Int.random(in: 1...maxSlice, using: &rng)
            events += try parser.feed(bytes[i..<min(bytes.count, i + n)])
            i += n
        }
        return events
    }

    /// An OpenAI answer rebuilt from chunk payloads, as a client would.
    struct Assembled {
        var role: String?
        var content = ""
        var toolCalls: [Int: (id: String, name: String, arguments: String)] = [:]
        var finishReason: String?
        var usage: JSONObject?
        var chunkCount = 0
        var ids: Set<String> = []
    }

    static func assemble(_ payloads: [[UInt8]]) throws -> Assembled {
        var a = Assembled()
        for payload in payloads {
            let chunk = try object(payload)
            a.chunkCount += 1
            #expect(chunk["object"] == .string("chat.completion.chunk"))
            if let id = chunk["id"]?.stringValue { a.ids.insert(id) }
            if let usage = chunk["usage"]?.objectValue { a.usage = usage }
            for choice in chunk["choices"]?.arrayValue ?? [] {
                let c = choice.objectValue ?? JSONObject()
                if let r = c["finish_reason"]?.stringValue { a.finishReason = r }
                guard let delta = c["delta"]?.objectValue else { continue }
                if let r = delta["role"]?.stringValue { a.role = r }
                if let t = delta["content"]?.stringValue { a.content += t }
                for call in delta["tool_calls"]?.arrayValue ?? [] {
                    let o = call.objectValue ?? JSONObject()
                    let index = o["index"]?.intValue ?? -1
                    var entry = a.toolCalls[index] ?? ("", "", "")
                    if let id = o["id"]?.stringValue { entry.id = id }
                    let f = o["function"]?.objectValue
                    if let n = f?["name"]?.stringValue { entry.name = n }
                    entry.arguments += f?["arguments"]?.stringValue ?? ""
                    a.toolCalls[index] = entry
                }
            }
        }
        return a
    }

    /// Drains a chunk iterator, returning the payloads and the error it ended with (if any).
    static func drain(_ iterator: ChatChunkStream.AsyncIterator) async -> (payloads: [[UInt8]], error: ProviderError?) {
        var iterator = iterator
        var payloads: [[UInt8]] = []
        do {
            while let p = try await iterator.next() { payloads.append(p) }
            return (payloads, nil)
        } catch let e as ProviderError {
            return (payloads, e)
        } catch {
            return (payloads, .connectionFailed(provider: "test", detail: "\(error)"))
        }
    }

    /// An event source over a fixed list.
    final class EventSource: @unchecked Sendable {
        private var events: [SSEEvent]
        init(_ events: [SSEEvent]) { self.events = events }
        func next() -> SSEEvent? { events.isEmpty ? nil : events.removeFirst() }
    }
}
