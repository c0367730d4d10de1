import Crypto

/// The Redis form of a cache entry (layout version 2, docs/REDIS.md) and its authentication.
///
/// Redis is a trust boundary: whoever can write to it could otherwise plant an answer the
/// gateway serves as a cache hit. Every entry hash therefore carries an HMAC-SHA256 (`mac`) over
/// a canonical encoding of the entry id and every other field, keyed with the operator's
/// `REDIS_HMAC_KEY`; and every field is range-checked before use, so a writer with the key that
/// made a mistake (or a future layout) cannot trap the process either.
///
/// The canonical encoding is unambiguous: a domain tag, the id as 8 big-endian bytes, then for
/// each field of ``signedFields`` in that order, the name's length (4 bytes, big-endian), the
/// name, the value's length (8 bytes, big-endian) and the value. Moving a valid hash to another
/// id, swapping values between fields or cutting one value into the next all change the MAC.
public struct CacheMirrorCodec: Sendable {
    /// The value of the `v` field.
    public static let layoutVersion = "2"
    /// The fields covered by the MAC, in the order they are encoded.
    public static let signedFields = ["v", "ns", "exact", "scope", "model", "query", "emb", "completion", "created", "expires", "latency_ms"]
    /// The field holding the MAC: 64 lower-case hex characters.
    public static let macField = "mac"
    /// Every field of an entry hash; a hash with any other field is refused.
    public static let allFields = signedFields + [macField]
    /// The shortest HMAC key accepted, in bytes.
    public static let minimumKeyBytes = 32
    private static let domain = Array("deja.cache.entry.v2\u{0}".utf8)

    /// Bounds applied to entries read from Redis (and to the entries written there, so that
    /// what one instance writes another accepts).
    public struct Limits: Sendable {
        /// `scope` and `model`: at most this many bytes. Default 256.
        public var maxNameBytes = 256
        /// `query`: at most this many bytes. Default 256 KiB.
        public var maxQueryBytes = 256 << 10
        /// `completion`: at most this many bytes. Default 1 MiB (further capped by the cache's
        /// `maxBytes`). Larger answers stay in the local cache and are not mirrored.
        public var maxCompletionBytes = 1 << 20
        /// `latency_ms`: at most this. Default one day.
        public var maxLatencyMs: Double = 86_400_000
        /// How far a peer's clock may run ahead: `created` may be this far in the future, and an
        /// invalidation also covers entries created this long after it. Default 2 s.
        public var clockSkewSeconds: Double = 2

        public init() {}
    }

    /// Why an entry read from Redis was refused. Every reason is counted separately.
    public enum Rejection: String, Error, Sendable, CaseIterable {
        /// The key's id is not a canonical decimal UInt64.
        case id
        /// `mac` is missing, malformed or does not match (forged, tampered, moved to another id,
        /// or written with another key).
        case mac
        /// Not a hash, a wrong layout version, or missing or unknown fields.
        case layout
        /// A field is longer than its bound.
        case size
        /// `ns` or `exact` is not 64 lower-case hex characters.
        case keys
        /// `scope`, `model` or `query` is not UTF-8, or `scope`/`model` is empty or has control characters.
        case text
        /// `emb` has the wrong length or a non-finite or all-zero vector.
        case embedding
        /// `created`/`expires` not finite, in the future, expired or beyond the maximum TTL.
        case timestamps
        /// `latency_ms` not finite, negative or absurd.
        case latency
        /// `completion` is not a single-choice `chat.completion`.
        case completion
    }

    private let key: SymmetricKey
    /// The embedding dimension entries must have.
    public let dimension: Int
    /// The longest lifetime the configuration allows (`ttlBounds.upperBound`).
    public let maxTTLSeconds: Double
    public let limits: Limits

    /// - Throws: ``CacheMirrorError`` when the key is shorter than ``minimumKeyBytes``.
    public init(hmacKey: String, dimension: Int, maxTTLSeconds: Double, limits: Limits = Limits()) throws(CacheMirrorError) {
        if let problem = Self.keyProblem(hmacKey) { throw CacheMirrorError(problem) }
        self.key = SymmetricKey(data: Array(hmacKey.utf8))
        self.dimension = max(dimension, 1)
        self.maxTTLSeconds = maxTTLSeconds.isFinite && maxTTLSeconds >= 1 ? maxTTLSeconds : 7 * 86_400
        self.limits = limits
    }

    /// Why a key cannot be used (nil when it can); names `REDIS_HMAC_KEY` and how to make one.
    public static func keyProblem(_ key: String?) -> String? {
        let howTo = "Generate one with `openssl rand -hex 32` and give every gateway instance that shares the Redis the same value"
        guard let key, !key.isEmpty else {
            return "REDIS_HMAC_KEY (or cache.redis_hmac_key) is required when REDIS_URL is set: entries in Redis are "
                + "authenticated with HMAC-SHA256 so that whoever can write to Redis cannot make the gateway serve a "
                + "forged answer. \(howTo)."
        }
        guard key.utf8.count >= minimumKeyBytes else {
            return "REDIS_HMAC_KEY (or cache.redis_hmac_key) is \(key.utf8.count) bytes; at least \(minimumKeyBytes) are required. \(howTo)."
        }
        return nil
    }

    // MARK: - Encoding

    /// The hash fields of `entry`, MAC included, in ``allFields`` order.
    func fields(for entry: CacheEntry) -> [(name: String, value: [UInt8])] {
        var embedding = [UInt8]()
        embedding.reserveCapacity(entry.embedding.count * 4)
        for v in entry.embedding {
            let bits = v.bitPattern
            embedding.append(UInt8(truncatingIfNeeded: bits))
            embedding.append(UInt8(truncatingIfNeeded: bits >> 8))
            embedding.append(UInt8(truncatingIfNeeded: bits >> 16))
            embedding.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        let signed: [(name: String, value: [UInt8])] = [
            ("v", Array(Self.layoutVersion.utf8)), ("ns", Array(entry.namespace.description.utf8)),
            ("exact", Array(entry.exactKey.description.utf8)), ("scope", Array(entry.scope.utf8)), ("model", Array(entry.model.utf8)),
            ("query", Array(entry.queryText.utf8)), ("emb", embedding), ("completion", entry.completion.json),
            ("created", Array(String(entry.createdAt).utf8)), ("expires", Array(String(entry.expiresAt).utf8)),
            ("latency_ms", Array(String(entry.originalLatencyMs).utf8)),
        ]
        let mac = self.mac(id: entry.id) { name in signed.first { $0.name == name }?.value ?? [] }
        return signed + [(Self.macField, Array(Self.hex(mac).utf8))]
    }

    /// Whether `entry` fits the bounds another instance applies when reading it.
    func isMirrorable(_ entry: CacheEntry) -> Bool {
        entry.completion.json.count <= limits.maxCompletionBytes && entry.queryText.utf8.count <= limits.maxQueryBytes
            && entry.scope.utf8.count <= limits.maxNameBytes && entry.model.utf8.count <= limits.maxNameBytes
            && entry.embedding.count == dimension && entry.createdAt.isFinite && entry.expiresAt.isFinite
            && entry.originalLatencyMs.isFinite
    }

    /// The MAC (64 lower-case hex characters) of an entry hash with these field values, as
    /// stored in ``macField``. Fields of ``signedFields`` that are absent count as empty.
    ///
    /// The gateway computes it itself when writing; it is public so that tools and tests can
    /// produce entries (tests sign deliberately absurd entries to exercise the range checks).
    public func sign(id: UInt64, fields: [String: [UInt8]]) -> String {
        Self.hex(mac(id: id) { fields[$0] ?? [] })
    }

    private func mac(id: UInt64, value: (String) -> [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Self.domain)
        hmac.update(data: Self.bigEndian(id, bytes: 8))
        for name in Self.signedFields {
            let bytes = value(name)
            hmac.update(data: Self.bigEndian(UInt64(name.utf8.count), bytes: 4))
            hmac.update(data: Array(name.utf8))
            hmac.update(data: Self.bigEndian(UInt64(bytes.count), bytes: 8))
            hmac.update(data: bytes)
        }
        return Array(hmac.finalize())
    }

    private static func bigEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Decoding

    /// The most bytes a field may have; checked with `HSTRLEN` before a hash is read.
    func maxBytes(of field: String) -> Int {
        switch field {
        case "v": return 8
        case "ns", "exact", "mac": return 64
        case "scope", "model": return limits.maxNameBytes
        case "query": return limits.maxQueryBytes
        case "emb": return 4 * dimension
        case "completion": return limits.maxCompletionBytes
        default: return 32  // created, expires, latency_ms
        }
    }

    /// Authenticates and range-checks the fields of `deja:cache:entry:<id>`; never traps.
    ///
    /// Checks, in order: the MAC field is present and well-formed (`mac`); exactly
    /// ``allFields`` are present and `v` is ``layoutVersion`` (`layout`); every field within its
    /// bound (`size`); the MAC matches (`mac`); then each field's meaning.
    public func decode(id: UInt64, fields: [String: [UInt8]], now: Double) -> Result<CacheEntry, Rejection> {
        guard let macText = fields[Self.macField], let expected = Self.unhex(macText), expected.count == 32 else { return .failure(.mac) }
        guard fields.count == Self.allFields.count, Self.allFields.allSatisfy({ fields[$0] != nil }) else { return .failure(.layout) }
        for (name, value) in fields where value.count > maxBytes(of: name) { return .failure(.size) }
        let actual = mac(id: id) { fields[$0] ?? [] }
        guard Self.constantTimeEqual(actual, expected) else { return .failure(.mac) }
        // Authentic from here on: written by a holder of the key. Still checked, never trusted to
        // be in range.
        guard fields["v"] == Array(Self.layoutVersion.utf8) else { return .failure(.layout) }
        guard let nsBytes = fields["ns"], let exactBytes = fields["exact"], let namespace = Self.cacheKey(nsBytes),
            let exactKey = Self.cacheKey(exactBytes)
        else { return .failure(.keys) }
        guard let scope = fields["scope"].flatMap(Self.utf8), Self.isName(scope),
            let model = fields["model"].flatMap(Self.utf8), Self.isName(model),
            let query = fields["query"].flatMap(Self.utf8)
        else { return .failure(.text) }
        guard let emb = fields["emb"], let vector = Self.vector(emb, dimension: dimension) else { return .failure(.embedding) }
        guard let created = fields["created"].flatMap(Self.number), let expires = fields["expires"].flatMap(Self.number),
            created > 0, created <= now + limits.clockSkewSeconds, expires > now, expires > created,
            expires <= created + maxTTLSeconds + 1
        else { return .failure(.timestamps) }
        guard let latency = fields["latency_ms"].flatMap(Self.number), latency >= 0, latency <= limits.maxLatencyMs else {
            return .failure(.latency)
        }
        guard let json = fields["completion"], let completion = StoredCompletion(json: json) else { return .failure(.completion) }
        return .success(
            CacheEntry(
                id: id, namespace: namespace, exactKey: exactKey, scope: scope, model: model, queryText: query, embedding: vector,
                createdAt: created, expiresAt: expires, originalLatencyMs: latency, completion: completion))
    }

    /// A canonical decimal UInt64 (no sign, no leading zeros, no overflow), or nil.
    public static func parseID<S: StringProtocol>(_ text: S) -> UInt64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 20, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), bytes.count == 1 || bytes[0] != 0x30 else {
            return nil
        }
        var value: UInt64 = 0
        for b in bytes {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// 64 lower-case hex characters as a key.
    static func cacheKey(_ bytes: [UInt8]) -> CacheKey? {
        guard bytes.count == 64, bytes.allSatisfy(isLowerHex) else { return nil }
        return CacheKey(hex: String(decoding: bytes, as: UTF8.self))
    }

    private static func isLowerHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }

    static func unhex(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count % 2 == 0, bytes.allSatisfy(isLowerHex) else { return nil }
        func nibble(_ b: UInt8) -> UInt8 { b <= 0x39 ? b - 0x30 : b - 0x61 + 10 }
        return stride(from: 0, to: bytes.count, by: 2).map { nibble(bytes[$0]) << 4 | nibble(bytes[$0 + 1]) }
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// A scope or model name: not empty, no control characters.
    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private static func utf8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// A finite decimal number (digits, sign, point, exponent only: no `nan`, `inf` or hex).
    static func number(_ bytes: [UInt8]) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 32,
            bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e || $0 == 0x2d || $0 == 0x2b || $0 == 0x65 || $0 == 0x45 }),
            let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite
        else { return nil }
        return value
    }

    /// Little-endian float32s: exactly `dimension` of them, all finite, not all zero.
    static func vector(_ bytes: [UInt8], dimension: Int) -> [Float]? {
        guard bytes.count == 4 * dimension else { return nil }
        var vector = [Float](repeating: 0, count: dimension)
        var squares: Float = 0
        for i in 0..<dimension {
            let b = UInt32(bytes[i * 4]) | UInt32(bytes[i * 4 + 1]) << 8 | UInt32(bytes[i * 4 + 2]) << 16 | UInt32(bytes[i * 4 + 3]) << 24
            let v = Float(bitPattern: b)
            guard v.isFinite else { return nil }
            vector[i] = v
            squares += v * v
        }
        guard squares > 0, squares.isFinite else { return nil }
        return vector
    }
}

/// The Redis mirror cannot be set up as configured (the message says why and how to fix it).
public struct CacheMirrorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
