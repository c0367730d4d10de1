public import DejaWire
/// Translates Gemini `streamGenerateContent?alt=sse` events into OpenAI `chat.completion.chunk`
/// payloads.
///
/// A pure state machine: feed it each server-sent event in order, then call `finish()` when the
/// body ends (Gemini sends no terminator). Text parts become `delta.content` (thought parts are
/// left out), function calls become complete `delta.tool_calls` entries with minted ids, a
/// `finishReason` becomes the finish chunk. Usage is cumulative on every Gemini chunk, so the
/// usage chunk (`choices: []`, when requested) is built from the last one at `finish()`.
public struct GeminiStreamTranslator: Sendable {
    /// The configured provider name, for errors.
    public let provider: String
    /// The model asked for, used until the upstream names its `modelVersion`.
    public let model: String
    /// Whether a final usage chunk is emitted (`stream_options.include_usage`).
    public let includeUsage: Bool
    /// `created` stamped on every chunk.
    public let created: Int
    /// True once a candidate reported a `finishReason`: the body may then end cleanly.
    public private(set) var sawFinishReason = false

    private var responseID = ""
    private var modelVersion: String?
    private var usage: JSONObject?
    private var startedCandidates: Set<Int> = []
    private var toolCallCounts: [Int: Int] = [:]

    public init(provider: String, model: String, includeUsage: Bool, created: Int) {
        self.provider = provider
        self.model = model
        self.includeUsage = includeUsage
        self.created = created
    }

    /// Translates one event into zero or more chunk payloads.
    public mutating func translate(_ event: SSEEvent) throws(ProviderError) -> [[UInt8]] {
        guard case .object(let data)? = try? JSONParser.parse(event.data) else {
            if event.data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
            throw ProviderError.malformedResponse(provider: provider, detail: "a stream event is not a JSON object")
        }
        if let error = data["error"]?.objectValue {
            let status = error["status"]?.stringValue ?? "error"
            throw ProviderError.streamInterrupted(
                provider: provider, detail: "\(status): \(error["message"]?.stringValue ?? "the upstream reported an error")")
        }
        if let id = data["responseId"]?.stringValue, responseID.isEmpty { responseID = id }
        if let version = data["modelVersion"]?.stringValue { modelVersion = version }
        if let u = data["usageMetadata"]?.objectValue { usage = u }

        var out: [[UInt8]] = []
        let candidates = data["candidates"]?.arrayValue ?? []
        if candidates.isEmpty, data["promptFeedback"]?.objectValue?["blockReason"] != nil {
            out.append(contentsOf: startIfNeeded(0))
            out.append(chunk(index: 0, delta: JSONObject(), finishReason: .string("content_filter")))
            sawFinishReason = true
            return out
        }
        for (position, value) in candidates.enumerated() {
            guard let candidate = value.objectValue else { continue }
            let index = try GeminiChat.candidateIndex(candidate, position: position, provider: provider)
            out.append(contentsOf: startIfNeeded(index))
            var text = ""
            var calls: [JSONValue] = []
            for part in GeminiChat.parts(of: candidate) {
                if let t = part.text {
                    text += t
                } else if let call = part.functionCall {
                    let ordinal = toolCallCounts[index, default: 0]
                    toolCallCounts[index] = ordinal + 1
                    let id = GeminiToolCallID.make(
                        responseID: responseID, candidate: index, ordinal: ordinal, name: call.name, signature: part.signature)
                    calls.append(AnthropicChat.toolCall(index: ordinal, id: id, name: call.name, arguments: call.arguments))
                }
            }
            if !text.isEmpty { out.append(chunk(index: index, delta: JSONObject(["content": .string(text)]))) }
            if !calls.isEmpty { out.append(chunk(index: index, delta: JSONObject(["tool_calls": .array(calls)]))) }
            if let reason = GeminiChat.finishReason(candidate["finishReason"], hasToolCalls: toolCallCounts[index, default: 0] > 0) {
                sawFinishReason = true
                out.append(chunk(index: index, delta: JSONObject(), finishReason: reason))
            }
        }
        return out
    }

    /// Call when the body ended: returns the usage chunk (when requested), or throws
    /// `streamInterrupted` when no candidate had finished.
    public func finish() throws(ProviderError) -> [[UInt8]] {
        guard sawFinishReason else {
            throw ProviderError.streamInterrupted(provider: provider, detail: "the stream ended before a finishReason")
        }
        guard includeUsage else { return [] }
        var out = base()
        out.append("choices", .array([]))
        out.append("usage", usage.map { .object(GeminiChat.usage($0)) } ?? .null)
        return [JSONWriter.serialize(.object(out))]
    }

    private mutating func startIfNeeded(_ index: Int) -> [[UInt8]] {
        guard !startedCandidates.contains(index) else { return [] }
        startedCandidates.insert(index)
        return [chunk(index: index, delta: JSONObject(["role": .string("assistant"), "content": .string("")]))]
    }

    private func base() -> JSONObject {
        var out = JSONObject()
        out.append("id", .string(GeminiChat.completionID(responseID)))
        out.append("object", .string("chat.completion.chunk"))
        out.append("created", .int(created))
        out.append("model", .string(modelVersion ?? model))
        return out
    }

    private func chunk(index: Int, delta: JSONObject, finishReason: JSONValue = .null) -> [UInt8] {
        var choice = JSONObject()
        choice.append("index", .int(index))
        choice.append("delta", .object(delta))
        choice.append("logprobs", .null)
        choice.append("finish_reason", finishReason)
        var out = base()
        out.append("choices", .array([.object(choice)]))
        if includeUsage { out.append("usage", .null) }
        return JSONWriter.serialize(.object(out))
    }
}
