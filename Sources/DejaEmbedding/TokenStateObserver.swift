/// Receives the encoder's last-layer token states of every text a ``MiniLMEmbedder`` embeds for
/// it, as a by-product of the pass that computes the embedding.
///
/// Work that needs a text's token states (the cache verifier's words in context) gets them from
/// the pass the cache runs anyway instead of a second one: wrap the model in a
/// ``TokenStateReportingEmbedder``. Called on the thread that ran the pass (NIO's blocking-work
/// pool in the gateway), once per text, synchronously: keep it to microseconds.
public protocol TokenStateObserver: Sendable {
    /// A text has just been encoded; `encoded.states` is valid only during the call.
    func encoder(didEncode encoded: EncodedText)
}

/// One text as the encoder saw it, handed to a ``TokenStateObserver``.
public struct EncodedText {
    /// The text.
    public let text: String
    /// Its tokens, `[CLS] … [SEP]` (after truncation).
    public let tokens: [Int32]
    /// For each token, where its word starts in `text` (Unicode scalars; -1 for `[CLS]`/`[SEP]`),
    /// as ``WordPieceTokenizer/encodeWithWordOffsets(_:)`` gives them.
    public let wordOffsets: [Int32]
    /// The last layer's hidden states: `tokens.count` rows of ``MiniLMEmbedder/dimension``
    /// floats. Valid only during the observer's call.
    public let states: UnsafeBufferPointer<Float>

    /// Bundles one encoded text (for observers and their tests).
    public init(text: String, tokens: [Int32], wordOffsets: [Int32], states: UnsafeBufferPointer<Float>) {
        self.text = text
        self.tokens = tokens
        self.wordOffsets = wordOffsets
        self.states = states
    }
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
