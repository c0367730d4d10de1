public import DejaEmbedding
import Synchronization

/// Word vectors from all-MiniLM-L6-v2's input word-embedding table: the mean of the rows of a
/// word's word pieces, minus the mean row of the whole vocabulary, L2-normalised.
///
/// Subtracting the vocabulary mean removes the direction every row shares, which otherwise
/// makes unrelated words look alike (cosines of unrelated words drop from about 0.3 to about
/// 0.05, while "delete"/"remove" stay high). Vectors are memoised: a word costs a few
/// microseconds the first time and a dictionary look-up after that. The memo holds at most
/// `capacity` words and is cleared when full.
///
/// Loading computes the vocabulary mean once (30,522 rows, about 10 ms).
public final class InputEmbeddingWordVectors: WordVectors {
    private let embedder: MiniLMEmbedder
    private let mean: [Float]
    private let memo: Mutex<[String: [Float]]>
    private let capacity: Int

    /// Creates word vectors backed by `embedder`; `centred` subtracts the vocabulary mean
    /// (default true).
    public init(embedder: MiniLMEmbedder, centred: Bool = true, capacity: Int = 65_536) {
        self.embedder = embedder
        self.capacity = capacity
        self.memo = Mutex([:])
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

    public func vector(for word: String) -> [Float]? {
        if let hit = memo.withLock({ $0[word] }) { return hit }
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
        memo.withLock { memo in
            if memo.count >= capacity { memo.removeAll(keepingCapacity: true) }
            memo[word] = sum
        }
        return sum
    }
}
