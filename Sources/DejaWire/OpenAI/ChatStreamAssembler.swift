/// Rebuilds a `chat.completion` from the `chat.completion.chunk`s of a stream: the cache stores
/// streamed answers in the same form as JSON ones, and a JSON client that joined a streaming
/// upstream call gets a normal completion.
public struct ChatStreamAssembler: Sendable {
    private struct ToolCall: Sendable {
        var id: String?
        var type: String?
        var name = ""
        var arguments = ""
    }

    private var id: String?
    private var created: JSONValue?
    private var model: String?
    private var systemFingerprint: String?
    private var serviceTier: String?
    private var role = "assistant"
    private var content = ""
    private var sawContent = false
    private var refusal: String?
    private var toolCalls: [Int: ToolCall] = [:]
    private var finishReason: String?
    private var usage: JSONValue?
    /// Chunks whose choice index is not 0 (n > 1) make the result unusable for the cache.
    public private(set) var multipleChoices = false
    /// Why the chunks cannot be assembled (an index that is not a sane integer, too many tool
    /// calls), or nil; when set, `completion()` is nil.
    public private(set) var malformed: String?
    public private(set) var chunkCount = 0

    public init() {}

    /// Folds one chunk payload in; malformed payloads are ignored (the relay has already
    /// validated them).
    public mutating func add(_ payload: [UInt8]) {
        guard let chunk = try? JSONParser.parse(payload).objectValue else { return }
        add(chunk)
    }

    public mutating func add(_ chunk: JSONObject) {
        chunkCount += 1
        if id == nil { id = chunk["id"]?.stringValue }
        if created == nil { created = chunk["created"] }
        if let m = chunk["model"]?.stringValue { model = m }
        if let f = chunk["system_fingerprint"]?.stringValue { systemFingerprint = f }
        if let t = chunk["service_tier"]?.stringValue { serviceTier = t }
        if let u = chunk["usage"], !u.isNull { usage = u }
        for choice in chunk["choices"]?.arrayValue ?? [] {
            guard let c = choice.objectValue else { continue }
            if let raw = c["index"], !raw.isNull {
                // A choice index that is not an integer (1e300, "0") must not pass for choice 0.
                guard let index = raw.intValue else {
                    malformed = malformed ?? "a choice 'index' is not an integer"
                    continue
                }
                if index != 0 {
                    multipleChoices = true
                    continue
                }
            }
            if let f = c["finish_reason"]?.stringValue { finishReason = f }
            guard let delta = c["delta"]?.objectValue else { continue }
            if let r = delta["role"]?.stringValue { role = r }
            if let text = delta["content"]?.stringValue {
                content += text
                sawContent = sawContent || !text.isEmpty
            }
            if let r = delta["refusal"]?.stringValue { refusal = (refusal ?? "") + r }
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                guard let tc = call.objectValue else { continue }
                let index: Int
                if let raw = tc["index"], !raw.isNull {
                    guard let i = raw.intValue, i >= 0, i < StreamLimits.maxToolCalls else {
                        malformed = malformed ?? "a tool call 'index' is not an integer in 0..<\(StreamLimits.maxToolCalls)"
                        continue
                    }
                    index = i
                } else {
                    index = 0
                }
                var current = toolCalls[index] ?? ToolCall()
                if let id = tc["id"]?.stringValue { current.id = id }
                if let type = tc["type"]?.stringValue { current.type = type }
                if let function = tc["function"]?.objectValue {
                    if let name = function["name"]?.stringValue { current.name += name }
                    if let args = function["arguments"]?.stringValue { current.arguments += args }
                }
                toolCalls[index] = current
            }
        }
    }

    /// The finish reason seen so far (nil until the finish chunk).
    public var finish: String? { finishReason }

    /// The assembled `chat.completion`, or nil before a finish reason arrived.
    public func completion() -> JSONObject? {
        guard let finishReason, !multipleChoices, malformed == nil else { return nil }
        var message = JSONObject()
        message.append("role", .string(role))
        message.append("content", sawContent || toolCalls.isEmpty ? .string(content) : .null)
        message.append("refusal", refusal.map(JSONValue.string) ?? .null)
        if !toolCalls.isEmpty {
            let calls: [JSONValue] = toolCalls.sorted { $0.key < $1.key }.map { index, tc in
                .object(
                    JSONObject([
                        "id": .string(tc.id ?? "call_\(index)"), "type": .string(tc.type ?? "function"),
                        "function": .object(JSONObject(["name": .string(tc.name), "arguments": .string(tc.arguments)])),
                    ]))
            }
            message.append("tool_calls", .array(calls))
        }
        var choice = JSONObject()
        choice.append("index", .int(0))
        choice.append("message", .object(message))
        choice.append("logprobs", .null)
        choice.append("finish_reason", .string(finishReason))
        var object = JSONObject()
        object.append("id", .string(id ?? "chatcmpl-assembled"))
        object.append("object", .string("chat.completion"))
        object.append("created", created ?? .int(0))
        object.append("model", .string(model ?? ""))
        object.append("choices", .array([.object(choice)]))
        if let usage { object.append("usage", usage) }
        if let serviceTier { object.append("service_tier", .string(serviceTier)) }
        if let systemFingerprint { object.append("system_fingerprint", .string(systemFingerprint)) }
        return object
    }
}
