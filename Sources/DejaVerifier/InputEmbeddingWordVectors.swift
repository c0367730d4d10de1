public import DejaEmbedding
import Synchronization

/// Word vectors from all-MiniLM-L6-v2's input word-embedding table: the mean of the rows of a
/// word's word pieces, minus the mean row of the whole vocabulary, L2-normalised.
///
/// Subtracting the vocabulary mean removes the direction every row shares, which otherwise
/// makes unrelated words look alike (cosines of unrelated words drop from about 0.3 to about
/// 0.05, while "delete"/"remove" stay high). Vectors are memoised: a word costs a few
/// microseconds the first time and a dictionary look-up after that. The memo holds at most
/// `capacity` words and `byteBudget` approximate bytes (about 1.6 KB a word; a "word" of
/// punctuation-joined pieces can be as long as the analysed text) and is cleared when full.
///
/// Loading computes the vocabulary mean once (30,522 rows, about 10 ms).
public final class InputEmbeddingWordVectors: WordVectors {
    private let embedder: MiniLMEmbedder
    private let mean: [Float]
    private let memo: Mutex<(vectors: [String: [Float]], bytes: Int)>
    private let capacity: Int
    /// The most approximate bytes the memo holds. Default 128 MiB (65,536 ordinary words take
    /// about 105 MiB).
    public let byteBudget: Int

    /// 128 MiB.
    public static let defaultByteBudget = 128 << 20

    /// Creates word vectors backed by `embedder`, memoising at most `capacity` words in
    /// `byteBudget` bytes; `centred` subtracts the vocabulary mean (default true).
    public init(embedder: MiniLMEmbedder, centred: Bool = true, capacity: Int = 65_536, byteBudget: Int = InputEmbeddingWordVectors.defaultByteBudget) {
        self.embedder = embedder
        self.capacity = capacity
        self.byteBudget = byteBudget
        self.memo = Mutex(([:], 0))
        var mean = [Float](repeating: 0, count: embedder.dimension)
        if centred {
            let size = embedder.tokenizer.vocabularySize
            for id in 0..<size {
                guard let row = embedder.inputEmbedding(forTokenID: Int32(id)) else { continue }
                for k in mean.indices { mean[k] += row[k] }
            }
            for k in mean.indices { mean[k] /= Float(size) }
        }
        self.mean = mean
    }

    /// The number of words memoised.
    public var memoisedWords: Int { memo.withLock { $0.vectors.count } }
    /// The approximate bytes the memo holds (at most ``byteBudget``).
    public var memoisedBytes: Int { memo.withLock { $0.bytes } }

    public func vector(for word: String) -> [Float]? {
        if let hit = memo.withLock({ $0.vectors[word] }) { return hit }
        let tokenizer = embedder.tokenizer
        let pieces = tokenizer.wordPieces(word, limit: 16)
        guard !pieces.isEmpty, !pieces.contains(tokenizer.unknownID) else { return nil }
        var sum = [Float](repeating: 0, count: embedder.dimension)
        for id in pieces {
            guard let row = embedder.inputEmbedding(forTokenID: id) else { return nil }
            for k in sum.indices { sum[k] += row[k] }
        }
        var norm: Float = 0
        for k in sum.indices {
            sum[k] = sum[k] / Float(pieces.count) - mean[k]
            norm += sum[k] * sum[k]
        }
        guard norm > 0 else { return nil }
        let scale = 1 / norm.squareRoot()
        for k in sum.indices { sum[k] *= scale }
        // The word, a dictionary slot (key, array reference, 1/4 spare) and the vector's array.
        let size = AnalyzedText.heapBytes(word) + 32 + 32 + sum.count * MemoryLayout<Float>.stride
        guard size <= byteBudget else { return sum }
        memo.withLock { memo in
            guard memo.vectors[word] == nil else { return }
            if memo.vectors.count >= capacity || memo.bytes + size > byteBudget {
                memo.vectors.removeAll(keepingCapacity: true)
                memo.bytes = 0
            }
            memo.vectors[word] = sum
            memo.bytes += size
        }
        return sum
    }
}
