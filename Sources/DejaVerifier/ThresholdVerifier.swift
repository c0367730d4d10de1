public import DejaEmbedding

/// The verifier for any cosine threshold: the preset chain whose bounds were set for it.
///
/// Each preset's bounds were chosen for the candidates its threshold lets through
/// (``VerifierConfiguration/strict`` at 0.95 and above, ``VerifierConfiguration/balanced`` from
/// 0.90, ``VerifierConfiguration/aggressive`` below — down to the lowest threshold the cache
/// allows, although it was measured at 0.85).
/// Thresholds change per request (`x-cache-threshold`), per model and after feedback, so the
/// cache picks the chain per lookup rather than once at start-up. The three chains share their
/// word vectors, words in context and analysis memo: a text is analysed and prepared once.
public struct ThresholdVerifier: Sendable {
    /// The chain for thresholds of 0.95 and above.
    public let strict: VerifierChain
    /// The chain for thresholds from 0.90 up to 0.95.
    public let balanced: VerifierChain
    /// The chain for thresholds below 0.90.
    public let aggressive: VerifierChain

    /// Builds the three preset chains, each changed by `adjust` (which checks run, bounds the
    /// operator fixed), on the same vectors; see ``VerifierChain/init(configuration:wordVectors:contextualWordVectors:)``.
    public init(
        adjust: (inout VerifierConfiguration) -> Void = { _ in }, wordVectors: (any WordVectors)?,
        contextualWordVectors: (any ContextualWordVectors)? = nil
    ) {
        let configurations = [VerifierConfiguration.strict, .balanced, .aggressive].map { preset in
            var configuration = preset
            adjust(&configuration)
            return configuration
        }
        let memo = AnalysisMemo.make(for: configurations)
        let chains = configurations.map {
            VerifierChain(configuration: $0, wordVectors: wordVectors, contextualWordVectors: contextualWordVectors, memo: memo)
        }
        (strict, balanced, aggressive) = (chains[0], chains[1], chains[2])
    }

    /// The lowest threshold verified with ``strict``.
    public static let strictFrom = 0.95
    /// The lowest threshold verified with ``balanced``.
    public static let balancedFrom = 0.90

    /// The chain for candidates found at `threshold` (within 1e-9 of a boundary counts as on it:
    /// a threshold raised by feedback in steps of 0.01 may land a rounding error below 0.95).
    public func chain(forThreshold threshold: Double) -> VerifierChain {
        threshold >= Self.strictFrom - 1e-9 ? strict : threshold >= Self.balancedFrom - 1e-9 ? balanced : aggressive
    }
}

extension ThresholdVerifier: TokenStateObserver {
    /// Prepares a text the cache has just embedded, for all three chains at once (they share the
    /// memo and the words in context); see ``VerifierChain/encoder(didEncode:)``.
    public func encoder(didEncode encoded: EncodedText) {
        let chain = [strict, balanced, aggressive].first { $0.contextualWordVectors != nil } ?? strict
        chain.encoder(didEncode: encoded)
    }
}
