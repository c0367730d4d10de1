/// How much cost, quality and latency weigh in a routing score (normalised to sum to 1).
public struct StrategyWeights: Sendable, Equatable {
    public var cost: Double
    public var quality: Double
    public var latency: Double

    public init(cost: Double, quality: Double, latency: Double) {
        self.cost = cost
        self.quality = quality
        self.latency = latency
    }

    /// The weights scaled to sum to 1 (nil when they are negative, not finite or all zero).
    public var normalised: StrategyWeights? {
        let sum = cost + quality + latency
        guard cost >= 0, quality >= 0, latency >= 0, sum.isFinite, sum > 0 else { return nil }
        return StrategyWeights(cost: cost / sum, quality: quality / sum, latency: latency / sum)
    }

    public static let balanced = StrategyWeights(cost: 0.40, quality: 0.35, latency: 0.25)
    public static let cost = StrategyWeights(cost: 0.80, quality: 0.10, latency: 0.10)
    public static let quality = StrategyWeights(cost: 0.05, quality: 0.85, latency: 0.10)
    public static let latency = StrategyWeights(cost: 0.10, quality: 0.10, latency: 0.80)
}

/// A model name that the router resolves per request (`auto`, `fast`, `cheap`, `quality`, or one
/// the operator defines, such as `support-bot`).
public struct VirtualModel: Sendable, Equatable {
    public var name: String
    /// A strategy name; nil: the policy's default strategy.
    public var strategy: String?
    /// A floor on quality beside the one the classifier asks for.
    public var minQuality: Double?
    /// Catalogue ids (globs, `*`) the router may pick from; empty: any.
    public var allow: [String]
    /// A provider to put first among equals when it can serve the request.
    public var preferProvider: String?

    public init(name: String, strategy: String? = nil, minQuality: Double? = nil, allow: [String] = [], preferProvider: String? = nil) {
        self.name = name
        self.strategy = strategy
        self.minQuality = minQuality
        self.allow = allow
        self.preferProvider = preferProvider
    }

    /// The four built-in virtual models.
    public static let builtIn: [VirtualModel] = [
        VirtualModel(name: "auto"),
        VirtualModel(name: "fast", strategy: "latency"),
        VirtualModel(name: "cheap", strategy: "cost"),
        VirtualModel(name: "quality", strategy: "quality"),
    ]
}

/// Everything that steers routing and may change at run time (`PUT /api/admin/routing`).
public struct RoutingPolicy: Sendable, Equatable {
    public var defaultStrategy = "balanced"
    public var strategies: [String: StrategyWeights] = [
        "balanced": .balanced, "cost": .cost, "quality": .quality, "latency": .latency,
    ]
    public var virtualModels: [String: VirtualModel] = Dictionary(uniqueKeysWithValues: VirtualModel.builtIn.map { ($0.name, $0) })
    public var floors = ComplexityFloors()
    /// A local model goes first when its score is at least this share of the best score.
    public var localMargin = 0.7
    /// How many candidates the plan carries (the first answers, the rest are its fallbacks).
    public var planLength = 3
    /// Output tokens assumed when the request sets no limit (for cost estimates).
    public var assumedOutputTokens = 500

    public init() {}

    /// The strategy a request for `virtual` runs under: the request's override, else the
    /// virtual model's own, else the default. It may name no strategy (an unknown override).
    public func strategyName(for virtual: VirtualModel, override: String?) -> String {
        override ?? virtual.strategy ?? defaultStrategy
    }

    /// Checks names and ranges; the message says what is wrong.
    public func validate() throws(RoutingPolicyError) {
        guard strategies[defaultStrategy] != nil else { throw RoutingPolicyError("default strategy \(defaultStrategy) is not defined") }
        for (name, w) in strategies where w.normalised == nil {
            throw RoutingPolicyError("strategy \(name): weights must be 0 or more and not all 0")
        }
        for (name, v) in virtualModels {
            if let s = v.strategy, strategies[s] == nil { throw RoutingPolicyError("virtual model \(name): unknown strategy \(s)") }
            if let q = v.minQuality, !(0...1).contains(q) { throw RoutingPolicyError("virtual model \(name): min_quality must be within 0…1") }
        }
        for (label, q) in [("simple", floors.simple), ("medium", floors.medium), ("complex", floors.complex)] where !(0...1).contains(q) {
            throw RoutingPolicyError("min_quality.\(label) must be within 0…1")
        }
        guard (0...1).contains(localMargin) else { throw RoutingPolicyError("prefer_local_margin must be within 0…1") }
        guard (1...10).contains(planLength) else { throw RoutingPolicyError("plan_length must be within 1…10") }
    }
}

/// A routing policy that cannot be used.
public struct RoutingPolicyError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
