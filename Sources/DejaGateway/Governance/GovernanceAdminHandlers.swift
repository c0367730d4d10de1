import DejaGovernance
import DejaWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The key and tenant API (admin token): `POST/GET /api/admin/keys`, `GET/PATCH/DELETE
/// /api/admin/keys/{id}`, `GET /api/admin/tenants`, `PUT/DELETE /api/admin/tenants/{name}`.
/// A created key's secret is in the creation response only; lists show its display form. Every
/// write goes to the store first and then refreshes this instance's directory, so a revoked key
/// is refused here at once and on other instances at their next poll.
struct GovernanceAdminHandlers: Sendable {
    let governance: Governance
    let admin: AdminGuard
    let maxBodyBytes: Int

    static let maxNameBytes = 128
    static let maxPatterns = 64
    static let maxMetadata = 32

    // MARK: - Keys

    func createKey(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let object = try await body(request)
        var name = "", tenant = "default", allowed: [String] = [], limits = GovernanceLimits(), expires: Double?, metadata: [String: String] = [:]
        for m in object.members {
            switch m.key {
            case "name": name = try Self.string(m.value, m.key)
            case "tenant": tenant = try Self.string(m.value, m.key)
            case "allowed_models": allowed = try Self.patterns(m.value, m.key)
            case "limits": limits = try Self.limits(m.value, m.key)
            case "expires_at": expires = try Self.time(m.value, m.key)
            case "expires_in_seconds":
                guard let s = m.value.doubleValue, s > 0, s <= 10 * 365 * 86_400 else { throw Self.invalid(m.key, "expected seconds, 1 to ten years") }
                expires = governance.unixSeconds + s
            case "metadata": metadata = try Self.metadata(m.value, m.key)
            default: throw Self.invalid(m.key, "unknown field (name, tenant, allowed_models, limits, expires_at, expires_in_seconds, metadata)")
            }
        }
        if name.isEmpty { name = tenant }
        let now = governance.unixSeconds
        if let expires, expires <= now { throw Self.invalid("expires_at", "is in the past") }
        let issued = KeyMaterial.issue()
        let key = APIKey(
            id: issued.id, name: name, tenant: tenant, salt: issued.salt, hash: issued.hash, display: issued.display, allowedModels: allowed,
            limits: limits, expiresAt: expires, metadata: metadata, createdAt: now)
        try await governance.store.insertKey(key)
        try await governance.refresh(force: true)
        context.logger.notice("Key created", metadata: ["deja.key.id": .string(key.id), "deja.key.tenant": .string(tenant)])
        var out = await render(key)
        out.append("key", .string(issued.plaintext))
        return .json(.object(out), status: .created)
    }

    func listKeys(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let tenant = request.uri.queryParameters.get("tenant")
        let keys = try await governance.store.keys().filter { tenant == nil || $0.tenant == tenant }
        var data: [JSONValue] = []
        for key in keys { data.append(.object(await render(key))) }
        return .json(.object(JSONObject([.init(key: "object", value: .string("list")), .init(key: "data", value: .array(data))])))
    }

    func readKey(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        return .json(.object(await render(try await key(context))))
    }

    func updateKey(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        var key = try await key(context)
        guard key.revokedAt == nil else {
            throw GatewayError(status: .conflict, message: "This key is revoked; issue a new one", type: "invalid_request_error", code: "key_revoked")
        }
        let object = try await body(request)
        for m in object.members {
            switch m.key {
            case "name": key.name = try Self.string(m.value, m.key)
            case "allowed_models": key.allowedModels = try Self.patterns(m.value, m.key)
            case "limits": key.limits = try Self.mergeLimits(key.limits, m.value, m.key)
            case "expires_at": key.expiresAt = m.value.isNull ? nil : try Self.time(m.value, m.key)
            case "metadata": key.metadata = try Self.metadata(m.value, m.key)
            default: throw Self.invalid(m.key, "unknown or unchangeable field (name, allowed_models, limits, expires_at, metadata)")
            }
        }
        key.updatedAt = governance.unixSeconds
        guard try await governance.store.updateKey(key) else { throw Self.notFound("key") }
        try await governance.refresh(force: true)
        context.logger.notice("Key updated", metadata: ["deja.key.id": .string(key.id)])
        return .json(.object(await render(key)))
    }

    func revokeKey(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        var key = try await key(context)
        if key.revokedAt == nil {
            key.revokedAt = governance.unixSeconds
            key.updatedAt = key.revokedAt!
            guard try await governance.store.updateKey(key) else { throw Self.notFound("key") }
            try await governance.refresh(force: true)
            context.logger.notice("Key revoked", metadata: ["deja.key.id": .string(key.id)])
        }
        return .json(.object(await render(key)))
    }

    private func key(_ context: DejaRequestContext) async throws -> APIKey {
        let id = context.parameters.get("id") ?? ""
        guard let key = try await governance.store.keys().first(where: { $0.id == id }) else { throw Self.notFound("key") }
        return key
    }

    /// A key without its secret, with this month's usage.
    func render(_ key: APIKey) async -> JSONObject {
        var o = JSONObject()
        o.append("id", .string(key.id))
        o.append("object", .string("api_key"))
        o.append("name", .string(key.name))
        o.append("tenant", .string(key.tenant))
        o.append("display", .string(key.display))
        o.append("allowed_models", .array(key.allowedModels.map { .string($0) }))
        o.append("limits", .object(Self.render(key.limits)))
        o.append("expires_at", key.expiresAt.map(JSONValue.seconds) ?? .null)
        o.append("metadata", .object(JSONObject(key.metadata.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) })))
        o.append("created_at", .seconds(key.createdAt))
        o.append("revoked_at", key.revokedAt.map(JSONValue.seconds) ?? .null)
        o.append("active", .bool(key.isActive(at: governance.unixSeconds)))
        o.append("usage", .object(await BudgetHandlers.usage(governance, scope: "key:" + key.id)))
        return o
    }

    // MARK: - Tenants

    func listTenants(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let tenants = try await governance.store.tenants()
        var data: [JSONValue] = []
        for tenant in tenants { data.append(.object(await render(tenant))) }
        return .json(.object(JSONObject([.init(key: "object", value: .string("list")), .init(key: "data", value: .array(data))])))
    }

    /// Creates or changes a tenant: limits (merged), cache scope, prompt storage, metadata.
    func putTenant(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let name = context.parameters.get("name") ?? ""
        guard Self.validName(name) else { throw Self.invalid("name", "tenant names are 1–128 printable characters") }
        let now = governance.unixSeconds
        var tenant = try await governance.store.tenants().first { $0.name == name } ?? Tenant(name: name, createdAt: now)
        let object = try await body(request)
        for m in object.members {
            switch m.key {
            case "limits": tenant.limits = try Self.mergeLimits(tenant.limits, m.value, m.key)
            case "cache_scope":
                if m.value.isNull { tenant.cacheScope = nil } else { tenant.cacheScope = try Self.string(m.value, m.key) }
            case "store_prompts":
                guard let b = m.value.boolValue else { throw Self.invalid(m.key, "expected true or false") }
                tenant.storePrompts = b
            case "metadata": tenant.metadata = try Self.metadata(m.value, m.key)
            default: throw Self.invalid(m.key, "unknown field (limits, cache_scope, store_prompts, metadata)")
            }
        }
        tenant.updatedAt = now
        try await governance.store.upsertTenant(tenant)
        try await governance.refresh(force: true)
        return .json(.object(await render(tenant)))
    }

    func deleteTenant(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let name = context.parameters.get("name") ?? ""
        guard try await governance.store.deleteTenant(named: name) else { throw Self.notFound("tenant") }
        try await governance.refresh(force: true)
        return .json(.object(JSONObject([.init(key: "name", value: .string(name)), .init(key: "deleted", value: .bool(true))])))
    }

    func render(_ t: Tenant) async -> JSONObject {
        var o = JSONObject()
        o.append("name", .string(t.name))
        o.append("object", .string("tenant"))
        o.append("limits", .object(Self.render(t.limits)))
        o.append("cache_scope", t.cacheScope.map { .string($0) } ?? .null)
        o.append("store_prompts", .bool(t.storePrompts))
        o.append("metadata", .object(JSONObject(t.metadata.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) })))
        o.append("created_at", .seconds(t.createdAt))
        o.append("usage", .object(await BudgetHandlers.usage(governance, scope: "tenant:" + t.name)))
        return o
    }

    // MARK: - Parsing

    private func body(_ request: Request) async throws -> JSONObject {
        let body = try await request.collectBody(limit: min(maxBodyBytes, 64 << 10))
        guard let object = (try? JSONParser.parse(body.readableBytesView))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object", code: "invalid_json")
        }
        return object
    }

    static func render(_ l: GovernanceLimits) -> JSONObject {
        var o = JSONObject()
        o.append("requests_per_window", l.requestsPerWindow.map(JSONValue.int) ?? .null)
        o.append("window_ms", l.windowMs.map(JSONValue.int) ?? .null)
        o.append("tokens_per_minute", l.tokensPerMinute.map(JSONValue.int) ?? .null)
        o.append("monthly_usd", l.monthlyUSD.map(JSONValue.double) ?? .null)
        o.append("monthly_tokens", l.monthlyTokens.map(JSONValue.int) ?? .null)
        o.append("alert_at", l.alertAt.map(JSONValue.double) ?? .null)
        return o
    }

    static func limits(_ value: JSONValue, _ field: String) throws -> GovernanceLimits {
        try mergeLimits(GovernanceLimits(), value, field)
    }

    /// Applies the members given (null removes a limit) to `current`.
    static func mergeLimits(_ current: GovernanceLimits, _ value: JSONValue, _ field: String) throws -> GovernanceLimits {
        guard let object = value.objectValue else { throw invalid(field, "expected an object of limits") }
        var l = current
        func int(_ v: JSONValue, _ f: String) throws -> Int? {
            if v.isNull { return nil }
            guard let i = v.intValue else { throw invalid(f, "expected an integer or null") }
            return i
        }
        func double(_ v: JSONValue, _ f: String) throws -> Double? {
            if v.isNull { return nil }
            guard let d = v.doubleValue, d.isFinite else { throw invalid(f, "expected a number or null") }
            return d
        }
        for m in object.members {
            let f = field + "." + m.key
            switch m.key {
            case "requests_per_window": l.requestsPerWindow = try int(m.value, f)
            case "window_ms": l.windowMs = try int(m.value, f)
            case "tokens_per_minute": l.tokensPerMinute = try int(m.value, f)
            case "monthly_usd": l.monthlyUSD = try double(m.value, f)
            case "monthly_tokens": l.monthlyTokens = try int(m.value, f)
            case "alert_at": l.alertAt = try double(m.value, f)
            default: throw invalid(f, "unknown limit (requests_per_window, window_ms, tokens_per_minute, monthly_usd, monthly_tokens, alert_at)")
            }
        }
        if let problem = l.validationError() { throw invalid(field, problem) }
        return l
    }

    static func string(_ v: JSONValue, _ field: String) throws -> String {
        guard let s = v.stringValue, validName(s) else { throw invalid(field, "expected a string of 1–128 printable characters") }
        return s
    }

    static func validName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxNameBytes && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    static func patterns(_ v: JSONValue, _ field: String) throws -> [String] {
        guard let a = v.arrayValue, a.count <= maxPatterns else { throw invalid(field, "expected at most \(maxPatterns) model patterns") }
        return try a.map { try string($0, field) }
    }

    static func metadata(_ v: JSONValue, _ field: String) throws -> [String: String] {
        guard let o = v.objectValue, o.members.count <= maxMetadata else { throw invalid(field, "expected an object of at most \(maxMetadata) strings") }
        var out: [String: String] = [:]
        for m in o.members {
            guard validName(m.key), let s = m.value.stringValue, s.utf8.count <= 1024 else { throw invalid(field, "expected string values of at most 1024 bytes") }
            out[m.key] = s
        }
        return out
    }

    /// Seconds since 1970, or an ISO 8601 date-time.
    static func time(_ v: JSONValue, _ field: String) throws -> Double {
        if let d = v.doubleValue, d.isFinite, d > 0, d < 1e11 { return d }
        if let s = v.stringValue, s.utf8.count <= 64, let date = try? Date(s, strategy: .iso8601) { return date.timeIntervalSince1970 }
        throw invalid(field, "expected seconds since 1970 or an ISO 8601 date-time")
    }

    static func invalid(_ field: String, _ what: String) -> GatewayError {
        GatewayError(status: .badRequest, message: "\(field): \(what)", param: field, code: "invalid_value")
    }

    static func notFound(_ what: String) -> GatewayError {
        GatewayError(status: .notFound, message: "No such \(what)", type: "invalid_request_error", code: "\(what)_not_found")
    }
}

extension JSONValue {
    /// Seconds since 1970 as a number (millisecond precision).
    static func seconds(_ s: Double) -> JSONValue { .double((s * 1000).rounded() / 1000) }
}
