import DejaHTTPClient
import DejaProviders
import DejaReliability
import DejaRouting
import Logging
import NIOCore

/// The configured providers, their adapters and the model catalogue.
///
/// Model resolution (first match wins): an explicit `provider/model` prefix naming a configured
/// provider; a provider's exact model list (`models`); a provider's pattern (`model_patterns`, in
/// configuration order); a model of the catalogue (id or alias) whose provider is configured,
/// sent under its upstream name; the default provider. Anything else is an unknown model (404).
/// Virtual models (`auto`, …) are the router's, not the registry's.
/// Resolution returns a typed ``ExecutionPlan`` for the ``UpstreamExecutor``.
final class ProviderRegistry: Sendable {
    /// Providers with an adapter, in configuration order.
    let settings: [ProviderSettings]
    /// Every configured provider (also the ones pass-through routes use).
    let allSettings: [ProviderSettings]
    private let adapters: [String: any UpstreamProvider]
    private let defaultProvider: String?
    /// Per requested model, the models that answer when it cannot (`reliability.fallbacks`).
    private let fallbacks: [String: [String]]
    /// Per requested model, when to hedge with its first fallback (`reliability.hedge_after_ms`).
    private let hedgeAfterMs: [String: Int]
    /// The model catalogue (prices, quality, capabilities).
    let catalogue: ModelCatalogue
    /// Catalogue provider (`openai`, `groq`, …) → the configured provider that serves it.
    let servingProvider: [String: String]
    /// Configured provider → the catalogue providers it stands for (`catalogue:`, default its name).
    let catalogueProviders: [String: [String]]

    init(configuration: GatewayConfiguration, client: UpstreamClient, logger: Logger, catalogue: ModelCatalogue) {
        var adapters: [String: any UpstreamProvider] = [:]
        var usable: [ProviderSettings] = []
        for settings in configuration.providers {
            let timeout = TimeAmount.milliseconds(Int64(settings.timeoutMs ?? configuration.requestTimeoutMs))
            switch settings.kind {
            case .openai:
                adapters[settings.name] = OpenAICompatibleProvider(
                    configuration: .init(name: settings.name, baseURL: settings.baseURL, apiKey: settings.apiKey, timeout: timeout),
                    client: client)
                usable.append(settings)
            case .anthropic:
                adapters[settings.name] = AnthropicProvider(
                    configuration: .init(
                        name: settings.name, baseURL: settings.baseURL, apiKey: settings.apiKey,
                        defaultMaxTokens: settings.defaultMaxTokens ?? 4096, timeout: timeout),
                    client: client)
                usable.append(settings)
            case .gemini:
                adapters[settings.name] = GeminiProvider(
                    configuration: .init(name: settings.name, baseURL: settings.baseURL, apiKey: settings.apiKey, timeout: timeout),
                    client: client)
                usable.append(settings)
            }
        }
        self.settings = usable
        self.allSettings = configuration.providers
        self.adapters = adapters
        self.defaultProvider = configuration.defaultProvider.flatMap { adapters[$0] == nil ? nil : $0 }
        self.fallbacks = configuration.reliability.fallbacks
        self.hedgeAfterMs = configuration.reliability.hedgeAfterMs
        self.catalogue = catalogue
        var serving: [String: String] = [:]
        var stands: [String: [String]] = [:]
        for p in usable {
            let names = p.catalogueProviders.isEmpty ? [p.name] : p.catalogueProviders
            stands[p.name] = names
            for n in names where serving[n] == nil { serving[n] = p.name }
        }
        self.servingProvider = serving
        self.catalogueProviders = stands
    }

    /// The candidate for a configured provider and the model name it expects.
    func candidate(provider: String, model: String) -> Candidate? {
        candidate(provider, model)
    }

    /// The provider that serves a native pass-through prefix: the one named after the family
    /// when configured, else the first provider speaking that wire format.
    func passthroughProvider(for family: PassthroughHandler.Family) -> ProviderSettings? {
        let kind: ProviderKind =
            switch family {
            case .openai: .openai
            case .anthropic: .anthropic
            case .gemini: .gemini
            }
        return allSettings.first { $0.name == family.rawValue && $0.kind == kind } ?? allSettings.first { $0.kind == kind }
    }

    /// The plan for a model name as a client sent it: the model's own candidate, then its
    /// configured fallbacks (by the name the client used, else by `provider/model`), each
    /// resolved the same way and tried at most once; nil for an unknown model.
    func resolve(_ model: String) -> ExecutionPlan? {
        guard let primary = candidate(for: model) else { return nil }
        var candidates = [primary]
        if let chain = fallbacks[model] ?? fallbacks[primary.qualifiedName] {
            for name in chain {
                guard let next = candidate(for: name),
                    !candidates.contains(where: { $0.qualifiedName == next.qualifiedName })
                else { continue }
                candidates.append(next)
            }
        }
        let hedge = (hedgeAfterMs[model] ?? hedgeAfterMs[primary.qualifiedName]).map { Duration.milliseconds($0) }
        return ExecutionPlan(requestedModel: model, candidates: candidates, hedgeAfter: hedge)
    }

    /// Fallback models that no provider serves (a configuration mistake, refused at start).
    func unresolvableFallbacks() -> [String] {
        fallbacks.flatMap { model, chain in chain.filter { candidate(for: $0) == nil }.map { "\(model) → \($0)" } }.sorted()
    }

    private func candidate(for model: String) -> Candidate? {
        if let slash = model.firstIndex(of: "/") {
            let prefix = String(model[..<slash])
            let rest = String(model[model.index(after: slash)...])
            if !rest.isEmpty, let candidate = candidate(prefix, rest) { return candidate }
        }
        for s in settings where s.models.contains(model) {
            return candidate(s.name, model)
        }
        for s in settings where s.modelPatterns.contains(where: { Glob.matches($0, model) }) {
            return candidate(s.name, model)
        }
        if let entry = catalogue.model(named: model), let provider = servingProvider[entry.provider] {
            return candidate(provider, entry.upstream)
        }
        if let defaultProvider { return candidate(defaultProvider, model) }
        return nil
    }

    private func candidate(_ name: String, _ model: String) -> Candidate? {
        guard let adapter = adapters[name], let s = settings.first(where: { $0.name == name }) else { return nil }
        return Candidate(provider: adapter, model: model, forwardHeaderPrefixes: s.forwardHeaders)
    }

    /// The catalogue's entry for a configured provider's upstream model name (nil when the
    /// catalogue does not know it).
    func catalogueModel(provider: String, upstream: String) -> CatalogueModel? {
        for name in catalogueProviders[provider] ?? [provider] {
            if let m = catalogue.model(provider: name, upstream: upstream) { return m }
        }
        return catalogue.model(named: upstream)
    }

    /// A bounded `model` label for metrics: the catalogue's id, else the name when the operator
    /// listed it in the provider's `models`, else `other` (a client-chosen name a provider's
    /// pattern accepts must not create a new series).
    func metricsModel(provider: String, upstream: String) -> String {
        if upstream.isEmpty { return "none" }
        if let id = catalogueModel(provider: provider, upstream: upstream)?.id { return id }
        return settings.first(where: { $0.name == provider })?.models.contains(upstream) == true ? upstream : "other"
    }

    /// A bounded `provider` label: a configured provider's name, else `other`.
    func metricsProvider(_ name: String) -> String {
        name.isEmpty ? "none" : settings.contains(where: { $0.name == name }) ? name : "other"
    }
}
