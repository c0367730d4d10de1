import Synchronization

/// Where keys, tenants, monthly spend and the usage ledger live. The embedded default is SQLite;
/// several instances share PostgreSQL. Every write that changes a key or a tenant bumps
/// `revision()`, which instances poll to pick up revocations and limit changes from each other.
public protocol GovernanceStore: Sendable {
    /// Creates or upgrades the schema; idempotent.
    func migrate() async throws

    func upsertTenant(_ tenant: Tenant) async throws
    func deleteTenant(named name: String) async throws -> Bool
    func tenants() async throws -> [Tenant]

    func insertKey(_ key: APIKey) async throws
    /// Replaces a key's record; false when no key has that id.
    func updateKey(_ key: APIKey) async throws -> Bool
    /// Every key, revoked ones included (lists show them; authentication skips them).
    func keys() async throws -> [APIKey]

    /// A number that grows whenever a key or a tenant changes.
    func revision() async throws -> Int64

    /// Adds spend deltas (one transaction).
    func addSpend(_ deltas: [SpendDelta]) async throws
    /// Every scope's spend in `month`.
    func spend(in month: BudgetMonth) async throws -> [String: SpendTotals]

    /// Appends ledger rows and folds them into the hourly rollups (one transaction).
    func appendUsage(_ records: [UsageRecord]) async throws
    /// Rollups of hours in `[fromHour, toHour)`.
    func usageRollups(fromHour: Int64, toHour: Int64) async throws -> [UsageRollup]
    /// Ledger rows with `from ≤ time < to`, at most `limit`.
    func usage(from: Double, to: Double, limit: Int) async throws -> [UsageRecord]
    /// Deletes ledger rows (not rollups) older than `before`; returns how many.
    func pruneUsage(before: Double) async throws -> Int
    /// Releases connections (a pool's); the store is not used afterwards.
    func close()
    /// The analytics report for `query` (a store may aggregate on its server; the default reads
    /// rollups and edge rows and sums them here).
    func analytics(_ query: AnalyticsQuery) async throws -> AnalyticsReport
}

extension GovernanceStore {
    public func close() {}
}

extension GovernanceStore {
    public func analytics(_ query: AnalyticsQuery) async throws -> AnalyticsReport {
        try await summedAnalytics(query)
    }

    /// The analytics report for `query`: rollups for the whole hours, rows for the partial edges,
    /// summed here.
    public func summedAnalytics(_ query: AnalyticsQuery, edgeRowLimit: Int = 2_000_000) async throws -> AnalyticsReport {
        let hours = query.fullHours
        var rollups: [UsageRollup] = []
        var edges: [UsageRecord] = []
        if hours.from < hours.to {
            rollups = try await usageRollups(fromHour: hours.from, toHour: hours.to)
            edges = try await usage(from: query.from, to: Double(hours.from) * 3600, limit: edgeRowLimit)
            edges += try await usage(from: Double(hours.to) * 3600, to: query.to, limit: edgeRowLimit)
        } else {
            edges = try await usage(from: query.from, to: query.to, limit: edgeRowLimit)
        }
        return AnalyticsAggregator.report(query, rollups: rollups, edgeRows: edges)
    }
}

/// A store in memory: for tests, and for a gateway told to keep no state (`governance.store:
/// memory`). Nothing survives a restart.
public final class InMemoryGovernanceStore: GovernanceStore {
    private struct State {
        var tenants: [String: Tenant] = [:]
        var keys: [String: APIKey] = [:]
        var revision: Int64 = 0
        var spend: [BudgetMonth: [String: SpendTotals]] = [:]
        var usage: [UsageRecord] = []
        var rollups: [RollupKey: UsageTotals] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func migrate() async throws {}

    public func upsertTenant(_ tenant: Tenant) async throws {
        state.withLock {
            $0.tenants[tenant.name] = tenant
            $0.revision += 1
        }
    }

    public func deleteTenant(named name: String) async throws -> Bool {
        state.withLock {
            guard $0.tenants.removeValue(forKey: name) != nil else { return false }
            $0.revision += 1
            return true
        }
    }

    public func tenants() async throws -> [Tenant] { state.withLock { $0.tenants.values.sorted { $0.name < $1.name } } }

    public func insertKey(_ key: APIKey) async throws {
        try state.withLock {
            guard $0.keys[key.id] == nil else { throw GovernanceStoreError.duplicate("key \(key.id)") }
            $0.keys[key.id] = key
            $0.revision += 1
        }
    }

    public func updateKey(_ key: APIKey) async throws -> Bool {
        state.withLock {
            guard $0.keys[key.id] != nil else { return false }
            $0.keys[key.id] = key
            $0.revision += 1
            return true
        }
    }

    public func keys() async throws -> [APIKey] { state.withLock { $0.keys.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } } }

    public func revision() async throws -> Int64 { state.withLock { $0.revision } }

    public func addSpend(_ deltas: [SpendDelta]) async throws {
        state.withLock { s in
            for d in deltas {
                var t = s.spend[d.month, default: [:]][d.scope, default: SpendTotals()]
                t.usd += d.usd
                t.tokens += d.tokens
                t.savedUSD += d.savedUSD
                s.spend[d.month, default: [:]][d.scope] = t
            }
        }
    }

    public func spend(in month: BudgetMonth) async throws -> [String: SpendTotals] { state.withLock { $0.spend[month] ?? [:] } }

    public func appendUsage(_ records: [UsageRecord]) async throws {
        state.withLock { s in
            s.usage.append(contentsOf: records)
            for r in records { s.rollups[UsageRollup.key(of: r), default: UsageTotals()].add(r) }
        }
    }

    public func usageRollups(fromHour: Int64, toHour: Int64) async throws -> [UsageRollup] {
        state.withLock { s in
            s.rollups.filter { $0.key.hour >= fromHour && $0.key.hour < toHour }.map {
                UsageRollup(hour: $0.key.hour, keyID: $0.key.keyID, tenant: $0.key.tenant, model: $0.key.model, provider: $0.key.provider, totals: $0.value)
            }
        }
    }

    public func usage(from: Double, to: Double, limit: Int) async throws -> [UsageRecord] {
        state.withLock { Array($0.usage.lazy.filter { $0.time >= from && $0.time < to }.prefix(limit)) }
    }

    public func pruneUsage(before: Double) async throws -> Int {
        state.withLock { s in
            let n = s.usage.count
            s.usage.removeAll { $0.time < before }
            return n - s.usage.count
        }
    }
}

/// A store refused a write.
public enum GovernanceStoreError: Error, Sendable, CustomStringConvertible {
    case duplicate(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .duplicate(let what): "\(what) already exists"
        case .corrupt(let what): "stored governance data is damaged: \(what)"
        }
    }
}
