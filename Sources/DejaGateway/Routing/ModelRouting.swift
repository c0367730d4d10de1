import DejaEmbedding
import DejaProviders
import DejaReliability
import DejaRouting
import DejaWire
import Foundation
import Synchronization

/// The gateway's side of routing: which catalogue models are reachable through the configured
/// providers, the run-time policy (`/api/admin/routing` changes it), the classifier, and the
/// translation of a ``RoutingDecision`` into the executor's ``ExecutionPlan``.
final class ModelRouting: Sendable {
    /// The catalogue and which configured provider serves each catalogue provider.
    let registry: ProviderRegistry
    /// Over the reachable models only.
    let router: ModelRouter
    let classifier: PromptClassifier
    /// all-MiniLM-L6-v2, for the learned head when the cache did not embed the query (cache
    /// off or bypassed, or a cache on another embedder); nil when the model is not installed.
    let embedder: (any Embedder)?
    /// The cache's vectors are this same model's, so the head reads the lookup's vector and a
    /// vector made here goes on to the store.
    let sharesCacheEmbedder: Bool
    private let policyState: Mutex<RoutingPolicy>
    let signals: ExecutorRoutingSignals

    init(
        registry: ProviderRegistry, policy: RoutingPolicy, head: StrongModelHead?, executor: UpstreamExecutor, embedder: (any Embedder)?,
        sharesCacheEmbedder: Bool
    ) {
        self.registry = registry
        let serving = registry.servingProvider
        // Routable: a configured provider serves it and it is not retired (as of start-up).
        let today = Self.today()
        self.router = ModelRouter(models: registry.catalogue.models.filter { serving[$0.provider] != nil && !$0.isRetired(on: today) })
        self.classifier = PromptClassifier(head: head)
        self.embedder = embedder
        self.sharesCacheEmbedder = sharesCacheEmbedder
        self.policyState = Mutex(policy)
        self.signals = ExecutorRoutingSignals(executor: executor, servingProvider: serving)
    }

    var policy: RoutingPolicy { policyState.withLock { $0 } }

    /// Today in UTC as `YYYY-MM-DD`.
    static func today(_ now: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: now)
    }

    /// Replaces the policy after checking it.
    func update(_ policy: RoutingPolicy) throws(RoutingPolicyError) {
        try policy.validate()
        policyState.withLock { $0 = policy }
    }

    /// The virtual model a client's model name refers to, if any.
    func virtualModel(named name: String) -> VirtualModel? {
        policyState.withLock { $0.virtualModels[name] }
    }

    /// The configured provider that serves a catalogue model, if any.
    func provider(for model: CatalogueModel) -> String? {
        registry.servingProvider[model.provider]
    }

    /// The catalogue entry for a call answered by a configured provider under an upstream name.
    func catalogueModel(provider: String, upstream: String) -> CatalogueModel? {
        registry.catalogueModel(provider: provider, upstream: upstream)
    }

    /// The cost of an answered call from the usage it reported; nil when the model has no price.
    func cost(provider: String, upstream: String, usage: TokenUsage) -> Double? {
        catalogueModel(provider: provider, upstream: upstream)?.price.cost(usage)
    }

    /// Routes a request for a virtual model.
    func decide(
        _ virtual: VirtualModel, chat: ChatRequest, embedding: [Float]?, overrides: ModelRouter.Overrides
    ) throws(RoutingError) -> RoutingDecision {
        let classification = classifier.classify(chat, embedding: embedding)
        return try router.route(virtual, classification: classification, streaming: chat.stream, policy: policy, overrides: overrides, signals: signals)
    }

    /// The executor's plan for a decision: the ranked models, first `planLength` distinct calls
    /// of them (two catalogue entries served by one configured provider under one upstream name
    /// are one call, tried once).
    func plan(_ decision: RoutingDecision, requestedModel: String) -> ExecutionPlan? {
        var candidates: [Candidate] = []
        let length = policy.planLength
        for scored in decision.ranked where candidates.count < length {
            guard let provider = provider(for: scored.model), let candidate = registry.candidate(provider: provider, model: scored.model.upstream),
                !candidates.contains(where: { $0.qualifiedName == candidate.qualifiedName })
            else { continue }
            candidates.append(candidate)
        }
        guard !candidates.isEmpty else { return nil }
        return ExecutionPlan(requestedModel: requestedModel, candidates: candidates, hedgeAfter: nil)
    }
}

/// The executor's live state as the router reads it: open circuits, and medians refreshed at
/// most once a second from the rolling statistics (so a decision never sorts samples).
final class ExecutorRoutingSignals: RoutingSignals {
    private let executor: UpstreamExecutor
    private let servingProvider: [String: String]
    private struct Medians {
        var at: ContinuousClock.Instant
        var latency: [String: Double]
        var firstToken: [String: Double]
    }
    private let medians: Mutex<Medians?> = Mutex(nil)

    init(executor: UpstreamExecutor, servingProvider: [String: String]) {
        self.executor = executor
        self.servingProvider = servingProvider
    }

    func isAvailable(_ model: CatalogueModel) -> Bool {
        guard let provider = servingProvider[model.provider] else { return false }
        guard executor.breakers.state(provider: provider, model: model.upstream) == .open,
            let until = executor.breakers.openUntil(provider: provider, model: model.upstream)
        else { return true }
        return executor.clock.now >= until
    }

    func latencyMs(_ model: CatalogueModel, streaming: Bool) -> Double? {
        guard let provider = servingProvider[model.provider] else { return nil }
        let key = provider + "/" + model.upstream
        let now = executor.clock.now
        return medians.withLock { state -> Double? in
            if state == nil || now - state!.at > .seconds(1) {
                var latency: [String: Double] = [:]
                var firstToken: [String: Double] = [:]
                for s in executor.statistics.summaries(now: now) {
                    let k = s.provider + "/" + s.model
                    if let p = s.latency { latency[k] = GatewayReport.milliseconds(p.p50) }
                    if let p = s.timeToFirstToken { firstToken[k] = GatewayReport.milliseconds(p.p50) }
                }
                state = Medians(at: now, latency: latency, firstToken: firstToken)
            }
            return streaming ? (state!.firstToken[key] ?? state!.latency[key]) : state!.latency[key]
        }
    }
}
