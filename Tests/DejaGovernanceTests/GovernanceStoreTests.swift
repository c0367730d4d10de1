import DejaGovernance
import DejaGovernancePostgres
import DejaGovernanceSQLite
import DejaIndex
import DejaTestSupport
import Foundation
import Logging
import Testing

/// The store contract, run against every store: what one writes, the same one (or a reopened
/// one) reads back, and analytics from rollups plus edge rows equal a brute-force sum.
@Suite struct GovernanceStoreTests {
    enum Kind: String, CaseIterable { case memory, sqlite, postgres }

    static func make(_ kind: Kind) async throws -> (any GovernanceStore, cleanup: () -> Void) {
        switch kind {
        case .memory:
            return (InMemoryGovernanceStore(), {})
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deja-store-\(UUID().uuidString)")
            return (try SQLiteGovernanceStore(path: dir.appendingPathComponent("g.sqlite").path), { try? FileManager.default.removeItem(at: dir) })
        case .postgres:
            let server = try await PostgresServer.start()
            var logger = Logger(label: "deja-test")
            logger.logLevel = .critical
            let store = try PostgresGovernanceStore(url: server.url, logger: logger)
            return (store, {
                store.shutdown()
                server.stop()
            })
        }
    }

    static func key(_ id: String, tenant: String = "t", created: Double = 1_000) -> APIKey {
        let issued = KeyMaterial.issue()
        return APIKey(
            id: id, name: "n-\(id)", tenant: tenant, salt: issued.salt, hash: issued.hash, display: issued.display, allowedModels: ["gpt-*"],
            limits: GovernanceLimits(requestsPerWindow: 5, tokensPerMinute: 100, monthlyUSD: 1.5, alertAt: 0.5), expiresAt: 5_000,
            metadata: ["team": "core"], createdAt: created)
    }

    @Test(arguments: Kind.allCases) func keysAndTenantsRoundTripAndBumpTheRevision(_ kind: Kind) async throws {
        let (store, cleanup) = try await Self.make(kind)
        defer { cleanup() }
        try await store.migrate()
        try await store.migrate()
        let r0 = try await store.revision()
        let a = Self.key("aaaaaaaaaaaa", created: 1)
        try await store.insertKey(a)
        await #expect(throws: GovernanceStoreError.self) { try await store.insertKey(a) }
        var b = Self.key("bbbbbbbbbbbb", tenant: "u", created: 2)
        try await store.insertKey(b)
        #expect(try await store.keys() == [a, b])
        b.revokedAt = 3
        b.limits.monthlyTokens = 7
        #expect(try await store.updateKey(b))
        #expect(try await !store.updateKey(Self.key("cccccccccccc")))
        #expect(try await store.keys() == [a, b])
        let tenant = Tenant(name: "u", limits: GovernanceLimits(monthlyUSD: 3), cacheScope: "shared", storePrompts: true, metadata: ["x": "y"], createdAt: 4)
        try await store.upsertTenant(tenant)
        #expect(try await store.tenants() == [tenant])
        #expect(try await store.deleteTenant(named: "u"))
        #expect(try await !store.deleteTenant(named: "u"))
        // Five writes changed something (the failed insert and update did not).
        #expect(try await store.revision() == r0 + 5)
    }

    @Test(arguments: Kind.allCases) func spendSumsPerScopeAndMonth(_ kind: Kind) async throws {
        let (store, cleanup) = try await Self.make(kind)
        defer { cleanup() }
        try await store.migrate()
        let dec = BudgetMonth(year: 2026, month: 12), jan = BudgetMonth(year: 2027, month: 1)
        try await store.addSpend([SpendDelta(scope: "key:a", month: dec, usd: 0.25, tokens: 10, savedUSD: 0.5)])
        try await store.addSpend([
            SpendDelta(scope: "key:a", month: dec, usd: 0.5, tokens: 5, savedUSD: 0), SpendDelta(scope: "global", month: jan, usd: 1, tokens: 1, savedUSD: 0),
        ])
        #expect(try await store.spend(in: dec) == ["key:a": SpendTotals(usd: 0.75, tokens: 15, savedUSD: 0.5)])
        #expect(try await store.spend(in: jan) == ["global": SpendTotals(usd: 1, tokens: 1, savedUSD: 0)])
    }

    static func records(count: Int, from start: Double, span: Double, seed: UInt64) -> [UsageRecord] {
        var rng = SplitMix64(seed: seed)
        let models = ["gpt-4o-mini", "claude-3-5-haiku", "llama-3.1-8b"], providers = ["openai", "anthropic", "groq"]
        return (0..<count).map { i in
            let m = Int.random(in: 0..<3, using: &rng)
            let hit = Int.random(in: 0..<4, using: &rng) == 0
            return UsageRecord(
                time: start + Double.random(in: 0..<span, using: &rng), requestID: "r\(i)", keyID: "k\(i % 4)", tenant: "t\(i % 2)",
                requestedModel: models[m], model: models[m], provider: providers[m], inputTokens: hit ? 0 : Int.random(in: 1...500, using: &rng),
                outputTokens: hit ? 0 : Int.random(in: 1...300, using: &rng), costUSD: hit ? 0 : Double(Int.random(in: 1...1000, using: &rng)) / 1e5,
                savedUSD: hit ? 0.001 : 0, latencyMs: Double.random(in: 0.2...3000, using: &rng), ttftMs: Bool.random(using: &rng) ? 40 : nil,
                cacheStatus: hit ? "hit_semantic" : "miss", status: Int.random(in: 0..<20, using: &rng) == 0 ? 502 : 200)
        }
    }

    @Test(arguments: Kind.allCases) func analyticsEqualsABruteForceSum(_ kind: Kind) async throws {
        let (store, cleanup) = try await Self.make(kind)
        defer { cleanup() }
        try await store.migrate()
        let start = 1_798_000_000.0
        let all = Self.records(count: 2_000, from: start, span: 5 * 3600, seed: 7)
        // In batches, as the writer sends them (rollups merge across batches).
        for batch in stride(from: 0, to: all.count, by: 300) { try await store.appendUsage(Array(all[batch..<min(batch + 300, all.count)])) }
        // A range with partial hours at both ends.
        let from = start + 1234.5, to = start + 4 * 3600 + 17
        for grouping in AnalyticsGrouping.allCases {
            let report = try await store.analytics(AnalyticsQuery(from: from, to: to, groupBy: grouping))
            let inRange = all.filter { $0.time >= from && $0.time < to }
            #expect(report.totals.requests == Int64(inRange.count))
            #expect(report.totals.inputTokens == Int64(inRange.reduce(0) { $0 + $1.inputTokens }))
            #expect(report.totals.outputTokens == Int64(inRange.reduce(0) { $0 + $1.outputTokens }))
            #expect(report.totals.errors == Int64(inRange.filter(\.isError).count))
            #expect(report.totals.cacheHits == Int64(inRange.filter(\.isCacheHit).count))
            #expect(abs(report.totals.costUSD - inRange.reduce(0) { $0 + $1.costUSD }) < 1e-9)
            #expect(report.groups.reduce(0) { $0 + $1.totals.requests } == report.totals.requests)
            // Percentiles from the merged histograms are within one bucket (25 %) of the exact ones.
            let sorted = inRange.map(\.latencyMs).sorted()
            let exact = sorted[Int((0.5 * Double(sorted.count)).rounded(.up)) - 1]
            let p50 = try #require(report.totals.latency.quantile(0.5))
            #expect(p50 / exact < 1.25 && exact / p50 < 1.25, "p50 \(p50) vs \(exact)")
        }
        let byModel = try await store.analytics(AnalyticsQuery(from: from, to: to, groupBy: .model, tenant: "t1"))
        #expect(byModel.totals.requests == Int64(all.filter { $0.time >= from && $0.time < to && $0.tenant == "t1" }.count))
        // Retention removes rows, not rollups.
        let pruned = try await store.pruneUsage(before: start + 3600)
        #expect(pruned == all.filter { $0.time < start + 3600 }.count)
        #expect(try await store.usage(from: 0, to: start + 3600, limit: 10).isEmpty)
    }

    @Test func postgresStateSurvivesReconnectingAndConcurrentMigrations() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        var logger = Logger(label: "deja-test")
        logger.logLevel = .critical
        let key = Self.key("eeeeeeeeeeee")
        do {
            // Three instances starting together migrate once.
            let stores = try (0..<3).map { _ in try PostgresGovernanceStore(url: server.url, logger: logger) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for s in stores { group.addTask { try await s.migrate() } }
                try await group.waitForAll()
            }
            try await stores[0].insertKey(key)
            // Concurrent spend from three instances adds up.
            let month = BudgetMonth(year: 2026, month: 12)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for s in stores {
                    group.addTask { for _ in 0..<20 { try await s.addSpend([SpendDelta(scope: "global", month: month, usd: 0.5, tokens: 3, savedUSD: 0)]) } }
                }
                try await group.waitForAll()
            }
            #expect(try await stores[1].spend(in: month)["global"] == SpendTotals(usd: 30, tokens: 180, savedUSD: 0))
            for s in stores { s.shutdown() }
        }
        let again = try PostgresGovernanceStore(url: server.url, logger: logger)
        defer { again.shutdown() }
        try await again.migrate()
        #expect(try await again.keys() == [key])
    }

    @Test func sqliteStateSurvivesReopening() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deja-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("g.sqlite").path
        let key = Self.key("dddddddddddd")
        do {
            let store = try SQLiteGovernanceStore(path: path)
            try await store.migrate()
            try await store.insertKey(key)
            try await store.appendUsage(Self.records(count: 10, from: 1_798_000_000, span: 60, seed: 1))
        }
        let reopened = try SQLiteGovernanceStore(path: path)
        try await reopened.migrate()
        #expect(try await reopened.keys() == [key])
        #expect(try await reopened.usage(from: 0, to: 2e9, limit: 100).count == 10)
    }

    @Test func issuedKeysVerifyOnlyWithTheirSecret() {
        let a = KeyMaterial.issue(), b = KeyMaterial.issue()
        #expect(a.plaintext != b.plaintext && a.salt != b.salt)
        let (id, secret) = try! #require(KeyMaterial.parse(a.plaintext))
        #expect(id == a.id)
        #expect(KeyMaterial.verify(secret: secret, salt: a.salt, hash: a.hash))
        #expect(!KeyMaterial.verify(secret: secret, salt: b.salt, hash: b.hash))
        for bad in ["", "dj-", a.plaintext + "0", String(a.plaintext.dropLast()), a.plaintext.uppercased(), "sk-" + a.plaintext.dropFirst(3), a.plaintext.replacingOccurrences(of: "_", with: "-")] {
            #expect(KeyMaterial.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func modelGlobs() {
        #expect(ModelGlob.matches("gpt-*", "gpt-4o-mini"))
        #expect(ModelGlob.matches("*", "anything/at-all"))
        #expect(ModelGlob.matches("openai/*-mini", "openai/gpt-4o-mini"))
        #expect(ModelGlob.matches("gpt-4?", "gpt-4o"))
        #expect(!ModelGlob.matches("gpt-4?", "gpt-4o-mini"))
        #expect(!ModelGlob.matches("auto", "auto-fast"))
        #expect(!ModelGlob.matches("claude-*", "gpt-4o"))
    }

    @Test func limitsRescaleWhenAKeysLimitChanges() {
        let limiter = RateLimiter()
        let ten = RateLimit(count: 10, period: .seconds(10))
        for _ in 0..<10 { #expect(limiter.acquire("k", limit: ten, now: 0).allowed) }
        #expect(!limiter.acquire("k", limit: ten, now: 0).allowed)
        // Doubling the limit (same period) gives room for ten more at once, no more.
        let twenty = RateLimit(count: 20, period: .seconds(10))
        var admitted = 0
        while limiter.acquire("k", limit: twenty, now: 0).allowed { admitted += 1 }
        #expect(admitted == 10)
        // Halving it leaves the key owing more than the new limit: refused until it has paid back.
        let five = RateLimit(count: 5, period: .seconds(10))
        #expect(!limiter.acquire("k", limit: five, now: 0).allowed)
        let retry = limiter.acquire("k", limit: five, now: 0).retryAfter
        // 20 units owed at 2 s each, 5 of room: admitted after (20 - 5 + 1) × 2 s = 32 s.
        #expect(retry == .seconds(32))
    }
}
