import Foundation

/// SplitMix64: a tiny, fast, seedable generator.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a of a string's UTF-8 bytes.
func fnv1a(_ s: String, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
    var h = seed
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01B3
    }
    return h
}

func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01B3
    }
    return h
}

private let alphanumerics: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

/// `count` letters and digits drawn from `value`.
func alphanumericID(_ value: UInt64, count: Int) -> String {
    var g = SplitMix64(seed: value)
    var bytes = [UInt8]()
    bytes.reserveCapacity(count)
    var word = g.next()
    var left = 10
    for _ in 0..<count {
        if left == 0 {
            word = g.next()
            left = 10
        }
        bytes.append(alphanumerics[Int(word % 62)])
        word /= 62
        left -= 1
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The fixed vocabulary answers are built from.
let answerWords: [String] = [
    "the", "model", "answer", "is", "simulated", "and", "every", "word", "comes", "from", "a",
    "seeded", "hash", "of", "your", "message", "so", "same", "input", "gives", "text", "quick",
    "brown", "fox", "jumps", "over", "lazy", "dog", "river", "stone", "light", "cloud", "green",
    "signal", "token", "stream", "gateway", "cache", "request", "reply", "orbit", "planet", "tea",
    "lamp", "paper", "north", "south", "echo", "delta", "harbor", "garden", "maple", "silver",
    "quiet", "rapid", "bright", "simple", "little", "window", "bridge", "forest", "winter", "summer",
]

/// Why an answer ended.
enum FinishKind: Sendable, Equatable {
    case stop
    case length
    case stopSequence(String)
}

/// A text answer, as the pieces it streams in (one piece per token).
struct TextAnswer: Sendable {
    var pieces: [String]
    var finish: FinishKind
    var text: String { pieces.joined() }
    var tokens: Int { pieces.count }
}

/// One function call of a tool-using answer.
struct ToolCallAnswer: Sendable {
    var name: String
    var arguments: JSONValue
    var argumentsJSON: String
}

enum Answer: Sendable {
    case text([TextAnswer])  // one per choice / candidate
    case tools([ToolCallAnswer])

    /// Output tokens reported in usage.
    var outputTokens: Int {
        switch self {
        case .text(let answers): return answers.reduce(0) { $0 + $1.tokens }
        case .tools(let calls): return calls.reduce(0) { $0 + 6 + countWords($1.argumentsJSON) }
        }
    }
}

/// Words in a text: the simulator's token count.
func countWords(_ s: String) -> Int {
    var n = 0
    var inWord = false
    for b in s.utf8 {
        let space = b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
        if space {
            inWord = false
        } else if !inWord {
            inWord = true
            n += 1
        }
    }
    return n
}

/// Builds the deterministic text answer of a request.
func makeTextAnswer(
    seedText: String, seed: UInt64, choice: Int, tokens: Int, maxTokens: Int?, stop: [String], json: Bool
) -> TextAnswer {
    var g = SplitMix64(seed: fnv1a(seedText) ^ seed ^ (UInt64(choice) &* 0x9E37_79B9))
    let wordCount = max(tokens, 0)
    var words: [String] = []
    words.reserveCapacity(wordCount)
    for i in 0..<wordCount {
        var w = answerWords[Int(g.next() % UInt64(answerWords.count))]
        if i == 0 && !json { w = w.prefix(1).uppercased() + w.dropFirst() }
        words.append(w)
    }
    var pieces: [String] = []
    pieces.reserveCapacity(wordCount + 2)
    if json {
        pieces.append("{\"answer\": \"")
        for (i, w) in words.enumerated() { pieces.append(i == 0 ? w : " " + w) }
        pieces.append("\"}")
    } else {
        for (i, w) in words.enumerated() { pieces.append(i == 0 ? w : " " + w) }
        if !pieces.isEmpty { pieces[pieces.count - 1] += "." }
    }
    let limit = maxTokens.map { max($0, 0) } ?? Int.max
    let visible = Array(pieces.prefix(limit))
    // A stop sequence ends the answer just before its first occurrence.
    if !stop.isEmpty {
        let full = visible.joined()
        var best: (String.Index, String)?
        for s in stop where !s.isEmpty {
            if let r = full.range(of: s), best == nil || r.lowerBound < best!.0 {
                best = (r.lowerBound, s)
            }
        }
        if let (cut, s) = best {
            let keepBytes = full.utf8.distance(from: full.startIndex, to: cut)
            var kept: [String] = []
            var used = 0
            for p in visible {
                let n = p.utf8.count
                if used + n <= keepBytes {
                    kept.append(p)
                    used += n
                } else {
                    let rest = keepBytes - used
                    if rest > 0 { kept.append(String(decoding: Array(p.utf8.prefix(rest)), as: UTF8.self)) }
                    break
                }
            }
            return TextAnswer(pieces: kept, finish: .stopSequence(s))
        }
    }
    if visible.count < pieces.count {
        return TextAnswer(pieces: visible, finish: .length)
    }
    return TextAnswer(pieces: visible, finish: .stop)
}

/// A tool offered by the request: its name and JSON schema of parameters.
struct ToolSpec {
    var name: String
    var schema: [String: Any]?
}

/// Arguments built from a JSON schema: every required property gets a fixed value
/// (strings `sim-<name>`, numbers 1, booleans true, enums their first value).
func argumentsFromSchema(_ schema: [String: Any]?) -> JSONValue {
    guard let schema else { return .object([]) }
    let properties = schema["properties"] as? [String: Any] ?? [:]
    let required = schema["required"] as? [String] ?? []
    var pairs: [(String, JSONValue)] = []
    for name in required {
        pairs.append((name, valueFromSchema(name: name, properties[name] as? [String: Any])))
    }
    return .object(pairs)
}

private func valueFromSchema(name: String, _ schema: [String: Any]?) -> JSONValue {
    guard let schema else { return .string("sim-\(name)") }
    if let values = schema["enum"] as? [Any], let first = values.first {
        return JSONValue.from(any: first)
    }
    if let c = schema["const"] { return JSONValue.from(any: c) }
    var type = (schema["type"] as? String)?.lowercased()
    if type == nil, let types = schema["type"] as? [String] {
        type = types.first { $0.lowercased() != "null" }?.lowercased()
    }
    if type == nil, let options = (schema["anyOf"] ?? schema["oneOf"]) as? [[String: Any]] {
        let option = options.first { ($0["type"] as? String)?.lowercased() != "null" } ?? options.first
        return valueFromSchema(name: name, option)
    }
    switch type {
    case "integer", "number": return .int(1)
    case "boolean": return .bool(true)
    case "null": return .null
    case "object": return argumentsFromSchema(schema)
    case "array":
        return .array([valueFromSchema(name: name, schema["items"] as? [String: Any])])
    default: return .string("sim-\(name)")
    }
}

/// The calls of a tool-using answer: `count` calls, to the forced tool or cycling over the offered ones.
func makeToolCalls(tools: [ToolSpec], forced: String?, count: Int) -> [ToolCallAnswer] {
    guard !tools.isEmpty || forced != nil else { return [] }
    var calls: [ToolCallAnswer] = []
    for i in 0..<max(count, 1) {
        let tool: ToolSpec
        if let forced {
            tool = tools.first { $0.name == forced } ?? ToolSpec(name: forced, schema: nil)
        } else {
            tool = tools[i % tools.count]
        }
        let args = argumentsFromSchema(tool.schema)
        calls.append(ToolCallAnswer(name: tool.name, arguments: args, argumentsJSON: args.compactString))
    }
    return calls
}

/// Splits a string into fragments of varying length (2 to 6 bytes, cut anywhere, even mid-word),
/// as providers stream tool arguments.
func fragments(_ s: String) -> [String] {
    var result: [String] = []
    let chars = Array(s)
    var i = 0
    var k = 0
    let sizes = [2, 4, 3, 6, 5]
    while i < chars.count {
        let n = min(sizes[k % sizes.count], chars.count - i)
        result.append(String(chars[i..<(i + n)]))
        i += n
        k += 1
    }
    return result
}

/// Every string in a JSON tree except identifiers and media, for counting prompt tokens.
func collectText(_ value: Any?, into out: inout [String]) {
    switch value {
    case let s as String: out.append(s)
    case let a as [Any]: for v in a { collectText(v, into: &out) }
    case let o as [String: Any]:
        for (k, v) in o {
            switch k {
            case "role", "type", "id", "tool_call_id", "tool_use_id", "cache_control", "media_type", "data",
                "url", "mimeType", "mime_type", "image_url", "inlineData", "fileData", "signature",
                "thoughtSignature":
                continue
            default: collectText(v, into: &out)
            }
        }
    default: break
    }
}

func promptTokens(_ values: Any?...) -> Int {
    var texts: [String] = []
    for v in values { collectText(v, into: &texts) }
    return max(texts.reduce(0) { $0 + countWords($1) }, 1)
}

/// The text of a message content (a string or a list of parts), for seeding answers.
func contentText(_ content: Any?) -> String {
    var texts: [String] = []
    collectText(content, into: &texts)
    return texts.joined(separator: " ")
}

/// Deterministic unit vector for a text.
/// The largest vector the simulator makes (more than any real embedding model returns).
let maximumEmbeddingDimensions = 8_192

func embeddingVector(for text: String, dimensions: Int, seed: UInt64) -> [Float] {
    var g = SplitMix64(seed: fnv1a(text) ^ seed ^ 0xE3BE_DD1E)
    var v = [Float](repeating: 0, count: max(dimensions, 1))
    var norm: Float = 0
    for i in 0..<v.count {
        let x = Float(Double(g.next() >> 11) / Double(1 << 53)) * 2 - 1
        v[i] = x
        norm += x * x
    }
    norm = norm.squareRoot()
    if norm > 0 { for i in 0..<v.count { v[i] /= norm } }
    return v
}

/// The default embedding width of a model name.
func defaultEmbeddingDimensions(_ model: String) -> Int {
    let m = model.lowercased()
    if m.contains("3-large") { return 3072 }
    if m.contains("minilm") { return 384 }
    if m.contains("mxbai") || m.contains("bge-large") || m.contains("bge-m3") { return 1024 }
    if m.contains("nomic") || m.contains("bge-base") || m.contains("text-embedding-004")
        || m.contains("text-embedding-005") || m.contains("embeddinggemma") || m.contains("embedding-001")
            && !m.contains("gemini")
    {
        return 768
    }
    if m.contains("gemini-embedding") { return 3072 }
    return 1536
}

/// Base64 of little-endian float32 values.
func base64Floats(_ v: [Float]) -> String {
    var bytes = [UInt8]()
    bytes.reserveCapacity(v.count * 4)
    for f in v {
        let bits = f.bitPattern.littleEndian
        withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
    }
    return Data(bytes).base64EncodedString()
}
