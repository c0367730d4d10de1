public import DejaWire
/// Anthropic error bodies: `{"type":"error","error":{"type","message"},"request_id"}`.
public enum AnthropicErrorBody {
    /// Extracts the error from an Anthropic error body (members in any order), or nil when the
    /// bytes are not one. The error type (e.g. `overloaded_error`) becomes both type and code.
    public static func parse(_ bytes: [UInt8]) -> OpenAIErrorBody? {
        guard case .object(let object)? = try? JSONParser.parse(bytes), let error = object["error"] else { return nil }
        switch error {
        case .object(let e):
            let type = e["type"]?.stringValue
            return OpenAIErrorBody(message: e["message"]?.stringValue ?? type ?? "upstream error", type: type, code: type)
        case .string(let s):
            return OpenAIErrorBody(message: s, type: nil, code: nil)
        default:
            return nil
        }
    }
}
