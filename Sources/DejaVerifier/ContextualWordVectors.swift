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
}

extension ContextualWordVectors {
    /// Vectors that need no model are always ready.
    public func isReady(for text: AnalyzedText) -> Bool { true }
}

/// Contextual word vectors from all-MiniLM-L6-v2's last hidden layer: the text's words (as the
/// verifier split them, lower-cased) are run through the encoder as one sequence, and a word's
/// vector is the mean of its word pieces' last-layer states, L2-normalised.
///
/// In context, "far" (in "how far is the Moon") and "distance" (in "the distance to the Moon")
/// score 0.83 and "wrote"/"author" 0.81, where the input embeddings give 0.30 and 0.36; words that
/// change the question ("hiking"/"skiing", "tea"/"coffee", "table"/"column") stay lower in the
/// development set. `centred` subtracts the text's mean token state first; on the development
/// set that lowered every score and kept fewer paraphrases at the same false-hit rate, so it is
/// off by default.
///
/// Cost: one encoder pass per new text (about as much as embedding it: a few milliseconds for a
/// one-line question on one core), memoised per text; the memo holds `capacity` texts (about
/// 1.5 KB per word each) and is cleared when full. Texts are cut to `maximumPieces` word pieces.
public final class EncoderContextualWordVectors: ContextualWordVectors {
    private let embedder: MiniLMEmbedder
    private let memo: Mutex<[String: [[Float]?]]>
    private let capacity: Int
    private let maximumPieces: Int
    private let centred: Bool

    /// Creates contextual vectors backed by `embedder`, memoising up to `capacity` texts;
    /// `centred` subtracts the text's mean token state (default false).
    public init(embedder: MiniLMEmbedder, centred: Bool = false, capacity: Int = 4096, maximumPieces: Int = 128) {
        self.embedder = embedder
        self.centred = centred
        self.capacity = capacity
        self.maximumPieces = max(1, min(maximumPieces, embedder.configuration.maxSequenceLength - 2))
        self.memo = Mutex([:])
    }

    /// The number of texts whose vectors are memoised.
    public var memoisedTexts: Int { memo.withLock { $0.count } }

    /// True when `text`'s vectors are memoised (otherwise they cost an encoder pass).
    public func isReady(for text: AnalyzedText) -> Bool {
        memo.withLock { $0[text.text] != nil }
    }

    public func vectors(for text: AnalyzedText) -> [[Float]?]? {
        if let hit = memo.withLock({ $0[text.text] }) { return hit }
        guard let computed = compute(text) else { return nil }
        memo.withLock { memo in
            if memo.count >= capacity { memo.removeAll(keepingCapacity: true) }
            memo[text.text] = computed
        }
        return computed
    }

    private func compute(_ text: AnalyzedText) -> [[Float]?]? {
        let tokenizer = embedder.tokenizer
        var sequence: [Int32] = [tokenizer.classID]
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(text.words.count)
        for word in text.words {
            let room = maximumPieces + 1 - sequence.count
            let pieces = room > 0 ? tokenizer.wordPieces(word.lower, limit: room) : []
            ranges.append(sequence.count..<(sequence.count + pieces.count))
            sequence += pieces
        }
        sequence.append(tokenizer.separatorID)
        guard sequence.count > 2 else { return nil }
        let states = embedder.tokenStates(sequence)
        guard states.count == sequence.count else { return nil }
        let h = embedder.dimension
        var mean = [Float](repeating: 0, count: h)
        for state in states where centred {
            for k in 0..<h { mean[k] += state[k] }
        }
        let inverse = 1 / Float(max(states.count, 1))
        for k in 0..<h { mean[k] *= inverse }
        return ranges.map { range -> [Float]? in
            guard !range.isEmpty else { return nil }
            var v = [Float](repeating: 0, count: h)
            for index in range {
                let state = states[index]
                for k in 0..<h { v[k] += state[k] }
            }
            let scale = 1 / Float(range.count)
            var norm: Float = 0
            for k in 0..<h {
                v[k] = v[k] * scale - mean[k]
                norm += v[k] * v[k]
            }
            guard norm > 0 else { return nil }
            let inverseNorm = 1 / norm.squareRoot()
            for k in 0..<h { v[k] *= inverseNorm }
            return v
        }
    }
}
