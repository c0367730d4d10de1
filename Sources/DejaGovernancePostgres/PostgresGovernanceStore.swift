public import DejaGovernance
import Foundation
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// The governance store several instances share: PostgreSQL through postgres-nio's pooled
/// client. The same tables as the SQLite store; migrations are versioned and taken under an
/// advisory lock, so instances starting together migrate once. Counters that instances update at
/// once (spend, hourly rollups) are summed by the server (`ON CONFLICT … DO UPDATE SET x = x +
/// excluded.x`, histograms element by element), never read and written back.
public final class PostgresGovernanceStore: GovernanceStore {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger

    /// Connects to `url` (`postgres://user:password@host:port/database`); the pool runs until
    /// `shutdown()`.
    public init(url: String, logger: Logger) throws {
        guard let c = URLComponents(string: url), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()), let host = c.host,
            !host.isEmpty
        else {
            throw GovernanceStoreError.corrupt("DATABASE_URL must look like postgres://user:password@host:5432/database")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let tls: PostgresClient.Configuration.TLS
        switch c.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": tls = .disable
        case "require", "verify-full", "verify-ca": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: c.port ?? 5432, username: c.user ?? "postgres", password: c.password, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.runner = Task { await client.run() }
    }

    /// Closes the pool.
    public func shutdown() {
        runner.cancel()
    }

    public func close() { shutdown() }

    deinit { runner.cancel() }

    /// A transaction whose own errors (a duplicate key) reach the caller as they were thrown.
    private func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { try await body($0) }
        } catch let error as PostgresTransactionError {
            if let own = error.closureError as? GovernanceStoreError { throw own }
            throw error
        }
    }

    // MARK: - Schema

    /// One column per histogram bucket (`l0`… latency, `t0`… time to first token), so that the
    /// server sums histograms with plain `sum()`s: element-wise array sums cost seconds over a
    /// month of rollups.
    static let latencyColumns = (0..<LatencyHistogram.bucketCount).map { "l\($0)" }
    static let ttftColumns = (0..<LatencyHistogram.bucketCount).map { "t\($0)" }
    static let bucketColumns = latencyColumns + ttftColumns
    static let sumColumns = ["requests", "errors", "cache_hits", "input_tokens", "output_tokens", "cached_tokens", "cost_usd", "saved_usd", "routing_saved_usd"]

    static let migrations: [(Int, [String])] = [
        (
            1,
            [
                "CREATE TABLE deja_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
                "INSERT INTO deja_meta (name, value) VALUES ('revision', 0)",
                """
                CREATE TABLE deja_tenants (name TEXT PRIMARY KEY, limits TEXT NOT NULL, cache_scope TEXT, store_prompts BOOLEAN NOT NULL,
                    metadata TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)
                """,
                """
                CREATE TABLE deja_api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, tenant TEXT NOT NULL, salt BYTEA NOT NULL, hash BYTEA NOT NULL,
                    display TEXT NOT NULL, allowed_models TEXT NOT NULL, limits TEXT NOT NULL, expires_at DOUBLE PRECISION, metadata TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION)
                """,
                "CREATE INDEX deja_api_keys_tenant ON deja_api_keys (tenant)",
                """
                CREATE TABLE deja_spend (scope TEXT NOT NULL, month TEXT NOT NULL, usd DOUBLE PRECISION NOT NULL, tokens BIGINT NOT NULL,
                    saved_usd DOUBLE PRECISION NOT NULL, PRIMARY KEY (scope, month))
                """,
                """
                CREATE TABLE deja_usage (id BIGSERIAL PRIMARY KEY, time DOUBLE PRECISION NOT NULL, request_id TEXT NOT NULL, key_id TEXT, tenant TEXT,
                    requested_model TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
                    cached_tokens BIGINT NOT NULL, cost_usd DOUBLE PRECISION NOT NULL, saved_usd DOUBLE PRECISION NOT NULL,
                    routing_saved_usd DOUBLE PRECISION NOT NULL, latency_ms DOUBLE PRECISION NOT NULL, ttft_ms DOUBLE PRECISION,
                    cache_status TEXT NOT NULL, routing_strategy TEXT, retries BIGINT NOT NULL, fallback BOOLEAN NOT NULL, status BIGINT NOT NULL, prompt TEXT)
                """,
                "CREATE INDEX deja_usage_time ON deja_usage (time)",
                """
                CREATE TABLE deja_usage_hourly (hour BIGINT NOT NULL, key_id TEXT NOT NULL, tenant TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL,
                    requests BIGINT NOT NULL, errors BIGINT NOT NULL, cache_hits BIGINT NOT NULL, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
                    cached_tokens BIGINT NOT NULL, cost_usd DOUBLE PRECISION NOT NULL, saved_usd DOUBLE PRECISION NOT NULL,
                    routing_saved_usd DOUBLE PRECISION NOT NULL, \(PostgresGovernanceStore.bucketColumns.map { "\($0) BIGINT NOT NULL" }.joined(separator: ", ")),
                    PRIMARY KEY (hour, key_id, tenant, model, provider))
                """,
            ]
        )
    ]

    public func migrate() async throws {
        try await transaction { c in
            // One migrator at a time across instances.
            try await c.query("SELECT pg_advisory_xact_lock(7311562)", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS deja_schema_migrations (version BIGINT PRIMARY KEY)", logger: logger)
            var applied = Set<Int>()
            for try await v in try await c.query("SELECT version FROM deja_schema_migrations", logger: logger).decode(Int.self) { applied.insert(v) }
            for (version, statements) in Self.migrations where !applied.contains(version) {
                for sql in statements { try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await c.query("INSERT INTO deja_schema_migrations (version) VALUES (\(version))", logger: logger)
            }
        }
    }

    // MARK: - Tenants and keys

    public func upsertTenant(_ t: Tenant) async throws {
        let limits = try GovernanceJSON.encode(t.limits), metadata = try GovernanceJSON.encode(t.metadata)
        try await transaction { c in
            try await c.query(
                """
                INSERT INTO deja_tenants (name, limits, cache_scope, store_prompts, metadata, created_at, updated_at)
                VALUES (\(t.name), \(limits), \(t.cacheScope), \(t.storePrompts), \(metadata), \(t.createdAt), \(t.updatedAt))
                ON CONFLICT (name) DO UPDATE SET limits = excluded.limits, cache_scope = excluded.cache_scope,
                    store_prompts = excluded.store_prompts, metadata = excluded.metadata, updated_at = excluded.updated_at
                """, logger: logger)
            try await Self.bump(c, logger)
        }
    }

    public func deleteTenant(named name: String) async throws -> Bool {
        try await transaction { c in
            var deleted = false
            for try await _ in try await c.query("DELETE FROM deja_tenants WHERE name = \(name) RETURNING name", logger: logger) { deleted = true }
            if deleted { try await Self.bump(c, logger) }
            return deleted
        }
    }

    public func tenants() async throws -> [Tenant] {
        var out: [Tenant] = []
        for try await row in try await client.query("SELECT name, limits, cache_scope, store_prompts, metadata, created_at, updated_at FROM deja_tenants ORDER BY name", logger: logger) {
            let r = row.makeRandomAccess()
            out.append(Tenant(
                name: try r["name"].decode(String.self), limits: try GovernanceJSON.decode(try r["limits"].decode(String.self)),
                cacheScope: try r["cache_scope"].decode(String?.self), storePrompts: try r["store_prompts"].decode(Bool.self),
                metadata: try GovernanceJSON.decode(try r["metadata"].decode(String.self)), createdAt: try r["created_at"].decode(Double.self),
                updatedAt: try r["updated_at"].decode(Double.self)))
        }
        return out
    }

    public func insertKey(_ key: APIKey) async throws {
        let (allowed, limits, metadata) = (try GovernanceJSON.encode(key.allowedModels), try GovernanceJSON.encode(key.limits), try GovernanceJSON.encode(key.metadata))
        try await transaction { c in
            var inserted = false
            for try await _ in try await c.query(
                """
                INSERT INTO deja_api_keys (id, name, tenant, salt, hash, display, allowed_models, limits, expires_at, metadata, created_at, updated_at, revoked_at)
                VALUES (\(key.id), \(key.name), \(key.tenant), \(ByteBuffer(bytes: key.salt)), \(ByteBuffer(bytes: key.hash)), \(key.display), \(allowed),
                    \(limits), \(key.expiresAt), \(metadata), \(key.createdAt), \(key.updatedAt), \(key.revokedAt))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger)
            {
                inserted = true
            }
            guard inserted else { throw GovernanceStoreError.duplicate("key \(key.id)") }
            try await Self.bump(c, logger)
        }
    }

    public func updateKey(_ key: APIKey) async throws -> Bool {
        let (allowed, limits, metadata) = (try GovernanceJSON.encode(key.allowedModels), try GovernanceJSON.encode(key.limits), try GovernanceJSON.encode(key.metadata))
        return try await transaction { c in
            var updated = false
            for try await _ in try await c.query(
                """
                UPDATE deja_api_keys SET name = \(key.name), tenant = \(key.tenant), salt = \(ByteBuffer(bytes: key.salt)), hash = \(ByteBuffer(bytes: key.hash)),
                    display = \(key.display), allowed_models = \(allowed), limits = \(limits), expires_at = \(key.expiresAt), metadata = \(metadata),
                    created_at = \(key.createdAt), updated_at = \(key.updatedAt), revoked_at = \(key.revokedAt)
                WHERE id = \(key.id) RETURNING id
                """, logger: logger)
            {
                updated = true
            }
            if updated { try await Self.bump(c, logger) }
            return updated
        }
    }

    public func keys() async throws -> [APIKey] {
        var out: [APIKey] = []
        let rows = try await client.query(
            """
            SELECT id, name, tenant, salt, hash, display, allowed_models, limits, expires_at, metadata, created_at, updated_at, revoked_at
            FROM deja_api_keys ORDER BY created_at, id
            """, logger: logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            out.append(APIKey(
                id: try r["id"].decode(String.self), name: try r["name"].decode(String.self), tenant: try r["tenant"].decode(String.self),
                salt: Array(buffer: try r["salt"].decode(ByteBuffer.self)), hash: Array(buffer: try r["hash"].decode(ByteBuffer.self)),
                display: try r["display"].decode(String.self), allowedModels: try GovernanceJSON.decode(try r["allowed_models"].decode(String.self)),
                limits: try GovernanceJSON.decode(try r["limits"].decode(String.self)), expiresAt: try r["expires_at"].decode(Double?.self),
                metadata: try GovernanceJSON.decode(try r["metadata"].decode(String.self)), createdAt: try r["created_at"].decode(Double.self),
                updatedAt: try r["updated_at"].decode(Double.self), revokedAt: try r["revoked_at"].decode(Double?.self)))
        }
        return out
    }

    public func revision() async throws -> Int64 {
        // Every row is read (one): a sequence left unfinished holds its connection until it drains.
        var revision: Int64 = 0
        for try await v in try await client.query("SELECT value FROM deja_meta WHERE name = 'revision'", logger: logger).decode(Int64.self) { revision = v }
        return revision
    }

    private static func bump(_ c: PostgresConnection, _ logger: Logger) async throws {
        try await c.query("UPDATE deja_meta SET value = value + 1 WHERE name = 'revision'", logger: logger)
    }

    // MARK: - Spend

    public func addSpend(_ deltas: [SpendDelta]) async throws {
        guard !deltas.isEmpty else { return }
        try await transaction { c in
            for d in deltas {
                try await c.query(
                    """
                    INSERT INTO deja_spend (scope, month, usd, tokens, saved_usd) VALUES (\(d.scope), \(d.month.description), \(d.usd), \(d.tokens), \(d.savedUSD))
                    ON CONFLICT (scope, month) DO UPDATE SET usd = deja_spend.usd + excluded.usd, tokens = deja_spend.tokens + excluded.tokens,
                        saved_usd = deja_spend.saved_usd + excluded.saved_usd
                    """, logger: logger)
            }
        }
    }

    public func spend(in month: BudgetMonth) async throws -> [String: SpendTotals] {
        var out: [String: SpendTotals] = [:]
        let rows = try await client.query("SELECT scope, usd, tokens, saved_usd FROM deja_spend WHERE month = \(month.description)", logger: logger)
        for try await (scope, usd, tokens, saved) in rows.decode((String, Double, Int, Double).self) {
            out[scope] = SpendTotals(usd: usd, tokens: tokens, savedUSD: saved)
        }
        return out
    }

    // MARK: - Usage ledger

    public func appendUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        let rollups = UsageRollup.summarize(records)
        try await transaction { c in
            for chunk in stride(from: 0, to: records.count, by: 5_000) {
                let rs = records[chunk..<min(chunk + 5_000, records.count)]
                // One statement per chunk: column arrays, unnested by the server. Absent values
                // travel as sentinels ('' and -1) and become NULL.
                try await c.query(
                    """
                    INSERT INTO deja_usage (time, request_id, key_id, tenant, requested_model, model, provider, input_tokens, output_tokens, cached_tokens,
                        cost_usd, saved_usd, routing_saved_usd, latency_ms, ttft_ms, cache_status, routing_strategy, retries, fallback, status, prompt)
                    SELECT t, rid, NULLIF(k, ''), NULLIF(ten, ''), rm, m, p, i, o, ca, cost, saved, rsaved, lat, NULLIF(ttft, -1), cs, NULLIF(rs, ''), re, fb, st, NULLIF(pr, '')
                    FROM unnest(\(rs.map(\.time)), \(rs.map(\.requestID)), \(rs.map { $0.keyID ?? "" }), \(rs.map { $0.tenant ?? "" }),
                        \(rs.map(\.requestedModel)), \(rs.map(\.model)), \(rs.map(\.provider)), \(rs.map(\.inputTokens)), \(rs.map(\.outputTokens)),
                        \(rs.map(\.cachedTokens)), \(rs.map(\.costUSD)), \(rs.map(\.savedUSD)), \(rs.map(\.routingSavedUSD)), \(rs.map(\.latencyMs)),
                        \(rs.map { $0.ttftMs ?? -1 }), \(rs.map(\.cacheStatus)), \(rs.map { $0.routingStrategy ?? "" }), \(rs.map(\.retries)),
                        \(rs.map(\.fallback)), \(rs.map(\.status)), \(rs.map { $0.prompt ?? "" }))
                        AS u(t, rid, k, ten, rm, m, p, i, o, ca, cost, saved, rsaved, lat, ttft, cs, rs, re, fb, st, pr)
                    """, logger: logger)
            }
            for r in rollups {
                let t = r.totals
                var binds = PostgresBindings()
                binds.append(r.hour)
                binds.append(r.keyID)
                binds.append(r.tenant)
                binds.append(r.model)
                binds.append(r.provider)
                for v in [t.requests, t.errors, t.cacheHits, t.inputTokens, t.outputTokens, t.cachedTokens] { binds.append(v) }
                for v in [t.costUSD, t.savedUSD, t.routingSavedUSD] { binds.append(v) }
                for v in t.latency.counts + t.ttft.counts { binds.append(v) }
                try await c.query(PostgresQuery(unsafeSQL: Self.rollupUpsert, binds: binds), logger: logger)
            }
        }
    }

    /// `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x` for every summed column.
    static let rollupUpsert: String = {
        let keys = ["hour", "key_id", "tenant", "model", "provider"]
        let columns = keys + sumColumns + bucketColumns
        let placeholders = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
        let updates = (sumColumns + bucketColumns).map { "\($0) = deja_usage_hourly.\($0) + excluded.\($0)" }.joined(separator: ", ")
        return "INSERT INTO deja_usage_hourly (\(columns.joined(separator: ", "))) VALUES (\(placeholders)) ON CONFLICT (hour, key_id, tenant, model, provider) DO UPDATE SET \(updates)"
    }()

    public func usageRollups(fromHour: Int64, toHour: Int64) async throws -> [UsageRollup] {
        var out: [UsageRollup] = []
        let sql = "SELECT hour, key_id, tenant, model, provider, \((Self.sumColumns + Self.bucketColumns).joined(separator: ", ")) FROM deja_usage_hourly WHERE hour >= $1 AND hour < $2"
        var binds = PostgresBindings()
        binds.append(fromHour)
        binds.append(toHour)
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            let r = row.makeRandomAccess()
            out.append(UsageRollup(
                hour: try r["hour"].decode(Int64.self), keyID: try r["key_id"].decode(String.self), tenant: try r["tenant"].decode(String.self),
                model: try r["model"].decode(String.self), provider: try r["provider"].decode(String.self), totals: try Self.totals(r)))
        }
        return out
    }

    /// Totals from a row holding the summed columns under their own names.
    static func totals(_ r: PostgresRandomAccessRow) throws -> UsageTotals {
        var t = try scalarTotals(r)
        for i in 0..<LatencyHistogram.bucketCount {
            t.latency.counts[i] = try r[latencyColumns[i]].decode(Int64.self)
            t.ttft.counts[i] = try r[ttftColumns[i]].decode(Int64.self)
        }
        return t
    }

    /// The summed scalar columns (`sumColumns`) of a row, histograms empty.
    static func scalarTotals(_ r: PostgresRandomAccessRow) throws -> UsageTotals {
        var t = UsageTotals()
        t.requests = try r["requests"].decode(Int64.self)
        t.errors = try r["errors"].decode(Int64.self)
        t.cacheHits = try r["cache_hits"].decode(Int64.self)
        t.inputTokens = try r["input_tokens"].decode(Int64.self)
        t.outputTokens = try r["output_tokens"].decode(Int64.self)
        t.cachedTokens = try r["cached_tokens"].decode(Int64.self)
        t.costUSD = try r["cost_usd"].decode(Double.self)
        t.savedUSD = try r["saved_usd"].decode(Double.self)
        t.routingSavedUSD = try r["routing_saved_usd"].decode(Double.self)
        return t
    }

    /// Analytics summed by the server: the rollups of the whole hours grouped in SQL (one row per
    /// group), the partial hours at the ends from the ledger rows, also grouped in SQL, with
    /// their latencies put in the histogram's buckets there.
    public func analytics(_ query: AnalyticsQuery) async throws -> AnalyticsReport {
        let group: String
        switch query.groupBy {
        case .model: group = "model"
        case .provider: group = "provider"
        case .key: group = "key_id"
        case .tenant: group = "tenant"
        case .hour: group = "hour"
        }
        var groups: [String: UsageTotals] = [:]
        let hours = query.fullHours
        var edges: [(Double, Double)] = [(query.from, query.to)]
        if hours.from < hours.to {
            edges = [(query.from, Double(hours.from) * 3600), (Double(hours.to) * 3600, query.to)]
            let sums = (Self.sumColumns + Self.bucketColumns).map { "sum(\($0))::\(["cost_usd", "saved_usd", "routing_saved_usd"].contains($0) ? "float8" : "int8") AS \($0)" }
            var binds = PostgresBindings()
            binds.append(hours.from)
            binds.append(hours.to)
            var filter = ""
            if let tenant = query.tenant {
                binds.append(tenant)
                filter = " AND tenant = $3"
            }
            let sql = "SELECT \(group)::text AS g, \(sums.joined(separator: ", ")) FROM deja_usage_hourly WHERE hour >= $1 AND hour < $2\(filter) GROUP BY \(group)"
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                let r = row.makeRandomAccess()
                let key = try r["g"].decode(String.self)
                let label = query.groupBy == .hour ? BudgetMonth.isoHour(Int64(key) ?? 0) : key
                groups[label, default: UsageTotals()].merge(try Self.totals(r))
            }
        }
        // The edges: ledger rows, grouped and bucketed by the server (the bucket is the
        // histogram's own: ceil(ln(ms / 0.1) / ln 1.25), clamped).
        let rowGroup: String
        switch query.groupBy {
        case .key: rowGroup = "coalesce(key_id, '')"
        case .tenant: rowGroup = "coalesce(tenant, '')"
        case .hour: rowGroup = "floor(time / 3600)::int8::text"
        default: rowGroup = group
        }
        func bucket(_ column: String) -> String {
            "CASE WHEN \(column) IS NULL OR \(column) <= 0.1 THEN 0 ELSE least(\(LatencyHistogram.bucketCount - 1), ceil(ln(\(column) / 0.1) / ln(1.25))::int) END"
        }
        for (from, to) in edges where from < to {
            var binds = PostgresBindings()
            binds.append(from)
            binds.append(to)
            var filter = ""
            if let tenant = query.tenant {
                binds.append(tenant)
                filter = " AND tenant = $3"
            }
            let sql = """
                SELECT \(rowGroup)::text AS g, \(bucket("latency_ms")) AS lb, CASE WHEN ttft_ms IS NULL THEN -1 ELSE \(bucket("ttft_ms")) END AS tb,
                    count(*)::int8 AS requests, count(*) FILTER (WHERE status >= 400)::int8 AS errors,
                    count(*) FILTER (WHERE cache_status IN ('hit_exact', 'hit_semantic'))::int8 AS cache_hits,
                    sum(input_tokens)::int8 AS input_tokens, sum(output_tokens)::int8 AS output_tokens, sum(cached_tokens)::int8 AS cached_tokens,
                    sum(cost_usd)::float8 AS cost_usd, sum(saved_usd)::float8 AS saved_usd, sum(routing_saved_usd)::float8 AS routing_saved_usd
                FROM deja_usage WHERE time >= $1 AND time < $2\(filter) GROUP BY 1, 2, 3
                """
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                let r = row.makeRandomAccess()
                let key = try r["g"].decode(String.self)
                let label = query.groupBy == .hour ? BudgetMonth.isoHour(Int64(key) ?? 0) : key
                var t = try Self.scalarTotals(r)
                t.latency.counts[Int(try r["lb"].decode(Int32.self))] = t.requests
                let tb = Int(try r["tb"].decode(Int32.self))
                if tb >= 0 { t.ttft.counts[tb] = t.requests }
                groups[label, default: UsageTotals()].merge(t)
            }
        }
        var totals = UsageTotals()
        for t in groups.values { totals.merge(t) }
        return AnalyticsReport(groups: groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, totals: totals)
    }

    public func usage(from: Double, to: Double, limit: Int) async throws -> [UsageRecord] {
        var out: [UsageRecord] = []
        let rows = try await client.query(
            """
            SELECT time, request_id, key_id, tenant, requested_model, model, provider, input_tokens, output_tokens, cached_tokens, cost_usd, saved_usd,
                routing_saved_usd, latency_ms, ttft_ms, cache_status, routing_strategy, retries, fallback, status, prompt
            FROM deja_usage WHERE time >= \(from) AND time < \(to) ORDER BY time LIMIT \(limit)
            """, logger: logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            out.append(UsageRecord(
                time: try r["time"].decode(Double.self), requestID: try r["request_id"].decode(String.self), keyID: try r["key_id"].decode(String?.self),
                tenant: try r["tenant"].decode(String?.self), requestedModel: try r["requested_model"].decode(String.self),
                model: try r["model"].decode(String.self), provider: try r["provider"].decode(String.self), inputTokens: try r["input_tokens"].decode(Int.self),
                outputTokens: try r["output_tokens"].decode(Int.self), cachedTokens: try r["cached_tokens"].decode(Int.self),
                costUSD: try r["cost_usd"].decode(Double.self), savedUSD: try r["saved_usd"].decode(Double.self),
                routingSavedUSD: try r["routing_saved_usd"].decode(Double.self), latencyMs: try r["latency_ms"].decode(Double.self),
                ttftMs: try r["ttft_ms"].decode(Double?.self), cacheStatus: try r["cache_status"].decode(String.self),
                routingStrategy: try r["routing_strategy"].decode(String?.self), retries: try r["retries"].decode(Int.self),
                fallback: try r["fallback"].decode(Bool.self), status: try r["status"].decode(Int.self), prompt: try r["prompt"].decode(String?.self)))
        }
        return out
    }

    public func pruneUsage(before: Double) async throws -> Int {
        var n = 0
        for try await c in try await client.query("WITH d AS (DELETE FROM deja_usage WHERE time < \(before) RETURNING 1) SELECT count(*) FROM d", logger: logger).decode(Int.self) {
            n = c
        }
        return n
    }
}
