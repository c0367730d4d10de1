/// The semantic cache's settings, with documented defaults. Parsed from YAML by the gateway.
public struct CacheConfiguration: Sendable {
    /// Master switch. Default on.
    public var enabled = true
    /// Cosine similarity a semantic candidate must reach. Default 0.95.
    public var threshold: Double = 0.95
    /// Per-model thresholds (`provider/model` or the model name), overriding `threshold`.
    public var modelThresholds: [String: Double] = [:]
    /// Bounds for the per-request `x-cache-threshold` override.
    public var thresholdBounds: ClosedRange<Double> = 0.80...1.0
    /// Entry lifetime when the request does not set `x-cache-ttl`. Default one hour.
    public var ttlSeconds: Double = 3600
    /// Bounds for the per-request `x-cache-ttl`.
    public var ttlBounds: ClosedRange<Double> = 1...(7 * 86_400)
    /// Most entries held in memory; the least recently used go first. Default 100,000.
    public var maxEntries = 100_000
    /// Most bytes of stored responses and vectors held in memory. Default 512 MiB.
    public var maxBytes = 512 << 20
    /// Finish reasons whose answers are stored. Default stop and tool_calls.
    public var storedFinishReasons: Set<String> = ["stop", "tool_calls"]
    /// Requests with a higher temperature are not cached (their answers are meant to vary).
    public var maxTemperature: Double = 1.0
    /// Tenants that share one cache scope (opt-in; by default every tenant has its own).
    public var sharedScopeTenants: Set<String> = []
    /// Size at which a namespace's flat index is promoted to HNSW.
    public var indexPromotionThreshold = 2048
    /// Candidates examined per semantic lookup (best first) before declaring a miss.
    public var candidatesPerLookup = 4
    /// Raise a namespace's threshold by `feedbackThresholdStep` each time a client reports a wrong
    /// hit in it. Off by default: eviction and the negative pair already stop the repeat.
    public var feedbackRaisesThreshold = false
    public var feedbackThresholdStep = 0.01
    /// How long an idempotency key replays its first response. Default one hour.
    public var idempotencyTTLSeconds: Double = 3600

    public init() {}

    /// The scope whose entries a tenant may read: the shared scope for opted-in tenants, else its own.
    public func scope(forTenant tenant: String) -> String {
        sharedScopeTenants.contains(tenant) ? "shared" : "tenant:" + tenant
    }

    /// The threshold for a model, before any per-request override.
    public func threshold(forModel resolvedModel: String, upstreamModel: String) -> Double {
        modelThresholds[resolvedModel] ?? modelThresholds[upstreamModel] ?? threshold
    }
}
