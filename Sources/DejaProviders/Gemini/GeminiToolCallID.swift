/// OpenAI tool call ids for Gemini function calls, which carry no id of their own.
///
/// An id is `call_` + 24 hex digits derived from the response id, the candidate and the call's
/// position, so the same response always yields the same ids (streamed or not, replayed or not).
/// When the call carries a `thoughtSignature` (Gemini 3 requires it back on the next turn), the
/// signature rides in the id after `__ts__`, and is restored when the client sends the call back.
enum GeminiToolCallID {
    static let signatureSeparator = "__ts__"
    /// The documented placeholder for a function call replayed without its signature.
    static let skipSignatureValidator = "skip_thought_signature_validator"

    static func make(responseID: String, candidate: Int, ordinal: Int, name: String, signature: String?) -> String {
        let key = "\(responseID)|\(candidate)|\(ordinal)|\(name)"
        let a = fnv1a(key, seed: 0xcbf2_9ce4_8422_2325)
        let b = fnv1a(key, seed: 0x8422_2325_cbf2_9ce4)
        var id = "call_" + hex(a, digits: 16) + hex(b, digits: 8)
        if let signature, !signature.isEmpty { id += signatureSeparator + signature }
        return id
    }

    /// The thought signature carried in an id made by `make`, if any.
    static func signature(in id: String) -> String? {
        guard let range = id.firstRange(of: signatureSeparator) else { return nil }
        let signature = String(id[range.upperBound...])
        return signature.isEmpty ? nil : signature
    }

    private static func fnv1a(_ text: String, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let s = String(value, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - s.count)) + s
        return String(padded.suffix(digits))
    }
}
