extension MiniLMEmbedder {
    /// One word piece of a text with the model's input embedding for it.
    public struct TokenEmbedding: Sendable, Hashable {
        /// The vocabulary id.
        public var id: Int32
        /// The vocabulary entry, for example `play` or `##ing`.
        public var token: String
        /// Row `id` of the word-embedding table (384 floats): the model's context-free
        /// representation of the piece, before position embeddings and LayerNorm.
        public var vector: [Float]
    }

    /// Row `id` of the model's input word-embedding table, or nil when `id` is out of range.
    ///
    /// Comparing these rows tells whether two differing words are close in the model's own
    /// vocabulary space (for example `cat` and `kitten`) without running the encoder.
    public func inputEmbedding(forTokenID id: Int32) -> [Float]? {
        guard id >= 0, Int(id) < tokenizer.vocabularySize else { return nil }
        return encoderWordEmbeddingRow(Int(id))
    }

    /// The word pieces of `text` (no `[CLS]`/`[SEP]`, at most `limit` pieces) with the model's
    /// input embedding of each.
    public func inputEmbeddings(of text: String, limit: Int = 256) -> [TokenEmbedding] {
        tokenizer.wordPieces(text, limit: limit).map { id in
            TokenEmbedding(id: id, token: tokenizer.token(for: id) ?? "", vector: encoderWordEmbeddingRow(Int(id)))
        }
    }
}

extension MiniLMEmbedder {
    func encoderWordEmbeddingRow(_ id: Int) -> [Float] {
        let h = dimension
        return Array(UnsafeBufferPointer(start: encoder.weights.wordEmbeddings + id * h, count: h))
    }
}

extension MiniLMEmbedder {
    /// The encoder's last-layer hidden state of every token of an already-tokenized sequence
    /// (`[CLS] … [SEP]`, at most ``Configuration/maxSequenceLength`` long; longer input is cut
    /// to that length, keeping the final `[SEP]`): one ``dimension``-float vector per token, in
    /// order, before mean pooling and normalisation.
    ///
    /// These are contextual token vectors: the same word piece gets a different vector in a
    /// different sentence. Cost: one encoder pass (about the cost of embedding the text).
    public func tokenStates(_ sequence: [Int32]) -> [[Float]] {
        var sequence = sequence
        let limit = configuration.maxSequenceLength
        if sequence.count > limit, let last = sequence.last {
            sequence.removeLast(sequence.count - limit + 1)
            sequence.append(last)
        }
        guard !sequence.isEmpty else { return [] }
        let h = dimension
        let flat = encoder.tokenStates(sequence)
        return (0..<sequence.count).map { Array(flat[($0 * h)..<(($0 + 1) * h)]) }
    }
}
