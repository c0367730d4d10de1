import Crypto
public import DejaWire

/// A 256-bit SHA-256 digest used as a cache key. Cryptographic so that no client can craft a
/// request whose key collides with another tenant's entry.
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    public let a: UInt64, b: UInt64, c: UInt64, d: UInt64

    init(digest: SHA256.Digest) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        digest.withUnsafeBytes { raw in
            words = (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
        (a, b, c, d) = words
    }

    public init(a: UInt64, b: UInt64, c: UInt64, d: UInt64) {
        (self.a, self.b, self.c, self.d) = (a, b, c, d)
    }

    /// The SHA-256 of some bytes as a key (e.g. an idempotency key's request body).
    public static func sha256(_ bytes: some Sequence<UInt8>) -> CacheKey {
        var hash = SHA256()
        hash.update(data: Array(bytes))
        return CacheKey(digest: hash.finalize())
    }

    /// Lower-case hex, 64 characters (stable across processes: used in Redis and the API).
    public var description: String {
        [a, b, c, d].map { word in
            let s = String(word.littleEndian.byteSwapped, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    /// Parses the 64-character hex form.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 64 else { return nil }
        var words: [UInt64] = []
        for i in 0..<4 {
            guard let w = UInt64(String(decoding: bytes[(i * 16)..<(i * 16 + 16)], as: UTF8.self), radix: 16) else { return nil }
            words.append(w.byteSwapped.littleEndian)
        }
        self.init(a: words[0], b: words[1], c: words[2], d: words[3])
    }
}

/// What the cache derives from one chat request: the exact key, the namespace key, the text that
/// is embedded, or why the request cannot be cached.
public struct RequestFingerprint: Sendable {
    /// Hash of the whole canonical request (tenant scope and resolved model included).
    public let exactKey: CacheKey
    /// Hash of everything except the final user message: only requests in the same namespace may
    /// match semantically.
    public let namespace: CacheKey
    /// The final user message's text (text parts joined by a newline).
    public let queryText: String
    /// Nil when cacheable; otherwise why the request bypasses the cache.
    public let bypassReason: String?
    /// The tenant scope the keys were derived under.
    public let scope: String

    /// Body members that never change the answer and are left out of both keys.
    public static let ignoredMembers: Set<String> = [
        "user", "stream", "stream_options", "x-cache", "x-cache-ttl", "x-cache-threshold", "store", "metadata",
        // Routing controls: the strategy is part of a virtual model's namespace instead.
        "x-routing-strategy", "x-prefer-provider",
        // Which budget pays does not change the answer.
        "x-budget-key",
    ]

    /// Derives the keys. `scope` is the tenant scope; `resolvedModel` is `provider/model` after
    /// resolution, so two spellings of one model share entries and two providers never do.
    public init(request: ChatRequest, scope: String, resolvedModel: String) {
        self.scope = scope
        var body = request.body
        for key in Self.ignoredMembers { body[key] = nil }
        body["model"] = .string(resolvedModel)
        let messages = body["messages"]?.arrayValue ?? []

        var exact = SHA256()
        exact.update(data: Array("deja.exact.v1\u{0}\(scope)\u{0}".utf8))
        exact.update(data: Canonical.serialize(.object(body)))
        exactKey = CacheKey(digest: exact.finalize())

        var prefix = body
        prefix["messages"] = .array(Array(messages.dropLast()))
        var namespaceHash = SHA256()
        namespaceHash.update(data: Array("deja.namespace.v1\u{0}\(scope)\u{0}".utf8))
        namespaceHash.update(data: Canonical.serialize(.object(prefix)))
        namespace = CacheKey(digest: namespaceHash.finalize())

        let (text, reason) = Self.finalUserText(messages)
        queryText = text ?? ""
        if let reason {
            bypassReason = reason
        } else if let n = request.body["n"]?.intValue, n > 1 {
            bypassReason = "n > 1"
        } else if request.body["x-cache"]?.boolValue == false {
            bypassReason = "x-cache: false"
        } else {
            bypassReason = nil
        }
    }

    /// The final message's text when it is a user turn made only of text.
    static func finalUserText(_ messages: [JSONValue]) -> (String?, String?) {
        guard let last = messages.last?.objectValue else { return (nil, "no messages") }
        guard last["role"]?.stringValue == "user" else { return (nil, "the final message is not a user turn") }
        switch last["content"] {
        case .string(let s)?:
            return (s, nil)
        case .array(let parts)?:
            var texts: [String] = []
            for part in parts {
                guard let p = part.objectValue, p["type"]?.stringValue == "text", let t = p["text"]?.stringValue else {
                    return (nil, "the final user turn has non-text content")
                }
                texts.append(t)
            }
            return (texts.joined(separator: "\n"), nil)
        default:
            return (nil, "the final user turn has no text")
        }
    }
}

/// Canonical JSON for hashing: members sorted by key (UTF-8 byte order), numbers normalised
/// (`1`, `1.0` and `1e0` are one number), strings and array order kept.
enum Canonical {
    static func serialize(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 512)
        write(value, into: &writer)
        return writer.bytes
    }

    static func write(_ value: JSONValue, into writer: inout JSONWriter) {
        switch value {
        case .object(let object):
            let sorted = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            writer.append(raw: [UInt8(ascii: "{")])
            for (i, member) in sorted.enumerated() {
                if i > 0 { writer.append(raw: [UInt8(ascii: ",")]) }
                writer.writeString(member.key)
                writer.append(raw: [UInt8(ascii: ":")])
                write(member.value, into: &writer)
            }
            writer.append(raw: [UInt8(ascii: "}")])
        case .array(let items):
            writer.append(raw: [UInt8(ascii: "[")])
            for (i, item) in items.enumerated() {
                if i > 0 { writer.append(raw: [UInt8(ascii: ",")]) }
                write(item, into: &writer)
            }
            writer.append(raw: [UInt8(ascii: "]")])
        case .number(let text):
            writer.append(raw: normalizedNumber(text).utf8)
        default:
            writer.write(value)
        }
    }

    static func normalizedNumber(_ text: String) -> String {
        guard let d = Double(text), d.isFinite else { return text }
        if d == d.rounded(), abs(d) < 9_007_199_254_740_992 { return String(Int64(d)) }
        return "\(d)"
    }
}
