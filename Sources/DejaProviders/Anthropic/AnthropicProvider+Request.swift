public import DejaWire
/// OpenAI chat request → Anthropic Messages request.
extension AnthropicProvider {
    /// Builds the Messages API body for an OpenAI chat request.
    ///
    /// System and developer messages become `system`; consecutive turns of one role are merged
    /// (the API requires alternation); `tool` messages become `tool_result` blocks in a user turn;
    /// assistant `tool_calls` become `tool_use` blocks.
    static func messagesRequest(
        _ request: ChatRequest, model: String, defaultMaxTokens: Int, stream: Bool, provider: String
    ) throws(ProviderError) -> JSONObject {
        let body = request.body
        var out = JSONObject()
        out.append("model", .string(model))

        var systemTexts: [String] = []
        var turns = MergedTurns()

        for (i, value) in (body["messages"]?.arrayValue ?? []).enumerated() {
            guard let message = value.objectValue, let role = message["role"]?.stringValue else { continue }
            switch role {
            case "system", "developer":
                let text = AnthropicContent.text(of: message["content"])
                if !text.isEmpty { systemTexts.append(text) }
            case "user":
                turns.add("user", try AnthropicContent.blocks(message["content"], at: "messages[\(i)]", provider: provider))
            case "assistant":
                var blocks = try AnthropicContent.blocks(message["content"], at: "messages[\(i)]", provider: provider)
                for (j, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    blocks.append(try AnthropicContent.toolUse(call, at: "messages[\(i)].tool_calls[\(j)]", provider: provider))
                }
                turns.add("assistant", blocks)
            case "tool":
                var result = JSONObject()
                result.append("type", .string("tool_result"))
                result.append("tool_use_id", .string(message["tool_call_id"]?.stringValue ?? ""))
                switch message["content"] {
                case .array?:
                    result.append(
                        "content", .array(try AnthropicContent.blocks(message["content"], at: "messages[\(i)]", provider: provider)))
                default:
                    result.append("content", .string(AnthropicContent.text(of: message["content"])))
                }
                turns.add("user", [.object(result)])
            case "function":
                // The legacy function-result role: carried as a user text turn naming the function.
                let name = message["name"]?.stringValue ?? "function"
                turns.add("user", [AnthropicContent.textBlock("\(name) result: \(AnthropicContent.text(of: message["content"]))")])
            default:
                continue
            }
        }

        out.append(
            "messages",
            .array(
                turns.turns.map { turn in
                    .object(JSONObject(["role": .string(turn.role), "content": .array(turn.items)]))
                }))
        if !systemTexts.isEmpty { out.append("system", .string(systemTexts.joined(separator: "\n\n"))) }

        let maxTokens = body["max_completion_tokens"].flatMap(\.intValue) ?? body["max_tokens"].flatMap(\.intValue) ?? defaultMaxTokens
        out.append("max_tokens", .int(maxTokens))

        if let t = body["temperature"], !t.isNull { out.append("temperature", t) }
        if let p = body["top_p"], !p.isNull { out.append("top_p", p) }
        switch body["stop"] {
        case .string(let s)?: out.append("stop_sequences", .array([.string(s)]))
        case .array(let list)? where !list.isEmpty: out.append("stop_sequences", .array(list))
        default: break
        }
        if let user = body["user"]?.stringValue ?? body["metadata"]?.objectValue?["user_id"]?.stringValue {
            out.append("metadata", .object(JSONObject(["user_id": .string(user)])))
        }
        // Anthropic-specific fields a client may send through the OpenAI surface.
        for key in ["top_k", "thinking", "service_tier"] {
            if let v = body[key], !v.isNull { out.append(key, v) }
        }

        if let tools = body["tools"]?.arrayValue, !tools.isEmpty {
            out.append("tools", .array(tools.compactMap(AnthropicContent.tool)))
        }
        let disableParallel = body["parallel_tool_calls"]?.boolValue == false
        if var choice = AnthropicContent.toolChoice(body["tool_choice"]) {
            if disableParallel, choice["type"]?.stringValue != "none" { choice["disable_parallel_tool_use"] = .bool(true) }
            out.append("tool_choice", .object(choice))
        } else if disableParallel, body["tools"]?.arrayValue?.isEmpty == false {
            out.append("tool_choice", .object(JSONObject(["type": .string("auto"), "disable_parallel_tool_use": .bool(true)])))
        }
        if stream { out.append("stream", .bool(true)) }
        return out
    }
}

/// Content-block helpers for the Messages translation.
enum AnthropicContent {
    static func textBlock(_ text: String) -> JSONValue {
        .object(JSONObject(["type": .string("text"), "text": .string(text)]))
    }

    /// The text of an OpenAI `content` (a string, or the text parts of a list joined).
    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let s)?: return s
        case .array(let parts)?:
            return parts.compactMap { part -> String? in
                guard let p = part.objectValue else { return nil }
                return p["text"]?.stringValue ?? p["refusal"]?.stringValue
            }.joined(separator: "\n")
        default: return ""
        }
    }

    /// OpenAI `content` → Anthropic content blocks (text and images).
    static func blocks(_ content: JSONValue?, at path: String, provider: String) throws(ProviderError) -> [JSONValue] {
        switch content {
        case .string(let s)?:
            return [textBlock(s)]
        case .array(let parts)?:
            var blocks: [JSONValue] = []
            for (j, part) in parts.enumerated() {
                guard let p = part.objectValue, let type = p["type"]?.stringValue else { continue }
                switch type {
                case "text":
                    blocks.append(textBlock(p["text"]?.stringValue ?? ""))
                case "refusal":
                    blocks.append(textBlock(p["refusal"]?.stringValue ?? ""))
                case "image_url":
                    let url = p["image_url"]?.objectValue?["url"]?.stringValue ?? p["image_url"]?.stringValue ?? ""
                    blocks.append(try image(url, at: "\(path).content[\(j)]", provider: provider))
                default:
                    throw ProviderError.invalidRequest(
                        provider: provider,
                        message: "Content parts of type '\(type)' (\(path).content[\(j)]) are not supported by the provider '\(provider)'")
                }
            }
            return blocks
        default:
            return []
        }
    }

    /// An `image_url` → an image block: `data:` URLs become a base64 source, http(s) URLs a url source.
    static func image(_ url: String, at path: String, provider: String) throws(ProviderError) -> JSONValue {
        var source = JSONObject()
        if let data = DataURL(url) {
            source.append("type", .string("base64"))
            source.append("media_type", .string(data.mediaType))
            source.append("data", .string(data.base64))
        } else if url.hasPrefix("https://") || url.hasPrefix("http://") {
            source.append("type", .string("url"))
            source.append("url", .string(url))
        } else {
            throw ProviderError.invalidRequest(
                provider: provider, message: "'\(path).image_url.url' must be an http(s) URL or a base64 data: URL")
        }
        return .object(JSONObject(["type": .string("image"), "source": .object(source)]))
    }

    /// An OpenAI assistant tool call → a `tool_use` block (the JSON `arguments` string parsed into `input`).
    static func toolUse(_ call: JSONValue, at path: String, provider: String) throws(ProviderError) -> JSONValue {
        let c = call.objectValue ?? JSONObject()
        let function = c["function"]?.objectValue ?? JSONObject()
        let arguments = function["arguments"]?.stringValue ?? ""
        var input = JSONObject()
        if !arguments.allSatisfy(\.isWhitespace) {
            guard case .object(let parsed)? = try? JSONParser.parse(Array(arguments.utf8)) else {
                throw ProviderError.invalidRequest(
                    provider: provider, message: "'\(path).function.arguments' must be a JSON object encoded as a string")
            }
            input = parsed
        }
        return .object(
            JSONObject([
                "type": .string("tool_use"), "id": .string(c["id"]?.stringValue ?? ""),
                "name": .string(function["name"]?.stringValue ?? ""), "input": .object(input),
            ]))
    }

    /// An OpenAI tool definition → an Anthropic tool (`name`, `description`, `input_schema`).
    static func tool(_ value: JSONValue) -> JSONValue? {
        guard let function = value.objectValue?["function"]?.objectValue, let name = function["name"]?.stringValue else { return nil }
        var tool = JSONObject()
        tool.append("name", .string(name))
        if let d = function["description"]?.stringValue { tool.append("description", .string(d)) }
        let schema = function["parameters"]?.objectValue ?? JSONObject(["type": .string("object"), "properties": .object(JSONObject())])
        tool.append("input_schema", .object(schema))
        return .object(tool)
    }

    /// OpenAI `tool_choice` → Anthropic `tool_choice`.
    static func toolChoice(_ value: JSONValue?) -> JSONObject? {
        switch value {
        case .string("auto")?: return JSONObject(["type": .string("auto")])
        case .string("none")?: return JSONObject(["type": .string("none")])
        case .string("required")?: return JSONObject(["type": .string("any")])
        case .object(let o)?:
            guard let name = o["function"]?.objectValue?["name"]?.stringValue else { return nil }
            return JSONObject(["type": .string("tool"), "name": .string(name)])
        default: return nil
        }
    }
}

/// A parsed `data:[<media type>];base64,<data>` URL.
struct DataURL: Sendable, Hashable {
    var mediaType: String
    var base64: String

    init?(_ url: String) {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        let params = header.split(separator: ";", omittingEmptySubsequences: false)
        guard params.contains(where: { $0 == "base64" }) else { return nil }
        let type = params.first.map(String.init) ?? ""
        self.mediaType = type.isEmpty ? "application/octet-stream" : type
        self.base64 = String(url[url.index(after: comma)...])
    }
}
