import DejaCache
import DejaGovernance
import DejaObservability
import DejaReliability
import DejaRouting
import DejaWire
import Foundation
import HTTPTypes
import Logging
import Synchronization

/// Governance on the request path: issued keys, rate limits (requests and tokens, per address,
/// key, tenant and model), monthly budgets with reservations, and the usage ledger. Everything a
/// request consults is in memory (the key directory, the limiter, the budget ledger); the store
/// is written off the request path by `UsageWriter` and read by the background poll.
final class Governance: Sendable {
    let settings: GovernanceSettings
    let store: any GovernanceStore
    let directory = KeyDirectory()
    let limiter = RateLimiter()
    let ledger: BudgetLedger
    let writer: UsageWriter
    let clock: any ReliabilityClock
    let metrics: GatewayMetrics
    let logger: Logger
    /// Rate-limit state and budget reservations shared with the other instances (with Redis).
    let shared: RedisCounters?
    private let origin: ContinuousClock.Instant
    /// Told about every finished chat request (the metrics of tokens, cost, savings and time to
    /// first token are recorded there).
    let onFinished: @Sendable (UsageRecord) -> Void

    init(
        settings: GovernanceSettings, store: any GovernanceStore, clock: any ReliabilityClock, metrics: GatewayMetrics,
        logger: Logger, shared: RedisCounters? = nil, onFinished: @escaping @Sendable (UsageRecord) -> Void = { _ in }
    ) {
        self.onFinished = onFinished
        self.shared = shared
        self.settings = settings
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.origin = clock.now
        self.writer = UsageWriter(store: store, maxPending: settings.ledgerMaxPending, logger: logger)
        self.ledger = BudgetLedger { scope, month, usage in
            logger.warning(
                "Budget alert: spend passed the alert share",
                metadata: ["deja.budget.scope": .string(scope), "deja.budget.month": .string(month.description), "deja.budget.spent_usd": .stringConvertible(usage.spentUSD), "deja.budget.spent_tokens": .stringConvertible(usage.spentTokens)])
            metrics.recordBudgetAlert(scope: Self.scopeKind(scope))
        }
        ledger.setLimits(settings.global.budget, for: Self.globalScope)
    }

    static let globalScope = "global"

    static func scopeKind(_ scope: String) -> String {
        if scope == globalScope { return "global" }
        if scope.hasPrefix("tenant:") { return "tenant" }
        if scope.hasPrefix("key:") { return "key" }
        return "other"
    }

    var nowNanoseconds: Int64 {
        let d = clock.now - origin
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    var unixSeconds: Double { clock.wallClockSeconds }

    /// Releases the store's connections and the shared counters' client.
    func close() {
        store.close()
        shared?.shutdown()
    }

    /// What the detailed `/health` says about governance: the store, and whether limits and
    /// budgets are shared through Redis or decided locally (Redis unreachable).
    func healthReport() -> JSONObject {
        var o = JSONObject()
        let storeName: String
        switch settings.store {
        case .memory: storeName = "memory"
        case .sqlite: storeName = "sqlite"
        case .postgres: storeName = "postgres"
        }
        o.append("store", .string(storeName))
        if let shared {
            o.append("counters", .string(shared.isHealthy ? "redis" : "local_fallback"))
            o.append("live_instances", .int(shared.liveInstances))
            if !shared.isHealthy {
                o.append("notice", .string("Redis is unreachable: each instance enforces its share of every limit (the limit divided by \(shared.liveInstances) live instances) until it is back"))
            }
        } else {
            o.append("counters", .string("local"))
        }
        o.append("ledger_pending_rows", .int(writer.pendingRows))
        o.append("ledger_dropped_rows", .int(writer.dropped))
        return o
    }

    /// Whether the store answers a cheap query within `limit` (readiness). One query at a time
    /// whatever the probe rate: an answer younger than `reuse` is returned as it is, and probes
    /// that arrive while a query is out wait for it.
    func storeAnswers(within limit: Duration, reuse: Duration = .seconds(2)) async -> Bool {
        let now = ContinuousClock.now
        let pending: Task<Bool, Never> = storeCheck.withLock { check in
            if let last = check.last, now - last.at < reuse { return Task { last.answered } }
            if let running = check.running { return running }
            let store = self.store
            let running = Task { await Self.answers(store, within: limit) }
            check.running = running
            return running
        }
        let answered = await pending.value
        storeCheck.withLock { check in
            check.running = nil
            if check.last.map({ $0.at < now }) ?? true { check.last = (now, answered) }
        }
        return answered
    }

    /// The store's last readiness answer and the query in flight.
    private let storeCheck = Mutex<(last: (at: ContinuousClock.Instant, answered: Bool)?, running: Task<Bool, Never>?)>((nil, nil))

    /// One bounded query. Not a task group: a group would wait for a query stuck on a dead connection.
    private static func answers(_ store: any GovernanceStore, within limit: Duration) async -> Bool {
        final class Race: Sendable {
            let slot = Mutex<CheckedContinuation<Bool, Never>?>(nil)
            func finish(_ value: Bool) { slot.withLock { $0.take() }?.resume(returning: value) }
        }
        let race = Race()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            race.slot.withLock { $0 = continuation }
            let timer = Task {
                try? await Task.sleep(for: limit)
                race.finish(false)
            }
            let query = Task {
                race.finish((try? await store.revision()) != nil)
                timer.cancel()
            }
            // The timer cancels a query that outlived it (it answers for the query).
            Task {
                _ = await timer.result
                query.cancel()
            }
        }
    }

    // MARK: - Start-up and refresh

    /// Migrates the store, loads keys and tenants, and this month's spend into the ledger.
    func load() async throws {
        try await store.migrate()
        try await refresh(force: true)
        let month = BudgetMonth(unixSeconds: unixSeconds)
        ledger.seed(try await store.spend(in: month), month: month)
    }

    /// Re-reads keys and tenants when the store's revision moved (or always, when forced).
    func refresh(force: Bool = false) async throws {
        let revision = try await store.revision()
        guard force || revision != directory.revision else { return }
        let keys = try await store.keys()
        let tenants = try await store.tenants()
        // Only the newest view is applied (a forced refresh and the poll may race).
        guard directory.replace(keys: keys, tenants: tenants, revision: revision) else { return }
        var limits: [String: BudgetLimits] = [:]
        if let global = settings.global.budget { limits[Self.globalScope] = global }
        for key in keys where key.isActive(at: unixSeconds) { limits["key:" + key.id] = key.limits.budget }
        for tenant in tenants { limits["tenant:" + tenant.name] = tenant.limits.budget }
        ledger.replaceLimits(limits)
    }

    /// Whether client requests must present a key: static keys configured, a key ever issued, or
    /// `requireKeys`.
    func keysRequired(staticKeys: Bool) -> Bool {
        staticKeys || settings.requireKeys || directory.hasIssuedKeys
    }

    // MARK: - Request rate limits (every client route)

    /// The limits a caller's requests count against, each with its limiter key.
    func requestScopes(address: String?, identity: CallerIdentity, grant: KeyGrant?) -> [(scope: String, key: String, limit: RateLimit)] {
        var scopes: [(String, String, RateLimit)] = []
        if let limit = settings.perAddress, let address { scopes.append(("ip", "r:ip:" + address, limit)) }
        if let grant, let limit = grant.limits.requestRate { scopes.append(("key", "r:key:" + grant.id, limit)) }
        if let tenant = identity.tenantName, let limit = directory.tenant(tenant)?.limits.requestRate { scopes.append(("tenant", "r:tenant:" + tenant, limit)) }
        return scopes
    }

    /// Takes one request from every applicable limit, all or none. Returns the decision the
    /// headers report (the one with the least room); throws a 429 when any limit refuses.
    func admitRequest(_ scopes: [(scope: String, key: String, limit: RateLimit)]) async throws -> RateDecision? {
        try await admit(scopes.map { ($0.scope, $0.key, $0.limit, 1) }, kind: .requests).decision
    }

    enum Units { case requests, tokens }

    /// Takes `units` from every limit or none; the most constraining decision (and whether the
    /// shared counters took it), or a 429. With Redis the limits are shared by every instance;
    /// when Redis does not answer in time, this instance admits its share of each limit (the
    /// limit divided by the live instance count) locally.
    func admit(_ charges: [RequestAccount.Charge], kind: Units) async throws -> (decision: RateDecision?, shared: Bool) {
        guard !charges.isEmpty else { return (nil, false) }
        if let shared {
            do {
                switch try await shared.acquire(charges, nowMicros: Int(unixSeconds * 1_000_000)) {
                case .admitted(let decisions):
                    return (decisions.min { Self.share($0) < Self.share($1) }, true)
                case .refused(let index, let decision):
                    metrics.recordRateLimitExceeded(scope: charges[index].scope)
                    throw Self.rateLimited(decision, scope: charges[index].scope, kind: kind)
                }
            } catch let error as GatewayError {
                throw error
            } catch {
                metrics.recordGovernanceFallback()
                logger.debug("Rate limits decided locally: Redis did not answer", metadata: ["deja.redis.error": .string("\(error)")])
            }
        }
        let share = shared?.liveInstances ?? 1
        let local = charges.map { c in (c.scope, c.key, share > 1 ? RateLimit(count: max(1, c.limit.count / share), period: c.limit.period) : c.limit, c.units) }
        return (try admitLocally(local, kind: kind), false)
    }

    private func admitLocally(_ charges: [RequestAccount.Charge], kind: Units) throws(GatewayError) -> RateDecision? {
        let now = nowNanoseconds
        var taken: [Int] = []
        var tightest: RateDecision?
        for (i, c) in charges.enumerated() {
            let decision = limiter.acquire(c.key, limit: c.limit, cost: c.units, now: now)
            guard decision.allowed else {
                for j in taken { limiter.adjust(charges[j].key, limit: charges[j].limit, by: -charges[j].units, now: now) }
                metrics.recordRateLimitExceeded(scope: c.scope)
                throw Self.rateLimited(decision, scope: c.scope, kind: kind)
            }
            taken.append(i)
            if tightest == nil || Self.share(decision) < Self.share(tightest!) { tightest = decision }
        }
        return tightest
    }

    /// Gives back (negative) or takes more (positive) tokens after the real usage is known, where
    /// they were taken (off the request path when that is Redis).
    func reconcile(_ charges: [RequestAccount.Charge], actual: Int, shared viaShared: Bool) {
        let changes = charges.filter { actual != $0.units }
        guard !changes.isEmpty else { return }
        if viaShared, let shared {
            let now = Int(unixSeconds * 1_000_000)
            Task { try? await shared.adjust(changes.map { ($0, actual - $0.units) }, nowMicros: now) }
            return
        }
        let now = nowNanoseconds
        for c in changes { limiter.adjust(c.key, limit: c.limit, by: actual - c.units, now: now) }
    }

    private static func share(_ d: RateDecision) -> Double { Double(d.remaining) / Double(max(d.limit, 1)) }

    static func rateLimited(_ d: RateDecision, scope: String, kind: Units) -> GatewayError {
        var headers = HTTPFields()
        let unit = kind == .requests ? "requests" : "tokens"
        if let retry = d.retryAfter { headers[.retryAfter] = String(seconds(retry)) }
        setHeaders(&headers, d, kind: kind)
        let message: String
        if d.retryAfter == nil {
            message = "Rate limit exceeded (\(scope) \(unit)): this request needs more \(unit) than the limit of \(d.limit) allows"
        } else {
            message = "Rate limit exceeded (\(scope) \(unit): \(d.limit) per window); retry after \(seconds(d.retryAfter ?? .zero)) s"
        }
        return GatewayError(status: .tooManyRequests, message: message, type: "rate_limit_error", code: "rate_limit_exceeded", headers: headers)
    }

    /// Whole seconds, rounded up (a client told to wait must not come back early).
    static func seconds(_ d: Duration) -> Int64 {
        let c = d.components
        return c.seconds + (c.attoseconds > 0 ? 1 : 0)
    }

    static let xRateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let xRateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let xRateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    static let xRateLimitLimitTokens = HTTPField.Name("x-ratelimit-limit-tokens")!
    static let xRateLimitRemainingTokens = HTTPField.Name("x-ratelimit-remaining-tokens")!
    static let xRateLimitResetTokens = HTTPField.Name("x-ratelimit-reset-tokens")!

    /// `X-RateLimit-*` for requests, `x-ratelimit-*-tokens` for tokens; reset in whole seconds.
    static func setHeaders(_ fields: inout HTTPFields, _ d: RateDecision, kind: Units) {
        switch kind {
        case .requests:
            fields[xRateLimitLimit] = String(d.limit)
            fields[xRateLimitRemaining] = String(d.remaining)
            fields[xRateLimitReset] = String(seconds(d.reset))
        case .tokens:
            fields[xRateLimitLimitTokens] = String(d.limit)
            fields[xRateLimitRemainingTokens] = String(d.remaining)
            fields[xRateLimitResetTokens] = String(seconds(d.reset))
        }
    }

    // MARK: - Budgets

    /// The cache scope of a caller: a tenant of the key API with a `cache_scope` uses it (`shared`
    /// is the shared scope), every other caller its identity's.
    func cacheScope(_ identity: CallerIdentity, _ configuration: CacheConfiguration) -> String {
        if let name = identity.tenantName, let scope = directory.tenant(name)?.cacheScope {
            return scope == "shared" ? "shared" : "tenant:" + scope
        }
        return identity.cacheScope(configuration)
    }

    /// Whether a caller's requests must be metered (allowed models, token limits or a budget on
    /// its key, its tenant or the gateway), which only the `/v1` endpoints do.
    func needsMetering(identity: CallerIdentity, grant: KeyGrant?) -> Bool {
        func metered(_ l: GovernanceLimits) -> Bool { l.tokenRate != nil || l.budget != nil }
        if settings.global.budget != nil { return true }
        if let grant, !grant.allowedModels.isEmpty || metered(grant.limits) { return true }
        if let tenant = identity.tenantName, let t = directory.tenant(tenant), metered(t.limits) { return true }
        return false
    }

    /// The budget scopes of a caller: the key's, the tenant's and the global one.
    func budgetScopes(identity: CallerIdentity, grant: KeyGrant?) -> [String] {
        var scopes = [Self.globalScope]
        if let tenant = identity.tenantName { scopes.append("tenant:" + tenant) }
        if let grant { scopes.append("key:" + grant.id) }
        return scopes
    }

    static func budgetExceeded(_ refusal: BudgetLedger.Refusal, now: Double) -> GatewayError {
        var headers = HTTPFields()
        let wait = max(1, Int64((refusal.resetsAtUnixSeconds - now).rounded(.up)))
        headers[.retryAfter] = String(wait)
        let reset = Date(timeIntervalSince1970: refusal.resetsAtUnixSeconds).ISO8601Format()
        return GatewayError(
            status: .tooManyRequests,
            message: "Budget exceeded: the \(kindName(refusal.scope)) monthly \(refusal.dimension == "usd" ? "USD" : "token") budget is spent; it resets at \(reset)",
            type: "rate_limit_error", code: "budget_exceeded", headers: headers)
    }

    private static func kindName(_ scope: String) -> String {
        switch scopeKind(scope) {
        case "key": "key's"
        case "tenant": "tenant's"
        default: "gateway's"
        }
    }
}
