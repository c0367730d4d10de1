import DejaProviders
import DejaRouting
import Foundation
import HTTPTypes
import DejaWire

/// How a chat answer was produced, as `X-Cache` says it.
enum CacheStatus: String, Sendable {
    /// The same request (exact key) was answered before.
    case hitExact = "HIT-EXACT"
    /// A verified paraphrase was answered before.
    case hitSemantic = "HIT-SEMANTIC"
    /// Looked up, not found: answered upstream (and stored when allowed).
    case miss = "MISS"
    /// Not looked up (cache off, a request that may not be cached, or `no-cache` / `"x-cache": false`).
    case bypass = "BYPASS"

    var isHit: Bool { self == .hitExact || self == .hitSemantic }

    /// The usage ledger's name for it.
    var ledgerName: String {
        switch self {
        case .hitExact: "hit_exact"
        case .hitSemantic: "hit_semantic"
        case .miss: "miss"
        case .bypass: "bypass"
        }
    }
}

/// The one place that says, for every chat answer, who produced it and how: the `X-Provider`,
/// `X-Model`, `X-Cache`, `X-Cached` and `X-Cache-Similarity` headers and the `x-gateway` object
/// of a JSON answer.
struct GatewayReport: Sendable {
    var provider: String
    var model: String
    var cache: CacheStatus
    /// From the request's arrival to the answer (JSON answers only).
    var latency: Duration = .zero
    /// The answering upstream call's own latency (upstream answers only).
    var upstreamLatency: Duration?
    var similarity: Float?
    var cacheEntryID: UInt64?
    /// What the stored answer cost to produce when it was first answered (hits only).
    var latencySavedMs: Double?
    var fallbackUsed = false
    /// Upstream calls made for this answer (upstream answers only).
    var attempts: Int?
    /// What the call cost from the provider's reported usage (0 for cache hits; nil when unknown).
    var costUSD: Double?
    /// How a virtual model was resolved.
    var routing: RoutingReport?
    /// How long the answer is kept and why (answers from upstream that are stored, and
    /// time-sensitive questions that are not cached at all).
    var lifetime: CacheLifetime?

    /// A hit: the stored entry's `provider/model` names who answered.
    init(hit entry: String, cache: CacheStatus) {
        if let slash = entry.firstIndex(of: "/") {
            provider = String(entry[..<slash])
            model = String(entry[entry.index(after: slash)...])
        } else {
            provider = ""
            model = entry
        }
        self.cache = cache
    }

    /// An upstream answer.
    init(provider: String, model: String, cache: CacheStatus) {
        self.provider = provider
        self.model = model
        self.cache = cache
    }

    static let xVirtualModel = HTTPField.Name("X-Virtual-Model")!
    static let xRoutingStrategy = HTTPField.Name("X-Routing-Strategy")!

    var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.xProvider] = provider
        fields[.xModel] = model
        fields[.xCache] = cache.rawValue
        fields[.xCached] = cache.isHit ? "true" : "false"
        if let similarity { fields[.xCacheSimilarity] = String(format: "%.4f", similarity) }
        if let routing {
            // Streams carry no x-gateway object: the route is in the headers too.
            fields[Self.xVirtualModel] = routing.virtualModel
            fields[Self.xRoutingStrategy] = routing.strategy
        }
        return fields
    }

    /// The `x-gateway` object's bytes.
    var json: [UInt8] {
        var gateway = JSONObject()
        gateway.append("provider", .string(provider))
        gateway.append("model", .string(model))
        gateway.append("latency_ms", .double(Self.milliseconds(latency)))
        if let upstreamLatency { gateway.append("upstream_latency_ms", .double(Self.milliseconds(upstreamLatency))) }
        gateway.append("cache", .string(cache.rawValue))
        gateway.append("cache_hit", .bool(cache.isHit))
        if cache.isHit {
            gateway.append("similarity", similarity.map { .double((Double($0) * 10_000).rounded() / 10_000) } ?? .double(1))
        }
        if let cacheEntryID { gateway.append("cache_entry_id", .string(String(cacheEntryID))) }
        if let latencySavedMs { gateway.append("latency_saved_ms", .double(latencySavedMs)) }
        if let lifetime {
            gateway.append("cache_ttl_s", .double(lifetime.seconds))
            gateway.append("cache_ttl_reason", .string(lifetime.reason))
        }
        gateway.append("fallback_used", .bool(fallbackUsed))
        if let attempts { gateway.append("attempts", .int(attempts)) }
        if let costUSD { gateway.append("cost_usd", .double((costUSD * 1e9).rounded() / 1e9)) }
        if let routing { gateway.append("routing_decision", routing.json) }
        return JSONWriter.serialize(.object(gateway))
    }

    /// Milliseconds with microsecond resolution.
    static func milliseconds(_ d: Duration) -> Double {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return (ms * 1000).rounded() / 1000
    }
}

/// The `routing_decision` member of `x-gateway`: the strategy, the chosen model and its score,
/// what the classifier saw (family, complexity, strong score, the features that drove it) and
/// the runners-up (the plan's fallbacks first).
struct RoutingReport: Sendable {
    var virtualModel: String
    var strategy: String
    var json: JSONValue

    init(_ d: RoutingDecision, servedBy routing: ModelRouting) {
        virtualModel = d.virtualModel
        strategy = d.strategy
        func round(_ x: Double) -> JSONValue { .double((x * 10_000).rounded() / 10_000) }
        var o = JSONObject()
        o.append("virtual_model", .string(d.virtualModel))
        o.append("strategy", .string(d.strategy))
        o.append("chosen", .string(d.chosen.model.id))
        o.append("provider", .string(routing.provider(for: d.chosen.model) ?? d.chosen.model.provider))
        o.append("score", round(d.chosen.score))
        o.append("estimated_cost_usd", .double((d.chosen.estimatedCost * 1e9).rounded() / 1e9))
        o.append("family", .string(d.classification.family.rawValue))
        o.append("complexity", .string(d.classification.complexity.rawValue))
        o.append("strong_score", d.classification.strongScore.map(round) ?? .null)
        o.append("drivers", .array(d.classification.drivers.map(JSONValue.string)))
        o.append("runners_up", .array(d.ranked.dropFirst().prefix(3).map { .object(JSONObject(["model": .string($0.model.id), "score": round($0.score)])) }))
        if !d.notes.isEmpty { o.append("notes", .array(d.notes.map(JSONValue.string))) }
        json = .object(o)
    }

    /// A cache hit for a virtual model: answered before, no decision made now.
    init(cachedFor virtualModel: String, strategy: String) {
        self.virtualModel = virtualModel
        self.strategy = strategy
        json = .object(JSONObject(["virtual_model": .string(virtualModel), "strategy": .string(strategy), "cached": .bool(true)]))
    }
}

extension TokenUsage {
    /// From an OpenAI usage object: `prompt_tokens` (cached ones included),
    /// `completion_tokens`, `prompt_tokens_details.cached_tokens`.
    init(openAI usage: JSONObject) {
        self.init(
            inputTokens: TokenCount.read(usage["prompt_tokens"]), outputTokens: TokenCount.read(usage["completion_tokens"]),
            cachedInputTokens: TokenCount.read(usage["prompt_tokens_details"]?.objectValue?["cached_tokens"]))
    }
}
