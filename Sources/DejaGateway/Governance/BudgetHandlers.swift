import DejaGovernance
import DejaWire
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /api/budget` (the caller's budgets with a client key; every budget with the admin
/// token) and `GET /api/analytics` (admin token).
struct BudgetHandlers: Sendable {
    let governance: Governance
    let admin: AdminGuard
    let keyring: ClientKeyring

    func budget(_ request: Request, context: DejaRequestContext) async throws -> Response {
        var scopes: [String]
        if admin.isAuthorized(request, context: context) {
            scopes = [Governance.globalScope]
            let snapshot = governance.directory.snapshot
            scopes += snapshot.tenants.keys.sorted().map { "tenant:" + $0 }
            scopes += snapshot.keys.values.filter { $0.isActive(at: governance.unixSeconds) }.sorted { $0.createdAt < $1.createdAt }.map { "key:" + $0.id }
        } else {
            let required = !keyring.isEmpty || governance.keysRequired(staticKeys: false)
            guard required else { throw AdminGuard.Decision.refusalForAnonymousBudget }
            let (identity, grant) = try ClientAuthenticationMiddleware.authenticate(request, keyring: keyring, governance: governance, family: .openAI)
            scopes = governance.budgetScopes(identity: identity, grant: grant)
        }
        let month = BudgetMonth(unixSeconds: governance.unixSeconds)
        var o = JSONObject()
        o.append("object", .string("budget"))
        o.append("month", .string(month.description))
        o.append("resets_at", .string(Date(timeIntervalSince1970: month.nextMonthStartUnixSeconds).ISO8601Format()))
        var items: [JSONValue] = []
        for scope in scopes {
            var s = JSONObject([.init(key: "scope", value: .string(scope))])
            for m in await Self.usage(governance, scope: scope).members { s.append(m.key, m.value) }
            items.append(.object(s))
        }
        o.append("scopes", .array(items))
        return .json(.object(o))
    }

    /// A scope's month: limits, spend, reservations, savings, what remains, whether it alerted.
    static func usage(_ governance: Governance, scope: String) async -> JSONObject {
        let now = governance.unixSeconds
        var u = governance.ledger.usage(scope, unixSeconds: now)
        // With Redis, spend and reservations are every instance's (savings stay this instance's).
        if let shared = governance.shared, let all = try? await shared.usage(scope: scope, month: BudgetMonth(unixSeconds: now)) {
            (u.spentUSD, u.spentTokens, u.reservedUSD, u.reservedTokens) = (all.spentUSD, all.spentTokens, all.reservedUSD, all.reservedTokens)
        }
        let limits = governance.ledger.limits(for: scope)
        var o = JSONObject()
        o.append("month", .string(BudgetMonth(unixSeconds: now).description))
        o.append("spent_usd", .double(u.spentUSD))
        o.append("spent_tokens", .int(u.spentTokens))
        o.append("reserved_usd", .double(u.reservedUSD))
        o.append("reserved_tokens", .int(u.reservedTokens))
        o.append("saved_usd", .double(u.savedUSD))
        o.append("limit_usd", limits?.usd.map(JSONValue.double) ?? .null)
        o.append("limit_tokens", limits?.tokens.map(JSONValue.int) ?? .null)
        o.append("remaining_usd", limits?.usd.map { .double(max(0, $0 - u.spentUSD - u.reservedUSD)) } ?? .null)
        o.append("remaining_tokens", limits?.tokens.map { .int(max(0, $0 - u.spentTokens - u.reservedTokens)) } ?? .null)
        o.append("alert_at", limits.map { .double($0.alertAt) } ?? .null)
        o.append("alerted", .bool(u.alerted))
        return o
    }

    func analytics(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let q = request.uri.queryParameters
        let now = governance.unixSeconds
        let to = try q.get("to").map { try Self.time(String($0), "to") } ?? now
        let from = try q.get("from").map { try Self.time(String($0), "from") } ?? (to - 86_400)
        guard from < to else { throw GovernanceAdminHandlers.invalid("from", "must be before to") }
        let groupName = q.get("group_by") ?? "model"
        guard let group = AnalyticsGrouping(rawValue: groupName) else {
            throw GovernanceAdminHandlers.invalid("group_by", "expected one of \(AnalyticsGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let tenant = q.get("tenant")
        // What is still in the writer's queue is part of the answer.
        await governance.writer.flush()
        let report = try await governance.store.analytics(AnalyticsQuery(from: from, to: to, groupBy: group, tenant: tenant))
        var o = JSONObject()
        o.append("object", .string("analytics"))
        o.append("from", .seconds(from))
        o.append("to", .seconds(to))
        o.append("group_by", .string(group.rawValue))
        if let tenant { o.append("tenant", .string(tenant)) }
        o.append("totals", .object(Self.render(report.totals)))
        o.append("groups", .array(report.groups.map { g in
            var r = JSONObject([.init(key: group.rawValue, value: .string(g.key))])
            for m in Self.render(g.totals).members { r.append(m.key, m.value) }
            return .object(r)
        }))
        return .json(.object(o))
    }

    static func render(_ t: UsageTotals) -> JSONObject {
        func percentiles(_ h: LatencyHistogram) -> JSONValue {
            guard h.total > 0 else { return .null }
            return .object(JSONObject([
                .init(key: "p50", value: .double(round3(h.quantile(0.5) ?? 0))), .init(key: "p95", value: .double(round3(h.quantile(0.95) ?? 0))),
                .init(key: "p99", value: .double(round3(h.quantile(0.99) ?? 0))),
            ]))
        }
        var o = JSONObject()
        o.append("requests", .int(Int(t.requests)))
        o.append("errors", .int(Int(t.errors)))
        o.append("cache_hits", .int(Int(t.cacheHits)))
        o.append("cache_hit_ratio", .double(t.requests > 0 ? round3(Double(t.cacheHits) / Double(t.requests)) : 0))
        o.append("input_tokens", .int(Int(t.inputTokens)))
        o.append("output_tokens", .int(Int(t.outputTokens)))
        o.append("cached_tokens", .int(Int(t.cachedTokens)))
        o.append("cost_usd", .double(t.costUSD))
        o.append("cache_savings_usd", .double(t.savedUSD))
        o.append("routing_savings_usd", .double(t.routingSavedUSD))
        o.append("latency_ms", percentiles(t.latency))
        o.append("ttft_ms", percentiles(t.ttft))
        return o
    }

    static func round3(_ d: Double) -> Double { (d * 1000).rounded() / 1000 }

    static func time(_ text: String, _ field: String) throws -> Double {
        if let d = Double(text), d.isFinite, d >= 0, d < 1e11 { return d }
        if text.utf8.count <= 64, let date = try? Date(text, strategy: .iso8601) { return date.timeIntervalSince1970 }
        throw GovernanceAdminHandlers.invalid(field, "expected seconds since 1970 or an ISO 8601 date-time")
    }
}

extension AdminGuard.Decision {
    /// Budgets are per key: without client keys there is no caller budget to show but the admin's.
    static var refusalForAnonymousBudget: GatewayError {
        GatewayError(status: .unauthorized, message: "This endpoint needs a client key or the admin token", type: "authentication_error", code: "missing_api_key")
    }
}
