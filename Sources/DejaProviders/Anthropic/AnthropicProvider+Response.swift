public import DejaWire
/// Anthropic Messages response → OpenAI `chat.completion`.
extension AnthropicProvider {
    /// Translates a Messages API response body into an OpenAI `chat.completion` object.
    static func chatCompletion(fromMessage bytes: [UInt8], created: Int, provider: String) throws(ProviderError) -> JSONObject {
        guard case .object(let message)? = try? JSONParser.parse(bytes) else {
            throw ProviderError.malformedResponse(provider: provider, detail: "the Messages response is not a JSON object")
        }
        guard let blocks = message["content"]?.arrayValue else {
            throw ProviderError.malformedResponse(provider: provider, detail: "the Messages response has no 'content' array")
        }
        var text = ""
        var sawText = false
        var toolCalls: [JSONValue] = []
        for block in blocks {
            guard let b = block.objectValue else { continue }
            switch b["type"]?.stringValue {
            case "text":
                sawText = true
                text += b["text"]?.stringValue ?? ""
            case "tool_use":
                let input = b["input"] ?? .object(JSONObject())
                toolCalls.append(
                    AnthropicChat.toolCall(
                        index: nil, id: b["id"]?.stringValue ?? "", name: b["name"]?.stringValue ?? "",
                        arguments: String(decoding: JSONWriter.serialize(input), as: UTF8.self)))
            default:
                break  // thinking, redacted_thinking and server-side blocks have no OpenAI equivalent.
            }
        }
        var reply = JSONObject()
        reply.append("role", .string("assistant"))
        reply.append("content", sawText || toolCalls.isEmpty ? .string(text) : .null)
        if !toolCalls.isEmpty { reply.append("tool_calls", .array(toolCalls)) }
        reply.append("refusal", .null)

        var choice = JSONObject()
        choice.append("index", .int(0))
        choice.append("message", .object(reply))
        choice.append("logprobs", .null)
        choice.append("finish_reason", AnthropicChat.finishReason(message["stop_reason"]))

        var out = JSONObject()
        out.append("id", .string(AnthropicChat.completionID(message["id"]?.stringValue)))
        out.append("object", .string("chat.completion"))
        out.append("created", .int(created))
        out.append("model", message["model"] ?? .string(""))
        out.append("choices", .array([.object(choice)]))
        if let usage = message["usage"]?.objectValue {
            out.append("usage", .object(AnthropicChat.usage(usage)))
        }
        return out
    }
}

/// Mappings shared by the non-streaming and streaming translations.
enum AnthropicChat {
    /// `chatcmpl-…` derived from the Messages id.
    static func completionID(_ messageID: String?) -> String {
        guard let id = messageID, !id.isEmpty else { return "chatcmpl-anthropic" }
        return "chatcmpl-" + (id.hasPrefix("msg_") ? String(id.dropFirst(4)) : id)
    }

    /// `stop_reason` → OpenAI `finish_reason` (null while unknown).
    static func finishReason(_ stopReason: JSONValue?) -> JSONValue {
        guard let reason = stopReason?.stringValue else { return .null }
        switch reason {
        case "end_turn", "stop_sequence", "pause_turn": return .string("stop")
        case "max_tokens", "model_context_window_exceeded": return .string("length")
        case "tool_use": return .string("tool_calls")
        case "refusal": return .string("content_filter")
        default: return .string("stop")
        }
    }

    /// Anthropic `usage` → OpenAI `usage`. Cache reads and writes are part of the prompt. Counts
    /// are clamped and the sums saturate (`TokenCount`): a hostile upstream's
    /// `9223372036854775807` must not overflow the addition.
    static func usage(_ u: JSONObject) -> JSONObject {
        let input = TokenCount.read(u["input_tokens"])
        let cacheRead = TokenCount.read(u["cache_read_input_tokens"])
        let cacheWrite = TokenCount.read(u["cache_creation_input_tokens"])
        let output = TokenCount.read(u["output_tokens"])
        let prompt = TokenCount.sum(input, cacheRead, cacheWrite)
        var out = JSONObject()
        out.append("prompt_tokens", .int(prompt))
        out.append("completion_tokens", .int(output))
        out.append("total_tokens", .int(TokenCount.sum(prompt, output)))
        out.append("prompt_tokens_details", .object(JSONObject(["cached_tokens": .int(cacheRead)])))
        return out
    }

    /// An OpenAI tool call object; `index` is set for stream deltas.
    static func toolCall(index: Int?, id: String, name: String, arguments: String) -> JSONValue {
        var call = JSONObject()
        if let index { call.append("index", .int(index)) }
        call.append("id", .string(id))
        call.append("type", .string("function"))
        call.append("function", .object(JSONObject(["name": .string(name), "arguments": .string(arguments)])))
        return .object(call)
    }
}
