public import DejaGovernance
import Foundation
import GRDB

/// The embedded governance store: one SQLite file in WAL mode (readers never wait for the
/// writer), through GRDB. Keys, tenants, monthly spend and the usage ledger with its hourly
/// rollups survive a restart; several processes on one host may share the file.
public final class SQLiteGovernanceStore: GovernanceStore {
    private let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path`; its folder is created too.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "deja-governance"
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func migrate() async throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO meta (name, value) VALUES ('revision', 0);
                CREATE TABLE tenants (
                    name TEXT PRIMARY KEY, limits TEXT NOT NULL, cache_scope TEXT, store_prompts INTEGER NOT NULL,
                    metadata TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, tenant TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,
                    display TEXT NOT NULL, allowed_models TEXT NOT NULL, limits TEXT NOT NULL, expires_at REAL,
                    metadata TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, revoked_at REAL);
                CREATE INDEX api_keys_tenant ON api_keys (tenant);
                CREATE TABLE spend (
                    scope TEXT NOT NULL, month TEXT NOT NULL, usd REAL NOT NULL, tokens INTEGER NOT NULL, saved_usd REAL NOT NULL,
                    PRIMARY KEY (scope, month));
                CREATE TABLE usage (
                    id INTEGER PRIMARY KEY, time REAL NOT NULL, request_id TEXT NOT NULL, key_id TEXT, tenant TEXT,
                    requested_model TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL,
                    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
                    cost_usd REAL NOT NULL, saved_usd REAL NOT NULL, routing_saved_usd REAL NOT NULL,
                    latency_ms REAL NOT NULL, ttft_ms REAL, cache_status TEXT NOT NULL, routing_strategy TEXT,
                    retries INTEGER NOT NULL, fallback INTEGER NOT NULL, status INTEGER NOT NULL, prompt TEXT);
                CREATE INDEX usage_time ON usage (time);
                CREATE TABLE usage_hourly (
                    hour INTEGER NOT NULL, key_id TEXT NOT NULL, tenant TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL,
                    requests INTEGER NOT NULL, errors INTEGER NOT NULL, cache_hits INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
                    cost_usd REAL NOT NULL, saved_usd REAL NOT NULL, routing_saved_usd REAL NOT NULL,
                    latency BLOB NOT NULL, ttft BLOB NOT NULL,
                    PRIMARY KEY (hour, key_id, tenant, model, provider));
                """)
        }
        try migrator.migrate(pool)
    }

    // MARK: - Tenants and keys

    public func upsertTenant(_ tenant: Tenant) async throws {
        let limits = try GovernanceJSON.encode(tenant.limits), metadata = try GovernanceJSON.encode(tenant.metadata)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO tenants (name, limits, cache_scope, store_prompts, metadata, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET limits = excluded.limits, cache_scope = excluded.cache_scope,
                        store_prompts = excluded.store_prompts, metadata = excluded.metadata, updated_at = excluded.updated_at
                    """,
                arguments: [tenant.name, limits, tenant.cacheScope, tenant.storePrompts, metadata, tenant.createdAt, tenant.updatedAt])
            try Self.bump(db)
        }
    }

    public func deleteTenant(named name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM tenants WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try Self.bump(db)
            return true
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tenants ORDER BY name").map { row in
                Tenant(
                    name: row["name"], limits: try GovernanceJSON.decode(row["limits"]), cacheScope: row["cache_scope"],
                    storePrompts: row["store_prompts"], metadata: try GovernanceJSON.decode(row["metadata"]), createdAt: row["created_at"],
                    updatedAt: row["updated_at"])
            }
        }
    }

    public func insertKey(_ key: APIKey) async throws {
        let args = try Self.arguments(key)
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE id = ?", arguments: [key.id]) == true {
                throw GovernanceStoreError.duplicate("key \(key.id)")
            }
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, tenant, salt, hash, display, allowed_models, limits, expires_at, metadata,
                        created_at, updated_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: args)
            try Self.bump(db)
        }
    }

    public func updateKey(_ key: APIKey) async throws -> Bool {
        let args = try Self.arguments(key)
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM api_keys WHERE id = ?", arguments: [key.id])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, tenant, salt, hash, display, allowed_models, limits, expires_at, metadata,
                        created_at, updated_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: args)
            try Self.bump(db)
            return true
        }
    }

    public func keys() async throws -> [APIKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map { row in
                let salt: Data = row["salt"], hash: Data = row["hash"]
                return APIKey(
                    id: row["id"], name: row["name"], tenant: row["tenant"], salt: Array(salt), hash: Array(hash), display: row["display"],
                    allowedModels: try GovernanceJSON.decode(row["allowed_models"]), limits: try GovernanceJSON.decode(row["limits"]),
                    expiresAt: row["expires_at"], metadata: try GovernanceJSON.decode(row["metadata"]), createdAt: row["created_at"],
                    updatedAt: row["updated_at"], revokedAt: row["revoked_at"])
            }
        }
    }

    public func revision() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'revision'") ?? 0 }
    }

    private static func bump(_ db: Database) throws {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE name = 'revision'")
    }

    private static func arguments(_ key: APIKey) throws -> StatementArguments {
        [
            key.id, key.name, key.tenant, Data(key.salt), Data(key.hash), key.display, try GovernanceJSON.encode(key.allowedModels),
            try GovernanceJSON.encode(key.limits), key.expiresAt, try GovernanceJSON.encode(key.metadata), key.createdAt, key.updatedAt, key.revokedAt,
        ]
    }

    // MARK: - Spend

    public func addSpend(_ deltas: [SpendDelta]) async throws {
        guard !deltas.isEmpty else { return }
        try await pool.write { db in
            for d in deltas {
                try db.execute(
                    sql: """
                        INSERT INTO spend (scope, month, usd, tokens, saved_usd) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (scope, month) DO UPDATE SET usd = usd + excluded.usd, tokens = tokens + excluded.tokens,
                            saved_usd = saved_usd + excluded.saved_usd
                        """, arguments: [d.scope, d.month.description, d.usd, d.tokens, d.savedUSD])
            }
        }
    }

    public func spend(in month: BudgetMonth) async throws -> [String: SpendTotals] {
        try await pool.read { db in
            var out: [String: SpendTotals] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT scope, usd, tokens, saved_usd FROM spend WHERE month = ?", arguments: [month.description]) {
                out[row["scope"]] = SpendTotals(usd: row["usd"], tokens: row["tokens"], savedUSD: row["saved_usd"])
            }
            return out
        }
    }

    // MARK: - Usage ledger

    public func appendUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        let rollups = UsageRollup.summarize(records)
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO usage (time, request_id, key_id, tenant, requested_model, model, provider, input_tokens, output_tokens,
                    cached_tokens, cost_usd, saved_usd, routing_saved_usd, latency_ms, ttft_ms, cache_status, routing_strategy,
                    retries, fallback, status, prompt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in records {
                try insert.execute(arguments: [
                    r.time, r.requestID, r.keyID, r.tenant, r.requestedModel, r.model, r.provider, r.inputTokens, r.outputTokens,
                    r.cachedTokens, r.costUSD, r.savedUSD, r.routingSavedUSD, r.latencyMs, r.ttftMs, r.cacheStatus, r.routingStrategy,
                    r.retries, r.fallback, r.status, r.prompt,
                ])
            }
            for r in rollups {
                var totals = r.totals
                if let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM usage_hourly WHERE hour = ? AND key_id = ? AND tenant = ? AND model = ? AND provider = ?",
                    arguments: [r.hour, r.keyID, r.tenant, r.model, r.provider])
                {
                    totals.merge(try Self.totals(row))
                }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO usage_hourly (hour, key_id, tenant, model, provider, requests, errors, cache_hits,
                            input_tokens, output_tokens, cached_tokens, cost_usd, saved_usd, routing_saved_usd, latency, ttft)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        r.hour, r.keyID, r.tenant, r.model, r.provider, totals.requests, totals.errors, totals.cacheHits, totals.inputTokens,
                        totals.outputTokens, totals.cachedTokens, totals.costUSD, totals.savedUSD, totals.routingSavedUSD,
                        Coding.blob(totals.latency), Coding.blob(totals.ttft),
                    ])
            }
        }
    }

    public func usageRollups(fromHour: Int64, toHour: Int64) async throws -> [UsageRollup] {
        try await pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM usage_hourly WHERE hour >= ? AND hour < ?", arguments: [fromHour, toHour])
            var out: [UsageRollup] = []
            while let row = try cursor.next() {
                out.append(UsageRollup(hour: row["hour"], keyID: row["key_id"], tenant: row["tenant"], model: row["model"], provider: row["provider"], totals: try Self.totals(row)))
            }
            return out
        }
    }

    public func usage(from: Double, to: Double, limit: Int) async throws -> [UsageRecord] {
        try await pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM usage WHERE time >= ? AND time < ? ORDER BY time LIMIT ?", arguments: [from, to, limit])
            var out: [UsageRecord] = []
            while let row = try cursor.next() {
                out.append(UsageRecord(
                    time: row["time"], requestID: row["request_id"], keyID: row["key_id"], tenant: row["tenant"], requestedModel: row["requested_model"],
                    model: row["model"], provider: row["provider"], inputTokens: row["input_tokens"], outputTokens: row["output_tokens"],
                    cachedTokens: row["cached_tokens"], costUSD: row["cost_usd"], savedUSD: row["saved_usd"], routingSavedUSD: row["routing_saved_usd"],
                    latencyMs: row["latency_ms"], ttftMs: row["ttft_ms"], cacheStatus: row["cache_status"], routingStrategy: row["routing_strategy"],
                    retries: row["retries"], fallback: row["fallback"], status: row["status"], prompt: row["prompt"]))
            }
            return out
        }
    }

    public func pruneUsage(before: Double) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM usage WHERE time < ?", arguments: [before])
            return db.changesCount
        }
    }

    private static func totals(_ row: Row) throws -> UsageTotals {
        var t = UsageTotals()
        t.requests = row["requests"]
        t.errors = row["errors"]
        t.cacheHits = row["cache_hits"]
        t.inputTokens = row["input_tokens"]
        t.outputTokens = row["output_tokens"]
        t.cachedTokens = row["cached_tokens"]
        t.costUSD = row["cost_usd"]
        t.savedUSD = row["saved_usd"]
        t.routingSavedUSD = row["routing_saved_usd"]
        t.latency = try Coding.histogram(row["latency"])
        t.ttft = try Coding.histogram(row["ttft"])
        return t
    }
}

/// Histogram blobs.
enum Coding {
    /// 68 little-endian Int64 counts.
    static func blob(_ h: LatencyHistogram) -> Data {
        var data = Data(capacity: h.counts.count * 8)
        for c in h.counts { withUnsafeBytes(of: c.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func histogram(_ data: Data) throws -> LatencyHistogram {
        guard data.count == LatencyHistogram.bucketCount * 8 else { throw GovernanceStoreError.corrupt("latency histogram of \(data.count) bytes") }
        var counts = [Int64](repeating: 0, count: LatencyHistogram.bucketCount)
        data.withUnsafeBytes { raw in
            for i in 0..<counts.count { counts[i] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
        }
        return LatencyHistogram(counts: counts)!
    }
}
