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

    /// True when `vectors(for:)` answers for `text` without running a model (memoised, or cheap
    /// by nature). A caller on a latency-sensitive thread uses it to move the work elsewhere.
    func isReady(for text: AnalyzedText) -> Bool

    /// Takes `text`'s vectors from an encoder pass that ran anyway (the cache's embedding of
    /// it): `tokens` (`[CLS] … [SEP]`) and their last-layer `states`, valid during the call.
    func prepare(_ text: AnalyzedText, tokens: [Int32], states: UnsafeBufferPointer<Float>)
}

extension ContextualWordVectors {
    /// Vectors that need no model are always ready.
    public func isReady(for text: AnalyzedText) -> Bool { true }

    /// Sources that run no model have nothing to take from a pass.
    public func prepare(_ text: AnalyzedText, tokens: [Int32], states: UnsafeBufferPointer<Float>) {}
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
/// Cost: none for a text the cache embedded. Register the instance as the embedder's
/// ``MiniLMEmbedder/tokenStateObserver`` and every embedding pass leaves its text's vectors in
/// the memo (tens of microseconds on top of a pass of milliseconds). A text not in the memo
/// (evicted, or restored from Redis) costs one encoder pass in ``vectors(for:)``. The memo holds
/// between `capacity` and twice that many texts, about 1.5 KB per content word each: when the
/// newer of its two generations fills, the older one is dropped, and a text found in the older
/// one moves to the newer, so texts in use stay.
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

        mutating func store(_ text: String, _ vectors: [[Float]?], capacity: Int) {
            if newer.count >= capacity {
                older = newer
                newer = [:]
                newer.reserveCapacity(capacity)
            }
            newer[text] = vectors
        }

        func contains(_ text: String) -> Bool { newer[text] != nil || older[text] != nil }
        var count: Int { newer.count + older.count }
    }

    /// Creates contextual vectors backed by `embedder`, memoising at least `capacity` texts;
    /// `centred` subtracts the text's mean token state (default false). Set the instance as
    /// `embedder.tokenStateObserver` to fill the memo from the embedder's own passes.
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

    public func vectors(for text: AnalyzedText) -> [[Float]?]? {
        if let hit = memo.withLock({ $0.lookUp(text.text) }) { return hit }
        let (ids, offsets) = embedder.tokenizer.encodeWithWordOffsets(text.text)
        let states = embedder.tokenStates(ids)
        guard states.count == ids.count else { return nil }
        let flat = states.flatMap { $0 }
        guard let computed = flat.withUnsafeBufferPointer({ wordVectors(text, offsets: offsets, states: $0) }) else { return nil }
        memo.withLock { $0.store(text.text, computed, capacity: capacity) }
        return computed
    }

    /// Memoises the vectors of a text the embedder has just encoded.
    public func encoder(didEncode text: String, tokens: [Int32], states: UnsafeBufferPointer<Float>) {
        guard !memo.withLock({ $0.contains(text) }) else { return }
        prepare(AnalyzedText(text), tokens: tokens, states: states)
    }

    /// Memoises `text`'s vectors, computed from the states of a pass over `tokens`; ignored when
    /// `tokens` are not how the model tokenises the text.
    public func prepare(_ text: AnalyzedText, tokens: [Int32], states: UnsafeBufferPointer<Float>) {
        let (ids, offsets) = embedder.tokenizer.encodeWithWordOffsets(text.text)
        guard ids == tokens, states.count == ids.count * embedder.dimension else { return }
        guard let computed = wordVectors(text, offsets: offsets, states: states) else { return }
        memo.withLock { $0.store(text.text, computed, capacity: capacity) }
    }

    /// One vector per word of `text` (content words only): the normalised mean of the states of
    /// the tokens whose word starts inside the word.
    private func wordVectors(_ text: AnalyzedText, offsets: [Int32], states: UnsafeBufferPointer<Float>) -> [[Float]?]? {
        let h = embedder.dimension
        let rows = states.count / h
        guard rows > 2, offsets.count == rows else { return nil }
        var mean = [Float](repeating: 0, count: h)
        if centred {
            for row in 0..<rows {
                for k in 0..<h { mean[k] += states[row * h + k] }
            }
            let inverse = 1 / Float(rows)
            for k in 0..<h { mean[k] *= inverse }
        }
        var result = [[Float]?](repeating: nil, count: text.words.count)
        for index in text.contentWordIndices {
            let span = text.words[index].offsets
            var v = [Float](repeating: 0, count: h)
            var pieces = 0
            for row in 0..<rows where span.contains(Int(offsets[row])) {
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
}
