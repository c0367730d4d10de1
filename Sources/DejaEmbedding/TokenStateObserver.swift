/// Receives the encoder's last-layer token states of every text a ``MiniLMEmbedder`` embeds for
/// it, as a by-product of the pass that computes the embedding.
///
/// Work that needs a text's token states (the cache verifier's words in context) gets them from
/// the pass the cache runs anyway instead of a second one: wrap the model in a
/// ``TokenStateReportingEmbedder``. Called on the thread that ran the pass (NIO's blocking-work
/// pool in the gateway), once per text, synchronously: keep it to microseconds.
public protocol TokenStateObserver: Sendable {
    /// `text` was encoded as `tokens` (`[CLS] … [SEP]`); `states` holds `tokens.count` rows of
    /// ``MiniLMEmbedder/dimension`` floats, valid only during the call.
    func encoder(didEncode text: String, tokens: [Int32], states: UnsafeBufferPointer<Float>)
}

/// The native model, reporting every text's token states to an observer as it embeds.
public struct TokenStateReportingEmbedder: Embedder {
    /// The model.
    public let model: MiniLMEmbedder
    /// Receives each embedded text's token states.
    public let observer: any TokenStateObserver

    /// Embeds with `model`, reporting to `observer`.
    public init(_ model: MiniLMEmbedder, observer: any TokenStateObserver) {
        self.model = model
        self.observer = observer
    }

    public var name: String { model.name }
    public var dimension: Int { model.dimension }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await model.embed(texts, reportingTokenStatesTo: observer)
    }
}
