public import DejaVerifier

/// The semantic cache's settings, with documented defaults. Parsed from YAML by the gateway.
public struct CacheConfiguration: Sendable {
    /// Master switch. Default on.
    public var enabled = true

    /// Whether verified semantic hits are served.
    public enum Mode: String, Sendable, CaseIterable {
        /// Serve exact and verified semantic hits (the default).
        case serve
        /// Look up and verify, but never serve a semantic hit: record what would have been served
        /// in the shadow log and answer from upstream. Exact hits are still served.
        case shadow
    }
    /// The mode for every request without a tenant or model override. Default `serve`.
    public var mode: Mode = .serve
    /// Per-tenant modes, overriding `mode`.
    public var tenantModes: [String: Mode] = [:]
    /// Per-model modes (`provider/model` or the model name), overriding `mode`. With a tenant
    /// override as well, shadow wins.
    public var modelModes: [String: Mode] = [:]
    /// Most records the shadow log keeps (the oldest go first). Default 10,000.
    public var shadowLogEntries = 10_000
    /// Most bytes of question text the shadow log keeps. Default 16 MiB.
    public var shadowLogBytes = 16 << 20

    /// The mode in force for a request: shadow when a tenant or model override says so, serve when
    /// one says serve and none says shadow, else `mode`.
    public func mode(tenant: String?, resolvedModel: String, upstreamModel: String) -> Mode {
        let overrides = [tenant.flatMap { tenantModes[$0] }, modelModes[resolvedModel] ?? modelModes[upstreamModel]].compactMap { $0 }
        if overrides.contains(.shadow) { return .shadow }
        return overrides.isEmpty ? mode : .serve
    }
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
    /// Detect time-sensitive questions (``TimeSensitivity``) and give them the lifetimes of
    /// `timeSensitiveTTLs`. Default on.
    public var timeSensitivityEnabled = true
    /// Lifetime in seconds per kind of time-sensitive question; a question of several kinds takes
    /// the shortest, never longer than `ttlSeconds`; 0 means such questions are neither looked up
    /// nor stored. An explicit `x-cache-ttl` on the request takes precedence.
    public var timeSensitiveTTLs: [TimeSensitivity.Kind: Double] = CacheConfiguration.defaultTimeSensitiveTTLs

    /// Not cached: "now", "right now", "at the moment". Five minutes: prices and news; one minute:
    /// scores and service status; fifteen minutes: what is relative to today, weather, timetables;
    /// thirty minutes: this week / month / year and "the latest".
    public static let defaultTimeSensitiveTTLs: [TimeSensitivity.Kind: Double] = [
        .now: 0, .today: 900, .period: 1800, .latest: 1800, .prices: 300, .weather: 900, .scores: 60, .schedules: 900,
        .news: 300, .status: 60,
    ]

    /// The lifetime a time-sensitive question gets, and the kind that set it (the shortest of its
    /// kinds'); nil when detection is off or the question is not time-sensitive.
    public func timeSensitiveLifetime(_ sensitivity: TimeSensitivity) -> (seconds: Double, kind: TimeSensitivity.Kind)? {
        guard timeSensitivityEnabled else { return nil }
        var best: (seconds: Double, kind: TimeSensitivity.Kind)?
        for kind in sensitivity.kinds {
            let seconds = min(timeSensitiveTTLs[kind] ?? ttlSeconds, ttlSeconds)
            if best == nil || seconds < best!.seconds { best = (seconds, kind) }
        }
        return best
    }
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

    // MARK: Memory bounds

    /// Largest answer stored as a cache entry, measured as the stored completion's bytes plus the
    /// query text's bytes (`CacheEntry.payloadBytes`). A larger answer is still served, just not
    /// stored, and counted (`SemanticCache.oversizeEntriesSkipped`). Default 1 MiB.
    public var maxEntryBytes = 1 << 20
    /// Most entries one cache scope (a tenant, or the shared scope) may hold. Inserting into a
    /// scope at its quota evicts that scope's own least recently used entries, never another
    /// scope's. Nil (the default) derives it: `maxEntries / 4` (at least 1) when `scopeCount` is
    /// above 1, else `maxEntries`. See `effectivePerScopeMaxEntries`.
    public var perScopeMaxEntries: Int?
    /// Most bytes (`CacheEntry.byteSize`) one cache scope may hold. Nil (the default) derives it:
    /// `maxBytes / 4` when `scopeCount` is above 1, else `maxBytes`. See `effectivePerScopeMaxBytes`.
    public var perScopeMaxBytes: Int?
    /// How many cache scopes the deployment's callers use (see `scopeCount(forTenants:)`); only
    /// the derived per-scope quotas read it. Default 1: a single-scope gateway may fill the whole
    /// cache.
    public var scopeCount = 1

    /// In-flight idempotency records plus kept responses may hold at most this many bytes (stored
    /// response bodies and headers, keys, and `IdempotencyStore.recordOverheadBytes` per record);
    /// the oldest finished records are evicted to make room. Default 64 MiB.
    public var idempotencyMaxBytes = 64 << 20
    /// Most idempotency records, finished and in flight. Default 100,000.
    public var idempotencyMaxRecords = 100_000
    /// Largest response kept for idempotent replay; a larger one is answered but not kept (the key
    /// is released, so a retry runs afresh). Default 1 MiB.
    public var idempotencyMaxResponseBytes = 1 << 20
    /// Most requests waiting, over all keys, for a concurrent request with their idempotency key
    /// to finish. Default 10,000.
    public var idempotencyMaxWaiters = 10_000

    /// Most requests that may join one in-flight upstream call (the request that started it not
    /// counted); a request beyond it starts a new call of its own that later identical requests
    /// join. Default 1,024.
    public var coalescingMaxFollowersPerFlight = 1024
    /// Most requests joined to in-flight calls over all flights; a request beyond it runs its own
    /// upstream call that nobody joins. Default 16,384.
    public var coalescingMaxFollowers = 16_384
    /// Bytes of stream chunks a flight keeps for requests that join it late. Past it the flight
    /// drops its buffer and takes no new subscribers until it has finished (a request arriving
    /// meanwhile starts its own call; after the finish, joiners get the assembled answer).
    /// Default 4 MiB.
    public var coalescingMaxBufferedBytes = 4 << 20

    public init() {}

    /// The per-scope entry quota in force: `perScopeMaxEntries` when set, else a quarter of
    /// `maxEntries` (at least 1) with more than one scope, else `maxEntries`; never above `maxEntries`.
    public var effectivePerScopeMaxEntries: Int {
        let derived = scopeCount > 1 ? max(1, maxEntries / 4) : maxEntries
        return max(1, min(perScopeMaxEntries ?? derived, maxEntries))
    }

    /// The per-scope byte quota in force: `perScopeMaxBytes` when set, else a quarter of
    /// `maxBytes` with more than one scope, else `maxBytes`; never above `maxBytes`.
    public var effectivePerScopeMaxBytes: Int {
        let derived = scopeCount > 1 ? max(1, maxBytes / 4) : maxBytes
        return max(1, min(perScopeMaxBytes ?? derived, maxBytes))
    }

    /// How many distinct cache scopes these tenants use (tenants in `sharedScopeTenants` count
    /// once together). The gateway sets `scopeCount` from its tenant list with this.
    public func scopeCount(forTenants tenants: some Sequence<String>) -> Int {
        Set(tenants.map { scope(forTenant: $0) }).count
    }

    /// The scope whose entries a tenant may read: the shared scope for opted-in tenants, else its own.
    public func scope(forTenant tenant: String) -> String {
        sharedScopeTenants.contains(tenant) ? "shared" : "tenant:" + tenant
    }

    /// The threshold for a model, before any per-request override.
    public func threshold(forModel resolvedModel: String, upstreamModel: String) -> Double {
        modelThresholds[resolvedModel] ?? modelThresholds[upstreamModel] ?? threshold
    }
}
