public import DejaEmbedding
import Synchronization

/// A source of word vectors *in context*: one vector per word of an analysed text, so that a word
/// is represented by what it means in that sentence ("far" in "how far is the Moon" is close to
/// "distance" in "the distance to the Moon", while the context-free vectors of the two words are
/// not).
///
/// The content-word check asks for these only for a word that has no near-synonym by
/// ``WordVectors`` alone; see ``ContentWordCheck/contextualVectors``. Implementations must be
/// deterministic and memoise: the same text always yields the same vectors.
public protocol ContextualWordVectors: Sendable {
    /// One L2-normalised vector per element of `text.words` (nil for a word without one), in
    /// order, or nil when the text has no vectors at all.
    func vectors(for text: AnalyzedText) -> [[Float]?]?

    /// ``vectors(for:)`` if it needs no model work; nil when it would (not memoised). A caller
    /// on a latency-sensitive thread uses it rather than ``isReady(for:)`` followed by
    /// ``vectors(for:)``, between which a memo may drop the text.
    func readyVectors(for text: AnalyzedText) -> [[Float]?]?

    /// True when `vectors(for:)` answers for `text` without running a model (memoised, or cheap
    /// by nature). A caller on a latency-sensitive thread uses it to move the work elsewhere.
    func isReady(for text: AnalyzedText) -> Bool

    /// Takes `text`'s vectors from an encoder pass that ran anyway (the cache's embedding of
    /// it); `encoded` is that pass's view of the same text.
    func prepare(_ text: AnalyzedText, from encoded: EncodedText)
}

extension ContextualWordVectors {
    /// Vectors that need no model are always ready.
    public func isReady(for text: AnalyzedText) -> Bool { true }

    /// The vectors when ``isReady(for:)`` says they need no model work, else nil.
    public func readyVectors(for text: AnalyzedText) -> [[Float]?]? {
        isReady(for: text) ? vectors(for: text) : nil
    }

    /// Sources that run no model have nothing to take from a pass.
    public func prepare(_ text: AnalyzedText, from encoded: EncodedText) {}
}

/// Contextual word vectors from all-MiniLM-L6-v2's last hidden layer: a content word's vector is
/// the mean of its word pieces' last-layer states in the encoder pass over the whole text (the
/// same tokens the text's embedding is computed from), L2-normalised. Other words get none.
///
/// In context, "far" (in "how far is the Moon") and "distance" (in "the distance to the Moon")
/// score 0.83 and "wrote"/"author" 0.81, where the input embeddings give 0.30 and 0.36; words that
/// change the question ("hiking"/"skiing", "tea"/"coffee", "table"/"column") stay lower in the
/// development set. `centred` subtracts the text's mean token state first; on the development
/// set that lowered every score and kept fewer paraphrases at the same false-hit rate, so it is
/// off by default.
///
/// Cost: none for a text the cache embedded. Embed through a ``TokenStateReportingEmbedder``
/// whose observer prepares the text (this instance, or a ``VerifierChain`` using it) and every
/// embedding pass leaves its text's vectors in the memo (tens of microseconds on top of a pass of
/// milliseconds). A text not in the memo (evicted, or restored from Redis) costs one encoder
/// pass in ``vectors(for:)``. The memo holds between `capacity` and twice that many texts, about
/// 1.5 KB per content word each: when the newer of its two generations fills, the older one is
/// dropped, and a text found in the older one moves to the newer, so texts in use stay.
public final class EncoderContextualWordVectors: ContextualWordVectors, TokenStateObserver {
    private let embedder: MiniLMEmbedder
    private let memo: Mutex<Generations>
    private let capacity: Int
    private let centred: Bool

    /// Two generations of memoised vectors: look-ups try `newer`, then `older` (promoting).
    private struct Generations {
        var newer: [String: [[Float]?]] = [:]
        var older: [String: [[Float]?]] = [:]

        mutating func lookUp(_ text: String) -> [[Float]?]? {
            if let hit = newer[text] { return hit }
            guard let hit = older.removeValue(forKey: text) else { return nil }
            newer[text] = hit
            return hit
        }

        /// Stores `vectors`; returns the generation it dropped, for the caller to free outside
        /// the lock.
        mutating func store(_ text: String, _ vectors: [[Float]?], capacity: Int) -> [String: [[Float]?]] {
            var dropped: [String: [[Float]?]] = [:]
            if newer.count >= capacity {
                dropped = older
                older = newer
                newer = [:]
                newer.reserveCapacity(capacity)
            }
            newer[text] = vectors
            return dropped
        }

        func contains(_ text: String) -> Bool { newer[text] != nil || older[text] != nil }
        var count: Int { newer.count + older.count }
    }

    /// Creates contextual vectors backed by `embedder`, memoising at least `capacity` texts;
    /// `centred` subtracts the text's mean token state (default false). See the type's
    /// documentation for filling the memo from the embedder's own passes.
    public init(embedder: MiniLMEmbedder, centred: Bool = false, capacity: Int = 4096) {
        self.embedder = embedder
        self.centred = centred
        self.capacity = max(1, capacity)
        self.memo = Mutex(Generations())
    }

    /// The number of texts whose vectors are memoised.
    public var memoisedTexts: Int { memo.withLock { $0.count } }

    /// True when `text`'s vectors are memoised (otherwise they cost an encoder pass).
    public func isReady(for text: AnalyzedText) -> Bool {
        memo.withLock { $0.contains(text.text) }
    }

    public func readyVectors(for text: AnalyzedText) -> [[Float]?]? {
        memo.withLock { $0.lookUp(text.text) }
    }

    public func vectors(for text: AnalyzedText) -> [[Float]?]? {
        if let hit = memo.withLock({ $0.lookUp(text.text) }) { return hit }
        let (ids, offsets) = embedder.tokenizer.encodeWithWordOffsets(text.text)
        let states = embedder.tokenStates(ids)
        guard states.count == ids.count else { return nil }
        let flat = states.flatMap { $0 }
        let computed = flat.withUnsafeBufferPointer { wordVectors(text, ids: ids, offsets: offsets, states: $0) }
        remember(text.text, computed)
        return computed
    }

    private func remember(_ text: String, _ vectors: [[Float]?]) {
        // A dropped generation (thousands of arrays) is released when `dropped` goes out of
        // scope, after the lock is given back.
        let dropped = memo.withLock { $0.store(text, vectors, capacity: capacity) }
        _ = dropped
    }

    /// Memoises the vectors of a text the embedder has just encoded.
    public func encoder(didEncode encoded: EncodedText) {
        guard !memo.withLock({ $0.contains(encoded.text) }) else { return }
        prepare(AnalyzedText(encoded.text), from: encoded)
    }

    /// Memoises `text`'s vectors, computed from the states of `encoded`; ignored when `encoded`
    /// is of another text or its parts do not fit together.
    public func prepare(_ text: AnalyzedText, from encoded: EncodedText) {
        guard encoded.text == text.text, encoded.wordOffsets.count == encoded.tokens.count,
            encoded.states.count == encoded.tokens.count * embedder.dimension
        else { return }
        remember(text.text, wordVectors(text, ids: encoded.tokens, offsets: encoded.wordOffsets, states: encoded.states))
    }

    /// One vector per word of `text` (content words only, nil elsewhere): the normalised mean of
    /// the states of the tokens that start inside the word as written (a clitic such as "'s"
    /// left out), punctuation tokens skipped.
    private func wordVectors(_ text: AnalyzedText, ids: [Int32], offsets: [Int32], states: UnsafeBufferPointer<Float>) -> [[Float]?] {
        let h = embedder.dimension
        let rows = states.count / h
        var result = [[Float]?](repeating: nil, count: text.words.count)
        guard rows > 2, offsets.count == rows, ids.count == rows else { return result }
        var mean = [Float](repeating: 0, count: h)
        if centred {
            for row in 0..<rows {
                for k in 0..<h { mean[k] += states[row * h + k] }
            }
            let inverse = 1 / Float(rows)
            for k in 0..<h { mean[k] *= inverse }
        }
        for index in text.contentWordIndices {
            let word = text.words[index]
            let span = word.offsets.lowerBound..<min(word.offsets.upperBound, word.offsets.lowerBound + word.text.unicodeScalars.count)
            var v = [Float](repeating: 0, count: h)
            var pieces = 0
            for row in 0..<rows where span.contains(Int(offsets[row])) && !isPunctuationToken(ids[row]) {
                pieces += 1
                for k in 0..<h { v[k] += states[row * h + k] }
            }
            guard pieces > 0 else { continue }
            let scale = 1 / Float(pieces)
            var norm: Float = 0
            for k in 0..<h {
                v[k] = v[k] * scale - mean[k]
                norm += v[k] * v[k]
            }
            guard norm > 0 else { continue }
            let inverseNorm = 1 / norm.squareRoot()
            for k in 0..<h { v[k] *= inverseNorm }
            result[index] = v
        }
        return result
    }

    /// True for a vocabulary entry that is one punctuation scalar ("'", "-", "?").
    private func isPunctuationToken(_ id: Int32) -> Bool {
        guard let token = embedder.tokenizer.token(for: id), token.unicodeScalars.count == 1, let scalar = token.unicodeScalars.first else {
            return false
        }
        return !scalar.properties.isAlphabetic && scalar.properties.numericType == nil
    }
}
