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
        guard case .string(let model) = modelValue else {
            throw InvalidRequestError("'model' must be a non-empty string, not \(modelValue.kindName)", param: "model")
        }
        // Non-empty and of a strict shape (the name reaches cache keys, logs, metrics and URL
        // paths); the error never echoes the name.
        try ModelName.validate(model, param: "model")
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
        // Bounds from OpenAI's API reference for POST /v1/chat/completions (schema minimum/maximum
        // of each parameter) unless noted.
        try Self.expectNumber(body, "temperature", range: 0...2)  // minimum 0, maximum 2
        try Self.expectNumber(body, "top_p", range: 0...1)  // minimum 0, maximum 1
        try Self.expectNumber(body, "presence_penalty", range: -2...2)  // minimum -2, maximum 2
        try Self.expectNumber(body, "frequency_penalty", range: -2...2)  // minimum -2, maximum 2
        try Self.expectInteger(body, "n", range: 1...Self.maxChoices)  // minimum 1, maximum 128
        // No documented maximum (the model's output limit applies); 2^31-1 keeps every provider's
        // int32 field (Gemini maxOutputTokens, Anthropic max_tokens) and our arithmetic safe.
        try Self.expectInteger(body, "max_tokens", range: 1...Self.maxOutputTokens)
        try Self.expectInteger(body, "max_completion_tokens", range: 1...Self.maxOutputTokens)
        // Documented as int64 (minimum -9223372036854775808, maximum 9223372036854775807).
        try Self.expectInteger(body, "seed", range: Int(Int64.min)...Int(Int64.max))
        // "An integer between 0 and 20".
        try Self.expectInteger(body, "top_logprobs", range: 0...20)
        try Self.validateLogitBias(body["logit_bias"])
        if let stop = body["stop"], !stop.isNull {
            switch stop {
            case .string: break
            case .array(let items) where items.allSatisfy({ $0.stringValue != nil }):
                // "Up to 4 sequences where the API will stop generating further tokens."
                guard items.count <= Self.maxStopSequences else {
                    throw InvalidRequestError(
                        "'stop' may have at most \(Self.maxStopSequences) sequences, got \(items.count)", param: "stop",
                        code: "array_above_max_length")
                }
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
            // The role is echoed only when it is short printable ASCII: an error must not reflect
            // megabytes (or control characters) of client input.
            let shown = role.utf8.count <= 32 && role.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "'") }) ? " '\(role)'" : ""
            throw InvalidRequestError(
                "Invalid value\(shown) for 'messages[\(i)].role': expected one of system, developer, user, assistant, tool, function",
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

    /// The most choices (`n`) a request may ask for: OpenAI's documented maximum.
    public static let maxChoices = 128
    /// The largest `max_tokens` / `max_completion_tokens` accepted (2^31 - 1).
    public static let maxOutputTokens = Int(Int32.max)
    /// The most `stop` sequences (OpenAI: "up to 4").
    public static let maxStopSequences = 4
    /// The most `logit_bias` entries. The reference gives no number; 300 is the API's own limit
    /// (its 400 error for more keys), and keeps the object small.
    public static let maxLogitBiasEntries = 300

    // Error codes follow the OpenAI API's own (`invalid_type`, `decimal_above_max_value`,
    // `integer_below_min_value`, `array_above_max_length`, `invalid_value`).

    private static func expectNumber(_ body: JSONObject, _ key: String, range: ClosedRange<Double>) throws(InvalidRequestError) {
        guard let v = body[key], !v.isNull else { return }
        guard let d = v.doubleValue else {
            throw InvalidRequestError("'\(key)' must be a number, not \(v.kindName)", param: key, code: "invalid_type")
        }
        guard range.contains(d) else {
            // `d` may be ±inf for a literal like 1e400; "got inf" is still a fair description.
            throw InvalidRequestError(
                "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), got \(d)", param: key,
                code: d < range.lowerBound ? "decimal_below_min_value" : "decimal_above_max_value")
        }
    }

    /// An optional integer member within `range`. The number is never echoed unless it is a
    /// representable integer (a hostile literal may be megabytes of digits).
    private static func expectInteger(_ body: JSONObject, _ key: String, range: ClosedRange<Int>) throws(InvalidRequestError) {
        guard let v = body[key], !v.isNull else { return }
        guard case .number = v else {
            throw InvalidRequestError("'\(key)' must be an integer, not \(v.kindName)", param: key, code: "invalid_type")
        }
        guard let i = v.intValue else {
            // Integral but beyond Int (9223372036854775808, 1e300, 1e400) is out of range; anything
            // else (1.5) is not an integer.
            if let d = v.doubleValue, d.rounded() == d {
                throw InvalidRequestError(
                    "'\(key)' must be an integer between \(range.lowerBound) and \(range.upperBound)", param: key,
                    code: d < 0 ? "integer_below_min_value" : "integer_above_max_value")
            }
            throw InvalidRequestError("'\(key)' must be an integer, not a fractional number", param: key, code: "invalid_type")
        }
        guard range.contains(i) else {
            throw InvalidRequestError(
                "'\(key)' must be an integer between \(range.lowerBound) and \(range.upperBound), got \(i)", param: key,
                code: i < range.lowerBound ? "integer_below_min_value" : "integer_above_max_value")
        }
    }

    /// `logit_bias`: an object of at most `maxLogitBiasEntries` token ids, each mapped to a number
    /// from -100 to 100 (the reference: "an associated bias value from -100 to 100").
    private static func validateLogitBias(_ value: JSONValue?) throws(InvalidRequestError) {
        guard let value, !value.isNull else { return }
        guard case .object(let bias) = value else {
            throw InvalidRequestError("'logit_bias' must be an object, not \(value.kindName)", param: "logit_bias", code: "invalid_type")
        }
        guard bias.count <= maxLogitBiasEntries else {
            throw InvalidRequestError(
                "'logit_bias' may have at most \(maxLogitBiasEntries) entries, got \(bias.count)", param: "logit_bias",
                code: "invalid_value")
        }
        for (i, member) in bias.members.enumerated() {
            guard let d = member.value.doubleValue, (-100...100).contains(d) else {
                throw InvalidRequestError(
                    "every value in 'logit_bias' must be a number from -100 to 100 (entry \(i) is not)", param: "logit_bias",
                    code: "invalid_value")
            }
        }
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

    /// Members that only steer the gateway (per-request cache and routing controls); never sent upstream,
    /// where a strict API would reject them as unknown parameters.
    public static let gatewayOnlyMembers = ["x-cache", "x-cache-ttl", "x-cache-threshold", "x-routing-strategy", "x-prefer-provider", "x-budget-key"]

    /// The body to send upstream: `model` replaced by the provider's own model name and the
    /// gateway-only members removed; everything else exactly as the client sent it.
    public func upstreamBody(model upstreamModel: String) -> JSONObject {
        var copy = body
        copy["model"] = .string(upstreamModel)
        for key in Self.gatewayOnlyMembers where copy[key] != nil { copy[key] = nil }
        return copy
    }
}
