public import DejaProviders

/// One way to answer a request: a provider adapter and the model name that provider expects.
///
/// A plan is an ordered list of these; the executor tries them in order (later: retries,
/// breakers and fallback decide how far down the list it goes).
public struct Candidate: Sendable {
    /// The adapter that speaks this provider's wire format.
    public let provider: any UpstreamProvider
    /// The model name sent upstream.
    public let model: String
    /// Lower-case prefixes of client headers this provider is configured to receive.
    public let forwardHeaderPrefixes: [String]

    public init(provider: any UpstreamProvider, model: String, forwardHeaderPrefixes: [String] = []) {
        self.provider = provider
        self.model = model
        self.forwardHeaderPrefixes = forwardHeaderPrefixes
    }

    /// The configured provider name (`X-Provider`, metrics, health).
    public var providerName: String { provider.name }

    /// `provider/model`: the namespace a cached answer is stored under.
    public var qualifiedName: String { "\(provider.name)/\(model)" }
}

/// What the gateway decided to do with a request: the model the client asked for and the
/// candidates that may answer it, best first. Never empty.
public struct ExecutionPlan: Sendable {
    /// The model name as the client sent it.
    public let requestedModel: String
    /// The candidates in the order they are tried.
    public let candidates: [Candidate]
    /// Hedging: when the first candidate has not produced its first byte after this long, the
    /// second is called too and the first to answer wins. Nil: no hedging.
    public let hedgeAfter: Duration?

    /// Nil when `candidates` is empty: a plan always has someone to ask.
    public init?(requestedModel: String, candidates: [Candidate], hedgeAfter: Duration? = nil) {
        guard !candidates.isEmpty else { return nil }
        self.requestedModel = requestedModel
        self.candidates = candidates
        self.hedgeAfter = hedgeAfter
    }

    /// The candidate tried first; the cache namespace and the response headers of a miss name it
    /// unless another one answered.
    public var primary: Candidate { candidates[0] }
}
