import DejaHTTPClient
import DejaCache
import DejaEmbedding
import DejaRemoteEmbedding
import DejaVerifier
import Foundation
import Logging

/// Builds the embedders a gateway uses: the cache's (native MiniLM, lexical hashing or remote),
/// memoised, and the native model for `/v1/embeddings` with `model: all-MiniLM-L6-v2`.
enum EmbedderFactory {
    static func modelDirectory(_ settings: CacheSettings) -> URL {
        settings.modelDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? MiniLMEmbedder.Configuration.defaultModelDirectory
    }

    /// The native model, or nil (with the reason) when its files are missing or damaged.
    static func native(_ settings: CacheSettings) -> Result<MiniLMEmbedder, any Error> {
        Result {
            try MiniLMEmbedder(
                configuration: .init(
                    modelDirectory: modelDirectory(settings), blasThreads: settings.blasThreads, precision: settings.encoderPrecision))
        }
    }

    /// The verifier: for each lookup, the preset chain for its threshold (configured, per model,
    /// per request or raised by feedback), with the checks and bounds the configuration sets. The
    /// content-word check needs the native model (its input embeddings, and its last hidden layer
    /// for words in context); without the model it is off.
    static func verifier(_ settings: CacheSettings, native: MiniLMEmbedder?) -> ThresholdVerifier? {
        guard settings.verifierEnabled else { return nil }
        return ThresholdVerifier(
            adjust: { configuration in
                configuration.enableChecks(named: settings.verifierChecks)
                if native == nil { configuration.checksContentWords = false }
                if let bound = settings.verifierMinimumWordSimilarity { configuration.minimumWordSimilarity = Float(bound) }
                if let bound = settings.verifierMinimumContextualSimilarity { configuration.minimumContextualWordSimilarity = Float(bound) }
                configuration.preambleSimilarity = settings.verifierPreambleSimilarity
                configuration.maximumAnalysedCharacters = settings.verifierMaxAnalysedCharacters
                configuration.memoizedAnalysisBytes = settings.verifierAnalysisMemoBytes
            },
            wordVectors: native.map { InputEmbeddingWordVectors(embedder: $0) },
            contextualWordVectors: native.map {
                EncoderContextualWordVectors(
                    embedder: $0, capacity: settings.verifierContextMemoTexts, byteBudget: settings.verifierContextMemoBytes,
                    maximumAnalysedCharacters: settings.verifierMaxAnalysedCharacters)
            })
    }

    /// The cache's embedder. Throws when the configured kind cannot be built (a missing model
    /// with `embedder: native` stops start-up with the folder and the install command). With the
    /// native model, every pass also hands its text and token states to `verifier`, which
    /// analyses the text and keeps its words in context, so verifying it later runs no model.
    static func cacheEmbedder(
        _ settings: CacheSettings, native: Result<MiniLMEmbedder, any Error>, verifier: ThresholdVerifier?,
        client: UpstreamClient, logger: Logger
    ) throws -> any Embedder {
        let base: any Embedder
        switch settings.embedder {
        case .native:
            let model = try native.get()
            // Concurrent lookups share encoder passes (no added latency for a lone query).
            base = BatchingEmbedder(verifier.map { TokenStateReportingEmbedder(model, observer: $0) } ?? model)
        case .hashing:
            logger.notice("The cache uses the lexical hashing embedder: it matches wording, not meaning")
            base = HashingEmbedder()
        case .remote:
            base = try RemoteEmbedder(
                configuration: .init(
                    baseURL: settings.remoteBaseURL ?? "", apiKey: settings.remoteAPIKey, model: settings.remoteModel ?? "",
                    dimension: settings.remoteDimension ?? 0),
                client: client, logger: logger)
        }
        return MemoizingEmbedder(base, capacity: settings.embeddingMemoEntries, byteBudget: settings.embeddingMemoBytes)
    }
}
