public import DejaWire

/// One cached completion. The response is kept pre-rendered so a hit costs a few byte copies:
/// only `id`, `created` and the `x-gateway` object change per hit.
public struct CacheEntry: Sendable {
    public let id: UInt64
    public let namespace: CacheKey
    public let exactKey: CacheKey
    public let scope: String
    /// `provider/model` the answer came from.
    public let model: String
    public let queryText: String
    public let embedding: [Float]
    public let createdAt: Double
    public let expiresAt: Double
    /// How long the upstream took to produce the answer; a hit reports it as latency saved.
    public let originalLatencyMs: Double
    /// The stored completion (without the gateway's `x-gateway` object), for replay and mirroring.
    public let completion: StoredCompletion

    /// Approximate memory held by this entry (what `maxBytes` and the per-scope byte quota count).
    public var byteSize: Int { Self.byteSize(payloadBytes: payloadBytes, dimension: embedding.count) }

    /// `byteSize` of an entry with this payload and vector dimension (fixed bookkeeping included).
    public static func byteSize(payloadBytes: Int, dimension: Int) -> Int { payloadBytes + dimension * 4 + 160 }

    /// The part of an entry its request and answer decide: the stored completion and the query
    /// text (what `CacheConfiguration.maxEntryBytes` caps; the vector and bookkeeping are fixed).
    public var payloadBytes: Int { Self.payloadBytes(completion: completion, queryText: queryText) }

    /// `payloadBytes` of an entry not built yet (so an oversize answer is not embedded for nothing).
    public static func payloadBytes(completion: StoredCompletion, queryText: String) -> Int {
        completion.byteSize + queryText.utf8.count
    }

    public init(
        id: UInt64, namespace: CacheKey, exactKey: CacheKey, scope: String, model: String, queryText: String, embedding: [Float],
        createdAt: Double, expiresAt: Double, originalLatencyMs: Double, completion: StoredCompletion
    ) {
        self.id = id
        self.namespace = namespace
        self.exactKey = exactKey
        self.scope = scope
        self.model = model
        self.queryText = queryText
        self.embedding = embedding
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.originalLatencyMs = originalLatencyMs
        self.completion = completion
    }
}

/// A `chat.completion` kept in two forms: a byte tail for JSON replies and the parts a streaming
/// replay needs.
public struct StoredCompletion: Sendable, Hashable {
    /// The completion JSON as stored (id and created as the upstream sent them).
    public let json: [UInt8]
    /// Every member except `id`, `object`, `created` and `x-gateway`, serialised, each preceded by
    /// a comma, without the closing brace.
    let tail: [UInt8]
    public let model: String
    public let content: String?
    public let toolCalls: [JSONValue]
    public let finishReason: String?
    public let usage: JSONValue?
    public let systemFingerprint: String?

    public var byteSize: Int { json.count + tail.count + (content?.utf8.count ?? 0) }

    /// Parses a completion body; nil when it is not a well-formed single-choice completion.
    public init?(json bytes: [UInt8]) {
        guard var object = try? JSONParser.parse(bytes).objectValue, object["object"]?.stringValue == "chat.completion",
            let choices = object["choices"]?.arrayValue, choices.count == 1, let choice = choices[0].objectValue,
            let message = choice["message"]?.objectValue
        else { return nil }
        object["x-gateway"] = nil
        self.json = JSONWriter.serialize(.object(object))
        var tail = JSONWriter(reservingCapacity: bytes.count)
        for member in object.members where member.key != "id" && member.key != "object" && member.key != "created" {
            tail.append(raw: [UInt8(ascii: ",")])
            tail.writeString(member.key)
            tail.append(raw: [UInt8(ascii: ":")])
            tail.write(member.value)
        }
        self.tail = tail.bytes
        self.model = object["model"]?.stringValue ?? ""
        self.content = message["content"]?.stringValue
        self.toolCalls = message["tool_calls"]?.arrayValue ?? []
        self.finishReason = choice["finish_reason"]?.stringValue
        self.usage = object["usage"].flatMap { $0.isNull ? nil : $0 }
        self.systemFingerprint = object["system_fingerprint"]?.stringValue
    }

    /// The JSON reply for a hit: a fresh id and created, the stored members, then `x-gateway`.
    public func render(id: String, created: Int, gateway: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(tail.count + gateway.count + 96)
        out.append(contentsOf: #"{"id":""#.utf8)
        out.append(contentsOf: id.utf8)
        out.append(contentsOf: #"","object":"chat.completion","created":"#.utf8)
        out.append(contentsOf: String(created).utf8)
        out.append(contentsOf: tail)
        out.append(contentsOf: #","x-gateway":"#.utf8)
        out.append(contentsOf: gateway)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The chunk payloads of a streaming replay: role, content in word-sized pieces, tool calls,
    /// finish, and usage when asked; the caller frames them and appends `[DONE]`.
    public func replayChunks(id: String, created: Int, includeUsage: Bool) -> [[UInt8]] {
        func chunk(_ delta: JSONObject, finish: String?, usage: JSONValue? = nil, noChoices: Bool = false) -> [UInt8] {
            var object = JSONObject()
            object.append("id", .string(id))
            object.append("object", .string("chat.completion.chunk"))
            object.append("created", .int(created))
            object.append("model", .string(model))
            if let systemFingerprint { object.append("system_fingerprint", .string(systemFingerprint)) }
            if noChoices {
                object.append("choices", .array([]))
            } else {
                var choice = JSONObject()
                choice.append("index", .int(0))
                choice.append("delta", .object(delta))
                choice.append("logprobs", .null)
                choice.append("finish_reason", finish.map(JSONValue.string) ?? .null)
                object.append("choices", .array([.object(choice)]))
            }
            if includeUsage { object.append("usage", usage ?? .null) }
            return JSONWriter.serialize(.object(object))
        }
        var chunks: [[UInt8]] = []
        chunks.append(chunk(JSONObject(["role": .string("assistant"), "content": content == nil && !toolCalls.isEmpty ? .null : .string("")]), finish: nil))
        if let content, !content.isEmpty {
            for piece in Self.pieces(of: content) {
                chunks.append(chunk(JSONObject(["content": .string(piece)]), finish: nil))
            }
        }
        for (index, call) in toolCalls.enumerated() {
            guard var c = call.objectValue else { continue }
            c["index"] = .int(index)
            c.members.sort { $0.key == "index" && $1.key != "index" }
            chunks.append(chunk(JSONObject(["tool_calls": .array([.object(c)])]), finish: nil))
        }
        chunks.append(chunk(JSONObject(), finish: finishReason ?? "stop"))
        if includeUsage { chunks.append(chunk(JSONObject(), finish: nil, usage: usage ?? .null, noChoices: true)) }
        return chunks
    }

    /// Splits text into word-sized pieces (each keeps its leading space), as a model streams them.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for ch in text {
            if ch == " ", !current.isEmpty, current != " " {
                pieces.append(current)
                current = ""
            }
            current.append(ch)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
