public import DejaHTTPServer
public import Logging
public import DejaObservability

/// Everything `deja serve` needs, with documented defaults. Built by `ConfigurationLoader` from a
/// YAML file and the environment; components receive the parts they need.
public struct GatewayConfiguration: Sendable {
    /// Address to listen on. Default `127.0.0.1`; set `0.0.0.0` to accept remote clients.
    public var host: String = "127.0.0.1"
    /// TCP port. Default 8080; 0 picks a free port (tests).
    public var port: Int = 8080
    /// Largest request body accepted, in bytes (413 above). Default 4 MiB.
    public var maxBodyBytes: Int = 4 << 20
    /// Time allowed for an upstream's response head and the longest silence mid-stream. Default 60 s.
    public var requestTimeoutMs: Int = 60_000
    /// Log level (`trace` … `critical`). Default `info`.
    public var logLevel: Logger.Level = .info
    /// `LOG_FORMAT` (or `LOG_PRETTY=true` for text); nil: text on a terminal, JSON otherwise.
    public var logFormat: LogFormat?
    /// How long a graceful stop (SIGTERM) waits for in-flight requests and streams to finish
    /// (`SHUTDOWN_GRACE_MS`, `server.shutdown_grace_ms`).
    public var shutdownGraceMs: Int = 30_000
    /// Record prompt text on the chat spans (`gen_ai.input.messages`); off by default
    /// (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`).
    public var traceContent = false
    /// Origins allowed by CORS; `*` allows any. Default `["*"]`.
    public var corsAllowedOrigins: [String] = ["*"]
    /// The provider that serves models no catalogue entry claims; nil means such models are 404.
    public var defaultProvider: String?
    /// The providers, in configuration order (order breaks ties in model resolution).
    public var providers: [ProviderSettings] = []
    /// True when answers come from the built-in simulator (`--demo`, or no key configured).
    public var demo: Bool = false
    /// The semantic cache.
    public var cacheSettings = CacheSettings()
    /// Static API keys and their tenants. Empty: every request is tenant `default`.
    public var tenants: [TenantKey] = []
    /// SHA-256 of the admin token (`ADMIN_API_KEY`, alias `ADMIN_TOKEN`) that guards `/api/*`, the
    /// detailed `/health` and (optionally) `/metrics`; nil leaves the loopback convenience of
    /// `AdminGuard` on a loopback-bound gateway and no admin API otherwise.
    public var adminTokenHash: [UInt8]?
    /// Accept anonymous callers on a non-loopback address when no client key is configured.
    /// Default false: such a gateway refuses to start.
    public var allowUnauthenticated = false
    /// Require the admin token for `/metrics` too. Default false, so Prometheus needs no secret.
    public var protectMetrics = false
    /// Connection limits and timeouts of the HTTP server.
    public var serverLimits = ServerLimits()
    /// The local embeddings endpoint's per-request limits.
    public var localEmbeddings = LocalEmbeddingLimits()
    /// Retries, circuit breakers, fallbacks, deadlines and the degraded signal.
    public var reliability = ReliabilitySettings()
    /// The model catalogue, the classifier's head and the routing policy.
    public var routing = RoutingSettings()
    /// Issued keys, tenants, rate limits, budgets, the usage ledger and where they are stored.
    public var governance = GovernanceSettings()

    /// True when the listening address is a loopback address (or `localhost`).
    public var isBoundToLoopback: Bool { Self.isLoopback(host) }

    /// `127.0.0.0/8`, `::1` or `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses a configuration that would expose an unauthenticated gateway: no client key, a
    /// non-loopback address, and no explicit `allow_unauthenticated: true`.
    public func checkExposure() throws(ConfigurationError) {
        // With an admin token, keys come from the key API: every client request needs one.
        guard tenants.isEmpty, !isBoundToLoopback, !allowUnauthenticated, adminTokenHash == nil else { return }
        throw ConfigurationError(
            "refusing to listen on \(host) without client keys: anyone who reaches the port could use the gateway and its provider keys. Configure client keys (tenants:) or an admin token (ADMIN_API_KEY, then issue keys with the key API), bind to 127.0.0.1, or set allow_unauthenticated: true (ALLOW_UNAUTHENTICATED=true) to accept anonymous callers deliberately")
    }

    public init() {}

    /// The provider settings with this name, if configured.
    public func provider(named name: String) -> ProviderSettings? {
        providers.first { $0.name == name }
    }
}

/// The wire format a provider speaks.
public enum ProviderKind: String, Sendable, CaseIterable {
    /// OpenAI's chat-completions API (OpenAI, Groq, Together, Ollama, vLLM, any compatible server).
    case openai
    /// Anthropic's Messages API.
    case anthropic
    /// Google's Gemini API.
    case gemini
}

/// One upstream provider's settings.
public struct ProviderSettings: Sendable {
    /// Unique name, used in `provider/model` and `X-Provider`.
    public var name: String
    public var kind: ProviderKind
    /// API root: for `openai` kind including `/v1` (e.g. `https://api.openai.com/v1`); for
    /// `anthropic` and `gemini` the host root (e.g. `https://api.anthropic.com`).
    public var baseURL: String
    /// Secret; never logged.
    public var apiKey: String?
    /// Models this provider serves by exact name (the catalogue).
    public var models: [String] = []
    /// Glob patterns (`*` wildcard) of model names this provider claims, e.g. `gpt-*`.
    public var modelPatterns: [String] = []
    /// Overrides the global request timeout for this provider.
    public var timeoutMs: Int?
    /// Client header name prefixes passed through to this provider (e.g. `x-sim-` for the simulator).
    public var forwardHeaders: [String] = []
    /// The catalogue providers this provider serves (`openai`, `groq`, …); empty: its own name.
    /// Lets a gateway route catalogue models through, say, an OpenAI-compatible proxy.
    public var catalogueProviders: [String] = []
    /// Anthropic only: `max_tokens` sent when the client sets none (the Messages API requires it).
    public var defaultMaxTokens: Int?
    /// Pass-through endpoints opened beyond the default allow-list, as `"METHOD /path"` patterns
    /// relative to the pass-through prefix (`*` within a segment, `**` across), e.g. `"POST /files"`.
    public var passthroughAllow: [String] = []

    public init(
        name: String, kind: ProviderKind, baseURL: String, apiKey: String? = nil, models: [String] = [],
        modelPatterns: [String] = [], timeoutMs: Int? = nil, forwardHeaders: [String] = [], defaultMaxTokens: Int? = nil,
        passthroughAllow: [String] = [], catalogueProviders: [String] = []
    ) {
        self.passthroughAllow = passthroughAllow
        self.catalogueProviders = catalogueProviders
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.models = models
        self.modelPatterns = modelPatterns
        self.timeoutMs = timeoutMs
        self.forwardHeaders = forwardHeaders
        self.defaultMaxTokens = defaultMaxTokens
    }
}
