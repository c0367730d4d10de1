import Synchronization

/// A calendar month in UTC, `2026-12`: budgets reset when it changes.
public struct BudgetMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// The month containing a moment given in seconds since 1970 (UTC).
    public init(unixSeconds: Double) {
        let days = Int((unixSeconds / 86_400).rounded(.down))
        // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible low-level date algorithms").
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m)
    }

    /// The first instant of the next month, in seconds since 1970 (when a hard limit lifts).
    public var nextMonthStartUnixSeconds: Double {
        let (y, m) = month == 12 ? (year + 1, 1) : (year, month + 1)
        // Days from civil (the inverse of the algorithm above), day 1.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = m > 2 ? m - 3 : m + 9
        let doy = (153 * mp + 2) / 5
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Double(era * 146_097 + doe - 719_468) * 86_400
    }

    public var description: String { month < 10 ? "\(year)-0\(month)" : "\(year)-\(month)" }

    public static func < (a: BudgetMonth, b: BudgetMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// Limits of one budget scope (a key, a tenant, or the whole gateway), per calendar month.
public struct BudgetLimits: Sendable, Hashable {
    public var usd: Double?
    public var tokens: Int?
    /// Share of a limit (0…1) past which an alert is raised once per month.
    public var alertAt: Double

    public init(usd: Double? = nil, tokens: Int? = nil, alertAt: Double = 0.8) {
        self.usd = usd
        self.tokens = tokens
        self.alertAt = alertAt
    }
}

/// What is reserved at admission: the request's worst case.
public struct BudgetCharge: Sendable, Hashable {
    public var usd: Double
    public var tokens: Int
    public init(usd: Double, tokens: Int) {
        self.usd = max(usd, 0)
        self.tokens = max(tokens, 0)
    }
}

/// Monthly budgets with reservations: admission reserves a request's worst case in every scope
/// it belongs to (all or none), and the answer settles the reservation to the real cost. A
/// request is admitted while each scope's spend plus reservations is below its limit, so
/// concurrent requests overshoot a limit by at most one reservation. Cache hits never reserve.
public final class BudgetLedger: Sendable {
    public struct Reservation: Sendable, Hashable {
        public let id: UInt64
        public let month: BudgetMonth
        public let scopes: [String]
        public let charge: BudgetCharge
    }

    /// Why a request was refused.
    public struct Refusal: Error, Sendable, Equatable {
        public var scope: String
        /// `usd` or `tokens`.
        public var dimension: String
        /// When the month ends and the budget resets (seconds since 1970).
        public var resetsAtUnixSeconds: Double

        public init(scope: String, dimension: String, resetsAtUnixSeconds: Double) {
            self.scope = scope
            self.dimension = dimension
            self.resetsAtUnixSeconds = resetsAtUnixSeconds
        }
    }

    /// One scope's month so far.
    public struct Usage: Sendable, Equatable {
        public var spentUSD: Double = 0
        public var spentTokens: Int = 0
        public var reservedUSD: Double = 0
        public var reservedTokens: Int = 0
        public var savedUSD: Double = 0
        public var alerted = false

        public init() {}
    }

    private struct State {
        var month: BudgetMonth?
        var usage: [String: Usage] = [:]
        var nextID: UInt64 = 1
    }

    private let limits: Mutex<[String: BudgetLimits]>
    private let state = Mutex(State())
    /// Called once per scope and month when spend passes the alert share (outside the lock).
    private let onAlert: @Sendable (String, BudgetMonth, Usage) -> Void

    public init(limits: [String: BudgetLimits] = [:], onAlert: @escaping @Sendable (String, BudgetMonth, Usage) -> Void = { _, _, _ in }) {
        self.limits = Mutex(limits)
        self.onAlert = onAlert
    }

    /// Replaces every scope's limits at once (scopes not named have none).
    public func replaceLimits(_ table: [String: BudgetLimits]) {
        limits.withLock { $0 = table }
    }

    /// Sets or removes (nil) a scope's limits; takes effect for the next admission.
    public func setLimits(_ limits: BudgetLimits?, for scope: String) {
        self.limits.withLock { $0[scope] = limits }
    }

    /// Adds spend recorded earlier (a store's totals at start-up) to `month`.
    public func seed(_ spend: [String: SpendTotals], month: BudgetMonth) {
        state.withLock { s in
            Self.roll(&s, to: month)
            guard s.month == month else { return }
            for (scope, t) in spend {
                s.usage[scope, default: Usage()].spentUSD += t.usd
                s.usage[scope, default: Usage()].spentTokens += t.tokens
                s.usage[scope, default: Usage()].savedUSD += t.savedUSD
            }
            // Scopes already past their alert share do not alert again after a restart.
            let limits = self.limits.withLock { $0 }
            for (scope, u) in s.usage {
                if let limit = limits[scope], Self.passes(u, limit) { s.usage[scope]?.alerted = true }
            }
        }
    }

    /// The limits of `scope`, if any.
    public func limits(for scope: String) -> BudgetLimits? { limits.withLock { $0[scope] } }

    /// Adds spend that was reserved elsewhere (in Redis, shared by instances), so that this
    /// ledger keeps the instance's view of the month.
    public func record(_ actual: BudgetCharge, scopes: [String], unixSeconds: Double) {
        let month = BudgetMonth(unixSeconds: unixSeconds)
        let current = state.withLock { s in
            Self.roll(&s, to: month)
            return s.month ?? month
        }
        // A reservation of nothing, settled: the spend counts and the alert fires as usual.
        settle(Reservation(id: 0, month: current, scopes: scopes, charge: BudgetCharge(usd: 0, tokens: 0)), actual: actual)
    }

    /// Reserves `charge` in every scope (all or none) for the month of `unixSeconds`. With
    /// `limitShare` below 1 each limit counts as that share of itself (an instance's part of a
    /// limit it shares with others while it cannot reach them).
    public func reserve(_ charge: BudgetCharge, scopes: [String], unixSeconds: Double, limitShare: Double = 1) throws(Refusal) -> Reservation {
        let month = BudgetMonth(unixSeconds: unixSeconds)
        let limits = self.limits.withLock { table in scopes.map { table[$0] } }
        let result: Result<Reservation, Refusal> = state.withLock { s in
            Self.roll(&s, to: month)
            // A request stamped in an earlier month than the ledger's counts in the ledger's.
            let month = s.month ?? month
            for (scope, limit) in zip(scopes, limits) {
                guard let limit else { continue }
                let u = s.usage[scope] ?? Usage()
                if let usd = limit.usd.map({ $0 * limitShare }), u.spentUSD + u.reservedUSD >= usd {
                    return .failure(Refusal(scope: scope, dimension: "usd", resetsAtUnixSeconds: month.nextMonthStartUnixSeconds))
                }
                if let tokens = limit.tokens.map({ Double($0) * limitShare }), Double(u.spentTokens + u.reservedTokens) >= tokens {
                    return .failure(Refusal(scope: scope, dimension: "tokens", resetsAtUnixSeconds: month.nextMonthStartUnixSeconds))
                }
            }
            for scope in scopes {
                s.usage[scope, default: Usage()].reservedUSD += charge.usd
                s.usage[scope, default: Usage()].reservedTokens += charge.tokens
            }
            let id = s.nextID
            s.nextID += 1
            return .success(Reservation(id: id, month: month, scopes: scopes, charge: charge))
        }
        return try result.get()
    }

    /// Replaces a reservation by what the request really cost (0 when it failed upstream).
    public func settle(_ reservation: Reservation, actual: BudgetCharge) {
        let limits = self.limits.withLock { table in reservation.scopes.map { table[$0] } }
        var alerts: [(String, Usage)] = []
        state.withLock { s in
            // A reservation of a past month only releases (its month is gone); the spend
            // counts in the month it settles in.
            let sameMonth = s.month == reservation.month
            for (scope, limit) in zip(reservation.scopes, limits) {
                var u = s.usage[scope] ?? Usage()
                if sameMonth {
                    u.reservedUSD = max(0, u.reservedUSD - reservation.charge.usd)
                    u.reservedTokens = max(0, u.reservedTokens - reservation.charge.tokens)
                }
                u.spentUSD += actual.usd
                u.spentTokens += actual.tokens
                if let limit, !u.alerted, Self.passes(u, limit) {
                    u.alerted = true
                    alerts.append((scope, u))
                }
                s.usage[scope] = u
            }
        }
        if let month = state.withLock({ $0.month }) {
            for (scope, usage) in alerts { onAlert(scope, month, usage) }
        }
    }

    /// Records what a cache hit saved (it reserves and spends nothing).
    public func recordSaving(usd: Double, scopes: [String], unixSeconds: Double) {
        let month = BudgetMonth(unixSeconds: unixSeconds)
        state.withLock { s in
            Self.roll(&s, to: month)
            for scope in scopes { s.usage[scope, default: Usage()].savedUSD += max(usd, 0) }
        }
    }

    /// A scope's month so far (zero when it has none or the month changed).
    public func usage(_ scope: String, unixSeconds: Double) -> Usage {
        let month = BudgetMonth(unixSeconds: unixSeconds)
        return state.withLock { s in s.month == month ? s.usage[scope] ?? Usage() : Usage() }
    }

    private static func roll(_ s: inout State, to month: BudgetMonth) {
        guard s.month != month else { return }
        if let current = s.month, month < current { return }  // a late request keeps the newer month
        s.month = month
        s.usage.removeAll(keepingCapacity: true)
    }

    private static func passes(_ u: Usage, _ limit: BudgetLimits) -> Bool {
        if let usd = limit.usd, usd > 0, u.spentUSD >= limit.alertAt * usd { return true }
        if let tokens = limit.tokens, tokens > 0, Double(u.spentTokens) >= limit.alertAt * Double(tokens) { return true }
        return false
    }
}
