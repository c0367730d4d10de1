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
/// 1.5 KB per content word each, and at most `byteBudget` bytes (approximate: text, vectors,
/// overheads): when the newer of its two generations fills (`capacity` texts or half the
/// budget), the older one is dropped, and a text found in the older one moves to the newer, so
/// texts in use stay. An analysis of only part of a text (``AnalyzedText/isTruncated``) is not
/// memoised, nor, when this is the observer, a text longer than `maximumAnalysedCharacters` (the
/// verifier rejects every pair with one unread).
public final class EncoderContextualWordVectors: ContextualWordVectors, TokenStateObserver {
    private let embedder: MiniLMEmbedder
    private let memo: Mutex<Generations>
    private let capacity: Int
    private let centred: Bool
    /// The most approximate bytes the memo holds. Default 128 MiB.
    public let byteBudget: Int
    /// The longest text (Unicode scalars) ``encoder(didEncode:)`` analyses and memoises; longer
    /// ones are skipped. (Texts a ``VerifierChain`` prepares follow the chain's own bound.)
    /// Default ``VerifierConfiguration/defaultMaximumAnalysedCharacters``.
    public let maximumAnalysedCharacters: Int

    /// 128 MiB: twice 4,096 one-line questions (about 7 KB each) fit with room to spare.
    public static let defaultByteBudget = 128 << 20

    /// One memoised text: its vectors and what they cost.
    private struct Entry {
        var vectors: [[Float]?]
        var bytes: Int
    }

    /// Two generations of memoised vectors: look-ups try `newer`, then `older` (promoting).
    private struct Generations {
        var newer: [String: Entry] = [:]
        var older: [String: Entry] = [:]
        var newerBytes = 0
        var olderBytes = 0

        mutating func lookUp(_ text: String) -> [[Float]?]? {
            if let hit = newer[text] { return hit.vectors }
            guard let hit = older.removeValue(forKey: text) else { return nil }
            olderBytes -= hit.bytes
            newer[text] = hit
            newerBytes += hit.bytes
            return hit.vectors
        }

        /// Stores `entry`, keeping `newer` under `capacity` texts and both generations together
        /// under `budget` bytes; returns what it dropped, for the caller to free outside the lock.
        mutating func store(_ text: String, _ entry: Entry, capacity: Int, budget: Int) -> [[String: Entry]] {
            var dropped: [[String: Entry]] = []
            if let old = newer.removeValue(forKey: text) { newerBytes -= old.bytes }
            if let old = older.removeValue(forKey: text) { olderBytes -= old.bytes }
            if newer.count >= capacity || newerBytes + entry.bytes > budget / 2 {
                dropped.append(older)
                older = newer
                olderBytes = newerBytes
                newer = [:]
                newerBytes = 0
                newer.reserveCapacity(min(capacity, 1024))
            }
            // Promotions can leave the older generation above half the budget.
            if olderBytes + newerBytes + entry.bytes > budget {
                dropped.append(older)
                older = [:]
                olderBytes = 0
            }
            newer[text] = entry
            newerBytes += entry.bytes
            return dropped
        }

        func contains(_ text: String) -> Bool { newer[text] != nil || older[text] != nil }
        var count: Int { newer.count + older.count }
        var bytes: Int { newerBytes + olderBytes }
    }

    /// Creates contextual vectors backed by `embedder`, memoising at least `capacity` texts in at
    /// most `byteBudget` approximate bytes; `centred` subtracts the text's mean token state
    /// (default false). See the type's documentation for filling the memo from the embedder's
    /// own passes.
    public init(
        embedder: MiniLMEmbedder, centred: Bool = false, capacity: Int = 4096, byteBudget: Int = EncoderContextualWordVectors.defaultByteBudget,
        maximumAnalysedCharacters: Int = VerifierConfiguration.defaultMaximumAnalysedCharacters
    ) {
        self.embedder = embedder
        self.centred = centred
        self.capacity = max(1, capacity)
        self.byteBudget = max(0, byteBudget)
        self.maximumAnalysedCharacters = maximumAnalysedCharacters
        self.memo = Mutex(Generations())
    }

    /// The number of texts whose vectors are memoised.
    public var memoisedTexts: Int { memo.withLock { $0.count } }
    /// The approximate bytes the memo holds (at most ``byteBudget``).
    public var memoisedBytes: Int { memo.withLock { $0.bytes } }

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
        remember(text, computed)
        return computed
    }

    /// What memoising `vectors` for `text` costs: the text, one optional array per word, each
    /// vector's array, and two dictionary slots' worth of overhead.
    static func bytes(of text: String, _ vectors: [[Float]?]) -> Int {
        var bytes = AnalyzedText.heapBytes(text) + 32 + vectors.count * MemoryLayout<[Float]?>.stride + 2 * 64
        for case let vector? in vectors { bytes += 32 + vector.count * MemoryLayout<Float>.stride }
        return bytes
    }

    private func remember(_ text: AnalyzedText, _ vectors: [[Float]?]) {
        guard !text.isTruncated else { return }
        let entry = Entry(vectors: vectors, bytes: Self.bytes(of: text.text, vectors))
        guard entry.bytes <= byteBudget / 2 else { return }
        // A dropped generation (thousands of arrays) is released when `dropped` goes out of
        // scope, after the lock is given back.
        let dropped = memo.withLock { $0.store(text.text, entry, capacity: capacity, budget: byteBudget) }
        _ = dropped
    }

    /// Memoises the vectors of a text the embedder has just encoded (skipping one longer than
    /// ``maximumAnalysedCharacters``, which is not analysed).
    public func encoder(didEncode encoded: EncodedText) {
        guard !AnalyzedText.exceeds(encoded.text, characters: maximumAnalysedCharacters),
            !memo.withLock({ $0.contains(encoded.text) })
        else { return }
        prepare(AnalyzedText(encoded.text), from: encoded)
    }

    /// Memoises `text`'s vectors, computed from the states of `encoded`; ignored when `encoded`
    /// is of another text or its parts do not fit together.
    public func prepare(_ text: AnalyzedText, from encoded: EncodedText) {
        guard encoded.text == text.text, encoded.wordOffsets.count == encoded.tokens.count,
            encoded.states.count == encoded.tokens.count * embedder.dimension
        else { return }
        remember(text, wordVectors(text, ids: encoded.tokens, offsets: encoded.wordOffsets, states: encoded.states))
    }

    /// One vector per word of `text` (content words only, nil elsewhere): the normalised mean of
    /// the states of the tokens that start inside the word as written (a clitic such as "'s"
    /// left out), punctuation tokens skipped.
    ///
    /// Word offsets rise with the token index, so each word's tokens are found by binary search
    /// (O(words × log tokens + tokens) rather than words × tokens).
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
        // Rows of word pieces ([CLS] and [SEP] have offset -1), and which are punctuation. The
        // tokenizer gives rising offsets; were they not, every row would be scanned per word.
        let pieceRows = (0..<rows).filter { offsets[$0] >= 0 }
        let rising = zip(pieceRows, pieceRows.dropFirst()).allSatisfy { offsets[$0] <= offsets[$1] }
        let punctuation = (0..<rows).map { isPunctuationToken(ids[$0]) }
        for index in text.contentWordIndices {
            let word = text.words[index]
            let span = word.offsets.lowerBound..<min(word.offsets.upperBound, word.offsets.lowerBound + word.text.unicodeScalars.count)
            // The first piece row whose offset is at or after the span's start.
            var low = 0
            var high = pieceRows.count
            while rising, low < high {
                let middle = (low + high) / 2
                if Int(offsets[pieceRows[middle]]) < span.lowerBound { low = middle + 1 } else { high = middle }
            }
            var v = [Float](repeating: 0, count: h)
            var pieces = 0
            var position = low
            while position < pieceRows.count {
                let row = pieceRows[position]
                position += 1
                guard span.contains(Int(offsets[row])) else {
                    if rising { break } else { continue }
                }
                guard !punctuation[row] else { continue }
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
