/// Limits of `POST /v1/embeddings` answered by the in-process model, so that one request cannot
/// occupy the encoder that cache lookups need.
public struct LocalEmbeddingLimits: Sendable, Equatable {
    /// Tokens one request may send through the encoder (each input counts up to the encoder's
    /// 256-token window). Default 65,536 (e.g. 256 inputs of 256 tokens); above: 400.
    public var maxTokensPerRequest = 65_536
    /// Inputs encoded together in one pass. Default 32.
    public var batchSize = 32
    /// Encoder passes `/v1/embeddings` may run at once across all its requests; the thread pool's
    /// other threads stay free for the cache's own passes. Default 1.
    public var concurrentBatches = 1

    public init() {}
}
