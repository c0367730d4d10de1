import DejaCache
import DejaEmbedding
import DejaVerifier
import Synchronization

/// The verifier the gateway uses for a threshold (the preset whose bounds match it), optionally
/// restricted to some checks — the same construction as the gateway's `EmbedderFactory.verifier`.
enum DefaultVerifier {
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

    /// The preset chain for `threshold`, as ``ThresholdVerifier`` picks it, with only `checks` on.
    static func make(
        threshold: Double, checks: Set<String> = Set(VerifierConfiguration.checkNames), embedder: MiniLMEmbedder,
        wordVectors: InputEmbeddingWordVectors, contextual: EncoderContextualWordVectors? = nil, memoizedAnalyses: Int? = nil
    ) -> VerifierChain {
        ThresholdVerifier(
            adjust: { configuration in
                configuration.enableChecks(named: checks)
                if let memoizedAnalyses { configuration.memoizedAnalyses = memoizedAnalyses }
            },
            wordVectors: wordVectors, contextualWordVectors: contextual ?? contextualVectors(embedder)
        ).chain(forThreshold: threshold)
    }
}
