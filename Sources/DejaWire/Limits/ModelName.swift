/// Model names as clients and configuration send them (`gpt-4o-mini`, `claude-sonnet-4-5`,
/// `models/gemini-2.5-flash`, `llama3.1:8b`, `meta-llama/Llama-3.3-70B-Instruct-Turbo`,
/// `accounts/fireworks/models/x`, `anthropic.claude-3-5-sonnet-20240620-v1:0`, `sim/my-model`).
///
/// A name travels into cache keys, metrics labels, logs, upstream bodies and, for some wire
/// formats, URL paths; so it is held to a strict shape: 1…256 bytes of ASCII letters, digits and
/// `- _ . : / @ +`, and no empty, `.` or `..` segment between slashes (a name can never climb a
/// URL path, start or end with `/`, or contain `//`).
public enum ModelName {
    /// The longest name accepted, in UTF-8 bytes.
    public static let maxBytes = 256

    /// Why a name is not acceptable, or nil when it is.
    public enum Problem: Sendable, Hashable {
        case empty
        case tooLong(bytes: Int)
        /// A byte outside the character set, at this byte offset.
        case disallowedCharacter(offset: Int, bytes: Int)
        /// An empty, `.` or `..` segment between slashes.
        case badSegment(bytes: Int)
    }

    /// The first problem of a name, or nil for an acceptable one. Never looks past `maxBytes + 1`
    /// bytes, so a hostile multi-megabyte name costs nothing.
    public static func problem(_ name: String) -> Problem? {
        let utf8 = name.utf8
        let count = utf8.count
        if count == 0 { return .empty }
        if count > maxBytes { return .tooLong(bytes: count) }
        var segmentLength = 0
        var segmentDots = 0
        var offset = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "/") {
                // An all-dot segment of length 0, 1 or 2 is "", "." or "..".
                if segmentLength == 0 || (segmentDots == segmentLength && segmentLength <= 2) {
                    return .badSegment(bytes: count)
                }
                segmentLength = 0
                segmentDots = 0
            } else {
                guard isAllowed(byte) else { return .disallowedCharacter(offset: offset, bytes: count) }
                segmentLength += 1
                if byte == UInt8(ascii: ".") { segmentDots += 1 }
            }
            offset += 1
        }
        if segmentLength == 0 || (segmentDots == segmentLength && segmentLength <= 2) { return .badSegment(bytes: count) }
        return nil
    }

    /// Whether a name is acceptable.
    public static func isValid(_ name: String) -> Bool { problem(name) == nil }

    /// Validates a model name from a client. The error never repeats the name (it may be huge,
    /// binary or an injection attempt); it says what is wrong and how long the name is.
    /// `param` names the field in the error ("model", or e.g. "input[0].model").
    public static func validate(_ name: String, param: String = "model") throws(InvalidRequestError) {
        guard let problem = problem(name) else { return }
        throw InvalidRequestError(message(for: problem, param: param), param: param, code: "invalid_model")
    }

    /// The client-facing sentence for a problem.
    public static func message(for problem: Problem, param: String = "model") -> String {
        switch problem {
        case .empty:
            return "'\(param)' must be a non-empty string"
        case .tooLong(let bytes):
            return "'\(param)' is too long: \(bytes) bytes, at most \(maxBytes) are allowed"
        case .disallowedCharacter(let offset, let bytes):
            return "'\(param)' contains a character that is not allowed at byte \(offset) of \(bytes); "
                + "a model name may use ASCII letters, digits and - _ . : / @ +"
        case .badSegment(let bytes):
            return "'\(param)' (\(bytes) bytes) has an empty, '.' or '..' segment between slashes"
        }
    }

    @inline(__always) static func isAllowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "@"),
            UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }

    /// `text` as one URL path segment: every byte except RFC 3986's unreserved characters
    /// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded, `/`, `:`, `@` and `+` included, so the text
    /// can neither add a path segment nor start a query or fragment.
    public static func pathEscaped(_ text: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
