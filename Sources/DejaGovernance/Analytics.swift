/// How `/api/analytics` groups its answer.
public enum AnalyticsGrouping: String, Sendable, CaseIterable {
    case model, provider, key, tenant, hour
}

/// An analytics question: requests in `[from, to)` (seconds since 1970), grouped, optionally
/// restricted to one tenant.
public struct AnalyticsQuery: Sendable, Equatable {
    public var from: Double
    public var to: Double
    public var groupBy: AnalyticsGrouping
    public var tenant: String?

    public init(from: Double, to: Double, groupBy: AnalyticsGrouping, tenant: String? = nil) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.tenant = tenant
    }

    /// The whole hours inside the range (answered from rollups) and the partial edges (answered
    /// from the ledger's rows): `[from, fullFrom)` and `[fullTo, to)`.
    public var fullHours: (from: Int64, to: Int64) {
        let first = Int64((from / 3600).rounded(.up))
        let last = Int64((to / 3600).rounded(.down))
        return first < last ? (first, last) : (first, first)
    }
}

/// The answer: one group per distinct value, and the totals.
public struct AnalyticsReport: Sendable {
    public var groups: [(key: String, totals: UsageTotals)]
    public var totals: UsageTotals

    public init(groups: [(key: String, totals: UsageTotals)], totals: UsageTotals) {
        self.groups = groups
        self.totals = totals
    }
}

/// Builds a report from rollups of the whole hours and rows of the partial edges; shared by
/// every store so that they answer alike.
public enum AnalyticsAggregator {
    public static func report(_ query: AnalyticsQuery, rollups: [UsageRollup], edgeRows: [UsageRecord]) -> AnalyticsReport {
        var groups: [String: UsageTotals] = [:]
        var totals = UsageTotals()
        for r in rollups where query.tenant == nil || r.tenant == query.tenant {
            let key = groupKey(query.groupBy, hour: r.hour, keyID: r.keyID, tenant: r.tenant, model: r.model, provider: r.provider)
            groups[key, default: UsageTotals()].merge(r.totals)
            totals.merge(r.totals)
        }
        for row in edgeRows where query.tenant == nil || row.tenant == query.tenant {
            let key = groupKey(query.groupBy, hour: row.hour, keyID: row.keyID ?? "", tenant: row.tenant ?? "", model: row.model, provider: row.provider)
            groups[key, default: UsageTotals()].add(row)
            totals.add(row)
        }
        return AnalyticsReport(groups: groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, totals: totals)
    }

    static func groupKey(_ g: AnalyticsGrouping, hour: Int64, keyID: String, tenant: String, model: String, provider: String) -> String {
        switch g {
        case .model: model
        case .provider: provider
        case .key: keyID
        case .tenant: tenant
        case .hour: BudgetMonth.isoHour(hour)
        }
    }
}

extension BudgetMonth {
    /// `YYYY-MM-DDTHH:00:00Z` for whole hours since 1970.
    public static func isoHour(_ hour: Int64) -> String {
        let days = hour >= 0 ? hour / 24 : (hour - 23) / 24
        let h = Int(hour - days * 24)
        // Civil date from days since 1970 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(Int64(h))):00:00Z"
    }
}
