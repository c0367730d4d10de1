import DejaCache
import DejaEmbedding

/// The verifier the gateway uses by default (filled in by the verifier module).
enum DefaultVerifier {
    static func make(embedder: MiniLMEmbedder) throws -> (any HitVerifier)? { nil }
}
