/// A source of word vectors for the content-word check: two words that mean nearly the same
/// should have a high cosine.
///
/// ``InputEmbeddingWordVectors`` reads them from the embedding model's own vocabulary table.
/// Implementations must be deterministic and fast (they run on every cache candidate), so
/// memoise anything costly.
public protocol WordVectors: Sendable {
    /// The L2-normalised vector for a lower-cased word, or nil when the word has none.
    func vector(for word: String) -> [Float]?
}

extension WordVectors {
    /// Cosine of the two words' vectors, or nil when either has none.
    public func similarity(_ a: String, _ b: String) -> Float? {
        guard let x = vector(for: a), let y = vector(for: b), x.count == y.count else { return nil }
        var dot: Float = 0
        for i in x.indices { dot += x[i] * y[i] }
        return dot
    }
}
