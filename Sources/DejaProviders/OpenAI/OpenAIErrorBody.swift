public import DejaWire
/// The fields of an OpenAI-style error body `{"error":{"message","type","param","code"}}`.
public struct OpenAIErrorBody: Sendable, Hashable {
    public var message: String
    public var type: String?
    public var code: String?

    /// True when the first member of the object is named "error" (whitespace allowed).
    static func looksLikeError(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return false }
        i += 1
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        return bytes[i...].starts(with: "\"error\"".utf8)
    }

    /// Extracts the error from a body, or nil when it is not an OpenAI error object.
    public static func parse(_ bytes: [UInt8]) -> OpenAIErrorBody? {
        // Cheap pre-check first: stream chunks (the hot path) never start with {"error".
        guard looksLikeError(bytes), let object = try? JSONParser.parse(bytes).objectValue, let error = object["error"] else { return nil }
        switch error {
        case .object(let e):
            let message = e["message"]?.stringValue ?? "upstream error"
            var code = e["code"]?.stringValue
            if code == nil, let n = e["code"]?.intValue { code = String(n) }
            return OpenAIErrorBody(message: message, type: e["type"]?.stringValue, code: code)
        case .string(let s):
            return OpenAIErrorBody(message: s, type: nil, code: nil)
        default:
            return nil
        }
    }
}
