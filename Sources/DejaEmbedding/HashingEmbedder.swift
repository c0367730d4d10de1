/// A lexical embedder: feature hashing of words and adjacent word pairs into a fixed-length,
/// L2-normalised vector. It knows nothing about meaning.
///
/// Use it in tests and tiny setups where loading a model is not worth it. Two texts score high
/// only when they share words ("reset my password" vs "password reset"); paraphrases with
/// different words ("turn a str into an int" vs "convert a string to an integer") score near
/// zero, so never use it for semantic caching in production.
///
/// Deterministic across processes and platforms: words are lower-cased, split on anything that
/// is not a letter or digit, and hashed with 64-bit FNV-1a (not Swift's per-process seeded
/// `Hasher`). Each feature adds ±1 to one dimension (the sign is another hash bit, so collisions
/// cancel out on average). Cost: a few hundred nanoseconds per word.
///
/// Limits: at most `maxInputsPerCall` texts per call (default 2,048; more throws
/// ``EmbeddingError/tooManyInputs``). A text with no letters or digits, the empty string
/// included, embeds as the zero vector (cosine with anything is then 0 by convention of callers
/// that guard against a zero norm).
public struct HashingEmbedder: Embedder {
    /// "hashing-<dimension>".
    public var name: String { "hashing-\(dimension)" }
    /// The vector length (default 384, the same as ``MiniLMEmbedder``).
    public let dimension: Int
    /// Whether adjacent word pairs are features too (default true), so word order counts a little.
    public let includesBigrams: Bool
    /// Most texts accepted per call.
    public let maxInputsPerCall: Int

    /// Creates a hashing embedder; `dimension` must be positive.
    public init(dimension: Int = 384, includesBigrams: Bool = true, maxInputsPerCall: Int = 2048) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        self.includesBigrams = includesBigrams
        self.maxInputsPerCall = maxInputsPerCall
    }

    /// Embeds each text with ``vector(for:)``; throws ``EmbeddingError/tooManyInputs`` above the limit.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard texts.count <= maxInputsPerCall else {
            throw EmbeddingError.tooManyInputs.with(detail: "\(texts.count) texts, limit \(maxInputsPerCall)")
        }
        return texts.map(vector(for:))
    }

    /// The vector for one text, synchronously.
    public func vector(for text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        var previous: UInt64?
        for word in Self.words(of: text) {
            let hash = Self.fnv1a(word)
            add(hash, to: &vector)
            if includesBigrams, let previous {
                // Mix the pair so "a b" and "b a" land apart.
                add(Self.mix(previous &* 0x9E37_79B9_7F4A_7C15 ^ hash), to: &vector)
            }
            previous = hash
        }
        var norm: Float = 0
        for value in vector { norm += value * value }
        guard norm > 0 else { return vector }
        let scale = 1 / norm.squareRoot()
        return vector.map { $0 * scale }
    }

    private func add(_ hash: UInt64, to vector: inout [Float]) {
        let index = Int(hash % UInt64(dimension))
        vector[index] += (hash >> 63) == 0 ? 1 : -1
    }

    static func words(of text: String) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else if !current.isEmpty {
                words.append(current)
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return mix(hash)
    }

    /// A final avalanche (splitmix64), so the low bits used for the index are well mixed.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
