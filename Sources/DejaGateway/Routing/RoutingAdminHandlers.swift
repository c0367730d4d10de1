import DejaRouting
import DejaWire
import Hummingbird
import HTTPTypes
import Logging

/// `GET /api/admin/routing` and `PUT /api/admin/routing` (admin token): read and change the
/// routing policy at run time — default strategy, strategy weights, virtual models, quality
/// floors, the local margin and the plan length. A PUT names only what changes; a virtual model
/// set to `null` is removed. The new policy is checked as a whole and applies to the next request.
struct RoutingAdminHandlers: Sendable {
    let routing: ModelRouting
    let admin: AdminGuard
    let maxBodyBytes: Int

    func read(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin.authorize(request, context: context)
        return .json(Self.render(routing.policy, catalogueSize: routing.router.models.count, headLoaded: routing.classifier.head != nil))
    }

    func update(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let body = try await request.collectBody(limit: min(maxBodyBytes, 1 << 20))
        guard let object = (try? JSONParser.parse(body.readableBytesView))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object", code: "invalid_json")
        }
        var policy = routing.policy
        try Self.apply(object, to: &policy)
        do {
            try routing.update(policy)
        } catch {
            throw GatewayError(status: .badRequest, message: "Invalid routing policy: \(error.description)", code: "invalid_routing_policy")
        }
        context.logger.notice("Routing policy changed", metadata: ["deja.routing.default_strategy": .string(policy.defaultStrategy)])
        return .json(Self.render(routing.policy, catalogueSize: routing.router.models.count, headLoaded: routing.classifier.head != nil))
    }

    static func apply(_ object: JSONObject, to policy: inout RoutingPolicy) throws {
        func invalid(_ field: String, _ what: String) -> GatewayError {
            GatewayError(status: .badRequest, message: "\(field): \(what)", param: field, code: "invalid_routing_policy")
        }
        func number(_ value: JSONValue?, _ field: String, _ range: ClosedRange<Double>) throws -> Double {
            guard let d = value?.doubleValue, range.contains(d) else { throw invalid(field, "expected a number within \(range.lowerBound)…\(range.upperBound)") }
            return d
        }
        for member in object.members {
            let (key, value) = (member.key, member.value)
            switch key {
            case "default_strategy":
                guard let s = value.stringValue else { throw invalid(key, "expected a strategy name") }
                policy.defaultStrategy = s
            case "strategies":
                guard let strategies = value.objectValue else { throw invalid(key, "expected {name: {cost, quality, latency}}") }
                for m in strategies.members {
                    let (name, weights) = (m.key, m.value)
                    guard name.utf8.count <= 64, !name.isEmpty else { throw invalid(key, "strategy names are 1–64 characters") }
                    if weights.isNull {
                        policy.strategies[name] = nil
                        continue
                    }
                    guard let w = weights.objectValue else { throw invalid("\(key).\(name)", "expected {cost, quality, latency}") }
                    var current = policy.strategies[name] ?? StrategyWeights(cost: 0, quality: 0, latency: 0)
                    for m in w.members {
                        let (wk, wv) = (m.key, m.value)
                        let field = "\(key).\(name).\(wk)"
                        switch wk {
                        case "cost": current.cost = try number(wv, field, 0...1_000)
                        case "quality": current.quality = try number(wv, field, 0...1_000)
                        case "latency": current.latency = try number(wv, field, 0...1_000)
                        default: throw invalid(field, "unknown weight (cost, quality, latency)")
                        }
                    }
                    policy.strategies[name] = current
                }
            case "virtual_models":
                guard let models = value.objectValue else { throw invalid(key, "expected {name: {strategy, min_quality, allow, prefer_provider} | null}") }
                for m in models.members {
                    let (name, spec) = (m.key, m.value)
                    guard !name.isEmpty, name.utf8.count <= 64, !name.contains("/") else { throw invalid(key, "virtual model names are 1–64 characters without '/'") }
                    if spec.isNull {
                        policy.virtualModels[name] = nil
                        continue
                    }
                    guard let fields = spec.objectValue else { throw invalid("\(key).\(name)", "expected an object") }
                    var model = VirtualModel(name: name)
                    for m in fields.members {
                        let (fk, fv) = (m.key, m.value)
                        let field = "\(key).\(name).\(fk)"
                        switch fk {
                        case "strategy":
                            guard let s = fv.stringValue else { throw invalid(field, "expected a strategy name") }
                            model.strategy = s
                        case "min_quality": model.minQuality = try number(fv, field, 0...1)
                        case "allow":
                            guard let list = fv.arrayValue?.compactMap({ $0.stringValue }), list.count == fv.arrayValue?.count, list.count <= 256 else {
                                throw invalid(field, "expected a list of model ids or globs")
                            }
                            model.allow = list
                        case "prefer_provider":
                            guard let p = fv.stringValue else { throw invalid(field, "expected a provider name") }
                            model.preferProvider = p
                        default: throw invalid(field, "unknown field (strategy, min_quality, allow, prefer_provider)")
                        }
                    }
                    policy.virtualModels[name] = model
                }
            case "min_quality":
                guard let floors = value.objectValue else { throw invalid(key, "expected {simple, medium, complex}") }
                for m in floors.members {
                    let (fk, fv) = (m.key, m.value)
                    let field = "\(key).\(fk)"
                    switch fk {
                    case "simple": policy.floors.simple = try number(fv, field, 0...1)
                    case "medium": policy.floors.medium = try number(fv, field, 0...1)
                    case "complex": policy.floors.complex = try number(fv, field, 0...1)
                    default: throw invalid(field, "unknown complexity (simple, medium, complex)")
                    }
                }
            case "prefer_local_margin": policy.localMargin = try number(value, key, 0...1)
            case "plan_length": policy.planLength = Int(try number(value, key, 1...10))
            default:
                throw invalid(key, "unknown field (default_strategy, strategies, virtual_models, min_quality, prefer_local_margin, plan_length)")
            }
        }
        guard policy.virtualModels.count <= 1_000, policy.strategies.count <= 100 else {
            throw invalid("virtual_models", "at most 1,000 virtual models and 100 strategies")
        }
    }

    static func render(_ p: RoutingPolicy, catalogueSize: Int, headLoaded: Bool) -> JSONValue {
        var strategies = JSONObject()
        for name in p.strategies.keys.sorted() {
            let w = p.strategies[name]!
            strategies.append(name, .object(JSONObject(["cost": .double(w.cost), "quality": .double(w.quality), "latency": .double(w.latency)])))
        }
        var virtual = JSONObject()
        for name in p.virtualModels.keys.sorted() {
            let v = p.virtualModels[name]!
            var o = JSONObject()
            o.append("strategy", v.strategy.map(JSONValue.string) ?? .null)
            o.append("min_quality", v.minQuality.map(JSONValue.double) ?? .null)
            o.append("allow", .array(v.allow.map(JSONValue.string)))
            o.append("prefer_provider", v.preferProvider.map(JSONValue.string) ?? .null)
            virtual.append(name, .object(o))
        }
        var o = JSONObject()
        o.append("default_strategy", .string(p.defaultStrategy))
        o.append("strategies", .object(strategies))
        o.append("virtual_models", .object(virtual))
        o.append("min_quality", .object(JSONObject(["simple": .double(p.floors.simple), "medium": .double(p.floors.medium), "complex": .double(p.floors.complex)])))
        o.append("prefer_local_margin", .double(p.localMargin))
        o.append("plan_length", .int(p.planLength))
        o.append("catalogue_models", .int(catalogueSize))
        o.append("strong_head", .bool(headLoaded))
        return .object(o)
    }
}
