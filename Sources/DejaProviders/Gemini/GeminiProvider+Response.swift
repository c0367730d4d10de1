public import DejaWire
/// Gemini `generateContent` response → OpenAI `chat.completion`.
extension GeminiProvider {
    /// Translates a `generateContent` response body into an OpenAI `chat.completion` object. Each
    /// candidate becomes a choice; thought parts are left out; function calls get minted ids.
    static func chatCompletion(
        fromResponse bytes: [UInt8], model: String, created: Int, provider: String
    ) throws(ProviderError) -> JSONObject {
        guard case .object(let response)? = try? JSONParser.parse(bytes) else {
            throw ProviderError.malformedResponse(provider: provider, detail: "the generateContent response is not a JSON object")
        }
        let responseID = response["responseId"]?.stringValue ?? ""
        var choices: [JSONValue] = []
        for (position, value) in (response["candidates"]?.arrayValue ?? []).enumerated() {
            guard let candidate = value.objectValue else { continue }
            let index = try GeminiChat.candidateIndex(candidate, position: position, provider: provider)
            let parts = GeminiChat.parts(of: candidate)
            var text = ""
            var sawText = false
            var calls: [JSONValue] = []
            for part in parts {
                if let t = part.text {
                    sawText = true
                    text += t
                } else if let call = part.functionCall {
                    let id = GeminiToolCallID.make(
                        responseID: responseID, candidate: index, ordinal: calls.count, name: call.name, signature: part.signature)
                    calls.append(AnthropicChat.toolCall(index: nil, id: id, name: call.name, arguments: call.arguments))
                }
            }
            var message = JSONObject()
            message.append("role", .string("assistant"))
            message.append("content", sawText || calls.isEmpty ? .string(text) : .null)
            if !calls.isEmpty { message.append("tool_calls", .array(calls)) }
            message.append("refusal", .null)
            var choice = JSONObject()
            choice.append("index", .int(index))
            choice.append("message", .object(message))
            choice.append("logprobs", .null)
            choice.append("finish_reason", GeminiChat.finishReason(candidate["finishReason"], hasToolCalls: !calls.isEmpty) ?? .string("stop"))
            choices.append(.object(choice))
        }
        if choices.isEmpty {
            // The prompt itself was blocked (`promptFeedback.blockReason`): no candidates at all.
            let blocked = response["promptFeedback"]?.objectValue?["blockReason"] != nil
            let message = JSONObject(["role": .string("assistant"), "content": .string(""), "refusal": .null])
            choices.append(
                .object(
                    JSONObject([
                        "index": .int(0), "message": .object(message), "logprobs": .null,
                        "finish_reason": .string(blocked ? "content_filter" : "stop"),
                    ])))
        }
        var out = JSONObject()
        out.append("id", .string(GeminiChat.completionID(responseID)))
        out.append("object", .string("chat.completion"))
        out.append("created", .int(created))
        out.append("model", .string(response["modelVersion"]?.stringValue ?? model))
        out.append("choices", .array(choices))
        if let usage = response["usageMetadata"]?.objectValue { out.append("usage", .object(GeminiChat.usage(usage))) }
        return out
    }
}

/// Mappings shared by the non-streaming and streaming translations.
enum GeminiChat {
    struct Part {
        var text: String?
        var functionCall: (name: String, arguments: String)?
        var signature: String?
    }

    /// The answer parts of a candidate: text (thought parts excluded) and function calls.
    static func parts(of candidate: JSONObject) -> [Part] {
        var out: [Part] = []
        for value in candidate["content"]?.objectValue?["parts"]?.arrayValue ?? [] {
            guard let p = value.objectValue else { continue }
            if p["thought"]?.boolValue == true { continue }
            let signature = p["thoughtSignature"]?.stringValue
            if let call = p["functionCall"]?.objectValue {
                let args = call["args"] ?? .object(JSONObject())
                out.append(
                    Part(
                        text: nil,
                        functionCall: (call["name"]?.stringValue ?? "", String(decoding: JSONWriter.serialize(args), as: UTF8.self)),
                        signature: signature))
            } else if let text = p["text"]?.stringValue {
                out.append(Part(text: text, functionCall: nil, signature: signature))
            }
        }
        return out
    }

    /// Candidates per response accepted from the upstream: as many choices as a client may ask
    /// for (`n` ≤ `ChatRequest.maxChoices`; Gemini itself allows at most 8).
    static let maxCandidates = ChatRequest.maxChoices

    /// A candidate's `index` (its position when it has none), which must be an integer in
    /// 0..<`maxCandidates`: it becomes a choice index and keys per-candidate stream state, so an
    /// absurd one (-1, 2^62, 1e300) is a malformed response rather than unbounded state.
    static func candidateIndex(_ candidate: JSONObject, position: Int, provider: String) throws(ProviderError) -> Int {
        let index: Int
        if let raw = candidate["index"], !raw.isNull {
            guard let i = raw.intValue else {
                throw ProviderError.malformedResponse(provider: provider, detail: "a candidate 'index' is not an integer")
            }
            index = i
        } else {
            index = position
        }
        guard index >= 0, index < maxCandidates else {
            throw ProviderError.malformedResponse(
                provider: provider, detail: "a candidate index is outside 0..<\(maxCandidates)")
        }
        return index
    }

    static func completionID(_ responseID: String) -> String {
        responseID.isEmpty ? "chatcmpl-gemini" : "chatcmpl-" + responseID
    }

    /// `finishReason` → OpenAI `finish_reason`; nil when the candidate has not finished.
    static func finishReason(_ value: JSONValue?, hasToolCalls: Bool) -> JSONValue? {
        guard let reason = value?.stringValue, reason != "FINISH_REASON_UNSPECIFIED" else { return nil }
        switch reason {
        case "STOP": return .string(hasToolCalls ? "tool_calls" : "stop")
        case "MAX_TOKENS": return .string("length")
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY":
            return .string("content_filter")
        default: return .string(hasToolCalls ? "tool_calls" : "stop")
        }
    }

    /// `usageMetadata` → OpenAI `usage`; thinking tokens count as completion tokens.
    /// Counts are clamped and sums saturate (`TokenCount`), whatever numbers the upstream sends.
    static func usage(_ u: JSONObject) -> JSONObject {
        let prompt = TokenCount.read(u["promptTokenCount"])
        let thoughts = TokenCount.read(u["thoughtsTokenCount"])
        let completion = TokenCount.sum(TokenCount.read(u["candidatesTokenCount"]), thoughts)
        let total = u["totalTokenCount"]?.intValue != nil ? TokenCount.read(u["totalTokenCount"]) : TokenCount.sum(prompt, completion)
        var out = JSONObject()
        out.append("prompt_tokens", .int(prompt))
        out.append("completion_tokens", .int(completion))
        out.append("total_tokens", .int(total))
        out.append("prompt_tokens_details", .object(JSONObject(["cached_tokens": .int(TokenCount.read(u["cachedContentTokenCount"]))])))
        out.append("completion_tokens_details", .object(JSONObject(["reasoning_tokens": .int(thoughts)])))
        return out
    }
}
