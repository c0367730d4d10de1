import DejaCache
import DejaEmbedding
import DejaVerifier
import Synchronization

/// The verifier the gateway uses for a threshold (the preset whose bounds match it), optionally
/// restricted to some checks — the same construction as the gateway's `EmbedderFactory.verifier`.
enum DefaultVerifier {
    static let checkNames = ["slots", "order", "polarity", "content_words"]

    /// One contextual-vector source per model, shared by every chain `make` builds; the bench's
    /// cache embeds through ``TokenStateReportingEmbedder`` with it, as the gateway's does.
    private static let contextual = Mutex<[ObjectIdentifier: EncoderContextualWordVectors]>([:])

    static func contextualVectors(_ embedder: MiniLMEmbedder) -> EncoderContextualWordVectors {
        contextual.withLock { sources in
            if let source = sources[ObjectIdentifier(embedder)] { return source }
            let source = EncoderContextualWordVectors(embedder: embedder)
            sources[ObjectIdentifier(embedder)] = source
            return source
        }
    }

    /// The gateway's verifier: the three preset chains on one shared contextual source.
    static func presets(embedder: MiniLMEmbedder, wordVectors: InputEmbeddingWordVectors) -> ThresholdVerifier {
        ThresholdVerifier(wordVectors: wordVectors, contextualWordVectors: contextualVectors(embedder))
    }

    static func make(
        threshold: Double, checks: Set<String> = Set(checkNames), embedder: MiniLMEmbedder, wordVectors: InputEmbeddingWordVectors,
        contextual: EncoderContextualWordVectors? = nil, memoizedAnalyses: Int? = nil
    ) -> VerifierChain {
        var configuration: VerifierConfiguration = threshold >= 0.95 ? .strict : threshold >= 0.90 ? .balanced : .aggressive
        if let memoizedAnalyses { configuration.memoizedAnalyses = memoizedAnalyses }
        configuration.checksSlots = checks.contains("slots")
        configuration.checksOrder = checks.contains("order")
        configuration.checksPolarity = checks.contains("polarity")
        configuration.checksContentWords = checks.contains("content_words")
        return VerifierChain(
            configuration: configuration, wordVectors: wordVectors, contextualWordVectors: contextual ?? contextualVectors(embedder))
    }
}
