import DejaRouting
import Foundation
import Testing

/// Strategy scoring, tie-breaks and the filters, over a small catalogue with known numbers.
@Suite struct ModelRouterTests {
    static func model(
        _ id: String, provider: String = "p", input: Double, output: Double, quality: Double, context: Int = 100_000,
        capabilities: Capabilities = [.tools, .jsonMode, .streaming, .vision], local: Bool = false
    ) -> CatalogueModel {
        CatalogueModel(
            id: id, provider: provider, price: Pricing(input: input, output: output),
            quality: Dictionary(uniqueKeysWithValues: TaskFamily.allCases.map { ($0, quality) }), contextWindow: context,
            capabilities: capabilities, local: local)
    }

    let cheap = model("cheap", provider: "a", input: 0.1, output: 0.4, quality: 0.72)
    let mid = model("mid", provider: "b", input: 1, output: 4, quality: 0.85)
    let strong = model("strong", provider: "c", input: 10, output: 40, quality: 0.96)

    struct Signals: RoutingSignals {
        var open: Set<String> = []
        var latency: [String: Double] = [:]
        func isAvailable(_ model: CatalogueModel) -> Bool { !open.contains(model.id) }
        func latencyMs(_ model: CatalogueModel, streaming: Bool) -> Double? { latency[model.id] }
    }

    func classify(_ prompt: String, tools: Bool = false, images: Bool = false, outputTokens: Int = 0) -> Classification {
        var f = PromptFeatures(prompt: prompt)
        f.hasTools = tools
        f.hasImages = images
        f.requestedOutputTokens = outputTokens
        return PromptClassifier(head: nil).classify(f, embedding: nil)
    }

    func route(
        _ models: [CatalogueModel], _ c: Classification, strategy: String? = nil, policy: RoutingPolicy = RoutingPolicy(),
        virtual: VirtualModel = VirtualModel(name: "auto"), signals: Signals = Signals(), prefer: String? = nil
    ) throws -> RoutingDecision {
        try ModelRouter(models: models).route(
            virtual, classification: c, streaming: false, policy: policy, overrides: .init(strategy: strategy, preferProvider: prefer), signals: signals)
    }

    @Test func eachStrategyPicksWhatItWeighs() throws {
        var policy = RoutingPolicy()
        policy.floors = ComplexityFloors(simple: 0, medium: 0, complex: 0)
        let c = classify("What is the capital of France?")
        let signals = Signals(latency: ["cheap": 900, "mid": 200, "strong": 2_000])
        #expect(try route([cheap, mid, strong], c, strategy: "cost", policy: policy, signals: signals).chosen.model.id == "cheap")
        #expect(try route([cheap, mid, strong], c, strategy: "quality", policy: policy, signals: signals).chosen.model.id == "strong")
        #expect(try route([cheap, mid, strong], c, strategy: "latency", policy: policy, signals: signals).chosen.model.id == "mid")
        // The score is the weighted sum of the normalised criteria: the cheapest model gets the
        // whole cost weight, nothing for the lowest quality, and its place on the log-latency scale.
        let d = try route([cheap, mid, strong], c, strategy: "cost", policy: policy, signals: signals)
        let latencyScore = (log(2_000.0) - log(900.0)) / (log(2_000.0) - log(200.0))
        #expect(abs(d.chosen.score - (0.8 * 1 + 0.1 * 0 + 0.1 * latencyScore)) < 1e-9)
        #expect(d.ranked.map(\.model.id).count == 3)
    }

    @Test func equalScoresBreakByQualityThenPriceThenCatalogueOrder() throws {
        let twinA = Self.model("twin-a", input: 1, output: 1, quality: 0.8)
        let twinB = Self.model("twin-b", input: 1, output: 1, quality: 0.8)
        var policy = RoutingPolicy()
        policy.floors = ComplexityFloors(simple: 0, medium: 0, complex: 0)
        let d = try route([twinA, twinB], classify("hi"), policy: policy)
        #expect(d.ranked.map(\.model.id) == ["twin-a", "twin-b"])
        let d2 = try route([twinB, twinA], classify("hi"), policy: policy)
        #expect(d2.ranked.map(\.model.id) == ["twin-b", "twin-a"])
    }

    @Test func theComplexityFloorKeepsWeakModelsAwayFromHardPrompts() throws {
        let hard = classify(String(repeating: "Explain why and compare the trade-offs of each approach in detail. ", count: 30))
        #expect(hard.complexity == .complex)
        // The complex floor (0.85) leaves mid and strong; the cost strategy takes the cheaper.
        let d = try route([cheap, mid, strong], hard, strategy: "cost")
        #expect(d.ranked.map(\.model.id) == ["mid", "strong"])
        // A simple prompt may use the cheap model.
        #expect(try route([cheap, mid, strong], classify("hi there"), strategy: "cost").chosen.model.id == "cheap")
    }

    @Test func aFloorNoModelMeetsIsRelaxedToTheBestAvailable() throws {
        let hard = classify(String(repeating: "Explain why and compare the trade-offs. ", count: 60))
        let fair = Self.model("fair", input: 1, output: 4, quality: 0.8)
        let d = try route([cheap, fair], hard, strategy: "cost")
        #expect(d.ranked.map(\.model.id) == ["fair"])
        #expect(d.notes.contains("quality_floor_relaxed"))
    }

    @Test func requestsWithToolsOrImagesNeverGoToModelsWithout() throws {
        let textOnly = Self.model("text-only", input: 0.01, output: 0.01, quality: 0.9, capabilities: [.streaming])
        let d = try route([textOnly, mid], classify("look at this", tools: true), strategy: "cost")
        #expect(d.ranked.map(\.model.id) == ["mid"])
        let v = try route([textOnly, mid], classify("what is in the picture", images: true), strategy: "cost")
        #expect(v.ranked.map(\.model.id) == ["mid"])
        #expect(throws: RoutingError.self) { try route([textOnly], classify("x", tools: true)) }
    }

    @Test func theContextWindowMustHoldThePromptAndTheRequestedOutput() throws {
        let small = Self.model("small", input: 0.01, output: 0.01, quality: 0.9, context: 1_000)
        let c = classify(String(repeating: "word ", count: 200), outputTokens: 900)  // ~250 + 900 tokens
        #expect(try route([small, mid], c, strategy: "cost").ranked.map(\.model.id) == ["mid"])
        #expect(throws: RoutingError.self) { try route([small], c) }
    }

    @Test func openCircuitsAreSkippedUnlessNothingElseIsLeft() throws {
        var policy = RoutingPolicy()
        policy.floors = ComplexityFloors(simple: 0, medium: 0, complex: 0)
        let c = classify("hello")
        #expect(try route([cheap, mid], c, strategy: "cost", policy: policy).chosen.model.id == "cheap")
        let d = try route([cheap, mid], c, strategy: "cost", policy: policy, signals: Signals(open: ["cheap"]))
        #expect(d.ranked.map(\.model.id) == ["mid"])
        let all = try route([cheap, mid], c, strategy: "cost", policy: policy, signals: Signals(open: ["cheap", "mid"]))
        #expect(all.notes.contains("no_healthy_model"))
        #expect(all.ranked.count == 2)
    }

    @Test func aLocalModelWithinTheMarginGoesFirst() throws {
        var policy = RoutingPolicy()
        policy.floors = ComplexityFloors(simple: 0, medium: 0, complex: 0)
        let local = Self.model("local", provider: "ollama", input: 0, output: 0, quality: 0.5, local: true)
        let c = classify("hello")
        // Quality strategy: the local model scores far below the best; outside a 0.9 margin it stays back.
        policy.localMargin = 0.9
        let far = try route([local, mid, strong], c, strategy: "quality", policy: policy)
        #expect(far.chosen.model.id == "strong")
        policy.localMargin = 0.0
        let near = try route([local, mid, strong], c, strategy: "quality", policy: policy)
        #expect(near.chosen.model.id == "local")
        #expect(near.notes.contains("prefer_local"))
    }

    @Test func allowListsAndPreferredProvidersSteerTheChoice() throws {
        var policy = RoutingPolicy()
        policy.floors = ComplexityFloors(simple: 0, medium: 0, complex: 0)
        let c = classify("hello")
        let support = VirtualModel(name: "support-bot", strategy: "cost", allow: ["mid", "str*"])
        #expect(try route([cheap, mid, strong], c, policy: policy, virtual: support).ranked.map(\.model.id) == ["mid", "strong"])
        #expect(try route([cheap, mid, strong], c, strategy: "cost", policy: policy, prefer: "c").chosen.model.id == "strong")
        let floor = VirtualModel(name: "careful", strategy: "cost", minQuality: 0.9)
        #expect(try route([cheap, mid, strong], c, policy: policy, virtual: floor).ranked.map(\.model.id) == ["strong"])
    }

    @Test func policiesAreValidatedAsAWhole() {
        var p = RoutingPolicy()
        p.defaultStrategy = "nope"
        #expect(throws: RoutingPolicyError.self) { try p.validate() }
        p = RoutingPolicy()
        p.strategies["zero"] = StrategyWeights(cost: 0, quality: 0, latency: 0)
        #expect(throws: RoutingPolicyError.self) { try p.validate() }
        p = RoutingPolicy()
        p.virtualModels["x"] = VirtualModel(name: "x", strategy: "missing")
        #expect(throws: RoutingPolicyError.self) { try p.validate() }
        #expect(throws: Never.self) { try RoutingPolicy().validate() }
    }

    @Test func nearlyEqualLatenciesOrPricesMoveTheScoreOnlyALittle() throws {
        var policy = RoutingPolicy()
        policy.floors = ComplexityFloors(simple: 0, medium: 0, complex: 0)
        let a = Self.model("a", input: 1, output: 4, quality: 0.8)
        let b = Self.model("b", input: 1.05, output: 4.2, quality: 0.8)
        // 5 % apart in latency under the latency strategy (weight 0.8): at most ln(1.05)/ln 2 of it.
        let d = try route([a, b], classify("hello"), strategy: "latency", policy: policy, signals: Signals(latency: ["a": 105, "b": 100]))
        let gap = abs(d.ranked[0].score - d.ranked[1].score)
        #expect(gap > 0 && gap <= 0.8 * log(1.05) / log(2.0) + 0.1 * log(1.05) / log(2.0) + 1e-9, "\(gap)")
        // Prices 5 % apart under the cost strategy: likewise a small share of the cost weight.
        let c = try route([a, b], classify("hello"), strategy: "cost", policy: policy)
        #expect(abs(c.ranked[0].score - c.ranked[1].score) <= 0.8 * log(1.05) / log(2.0) + 1e-9)
        #expect(c.chosen.model.id == "a")
    }
}

