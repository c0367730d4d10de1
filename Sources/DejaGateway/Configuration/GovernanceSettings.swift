public import DejaGovernance

/// The `governance:` section: where keys, budgets and the usage ledger live, and the limits that
/// apply beyond each key's and tenant's own.
public struct GovernanceSettings: Sendable {
    /// Where governance state lives.
    public enum Store: Sendable, Equatable {
        /// Nothing persists (tests; a gateway told to keep no state).
        case memory
        /// One SQLite file (the embedded default: `<data_dir>/governance.sqlite`).
        case sqlite(path: String)
        /// PostgreSQL shared by several instances (`DATABASE_URL`).
        case postgres(url: String)
    }

    /// Default: memory. The loader's default (what `deja serve` runs) is SQLite under `data_dir`.
    public var store: Store = .memory
    /// Requests per window from one client address (`RATE_LIMIT_MAX` per `RATE_LIMIT_WINDOW_MS`,
    /// default 100 per 60 s); nil: no per-address limit.
    public var perAddress: RateLimit? = RateLimit(count: 100, period: .seconds(60))
    /// Limits per model, by glob of the requested model name (`gpt-4o*`, `auto`); the first match
    /// applies. Requests per window and tokens per minute; budgets here are ignored.
    public var perModel: [(pattern: String, limits: GovernanceLimits)] = []
    /// The whole gateway's monthly budget (`GLOBAL_MONTHLY_USD_BUDGET`, `GLOBAL_MONTHLY_TOKEN_BUDGET`).
    public var global = GovernanceLimits()
    /// Limits of the tenants of static keys (`tenants:` in the file) and defaults for tenants the
    /// key API creates implicitly: none.
    /// Keep prompts out of the usage ledger whatever a tenant asks (`REDACT_PROMPTS`, default true).
    public var redactPrompts = true
    /// Ledger rows older than this are deleted (hourly rollups are kept). Default 90 days.
    public var usageRetentionDays = 90
    /// How often an instance re-reads the store's revision to pick up other instances' key
    /// changes (revocations land within this interval). Default 250 ms.
    public var revisionPollMs = 250
    /// How often the usage writer flushes, and the most rows it holds (beyond: dropped, counted).
    public var ledgerFlushMs = 1_000
    public var ledgerMaxPending = 100_000
    /// Output tokens assumed for the budget reservation of a request that sets no `max_tokens`
    /// when the model's catalogue entry names no maximum. Default 4096.
    public var assumedMaxOutputTokens = 4_096
    /// Every client request must present a key, even while none is configured or issued (set when
    /// the gateway listens beyond loopback with an admin token and no static key: keys come from
    /// the key API, and until one exists nobody may call).
    public var requireKeys = false

    public init() {}

    /// The per-model limits for a requested model name.
    public func modelLimits(_ model: String) -> GovernanceLimits? {
        perModel.first { ModelGlob.matches($0.pattern, model) }?.limits
    }
}
