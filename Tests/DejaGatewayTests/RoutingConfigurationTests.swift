import DejaRouting
import DejaWire
import Foundation
import Logging
import Testing

@testable import DejaGateway

/// The `routing:` section and `DEFAULT_ROUTING_STRATEGY`.
@Suite struct RoutingConfigurationTests {
    let base = ConfigurationTests()

    @Test func strategiesVirtualModelsFloorsAndTheCatalogueComeFromTheFile() throws {
        let c = try base.load(
            """
            routing:
              default_strategy: frugal
              strategies:
                frugal: {cost: 0.9, quality: 0.1, latency: 0}
              virtual_models:
                support-bot: {strategy: cost, min_quality: 0.7, allow: ["gpt-*", "claude-haiku-*"], prefer_provider: openai}
              min_quality: {simple: 0.4, complex: 0.9}
              prefer_local_margin: 0.5
              plan_length: 2
              strong_head: false
              models:
                - id: gpt-4o-mini
                  price: {input: 0.2}
                - id: house-model
                  provider: ollama
                  price: {input: 0, output: 0}
                  context_window: 4096
                  local: true
            providers:
              proxy:
                kind: openai
                base_url: http://127.0.0.1:1/v1
                catalogue: [openai, groq]
            """)
        let p = c.routing.policy
        #expect(p.defaultStrategy == "frugal")
        #expect(p.strategies["frugal"] == StrategyWeights(cost: 0.9, quality: 0.1, latency: 0))
        #expect(p.strategies["balanced"] == .balanced)
        let bot = try #require(p.virtualModels["support-bot"])
        #expect(bot.strategy == "cost" && bot.minQuality == 0.7 && bot.allow == ["gpt-*", "claude-haiku-*"] && bot.preferProvider == "openai")
        #expect(p.virtualModels["auto"] != nil)
        #expect(p.floors == ComplexityFloors(simple: 0.4, medium: 0.7, complex: 0.9))
        #expect(p.localMargin == 0.5 && p.planLength == 2)
        #expect(!c.routing.headEnabled)
        let catalogue = try #require(c.routing.catalogue)
        #expect(catalogue.model(named: "gpt-4o-mini")?.price.input == 0.2)
        #expect(catalogue.model(named: "house-model")?.local == true)
        #expect(c.provider(named: "proxy")?.catalogueProviders == ["openai", "groq"])
    }

    @Test func theEnvironmentPicksTheDefaultStrategy() throws {
        #expect(try base.load(nil, env: ["DEFAULT_ROUTING_STRATEGY": "cost"]).routing.policy.defaultStrategy == "cost")
        base.expectError(nil, env: ["DEFAULT_ROUTING_STRATEGY": "cheapest"], mentioning: ["DEFAULT_ROUTING_STRATEGY", "cheapest", "balanced"])
    }

    @Test func mistakesAreRefusedNamingTheKey() {
        base.expectError("routing:\n  default_strategy: nope\n", mentioning: ["routing", "nope"])
        base.expectError("routing:\n  strategies:\n    x: {cost: -1}\n", mentioning: ["routing.strategies.x.cost"])
        base.expectError("routing:\n  strategies:\n    x: {speed: 1}\n", mentioning: ["routing.strategies.x.speed"])
        base.expectError("routing:\n  virtual_models:\n    bot: {strategy: missing}\n", mentioning: ["bot", "missing"])
        base.expectError("routing:\n  virtual_models:\n    bot: {min_quality: 2}\n", mentioning: ["routing.virtual_models.bot.min_quality"])
        base.expectError("routing:\n  virtual_models:\n    bot: {color: red}\n", mentioning: ["routing.virtual_models.bot.color"])
        base.expectError("routing:\n  prefer_local_margin: 1.5\n", mentioning: ["routing.prefer_local_margin"])
        base.expectError("routing:\n  plan_length: 50\n", mentioning: ["routing.plan_length"])
        base.expectError("routing:\n  models:\n    - id: x\n      provider: p\n      price: {input: 1, output: 1}\n", mentioning: ["x", "context_window"])
        base.expectError("routing:\n  catalogue_file: /nonexistent/catalogue.yaml\n", mentioning: ["routing.catalogue_file"])
        base.expectError("routing:\n  colour: blue\n", mentioning: ["routing.colour"])
    }

    @Test func aHeadThatCannotBeReadStopsTheGatewayAtStart() throws {
        var c = try base.load(nil)
        c.routing.headPath = "/nonexistent/head.json"
        #expect(throws: GatewayStartError.self) { _ = try Gateway(configuration: c, logger: .init(label: "t")) }
    }

    @Test func usageIsReadAsOpenAIReportsItWithCachedTokensInsideThePrompt() throws {
        let usage = try #require(
            try JSONParser.parse(Array(#"{"prompt_tokens":1000,"completion_tokens":200,"prompt_tokens_details":{"cached_tokens":600}}"#.utf8)).objectValue)
        let tokens = TokenUsage(openAI: usage)
        #expect(tokens == TokenUsage(inputTokens: 1000, outputTokens: 200, cachedInputTokens: 600))
        // A hostile usage object cannot make a cost negative or trap.
        let hostile = try #require(try JSONParser.parse(Array(#"{"prompt_tokens":-5,"completion_tokens":1e400,"prompt_tokens_details":{"cached_tokens":"x"}}"#.utf8)).objectValue)
        let cost = Pricing(input: 1, output: 1, cachedInput: 0.1).cost(TokenUsage(openAI: hostile))
        #expect(cost >= 0 && cost.isFinite)
    }
}

