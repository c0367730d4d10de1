/// Something that turns texts into fixed-length vectors whose cosine similarity reflects
/// closeness in meaning (or, for ``HashingEmbedder``, in wording).
///
/// Implementations: ``MiniLMEmbedder`` runs all-MiniLM-L6-v2 in process (the default),
/// ``RemoteEmbedder`` calls an OpenAI-compatible `/v1/embeddings` service, ``HashingEmbedder`` is a
/// lexical stand-in for tests and tiny setups, and ``MemoizingEmbedder`` puts an LRU memo in front
/// of any of them.
public protocol Embedder: Sendable {
    /// A name identifying the model, stored next to cached vectors so that vectors from different
    /// models are never compared.
    var name: String { get }
    /// The length of every vector this embedder returns.
    var dimension: Int { get }
    /// Embeds `texts`, returning one vector per text, in order.
    ///
    /// An empty array returns an empty array. Each implementation documents its limit on the
    /// number of texts per call and how it treats empty strings.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

extension Embedder {
    /// Embeds a single text.
    public func embed(_ text: String) async throws -> [Float] {
        try await embed([text])[0]
    }
}
