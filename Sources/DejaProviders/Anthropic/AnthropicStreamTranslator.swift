public import DejaWire
/// Translates Anthropic Messages stream events into OpenAI `chat.completion.chunk` payloads.
///
/// A pure state machine: feed it each server-sent event in order and relay what it returns. It
/// needs no socket, so every recorded stream can be replayed through it in tests.
///
/// - `message_start` → the first chunk (`delta.role = "assistant"`).
/// - text deltas → `delta.content`; a `tool_use` block start → `delta.tool_calls[{index,id,type,
///   function:{name,arguments:""}}]`; `input_json_delta` → argument fragments (a tool whose
///   arguments stream as nothing gets `"{}"`); thinking blocks produce nothing.
/// - `message_delta` with a `stop_reason` → the finish chunk; `message_stop` → the usage chunk
///   (`choices: []`) when usage was requested, and the end.
/// - `error` events throw `ProviderError.streamInterrupted`; `ping` and unknown events are ignored.
public struct AnthropicStreamTranslator: Sendable {
    /// The configured provider name, for errors.
    public let provider: String
    /// Whether a final usage chunk is emitted (`stream_options.include_usage`).
    public let includeUsage: Bool
    /// `created` stamped on every chunk.
    public let created: Int
    /// True once `message_stop` arrived; later events are ignored.
    public private(set) var isFinished = false

    private var id = "chatcmpl-anthropic"
    private var model: JSONValue = .string("")
    private var usage = JSONObject()
    private var started = false
    /// Content block index → OpenAI tool call index.
    private var toolIndexForBlock: [Int: Int] = [:]
    /// OpenAI tool call indexes whose arguments have had a non-empty fragment.
    private var toolsWithArguments: Set<Int> = []
    private var nextToolIndex = 0

    public init(provider: String, includeUsage: Bool, created: Int) {
        self.provider = provider
        self.includeUsage = includeUsage
        self.created = created
    }

    /// Translates one event into zero or more chunk payloads.
    public mutating func translate(_ event: SSEEvent) throws(ProviderError) -> [[UInt8]] {
        guard !isFinished else { return [] }
        guard case .object(let data)? = try? JSONParser.parse(event.data) else {
            if event.data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
            throw ProviderError.malformedResponse(provider: provider, detail: "a stream event is not a JSON object")
        }
        let type = data["type"]?.stringValue ?? event.event ?? ""
        switch type {
        case "message_start":
            let message = data["message"]?.objectValue ?? JSONObject()
            id = AnthropicChat.completionID(message["id"]?.stringValue)
            if let m = message["model"] { model = m }
            if let u = message["usage"]?.objectValue { merge(u) }
            return [startChunkIfNeeded()].compactMap { $0 }

        case "content_block_start":
            var out = [startChunkIfNeeded()].compactMap { $0 }
            guard let block = data["content_block"]?.objectValue, let index = try blockIndex(data) else { return out }
            switch block["type"]?.stringValue {
            case "text":
                if let text = block["text"]?.stringValue, !text.isEmpty { out.append(chunk(delta: content(text))) }
            case "tool_use":
                // Each tool block keeps an entry until the stream ends: bounded, so a hostile stream
                // of endless tool blocks is malformed rather than a memory sink.
                guard nextToolIndex < StreamLimits.maxToolCalls else {
                    throw ProviderError.malformedResponse(
                        provider: provider, detail: "the stream started more than \(StreamLimits.maxToolCalls) tool calls")
                }
                let toolIndex = nextToolIndex
                nextToolIndex += 1
                toolIndexForBlock[index] = toolIndex
                var initial = ""
                if case .object(let input)? = block["input"], !input.isEmpty {
                    initial = String(decoding: JSONWriter.serialize(.object(input)), as: UTF8.self)
                    toolsWithArguments.insert(toolIndex)
                }
                let call = AnthropicChat.toolCall(
                    index: toolIndex, id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "",
                    arguments: initial)
                out.append(chunk(delta: JSONObject(["tool_calls": .array([call])])))
            default:
                break
            }
            return out

        case "content_block_delta":
            guard let delta = data["delta"]?.objectValue, let index = try blockIndex(data) else { return [] }
            switch delta["type"]?.stringValue {
            case "text_delta":
                guard let text = delta["text"]?.stringValue, !text.isEmpty else { return [] }
                return [chunk(delta: content(text))]
            case "input_json_delta":
                guard let toolIndex = toolIndexForBlock[index], let fragment = delta["partial_json"]?.stringValue,
                    !fragment.isEmpty
                else { return [] }
                toolsWithArguments.insert(toolIndex)
                return [chunk(delta: arguments(fragment, toolIndex: toolIndex))]
            default:
                return []  // thinking_delta, signature_delta, citations_delta
            }

        case "content_block_stop":
            guard let index = try blockIndex(data), let toolIndex = toolIndexForBlock[index],
                !toolsWithArguments.contains(toolIndex)
            else { return [] }
            // A tool without parameters streams its input as "", which means {}.
            toolsWithArguments.insert(toolIndex)
            return [chunk(delta: arguments("{}", toolIndex: toolIndex))]

        case "message_delta":
            if let u = data["usage"]?.objectValue { merge(u) }
            guard let reason = data["delta"]?.objectValue?["stop_reason"], !reason.isNull else { return [] }
            return [chunk(delta: JSONObject(), finishReason: AnthropicChat.finishReason(reason))]

        case "message_stop":
            isFinished = true
            guard includeUsage else { return [] }
            var out = base()
            out.append("choices", .array([]))
            out.append("usage", .object(AnthropicChat.usage(usage)))
            return [JSONWriter.serialize(.object(out))]

        case "error":
            isFinished = true
            let error = data["error"]?.objectValue
            let kind = error?["type"]?.stringValue ?? "error"
            let message = error?["message"]?.stringValue ?? "the upstream reported an error"
            throw ProviderError.streamInterrupted(provider: provider, detail: "\(kind): \(message)")

        default:
            return []  // ping and event types added later
        }
    }

    /// The content block `index` of an event: nil when absent; a malformed response when it is not
    /// a non-negative integer (-1, 1.5, 1e300, "0"). It is only ever a dictionary key, so a huge
    /// valid index (2^62) costs nothing.
    private func blockIndex(_ data: JSONObject) throws(ProviderError) -> Int? {
        guard let raw = data["index"], !raw.isNull else { return nil }
        guard let index = raw.intValue, index >= 0 else {
            throw ProviderError.malformedResponse(provider: provider, detail: "a content block 'index' is not a non-negative integer")
        }
        return index
    }

    /// The usage fields `AnthropicChat.usage` reads; only these are kept, so a usage object with
    /// thousands of members costs one pass, not a quadratic series of keyed updates.
    private static let usageKeys = ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"]

    private mutating func merge(_ u: JSONObject) {
        for key in Self.usageKeys {
            if let value = u[key], value.intValue != nil { usage[key] = value }
        }
    }

    private mutating func startChunkIfNeeded() -> [UInt8]? {
        guard !started else { return nil }
        started = true
        return chunk(delta: JSONObject(["role": .string("assistant"), "content": .string("")]))
    }

    private func content(_ text: String) -> JSONObject { JSONObject(["content": .string(text)]) }

    private func arguments(_ fragment: String, toolIndex: Int) -> JSONObject {
        let call = JSONObject([
            "index": .int(toolIndex), "function": .object(JSONObject(["arguments": .string(fragment)])),
        ])
        return JSONObject(["tool_calls": .array([.object(call)])])
    }

    private func base() -> JSONObject {
        var out = JSONObject()
        out.append("id", .string(id))
        out.append("object", .string("chat.completion.chunk"))
        out.append("created", .int(created))
        out.append("model", model)
        return out
    }

    private func chunk(delta: JSONObject, finishReason: JSONValue = .null) -> [UInt8] {
        var choice = JSONObject()
        choice.append("index", .int(0))
        choice.append("delta", .object(delta))
        choice.append("logprobs", .null)
        choice.append("finish_reason", finishReason)
        var out = base()
        out.append("choices", .array([.object(choice)]))
        if includeUsage { out.append("usage", .null) }
        return JSONWriter.serialize(.object(out))
    }
}
