import DejaCache
import DejaProviders
import DejaReliability
import DejaRouting
import Hummingbird
import HTTPTypes
import NIOCore
import DejaWire

/// `GET /v1/models`, `GET /health`, `/health/live`, `/health/ready`: small read-only answers.
/// `/health` says only whether the gateway is up unless the caller has admin authority: provider
/// names, base URLs and upstream error texts describe the operator's setup.
struct InfoHandlers: Sendable {
    let registry: ProviderRegistry
    let routing: ModelRouting
    let health: ProviderHealth
    let breakers: CircuitBreakers
    let statistics: ProviderStatistics
    let demo: Bool
    let admin: AdminGuard
    /// Governance's store and shared counters, reported on the detailed `/health`.
    var governance: Governance? = nil
    var model: ModelState = .notUsed
    var mirror: CacheMirror? = nil
    let startedAt = ContinuousClock.now

    /// Every model a client can name, in the OpenAI list shape: the virtual models (`auto`, …,
    /// `owned_by: "deja"`), the catalogue models a configured provider serves (with their
    /// prices per million tokens, context window and capabilities), and each provider's own
    /// model list as `provider/model` (which resolves to exactly that provider).
    func models(_ request: Request, context: DejaRequestContext) -> Response {
        .json(.object(JSONObject(["object": .string("list"), "data": .array(modelObjects())])))
    }

    /// `GET /v1/models/{model}`: one model of the list (an id may hold a slash:
    /// `provider/model`); 404 `model_not_found` for any other name.
    func model(_ request: Request, context: DejaRequestContext) throws -> Response {
        let id = String(request.uri.path.dropFirst("/v1/models/".count))
        if let found = modelObjects().first(where: { $0.objectValue?["id"]?.stringValue == id }) { return .json(found) }
        // A name a provider's patterns claim (`gpt-*`) is a model too, though no list names it.
        guard let plan = registry.resolve(id), let provider = plan.candidates.first?.providerName else { throw GatewayError.unknownModel(id) }
        return .json(.object(JSONObject(["id": .string(id), "object": .string("model"), "created": .int(0), "owned_by": .string(provider)])))
    }

    /// Every model a client can name, as list entries.
    private func modelObjects() -> [JSONValue] {
        var data: [JSONValue] = []
        let policy = routing.policy
        for name in policy.virtualModels.keys.sorted() {
            let v = policy.virtualModels[name]!
            var o = JSONObject()
            o.append("id", .string(name))
            o.append("object", .string("model"))
            o.append("created", .int(0))
            o.append("owned_by", .string("deja"))
            o.append("virtual", .bool(true))
            o.append("strategy", .string(v.strategy ?? policy.defaultStrategy))
            data.append(.object(o))
        }
        for m in routing.router.models {
            var o = JSONObject()
            o.append("id", .string(m.id))
            o.append("object", .string("model"))
            o.append("created", .int(0))
            o.append("owned_by", .string(m.provider))
            var price = JSONObject()
            price.append("input_per_mtok", .double(m.price.input))
            price.append("output_per_mtok", .double(m.price.output))
            price.append("cached_input_per_mtok", m.price.cachedInput.map(JSONValue.double) ?? .null)
            o.append("pricing", .object(price))
            o.append("context_window", .int(m.contextWindow))
            var caps: [JSONValue] = []
            if m.capabilities.contains(.tools) { caps.append(.string("tools")) }
            if m.capabilities.contains(.vision) { caps.append(.string("vision")) }
            if m.capabilities.contains(.jsonMode) { caps.append(.string("json_mode")) }
            if m.capabilities.contains(.streaming) { caps.append(.string("streaming")) }
            o.append("capabilities", .array(caps))
            var quality = JSONObject()
            for family in TaskFamily.allCases { quality.append(family.rawValue, .double(m.quality(for: family))) }
            o.append("quality", .object(quality))
            if m.local { o.append("local", .bool(true)) }
            data.append(.object(o))
        }
        for s in registry.settings {
            for model in s.models {
                data.append(
                    .object(JSONObject(["id": .string("\(s.name)/\(model)"), "object": .string("model"), "created": .int(0), "owned_by": .string(s.name)])))
            }
        }
        return data
    }

    func health(_ request: Request, context: DejaRequestContext) -> Response {
        // Without admin authority: up or not, nothing that fingerprints the build or the setup.
        guard admin.isAuthorized(request, context: context) else {
            return .json(.object(JSONObject(["status": .string(registry.settings.isEmpty ? "not_ready" : "ok")])))
        }
        let snapshot = health.snapshot()
        var providers: [JSONValue] = []
        var degraded = false
        for s in registry.settings {
            let status = snapshot[s.name]
            let state: String
            if let status, status.consecutiveFailures > 0, (status.lastSuccess ?? .now - .seconds(1e9)) < (status.lastFailure ?? .now) {
                state = "unhealthy"
                degraded = true
            } else if status?.lastSuccess != nil {
                state = "healthy"
            } else {
                state = "unknown"
            }
            var object = JSONObject()
            object.append("name", .string(s.name))
            object.append("kind", .string(s.kind.rawValue))
            object.append("base_url", .string(s.baseURL))
            object.append("status", .string(state))
            object.append("consecutive_failures", .int(status?.consecutiveFailures ?? 0))
            object.append("last_error", status?.lastError.map(JSONValue.string) ?? .null)
            if demo { object.append("simulated", .bool(true)) }
            providers.append(.object(object))
        }
        var object = JSONObject()
        object.append("status", .string(registry.settings.isEmpty ? "no_providers" : degraded ? "degraded" : "ok"))
        object.append("demo", .bool(demo))
        if demo {
            object.append("notice", .string("DEMO MODE: answers come from the built-in simulator (deja-sim), not from a real LLM. Set a provider API key to use real providers."))
        }
        identity(into: &object)
        object.append("providers", .array(providers))
        object.append("circuit_breakers", .array(circuitList()))
        if let governance { object.append("governance", .object(governance.healthReport())) }
        return .json(.object(object))
    }

    /// `GET /api/circuit-breakers` (admin): every provider/model circuit that has seen a call,
    /// with its state, failures in the current window, when an open circuit lets its next probe
    /// through and how often it opened, plus the settings they run under.
    func circuitBreakers(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin.authorize(request, context: context)
        let settings = breakers.settings
        var object = JSONObject()
        object.append("failure_threshold", .int(settings.failureThreshold))
        object.append("window_seconds", .int(Int(settings.window.components.seconds)))
        object.append("cooldown_seconds", .int(Int(settings.cooldown.components.seconds)))
        object.append("circuits", .array(circuitList()))
        return .json(.object(object))
    }

    /// `GET /api/providers` (admin): each configured provider with, per model it answered in the
    /// rolling window, the circuit state, attempts, error rate, latency and time-to-first-token
    /// percentiles (milliseconds). The live figures the router reads.
    func providers(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin.authorize(request, context: context)
        let now = ContinuousClock.now
        let summaries = statistics.summaries(now: now)
        var circuits: [String: String] = [:]
        for circuit in breakers.snapshot(now: now) { circuits[circuit.provider + "/" + circuit.model] = circuit.state.rawValue }
        func ms(_ d: Duration) -> JSONValue { .double(GatewayReport.milliseconds(d)) }
        func percentiles(_ p: ProviderStatistics.Percentiles?) -> JSONValue {
            guard let p else { return .null }
            return .object(JSONObject(["p50_ms": ms(p.p50), "p95_ms": ms(p.p95), "p99_ms": ms(p.p99)]))
        }
        var list: [JSONValue] = []
        for provider in registry.settings {
            var models: [JSONValue] = []
            for summary in summaries where summary.provider == provider.name {
                var o = JSONObject()
                o.append("model", .string(summary.model))
                o.append("circuit", .string(circuits[summary.provider + "/" + summary.model] ?? "closed"))
                o.append("attempts", .int(summary.attempts))
                o.append("failures", .int(summary.failures))
                o.append("error_rate", .double((summary.errorRate * 10_000).rounded() / 10_000))
                o.append("latency", percentiles(summary.latency))
                o.append("time_to_first_token", percentiles(summary.timeToFirstToken))
                models.append(.object(o))
            }
            var o = JSONObject()
            o.append("name", .string(provider.name))
            o.append("kind", .string(provider.kind.rawValue))
            o.append("models", .array(models))
            list.append(.object(o))
        }
        var object = JSONObject()
        object.append("window_seconds", .int(Int(statistics.window.components.seconds)))
        object.append("providers", .array(list))
        return .json(.object(object))
    }

    private func circuitList() -> [JSONValue] {
        let now = ContinuousClock.now
        return breakers.snapshot(now: now).map { circuit in
            var o = JSONObject()
            o.append("provider", .string(circuit.provider))
            o.append("model", .string(circuit.model))
            o.append("state", .string(circuit.state.rawValue))
            o.append("recent_failures", .int(circuit.recentFailures))
            o.append("openings", .int(circuit.openings))
            if let retryAt = circuit.retryAt {
                let wait = max(.zero, retryAt - now)
                o.append("retry_in_ms", .int(Int(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)))
            }
            o.append("last_failure", circuit.lastFailure.map(JSONValue.string) ?? .null)
            return .object(o)
        }
    }

    func live(_ request: Request, context: DejaRequestContext) -> Response {
        .json(.object(JSONObject(["status": .string("ok")])))
    }

    /// What every `/health` answer carries: the build and how long it has run.
    private func identity(into object: inout JSONObject) {
        object.append("version", .string(BuildInfo.version))
        object.append("build", .string(BuildInfo.build))
        object.append("uptime_seconds", .int(Int((ContinuousClock.now - startedAt).components.seconds)))
    }

    /// Readiness: what is configured answers. Providers and, when the cache embeds locally, the
    /// model are required (the gateway does not start without a readable store or model, so
    /// these hold once it listens). The governance store (asked with a 1 s bound, at most one
    /// query per 2 s) and Redis are reported but do not fail readiness: the gateway serves with
    /// its keys in memory, buffers the ledger and enforces limits locally, which is better than a
    /// store failover taking every instance out of the load balancer at once.
    func ready(_ request: Request, context: DejaRequestContext) async -> Response {
        var checks = JSONObject()
        var failures: [String] = []
        if registry.settings.isEmpty {
            checks.append("providers", .string("none configured"))
            failures.append("no provider is configured")
        } else {
            checks.append("providers", .string("ok"))
        }
        switch model {
        case .notUsed: checks.append("model", .string("not_used"))
        case .loaded: checks.append("model", .string("ok"))
        }
        if let governance {
            checks.append("store", .string(await governance.storeAnswers(within: .seconds(1)) ? "ok" : "unreachable (keys served from memory, ledger buffered)"))
        }
        if let mirror { checks.append("redis_cache", .string(mirror.isConnected ? "ok" : "unreachable (serving from memory)")) }
        if let shared = governance?.shared { checks.append("redis_governance", .string(shared.isHealthy ? "ok" : "unreachable (local limits)")) }
        var object = JSONObject()
        object.append("status", .string(failures.isEmpty ? "ready" : "not_ready"))
        if !failures.isEmpty { object.append("reason", .string(failures.joined(separator: "; "))) }
        if admin.isAuthorized(request, context: context) { object.append("checks", .object(checks)) }
        return .json(.object(object), status: failures.isEmpty ? .ok : .serviceUnavailable)
    }

    /// Whether the cache's embedding model is loaded (checked at start: a missing model stops the gateway).
    enum ModelState: Sendable { case notUsed, loaded }
}
