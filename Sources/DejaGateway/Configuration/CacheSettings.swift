public import DejaCache
public import DejaEmbedding
import DejaVerifier

/// How the gateway builds its semantic cache: the cache's own settings plus which embedder,
/// where the model lives, and the optional Redis mirror.
public struct CacheSettings: Sendable {
    /// The embedder that turns final user messages into vectors.
    public enum EmbedderKind: String, Sendable {
        /// all-MiniLM-L6-v2 in process (the default).
        case native
        /// Lexical feature hashing: no model files, matches wording rather than meaning. Tests and
        /// tiny setups only.
        case hashing
        /// An OpenAI-compatible `/v1/embeddings` service.
        case remote
    }

    public var cache = CacheConfiguration()
    public var embedder: EmbedderKind = .native
    /// Folder of the native model; nil means `$DEJA_MODEL_DIR` or `.models/all-MiniLM-L6-v2`.
    public var modelDirectory: String?
    /// Remote embedder settings (`embedder: remote`).
    public var remoteBaseURL: String?
    public var remoteAPIKey: String?
    public var remoteModel: String?
    public var remoteDimension: Int?
    /// `REDIS_URL`: mirror entries to Redis and share them with peer instances.
    public var redisURL: String?
    /// `REDIS_HMAC_KEY`: the HMAC-SHA256 key that authenticates mirrored entries (at least 32
    /// bytes, e.g. `openssl rand -hex 32`; the same on every instance). Required with `redisURL`.
    public var redisHMACKey: String?
    /// OpenBLAS threads for the native model (process-wide). 1 keeps a query's encoder pass off
    /// the other core (best under load); 2 cuts single-query latency on an idle 2-core machine.
    public var blasThreads = 1
    /// `encoder_precision`: the number format of the native model's projections. `auto` (the
    /// default) runs int8 when its load-time accuracy check passes, else bf16, else fp32.
    public var encoderPrecision: EncoderPrecision = .auto
    /// Entries memoised in front of the embedder.
    public var embeddingMemoEntries = 10_000
    /// The verification stage every semantic candidate must pass (on by default). Nil bounds
    /// follow the preset that matches the threshold.
    public var verifierEnabled = true
    public var verifierChecks: Set<String> = Set(VerifierConfiguration.checkNames)
    public var verifierMinimumWordSimilarity: Double?
    /// Bound of the content-word check's in-context test (words compared in their sentences).
    public var verifierMinimumContextualSimilarity: Double?
    /// The cosine from which a social preamble before the same question is accepted
    /// (``VerifierConfiguration/preambleSimilarity``); nil: never.
    public var verifierPreambleSimilarity: Double? = VerifierConfiguration.strict.preambleSimilarity
    /// Texts whose words in context the verifier keeps: between this and twice this many, about
    /// 1.5 KB per content word (4,096 one-line questions of 3–10 content words: 20–60 MB, up to
    /// twice that). A candidate whose text fell out costs an encoder pass on the thread pool when
    /// it is next verified.
    public var verifierContextMemoTexts = 4096
    /// Byte budget of the words-in-context memo. Default 128 MiB.
    public var verifierContextMemoBytes = EncoderContextualWordVectors.defaultByteBudget
    /// Texts longer than this (characters) are never verified: such a pair is rejected before any
    /// analysis (fail closed). Default 4,096.
    public var verifierMaxAnalysedCharacters = VerifierConfiguration.defaultMaximumAnalysedCharacters
    /// Byte budget of the verifier's text-analysis memo. Default 16 MiB.
    public var verifierAnalysisMemoBytes = 16 << 20
    /// Byte budget of the embedding memo. Default 64 MiB.
    public var embeddingMemoBytes = MemoizingEmbedder.defaultByteBudget

    public init() {}
}

/// A static API key mapped to a tenant (until key management replaces the source of identity).
/// Only the SHA-256 of the key is kept; requests are matched in constant time.
public struct TenantKey: Sendable {
    public let keyHash: [UInt8]
    public let tenant: String

    public init(key: String, tenant: String) {
        self.keyHash = SecretHash.sha256(key)
        self.tenant = tenant
    }
}
