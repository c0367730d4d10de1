public import DejaWire
/// Gemini error bodies: `{"error":{"code","message","status","details":[{"@type",…}]}}`.
public enum GeminiErrorBody {
    /// Extracts the error from a Gemini error body, or nil when the bytes are not one. The status
    /// (e.g. `RESOURCE_EXHAUSTED`) becomes the type and the code.
    public static func parse(_ bytes: [UInt8]) -> OpenAIErrorBody? {
        guard let error = errorObject(bytes) else {
            // A list-wrapped error (some endpoints answer `[{"error":…}]`).
            if case .array(let items)? = try? JSONParser.parse(bytes), let first = items.first,
                case .object(let o) = first, let e = o["error"]?.objectValue
            {
                return body(e)
            }
            return nil
        }
        return body(error)
    }

    private static func body(_ e: JSONObject) -> OpenAIErrorBody {
        let status = e["status"]?.stringValue
        let code = status ?? e["code"]?.intValue.map(String.init)
        return OpenAIErrorBody(message: e["message"]?.stringValue ?? status ?? "upstream error", type: status, code: code)
    }

    static func errorObject(_ bytes: [UInt8]) -> JSONObject? {
        guard case .object(let object)? = try? JSONParser.parse(bytes) else { return nil }
        return object["error"]?.objectValue
    }

    /// The longest retry delay passed on (a day); a longer one is clamped to it.
    public static let maxRetryDelaySeconds = 86_400

    /// The delay of a `google.rpc.RetryInfo` detail in whole seconds (rounded up), e.g. `"7s"` → `"7"`.
    /// Delays that are not finite non-negative numbers are ignored and huge ones clamped, so
    /// `"1e300s"` or `"infs"` cannot trap the conversion to an integer.
    public static func retryDelaySeconds(_ bytes: [UInt8]) -> String? {
        guard let details = errorObject(bytes)?["details"]?.arrayValue else { return nil }
        for detail in details {
            guard let d = detail.objectValue, d["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true,
                var text = d["retryDelay"]?.stringValue
            else { continue }
            if text.hasSuffix("s") { text.removeLast() }
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else { continue }
            return String(Int(Swift.min(seconds.rounded(.up), Double(maxRetryDelaySeconds))))
        }
        return nil
    }
}
