import Foundation

/// What the router knows about a model's live state (the executor's circuits and statistics).
public protocol RoutingSignals: Sendable {
    /// False while the model's circuit is open.
    func isAvailable(_ model: CatalogueModel) -> Bool
    /// The model's recent median latency (time to first token for streams), if it answered lately.
    func latencyMs(_ model: CatalogueModel, streaming: Bool) -> Double?
}

/// No live signals: every model available, latency unknown.
public struct NoRoutingSignals: RoutingSignals {
    public init() {}
    public func isAvailable(_ model: CatalogueModel) -> Bool { true }
    public func latencyMs(_ model: CatalogueModel, streaming: Bool) -> Double? { nil }
}

/// One scored candidate.
public struct ScoredModel: Sendable, Equatable {
    public var model: CatalogueModel
    public var score: Double
    /// Estimated cost of this request on this model, USD.
    public var estimatedCost: Double
}

/// The router's answer: the ordered candidates (first answers; the rest are its fallbacks) and
/// what led there.
public struct RoutingDecision: Sendable, Equatable {
    public var strategy: String
    public var virtualModel: String
    public var ranked: [ScoredModel]
    public var classification: Classification
    /// Why the order differs from the plain score order (`prefer_local`, `prefer_provider`,
    /// `quality_floor_relaxed`, `no_healthy_model`).
    public var notes: [String]

    public var chosen: ScoredModel { ranked[0] }
}

/// Why a virtual model could not be routed.
public enum RoutingError: Error, Equatable, CustomStringConvertible {
    /// No catalogue model has what the request needs (tools, images, JSON mode, context).
    case noCapableModel(String)
    case unknownStrategy(String)

    public var description: String {
        switch self {
        case .noCapableModel(let why): "No model in the catalogue can serve this request: \(why)"
        case .unknownStrategy(let s): "Unknown routing strategy \(s)"
        }
    }
}

/// Scores catalogue models for one request: filters by capability, context window, allow list,
/// health and quality floor, then orders by the strategy's weighted sum of normalised cost
/// (log scale), quality and latency. Pure and allocation-light: a 40-model decision is a few
/// microseconds.
public struct ModelRouter: Sendable {
    /// The models the gateway can reach (their provider is configured), in catalogue order.
    public let models: [CatalogueModel]

    public init(models: [CatalogueModel]) {
        self.models = models
    }

    /// Cost and latency are compared on a log scale over at least a factor of two.
    static let minimumLogSpan = log(2.0)
    /// Quality is compared over at least 0.1.
    static let minimumQualitySpan = 0.1

    /// Per-request steering beside the virtual model's own settings.
    public struct Overrides: Sendable, Equatable {
        public var strategy: String?
        public var preferProvider: String?
        public init(strategy: String? = nil, preferProvider: String? = nil) {
            self.strategy = strategy
            self.preferProvider = preferProvider
        }
    }

    public func route(
        _ virtual: VirtualModel, classification c: Classification, streaming: Bool, policy: RoutingPolicy, overrides: Overrides = .init(),
        signals: some RoutingSignals
    ) throws(RoutingError) -> RoutingDecision {
        let strategyName = policy.strategyName(for: virtual, override: overrides.strategy)
        guard let weights = policy.strategies[strategyName]?.normalised else { throw .unknownStrategy(strategyName) }
        let f = c.features
        var required: Capabilities = []
        if f.hasTools { required.insert(.tools) }
        if f.hasImages { required.insert(.vision) }
        if f.wantsJSON { required.insert(.jsonMode) }
        if streaming { required.insert(.streaming) }
        let needTokens = c.promptTokens + max(f.requestedOutputTokens, 0)
        var notes: [String] = []

        // Work on indices into `models` until the end: a candidate is copied once, into the result.
        let family = c.family
        // Hard filters: capability, context window, allow list.
        var capable: [Int] = []
        capable.reserveCapacity(models.count)
        for (i, m) in models.enumerated() where m.capabilities.isSuperset(of: required) && needTokens <= m.contextWindow {
            if !virtual.allow.isEmpty, !virtual.allow.contains(where: { Glob.matches($0, m.id) }) { continue }
            capable.append(i)
        }
        guard !capable.isEmpty else {
            var needs: [String] = []
            if required.contains(.tools) { needs.append("tools") }
            if required.contains(.vision) { needs.append("image input") }
            if required.contains(.jsonMode) { needs.append("JSON mode") }
            needs.append("\(needTokens) tokens of context")
            let scope = virtual.allow.isEmpty ? "" : " among \(virtual.name)'s allowed models"
            throw .noCapableModel(needs.joined(separator: ", ") + scope)
        }
        // Health: open circuits out, unless that leaves nothing (the executor then says why).
        var healthy = capable.filter { signals.isAvailable(models[$0]) }
        if healthy.isEmpty {
            healthy = capable
            notes.append("no_healthy_model")
        }
        // Quality floor: the classifier's and the virtual model's; relaxed to the best available.
        let floor = max(c.minimumQuality(policy.floors), virtual.minQuality ?? 0)
        var pool = healthy.filter { models[$0].quality(for: family) >= floor }
        if pool.isEmpty {
            var best = 0.0
            for i in healthy { best = max(best, models[i].quality(for: family)) }
            pool = healthy.filter { models[$0].quality(for: family) >= best }
            notes.append("quality_floor_relaxed")
        }

        // Normalised criteria.
        let outputTokens = f.requestedOutputTokens > 0 ? min(f.requestedOutputTokens, 4 * policy.assumedOutputTokens) : policy.assumedOutputTokens
        let n = pool.count
        var costs = [Double](repeating: 0, count: n)
        var logCosts = [Double](repeating: 0, count: n)
        var qualities = [Double](repeating: 0, count: n)
        var latencies = [Double](repeating: .nan, count: n)
        var (cLo, cHi, qLo, qHi, lLo, lHi) = (Double.infinity, -Double.infinity, Double.infinity, -Double.infinity, Double.infinity, -Double.infinity)
        for k in 0..<n {
            let m = models[pool[k]]
            let cost = m.price.worstCase(promptTokens: c.promptTokens, maxOutputTokens: outputTokens)
            costs[k] = cost
            logCosts[k] = log(max(cost, 1e-9))
            qualities[k] = m.quality(for: family)
            cLo = min(cLo, logCosts[k])
            cHi = max(cHi, logCosts[k])
            qLo = min(qLo, qualities[k])
            qHi = max(qHi, qualities[k])
            if let l = signals.latencyMs(m, streaming: streaming) {
                latencies[k] = log(max(l, 0.01))
                lLo = min(lLo, latencies[k])
                lHi = max(lHi, latencies[k])
            }
        }
        // Each criterion is scaled to 0…1 over the candidates, but over at least a minimum span, so
        // that noise cannot become a full weight: two models within a few per cent of each
        // other's latency or price differ by a few per cent of that weight, not by all of it.
        let costSpan = max(cHi - cLo, Self.minimumLogSpan)
        let qualitySpan = max(qHi - qLo, Self.minimumQualitySpan)
        let latencySpan = max(lHi - lLo, Self.minimumLogSpan)
        var scores = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let costScore = (cHi - logCosts[k]) / costSpan
            let qualityScore = 1 - (qHi - qualities[k]) / qualitySpan
            let latencyScore: Double
            if !latencies[k].isNaN {
                latencyScore = (lHi - latencies[k]) / latencySpan
            } else {
                latencyScore = 0.5  // not measured yet: neither rewarded nor punished
            }
            scores[k] = weights.cost * costScore + weights.quality * qualityScore + weights.latency * latencyScore
        }
        // Order: score, then quality, then price, then catalogue order.
        let order = (0..<n).sorted { a, b in
            if scores[a] != scores[b] { return scores[a] > scores[b] }
            if qualities[a] != qualities[b] { return qualities[a] > qualities[b] }
            if costs[a] != costs[b] { return costs[a] < costs[b] }
            return a < b
        }
        var ranked: [ScoredModel] = []
        ranked.reserveCapacity(n)
        for k in order { ranked.append(ScoredModel(model: models[pool[k]], score: scores[k], estimatedCost: costs[k])) }
        // Prefer local models within the margin of the best score.
        if let best = ranked.first, !best.model.local,
            let local = ranked.firstIndex(where: { $0.model.local && $0.score >= policy.localMargin * best.score })
        {
            ranked.insert(ranked.remove(at: local), at: 0)
            notes.append("prefer_local")
        }
        // A preferred provider's best candidate goes first (it passed every filter above).
        if let provider = overrides.preferProvider ?? virtual.preferProvider, let best = ranked.first, best.model.provider != provider,
            let preferred = ranked.firstIndex(where: { $0.model.provider == provider })
        {
            ranked.insert(ranked.remove(at: preferred), at: 0)
            notes.append("prefer_provider")
        }
        return RoutingDecision(strategy: strategyName, virtualModel: virtual.name, ranked: ranked, classification: c, notes: notes)
    }
}

/// `*` matches any run of characters; everything else matches itself.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8)
        let t = Array(text.utf8)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != UInt8(ascii: "*"), p[pi] == t[ti] {
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
