/// Limits a key or a tenant carries. Every member is optional: nil means "no limit of this kind
/// here" (a scope above may still have one).
public struct GovernanceLimits: Sendable, Equatable, Codable {
    /// Requests per `windowMs`.
    public var requestsPerWindow: Int?
    /// The request window in milliseconds (default 60 000).
    public var windowMs: Int?
    /// Input + output tokens per minute (input estimated at admission, reconciled with usage).
    public var tokensPerMinute: Int?
    /// Calendar-month (UTC) budget in US dollars.
    public var monthlyUSD: Double?
    /// Calendar-month (UTC) budget in tokens.
    public var monthlyTokens: Int?
    /// Share of a budget at which the soft alert fires (0 < alertAt ≤ 1; default 0.8).
    public var alertAt: Double?

    public init(
        requestsPerWindow: Int? = nil, windowMs: Int? = nil, tokensPerMinute: Int? = nil, monthlyUSD: Double? = nil,
        monthlyTokens: Int? = nil, alertAt: Double? = nil
    ) {
        self.requestsPerWindow = requestsPerWindow
        self.windowMs = windowMs
        self.tokensPerMinute = tokensPerMinute
        self.monthlyUSD = monthlyUSD
        self.monthlyTokens = monthlyTokens
        self.alertAt = alertAt
    }

    enum CodingKeys: String, CodingKey {
        case requestsPerWindow = "requests_per_window", windowMs = "window_ms", tokensPerMinute = "tokens_per_minute"
        case monthlyUSD = "monthly_usd", monthlyTokens = "monthly_tokens", alertAt = "alert_at"
    }

    /// The request rate, when one is set.
    public var requestRate: RateLimit? {
        guard let count = requestsPerWindow, count > 0 else { return nil }
        return RateLimit(count: count, period: .milliseconds(max(windowMs ?? 60_000, 1)))
    }

    /// The token rate, when one is set.
    public var tokenRate: RateLimit? {
        guard let count = tokensPerMinute, count > 0 else { return nil }
        return RateLimit(count: count, period: .seconds(60))
    }

    /// The monthly budget, when either dimension is set.
    public var budget: BudgetLimits? {
        guard monthlyUSD != nil || monthlyTokens != nil else { return nil }
        return BudgetLimits(usd: monthlyUSD, tokens: monthlyTokens, alertAt: alertAt ?? 0.8)
    }

    /// Why these limits cannot be used (negative or zero counts, an alert share outside (0, 1]).
    public func validationError() -> String? {
        if let v = requestsPerWindow, v <= 0 { return "requests_per_window must be a positive integer" }
        if let v = windowMs, v <= 0 || v > 86_400_000 { return "window_ms must be between 1 and 86400000" }
        if let v = tokensPerMinute, v <= 0 { return "tokens_per_minute must be a positive integer" }
        if let v = monthlyUSD, !(v >= 0) || !v.isFinite { return "monthly_usd must be a non-negative number" }
        if let v = monthlyTokens, v < 0 { return "monthly_tokens must be a non-negative integer" }
        if let v = alertAt, !(v > 0 && v <= 1) { return "alert_at must be in (0, 1]" }
        return nil
    }
}

/// A group of keys with its own limits, budget and cache scope.
public struct Tenant: Sendable, Equatable {
    public var name: String
    public var limits: GovernanceLimits
    /// The cache scope the tenant's keys share; nil: a scope of the tenant's own.
    public var cacheScope: String?
    /// Store prompt text in the usage ledger (off by default; `REDACT_PROMPTS` must also be off).
    public var storePrompts: Bool
    public var metadata: [String: String]
    public var createdAt: Double
    public var updatedAt: Double

    public init(
        name: String, limits: GovernanceLimits = .init(), cacheScope: String? = nil, storePrompts: Bool = false,
        metadata: [String: String] = [:], createdAt: Double, updatedAt: Double? = nil
    ) {
        self.name = name
        self.limits = limits
        self.cacheScope = cacheScope
        self.storePrompts = storePrompts
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// An issued client key. The secret itself is never stored: only a random salt and
/// SHA-256(salt ‖ secret).
public struct APIKey: Sendable, Equatable {
    /// The short public id (also inside the key, so a presented key is found without a scan).
    public var id: String
    public var name: String
    public var tenant: String
    public var salt: [UInt8]
    public var hash: [UInt8]
    /// What lists show instead of the secret, e.g. `dj-3f9a2b1c04d7_…a41c`.
    public var display: String
    /// Model globs the key may call (virtual models included); empty allows every model.
    public var allowedModels: [String]
    public var limits: GovernanceLimits
    public var expiresAt: Double?
    public var metadata: [String: String]
    public var createdAt: Double
    public var updatedAt: Double
    public var revokedAt: Double?

    public init(
        id: String, name: String, tenant: String, salt: [UInt8], hash: [UInt8], display: String, allowedModels: [String] = [],
        limits: GovernanceLimits = .init(), expiresAt: Double? = nil, metadata: [String: String] = [:], createdAt: Double,
        updatedAt: Double? = nil, revokedAt: Double? = nil
    ) {
        self.id = id
        self.name = name
        self.tenant = tenant
        self.salt = salt
        self.hash = hash
        self.display = display
        self.allowedModels = allowedModels
        self.limits = limits
        self.expiresAt = expiresAt
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.revokedAt = revokedAt
    }

    /// Usable at `unixSeconds`: not revoked and not expired.
    public func isActive(at unixSeconds: Double) -> Bool {
        revokedAt == nil && (expiresAt.map { unixSeconds < $0 } ?? true)
    }

    /// Whether the key may call `model` (a glob match against any allowed pattern).
    public func allows(model: String) -> Bool {
        allowedModels.isEmpty || allowedModels.contains { ModelGlob.matches($0, model) }
    }
}

/// `*` matches any run of characters (including `/`), `?` one character; everything else is literal.
public enum ModelGlob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// A change to one scope's spend in one month (summed by the writer before it reaches a store).
public struct SpendDelta: Sendable, Equatable {
    public var scope: String
    public var month: BudgetMonth
    public var usd: Double
    public var tokens: Int
    public var savedUSD: Double

    public init(scope: String, month: BudgetMonth, usd: Double, tokens: Int, savedUSD: Double) {
        self.scope = scope
        self.month = month
        self.usd = usd
        self.tokens = tokens
        self.savedUSD = savedUSD
    }
}

/// A scope's recorded spend in a month.
public struct SpendTotals: Sendable, Equatable {
    public var usd: Double
    public var tokens: Int
    public var savedUSD: Double

    public init(usd: Double = 0, tokens: Int = 0, savedUSD: Double = 0) {
        self.usd = usd
        self.tokens = tokens
        self.savedUSD = savedUSD
    }
}
