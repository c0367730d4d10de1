import DejaRouting
import Testing

@Suite struct CatalogueTests {
    @Test func theShippedCatalogueCoversEveryHostedProviderWithPricesAndQuality() throws {
        let catalogue = try CatalogueFile.shipped()
        #expect(catalogue.models.count >= 40)
        #expect(!catalogue.version.isEmpty)
        let providers = Set(catalogue.models.map(\.provider))
        for p in ["openai", "anthropic", "gemini", "groq", "together"] { #expect(providers.contains(p), "\(p)") }
        for m in catalogue.models {
            #expect(m.price.input >= 0 && m.price.output >= 0, "\(m.id)")
            #expect(m.contextWindow > 0, "\(m.id)")
            for family in TaskFamily.allCases {
                let q = m.quality(for: family)
                #expect(q > 0 && q <= 1, "\(m.id) \(family)")
            }
        }
        #expect(catalogue.models.contains { $0.local })
    }

    @Test func modelsResolveByIdAliasAndProviderUpstream() throws {
        let catalogue = try CatalogueFile.shipped()
        let sonnet = try #require(catalogue.model(named: "claude-sonnet-4-5"))
        #expect(catalogue.model(named: sonnet.upstream)?.id == sonnet.id)
        #expect(catalogue.model(provider: "anthropic", upstream: sonnet.upstream)?.id == sonnet.id)
        #expect(catalogue.model(named: "no-such-model") == nil)
        // The same upstream name at two providers: provider/upstream tells them apart.
        let groq = try #require(catalogue.model(provider: "groq", upstream: "openai/gpt-oss-120b"))
        let together = try #require(catalogue.model(provider: "together", upstream: "openai/gpt-oss-120b"))
        #expect(groq.id != together.id)
    }

    @Test func costChargesCachedPromptTokensAtTheCachedPrice() {
        let price = Pricing(input: 2, output: 8, cachedInput: 0.5)
        // 1,000 prompt tokens of which 400 cached, 500 output tokens.
        let usd = price.cost(TokenUsage(inputTokens: 1_000, outputTokens: 500, cachedInputTokens: 400))
        #expect(abs(usd - (600 * 2 + 400 * 0.5 + 500 * 8) / 1e6) < 1e-12)
        // No cached price: cached tokens cost the full input price.
        #expect(abs(Pricing(input: 2, output: 8).cost(TokenUsage(inputTokens: 1_000, outputTokens: 0, cachedInputTokens: 400)) - 2_000 / 1e6) < 1e-12)
        // A provider reporting more cached than prompt tokens, or negatives, cannot make cost negative.
        #expect(price.cost(TokenUsage(inputTokens: 10, outputTokens: -5, cachedInputTokens: 50)) >= 0)
    }

    @Test func configurationEntriesOverrideFieldsAndAddModels() throws {
        let base = try CatalogueFile.shipped()
        let entries = try CatalogueFile.entries(
            """
            - id: gpt-4o-mini
              price: {input: 0.01}
            - id: in-house
              provider: ollama
              upstream: llama3.1:8b
              price: {input: 0, output: 0}
              context_window: 8192
              quality: {general: 0.5}
              local: true
            """, source: "test")
        let merged = try CatalogueFile.apply(entries, to: base, source: "test")
        let mini = try #require(merged.model(named: "gpt-4o-mini"))
        #expect(mini.price.input == 0.01)
        #expect(mini.price.output == base.model(named: "gpt-4o-mini")?.price.output)
        let added = try #require(merged.model(named: "in-house"))
        #expect(added.local && added.upstream == "llama3.1:8b" && added.contextWindow == 8192)
        #expect(added.quality(for: .code) == 0.5)
        #expect(merged.models.count == base.models.count + 1)
    }

    @Test(arguments: [
        ("- id: x\n  provider: p\n  price: {input: 1, output: 1}", "context_window"),
        ("- id: x\n  provider: p\n  context_window: 10\n  price: {input: -1, output: 1}", "price.input"),
        ("- id: x\n  provider: p\n  context_window: 10\n  price: {input: 1, output: 1}\n  quality: {poetry: 0.5}", "quality.poetry"),
        ("- id: x\n  provider: p\n  context_window: 10\n  price: {input: 1, output: 1}\n  quality: {code: 1.5}", "quality.code"),
        ("- id: x\n  context_window: 10\n  price: {input: 1, output: 1}", "provider"),
    ])
    func invalidEntriesAreRefusedNamingTheField(_ yaml: String, _ field: String) throws {
        let entries = try CatalogueFile.entries(yaml, source: "test")
        do {
            _ = try CatalogueFile.apply(entries, to: ModelCatalogue(models: []), source: "test")
            Issue.record("accepted \(yaml)")
        } catch let error as CatalogueFile.Invalid {
            #expect(error.description.contains(field), "\(error)")
        }
    }

    @Test func retiredModelsAreMarkedByTheirDeprecationDate() throws {
        let catalogue = try CatalogueFile.shipped()
        // The shipped table carries the providers' retirement dates where the source has them.
        let retired = catalogue.models.filter { $0.deprecationDate != nil }
        #expect(!retired.isEmpty)
        let entries = try CatalogueFile.entries("- id: old\n  provider: p\n  context_window: 10\n  price: {input: 1, output: 1}\n  deprecation_date: 2026-05-14\n", source: "t")
        let old = try #require(try CatalogueFile.apply(entries, to: ModelCatalogue(models: []), source: "t").model(named: "old"))
        #expect(old.isRetired(on: "2026-05-14") && old.isRetired(on: "2026-12-06"))
        #expect(!old.isRetired(on: "2026-05-13"))
        let bad = try CatalogueFile.entries("- id: x\n  provider: p\n  context_window: 10\n  price: {input: 1, output: 1}\n  deprecation_date: soon\n", source: "t")
        #expect(throws: CatalogueFile.Invalid.self) { try CatalogueFile.apply(bad, to: ModelCatalogue(models: []), source: "t") }
    }
}

