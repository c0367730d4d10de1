import DejaGovernance
import DejaGovernancePostgres
import DejaGovernanceSQLite
import DejaIndex
import DejaObservability
import DejaRedis
import DejaReliability
import DejaRouting
import Foundation
import Logging

/// `deja bench governance`: what governance adds to a request, measured on the real code path.
public enum GovernanceBenchmark {
    /// Per-request admission latencies in microseconds, sorted: key authentication (salted hash
    /// of an issued key), the request limits of address, key and tenant, the token limits of key
    /// and tenant, and the budget reservation in three scopes; the settlement (off the request
    /// path) is not timed. With `redisURL` the limits and the reservation go to Redis.
    public static func admission(iterations: Int, redisURL: String?, pause: Duration = .zero, logger: Logger) async throws -> [Double] {
        var settings = GovernanceSettings()
        settings.perAddress = RateLimit(count: 1_000_000_000, period: .seconds(60))
        let shared = try redisURL.map { RedisCounters(configuration: try RedisConfiguration(url: $0), logger: logger) }
        let governance = Governance(
            settings: settings, store: InMemoryGovernanceStore(), clock: SystemReliabilityClock(), metrics: GatewayMetrics(), logger: logger,
            shared: shared)
        defer { governance.close() }
        try await governance.load()
        let issued = KeyMaterial.issue()
        let limits = GovernanceLimits(requestsPerWindow: 1_000_000_000, tokensPerMinute: 2_000_000_000, monthlyUSD: 1e9, monthlyTokens: 1_000_000_000_000)
        try await governance.store.insertKey(
            APIKey(id: issued.id, name: "bench", tenant: "bench", salt: issued.salt, hash: issued.hash, display: issued.display, limits: limits, createdAt: governance.unixSeconds))
        try await governance.store.upsertTenant(Tenant(name: "bench", limits: limits, createdAt: governance.unixSeconds))
        try await governance.refresh(force: true)
        if let shared { await shared.heartbeat(unixSeconds: governance.unixSeconds) }
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        let warmup = min(1_000, iterations / 10)
        for i in 0..<(iterations + warmup) {
            let start = ContinuousClock.now
            guard let grant = governance.directory.grant(presented: issued.plaintext, unixSeconds: governance.unixSeconds) else { throw GatewayStartError(message: "bench key refused") }
            let identity = CallerIdentity.tenant(grant.tenant)
            _ = try await governance.admitRequest(governance.requestScopes(address: "127.0.0.1", identity: identity, grant: grant))
            let estimated = 40
            let tokenCharges: [RequestAccount.Charge] = [
                ("key", "t:key:" + grant.id, grant.limits.tokenRate!, estimated), ("tenant", "t:tenant:bench", limits.tokenRate!, estimated),
            ]
            let tokens = try await governance.admit(tokenCharges, kind: .tokens)
            let account = RequestAccount(
                governance: governance, requestID: "bench-\(i)", keyID: grant.id, tenant: grant.tenant, requestedModel: "gpt-4o-mini",
                budgetScopes: governance.budgetScopes(identity: identity, grant: grant), estimatedInputTokens: estimated, prompt: nil)
            account.setTokenCharges(tokenCharges, shared: tokens.shared)
            try await account.reserve(usd: 0.0001, tokens: 100)
            let elapsed = ContinuousClock.now - start
            if i >= warmup { samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6) }
            account.settle(usage: .init(inputTokens: 30, outputTokens: 20), costUSD: 0.00005)
            account.finish(status: 200, cache: "miss", provider: "sim", model: "gpt-4o-mini", retries: 0, fallback: false, strategy: nil)
            // A pause lets the previous request's settlement (off the request path) finish first.
            if pause > .zero { try await Task.sleep(for: pause) }
        }
        return samples.sorted()
    }

    /// Generates `rows` ledger rows over `days` days (20 keys in 4 tenants, 6 models of 3
    /// providers) into a store, then times `/api/analytics`' query over the whole range for each
    /// grouping. Returns (seconds to generate, [(grouping, seconds per query, requests counted)]).
    public static func analytics(
        rows: Int, days: Int, sqlitePath: String?, databaseURL: String?, logger: Logger
    ) async throws -> (generate: Double, queries: [(String, Double, Int64)]) {
        let store: any GovernanceStore
        if let databaseURL {
            store = try PostgresGovernanceStore(url: databaseURL, logger: logger)
        } else {
            store = try SQLiteGovernanceStore(path: sqlitePath ?? "data/bench-analytics.sqlite")
        }
        defer { store.close() }
        try await store.migrate()
        let start = 1_796_083_200.0  // 2026-12-01T00:00:00Z
        let span = Double(days) * 86_400
        let models = [("gpt-4o-mini", "openai"), ("gpt-4o", "openai"), ("claude-3-5-haiku", "anthropic"), ("claude-3-5-sonnet", "anthropic"), ("llama-3.1-8b", "groq"), ("llama-3.3-70b", "groq")]
        var rng = SplitMix64(seed: 42)
        let generateStart = ContinuousClock.now
        let batch = 50_000
        var written = 0
        while written < rows {
            let n = min(batch, rows - written)
            var records: [UsageRecord] = []
            records.reserveCapacity(n)
            for j in 0..<n {
                let i = written + j
                let r = rng.next()
                let (model, provider) = models[Int(r % 6)]
                let key = Int((r >> 8) % 20)
                let hit = (r >> 16) % 5 == 0
                // Rows in time order, as the writer appends them.
                let time = start + span * Double(i) / Double(rows)
                records.append(UsageRecord(
                    time: time, requestID: "r\(i)", keyID: "key\(key)", tenant: "tenant\(key % 4)", requestedModel: model, model: model, provider: provider,
                    inputTokens: hit ? 0 : Int((r >> 20) % 2000), outputTokens: hit ? 0 : Int((r >> 32) % 800), costUSD: hit ? 0 : Double((r >> 40) % 1000) / 1e5,
                    savedUSD: hit ? 0.001 : 0, latencyMs: hit ? 2 : Double((r >> 24) % 5000) + 50, ttftMs: hit ? nil : 200,
                    cacheStatus: hit ? "hit_semantic" : "miss", status: (r >> 48) % 50 == 0 ? 502 : 200))
            }
            try await store.appendUsage(records)
            written += n
        }
        let generated = ContinuousClock.now - generateStart
        var queries: [(String, Double, Int64)] = []
        for grouping in AnalyticsGrouping.allCases {
            // A range with partial hours at both ends, so both rollups and ledger rows are read.
            let query = AnalyticsQuery(from: start + 1800, to: start + span - 1800, groupBy: grouping)
            var best = Double.infinity
            var requests: Int64 = 0
            for _ in 0..<3 {
                let t = ContinuousClock.now
                let report = try await store.analytics(query)
                let d = ContinuousClock.now - t
                best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                requests = report.totals.requests
            }
            queries.append((grouping.rawValue, best, requests))
        }
        return (Double(generated.components.seconds) + Double(generated.components.attoseconds) / 1e18, queries)
    }
}
