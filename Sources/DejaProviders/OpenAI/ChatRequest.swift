/// A validated OpenAI chat-completions request. The whole body is kept as sent (member order,
/// number text and fields the gateway does not know), so adapters forward it faithfully; the
/// fields the gateway itself acts on are extracted once, at validation.
public struct ChatRequest: Sendable, Hashable {
    /// The request body exactly as parsed.
    public var body: JSONObject
    /// The model the client asked for (possibly `provider/model`).
    public let model: String
    /// Whether the client asked for server-sent events.
    public let stream: Bool
    /// Whether `stream_options.include_usage` asked for a final usage chunk.
    public private(set) var includeUsage: Bool

    /// Roles the OpenAI API accepts in `messages`.
    public static let knownRoles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    /// Parses and validates a request body.
    public static func parse(_ bytes: some Collection<UInt8>) throws(InvalidRequestError) -> ChatRequest {
        guard !bytes.isEmpty else { throw InvalidRequestError("The request body is empty; expected a JSON object", code: "invalid_json") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw InvalidRequestError("The request body is not valid JSON: \(error.description)", code: "invalid_json")
        }
        return try ChatRequest(validating: value)
    }

    /// Validates an already-parsed body.
    public init(validating value: JSONValue) throws(InvalidRequestError) {
        guard case .object(let body) = value else {
            throw InvalidRequestError("The request body must be a JSON object, not \(value.kindName)", code: "invalid_json")
        }
        guard let modelValue = body["model"] else {
            throw InvalidRequestError("Missing required parameter: 'model'", param: "model", code: "missing_required_parameter")
        }
        guard case .string(let model) = modelValue, !model.isEmpty else {
            throw InvalidRequestError("'model' must be a non-empty string, not \(modelValue.kindName)", param: "model")
        }
        guard let messagesValue = body["messages"] else {
            throw InvalidRequestError("Missing required parameter: 'messages'", param: "messages", code: "missing_required_parameter")
        }
        guard case .array(let messages) = messagesValue else {
            throw InvalidRequestError("'messages' must be an array, not \(messagesValue.kindName)", param: "messages")
        }
        guard !messages.isEmpty else {
            throw InvalidRequestError("'messages' must contain at least one message", param: "messages", code: "empty_array")
        }
        for (i, message) in messages.enumerated() {
            try Self.validateMessage(message, index: i)
        }
        var stream = false
        if let s = body["stream"], !s.isNull {
            guard case .bool(let b) = s else { throw InvalidRequestError("'stream' must be a boolean, not \(s.kindName)", param: "stream") }
            stream = b
        }
        var includeUsage = false
        if let options = body["stream_options"], !options.isNull {
            guard case .object(let o) = options else {
                throw InvalidRequestError("'stream_options' must be an object, not \(options.kindName)", param: "stream_options")
            }
            if let u = o["include_usage"], !u.isNull {
                guard case .bool(let b) = u else {
                    throw InvalidRequestError("'stream_options.include_usage' must be a boolean", param: "stream_options.include_usage")
                }
                includeUsage = b
            }
        }
        try Self.expectNumber(body, "temperature", range: 0...2)
        try Self.expectNumber(body, "top_p", range: 0...1)
        try Self.expectNumber(body, "presence_penalty", range: -2...2)
        try Self.expectNumber(body, "frequency_penalty", range: -2...2)
        try Self.expectInteger(body, "n", minimum: 1)
        try Self.expectInteger(body, "max_tokens", minimum: 1)
        try Self.expectInteger(body, "max_completion_tokens", minimum: 1)
        try Self.expectInteger(body, "seed", minimum: Int.min)
        if let stop = body["stop"], !stop.isNull {
            switch stop {
            case .string: break
            case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): break
            default: throw InvalidRequestError("'stop' must be a string or an array of strings", param: "stop")
            }
        }
        if let tools = body["tools"], !tools.isNull {
            guard case .array(let list) = tools else { throw InvalidRequestError("'tools' must be an array", param: "tools") }
            for (i, tool) in list.enumerated() {
                guard case .object(let t) = tool, let function = t["function"]?.objectValue,
                    let name = function["name"]?.stringValue, !name.isEmpty
                else {
                    throw InvalidRequestError(
                        "'tools[\(i)]' must be an object with 'function.name'", param: "tools[\(i)]")
                }
            }
        }
        if let format = body["response_format"], !format.isNull {
            guard case .object(let f) = format, f["type"]?.stringValue != nil else {
                throw InvalidRequestError("'response_format' must be an object with a 'type'", param: "response_format")
            }
        }
        self.body = body
        self.model = model
        self.stream = stream
        self.includeUsage = includeUsage
    }

    private static func validateMessage(_ message: JSONValue, index i: Int) throws(InvalidRequestError) {
        guard case .object(let m) = message else {
            throw InvalidRequestError("'messages[\(i)]' must be an object, not \(message.kindName)", param: "messages[\(i)]")
        }
        guard let roleValue = m["role"] else {
            throw InvalidRequestError("Missing required parameter: 'messages[\(i)].role'", param: "messages[\(i)].role")
        }
        guard case .string(let role) = roleValue else {
            throw InvalidRequestError("'messages[\(i)].role' must be a string", param: "messages[\(i)].role")
        }
        guard knownRoles.contains(role) else {
            throw InvalidRequestError(
                "Invalid value '\(role)' for 'messages[\(i)].role': expected one of system, developer, user, assistant, tool, function",
                param: "messages[\(i)].role")
        }
        let content = m["content"]
        switch content {
        case nil, .null?:
            // Only assistant turns (with tool calls or a refusal) and function turns may omit content.
            if role != "assistant" && role != "function" {
                throw InvalidRequestError("Missing required parameter: 'messages[\(i)].content'", param: "messages[\(i)].content")
            }
        case .string?: break
        case .array(let parts)?:
            for (j, part) in parts.enumerated() {
                guard case .object(let p) = part, let type = p["type"]?.stringValue else {
                    throw InvalidRequestError(
                        "'messages[\(i)].content[\(j)]' must be an object with a 'type'", param: "messages[\(i)].content[\(j)]")
                }
                switch type {
                case "text":
                    guard p["text"]?.stringValue != nil else {
                        throw InvalidRequestError(
                            "'messages[\(i)].content[\(j)].text' must be a string", param: "messages[\(i)].content[\(j)].text")
                    }
                case "image_url":
                    guard let image = p["image_url"]?.objectValue, image["url"]?.stringValue != nil else {
                        throw InvalidRequestError(
                            "'messages[\(i)].content[\(j)].image_url.url' must be a string",
                            param: "messages[\(i)].content[\(j)].image_url")
                    }
                default: break  // input_audio, file, refusal, … are forwarded as they are.
                }
            }
        case let other?:
            throw InvalidRequestError(
                "'messages[\(i)].content' must be a string or an array of content parts, not \(other.kindName)",
                param: "messages[\(i)].content")
        }
        if role == "tool" {
            guard m["tool_call_id"]?.stringValue != nil else {
                throw InvalidRequestError(
                    "Missing required parameter: 'messages[\(i)].tool_call_id'", param: "messages[\(i)].tool_call_id")
            }
        }
        if let calls = m["tool_calls"], !calls.isNull {
            guard case .array = calls else {
                throw InvalidRequestError("'messages[\(i)].tool_calls' must be an array", param: "messages[\(i)].tool_calls")
            }
        }
    }

    private static func expectNumber(_ body: JSONObject, _ key: String, range: ClosedRange<Double>) throws(InvalidRequestError) {
        guard let v = body[key], !v.isNull else { return }
        guard let d = v.doubleValue else { throw InvalidRequestError("'\(key)' must be a number, not \(v.kindName)", param: key) }
        guard range.contains(d) else {
            throw InvalidRequestError("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), got \(d)", param: key)
        }
    }

    private static func expectInteger(_ body: JSONObject, _ key: String, minimum: Int) throws(InvalidRequestError) {
        guard let v = body[key], !v.isNull else { return }
        guard let i = v.intValue else { throw InvalidRequestError("'\(key)' must be an integer, not \(v.kindName)", param: key) }
        guard i >= minimum else { throw InvalidRequestError("'\(key)' must be at least \(minimum), got \(i)", param: key) }
    }

    /// The same request asking for the final usage chunk of a stream (the gateway asks for it
    /// when it stores a streamed answer, and drops the chunk for clients that did not ask).
    public func requestingUsage() -> ChatRequest {
        guard !includeUsage else { return self }
        var copy = self
        var options = body["stream_options"]?.objectValue ?? JSONObject()
        options["include_usage"] = .bool(true)
        copy.body["stream_options"] = .object(options)
        copy.includeUsage = true
        return copy
    }

    /// Members that only steer the gateway (per-request cache controls); never sent upstream,
    /// where a strict API would reject them as unknown parameters.
    public static let gatewayOnlyMembers = ["x-cache", "x-cache-ttl", "x-cache-threshold"]

    /// The body to send upstream: `model` replaced by the provider's own model name and the
    /// gateway-only members removed; everything else exactly as the client sent it.
    public func upstreamBody(model upstreamModel: String) -> JSONObject {
        var copy = body
        copy["model"] = .string(upstreamModel)
        for key in Self.gatewayOnlyMembers where copy[key] != nil { copy[key] = nil }
        return copy
    }
}
