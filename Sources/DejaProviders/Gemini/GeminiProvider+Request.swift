public import DejaWire
/// OpenAI chat request → Gemini `generateContent` request.
extension GeminiProvider {
    /// Builds the `generateContent` / `streamGenerateContent` body for an OpenAI chat request.
    ///
    /// Roles become `user`/`model` (consecutive turns of one role merged), system and developer
    /// messages `systemInstruction`, sampling fields `generationConfig`, tools
    /// `functionDeclarations` (with their JSON Schema as `parametersJsonSchema`), assistant tool
    /// calls `functionCall` parts and tool messages `functionResponse` parts.
    static func generateContentRequest(_ request: ChatRequest, model: String, provider: String) throws(ProviderError) -> JSONObject {
        let body = request.body
        var systemTexts: [String] = []
        var turns = MergedTurns()
        func functionResponse(_ name: String, _ response: JSONObject) -> JSONValue {
            .object(JSONObject(["functionResponse": .object(JSONObject(["name": .string(name), "response": .object(response)]))]))
        }
        var toolNames: [String: String] = [:]
        let needsSignatures = GeminiContent.requiresThoughtSignatures(model: model)


        for (i, value) in (body["messages"]?.arrayValue ?? []).enumerated() {
            guard let message = value.objectValue, let role = message["role"]?.stringValue else { continue }
            switch role {
            case "system", "developer":
                let text = AnthropicContent.text(of: message["content"])
                if !text.isEmpty { systemTexts.append(text) }
            case "user":
                turns.add("user", try GeminiContent.parts(message["content"], at: "messages[\(i)]", provider: provider))
            case "assistant":
                var parts = try GeminiContent.parts(message["content"], at: "messages[\(i)]", provider: provider)
                var signedOne = false
                for (j, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    let c = call.objectValue ?? JSONObject()
                    let function = c["function"]?.objectValue ?? JSONObject()
                    let id = c["id"]?.stringValue ?? ""
                    let name = function["name"]?.stringValue ?? ""
                    toolNames[id] = name
                    var part = JSONObject()
                    let args = try GeminiContent.arguments(
                        function["arguments"]?.stringValue, at: "messages[\(i)].tool_calls[\(j)]", provider: provider)
                    part.append("functionCall", .object(JSONObject(["name": .string(name), "args": .object(args)])))
                    if let signature = GeminiToolCallID.signature(in: id) {
                        part.append("thoughtSignature", .string(signature))
                        signedOne = true
                    } else if needsSignatures, !signedOne {
                        part.append("thoughtSignature", .string(GeminiToolCallID.skipSignatureValidator))
                        signedOne = true
                    }
                    parts.append(.object(part))
                }
                turns.add("model", parts)
            case "tool":
                let id = message["tool_call_id"]?.stringValue ?? ""
                guard let name = toolNames[id] else {
                    throw ProviderError.invalidRequest(
                        provider: provider,
                        message: "'messages[\(i)].tool_call_id' (\(id)) does not match a tool call of an earlier assistant message")
                }
                let text = AnthropicContent.text(of: message["content"])
                let response: JSONObject
                if case .object(let o)? = try? JSONParser.parse(Array(text.utf8)) {
                    response = o
                } else {
                    response = JSONObject(["result": .string(text)])
                }
                turns.add("user", [functionResponse(name, response)])
            case "function":
                let name = message["name"]?.stringValue ?? "function"
                let response = JSONObject(["result": .string(AnthropicContent.text(of: message["content"]))])
                turns.add("user", [functionResponse(name, response)])
            default:
                continue
            }
        }

        var out = JSONObject()
        out.append(
            "contents",
            .array(turns.turns.map { .object(JSONObject(["role": .string($0.role), "parts": .array($0.items)])) }))
        if !systemTexts.isEmpty {
            out.append(
                "systemInstruction",
                .object(JSONObject(["parts": .array([.object(JSONObject(["text": .string(systemTexts.joined(separator: "\n\n"))]))])])))
        }
        let config = generationConfig(body)
        if !config.isEmpty { out.append("generationConfig", .object(config)) }
        if let tools = body["tools"]?.arrayValue, !tools.isEmpty {
            let declarations = tools.compactMap(GeminiContent.functionDeclaration)
            out.append("tools", .array([.object(JSONObject(["functionDeclarations": .array(declarations)]))]))
        }
        if let calling = GeminiContent.functionCallingConfig(body["tool_choice"]) {
            out.append("toolConfig", .object(JSONObject(["functionCallingConfig": .object(calling)])))
        }
        return out
    }

    /// The sampling fields → `generationConfig`.
    static func generationConfig(_ body: JSONObject) -> JSONObject {
        var config = JSONObject()
        func copy(_ from: String, _ to: String) {
            if let v = body[from], !v.isNull { config.append(to, v) }
        }
        copy("temperature", "temperature")
        copy("top_p", "topP")
        if let max = body["max_completion_tokens"].flatMap({ $0.isNull ? nil : $0 }) ?? body["max_tokens"].flatMap({ $0.isNull ? nil : $0 }) {
            config.append("maxOutputTokens", max)
        }
        switch body["stop"] {
        case .string(let s)?: config.append("stopSequences", .array([.string(s)]))
        case .array(let list)? where !list.isEmpty: config.append("stopSequences", .array(list))
        default: break
        }
        copy("n", "candidateCount")
        copy("seed", "seed")
        copy("presence_penalty", "presencePenalty")
        copy("frequency_penalty", "frequencyPenalty")
        if let format = body["response_format"]?.objectValue {
            switch format["type"]?.stringValue {
            case "json_object":
                config.append("responseMimeType", .string("application/json"))
            case "json_schema":
                config.append("responseMimeType", .string("application/json"))
                if let schema = format["json_schema"]?.objectValue?["schema"], case .object = schema {
                    config.append("responseJsonSchema", schema)
                }
            default:
                break
            }
        }
        return config
    }
}

/// Part helpers for the Gemini translation.
enum GeminiContent {
    /// Gemini 3 and later reject replayed function calls without a thought signature.
    static func requiresThoughtSignatures(model: String) -> Bool {
        let bare = model.hasPrefix("models/") ? String(model.dropFirst(7)) : model
        guard bare.hasPrefix("gemini-") else { return false }
        return !(bare.hasPrefix("gemini-1") || bare.hasPrefix("gemini-2") || bare.hasPrefix("gemini-embedding"))
    }

    /// OpenAI `content` → Gemini parts (text, images, audio).
    static func parts(_ content: JSONValue?, at path: String, provider: String) throws(ProviderError) -> [JSONValue] {
        switch content {
        case .string(let s)?:
            return [text(s)]
        case .array(let items)?:
            var parts: [JSONValue] = []
            for (j, item) in items.enumerated() {
                guard let p = item.objectValue, let type = p["type"]?.stringValue else { continue }
                switch type {
                case "text": parts.append(text(p["text"]?.stringValue ?? ""))
                case "refusal": parts.append(text(p["refusal"]?.stringValue ?? ""))
                case "image_url":
                    let url = p["image_url"]?.objectValue?["url"]?.stringValue ?? p["image_url"]?.stringValue ?? ""
                    parts.append(try media(url, at: "\(path).content[\(j)].image_url.url", provider: provider))
                case "input_audio":
                    let audio = p["input_audio"]?.objectValue ?? JSONObject()
                    let format = audio["format"]?.stringValue ?? "wav"
                    let data = JSONObject(["mimeType": .string("audio/\(format)"), "data": audio["data"] ?? .string("")])
                    parts.append(.object(JSONObject(["inlineData": .object(data)])))
                default:
                    throw ProviderError.invalidRequest(
                        provider: provider,
                        message: "Content parts of type '\(type)' (\(path).content[\(j)]) are not supported by the provider '\(provider)'")
                }
            }
            return parts
        default:
            return []
        }
    }

    static func text(_ s: String) -> JSONValue { .object(JSONObject(["text": .string(s)])) }

    /// A `data:` URL → `inlineData`; an http(s) URL → `fileData` (MIME type guessed from the extension).
    static func media(_ url: String, at path: String, provider: String) throws(ProviderError) -> JSONValue {
        if let data = DataURL(url) {
            let inline = JSONObject(["mimeType": .string(data.mediaType), "data": .string(data.base64)])
            return .object(JSONObject(["inlineData": .object(inline)]))
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("gs://") else {
            throw ProviderError.invalidRequest(provider: provider, message: "'\(path)' must be an http(s) URL or a base64 data: URL")
        }
        var file = JSONObject()
        if let mime = mimeType(forURL: url) { file.append("mimeType", .string(mime)) }
        file.append("fileUri", .string(url))
        return .object(JSONObject(["fileData": .object(file)]))
    }

    static func mimeType(forURL url: String) -> String? {
        var path = Substring(url)
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "gif": return "image/gif"
        case "heic": return "image/heic"
        case "heif": return "image/heif"
        case "pdf": return "application/pdf"
        default: return nil
        }
    }

    /// A tool call's JSON `arguments` string → the `args` object.
    static func arguments(_ text: String?, at path: String, provider: String) throws(ProviderError) -> JSONObject {
        guard let text, !text.allSatisfy(\.isWhitespace) else { return JSONObject() }
        guard case .object(let o)? = try? JSONParser.parse(Array(text.utf8)) else {
            throw ProviderError.invalidRequest(
                provider: provider, message: "'\(path).function.arguments' must be a JSON object encoded as a string")
        }
        return o
    }

    /// An OpenAI tool definition → a function declaration; the parameters keep their JSON Schema.
    static func functionDeclaration(_ value: JSONValue) -> JSONValue? {
        guard let function = value.objectValue?["function"]?.objectValue, let name = function["name"]?.stringValue else { return nil }
        var declaration = JSONObject()
        declaration.append("name", .string(name))
        declaration.append("description", .string(function["description"]?.stringValue ?? ""))
        if let parameters = function["parameters"], case .object(let p) = parameters, !p.isEmpty {
            declaration.append("parametersJsonSchema", parameters)
        }
        return .object(declaration)
    }

    /// OpenAI `tool_choice` → `functionCallingConfig`.
    static func functionCallingConfig(_ value: JSONValue?) -> JSONObject? {
        switch value {
        case .string("auto")?: return JSONObject(["mode": .string("AUTO")])
        case .string("none")?: return JSONObject(["mode": .string("NONE")])
        case .string("required")?: return JSONObject(["mode": .string("ANY")])
        case .object(let o)?:
            guard let name = o["function"]?.objectValue?["name"]?.stringValue else { return nil }
            return JSONObject(["mode": .string("ANY"), "allowedFunctionNames": .array([.string(name)])])
        default: return nil
        }
    }
}
