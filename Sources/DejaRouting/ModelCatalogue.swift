/// What a model can do beyond plain chat; a request needing one never goes to a model without it.
public struct Capabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let tools = Capabilities(rawValue: 1)
    public static let vision = Capabilities(rawValue: 2)
    public static let jsonMode = Capabilities(rawValue: 4)
    public static let streaming = Capabilities(rawValue: 8)
}

/// USD per million tokens.
public struct Pricing: Sendable, Hashable {
    public var input: Double
    public var output: Double
    /// Price of a prompt token read from the provider's prompt cache; nil: no discount.
    public var cachedInput: Double?

    public init(input: Double, output: Double, cachedInput: Double? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
    }

    /// The cost of one call from the usage the provider reported. `cachedInputTokens` are part
    /// of `inputTokens` (as OpenAI reports them) and are charged at the cached price.
    public func cost(_ usage: TokenUsage) -> Double {
        let cached = min(max(usage.cachedInputTokens, 0), max(usage.inputTokens, 0))
        let fresh = max(usage.inputTokens, 0) - cached
        let cachedPrice = cachedInput ?? input
        return (Double(fresh) * input + Double(cached) * cachedPrice + Double(max(usage.outputTokens, 0)) * output) / 1_000_000
    }

    /// The most a call can cost: every prompt token uncached and `maxOutputTokens` generated.
    public func worstCase(promptTokens: Int, maxOutputTokens: Int) -> Double {
        (Double(promptTokens) * input + Double(maxOutputTokens) * output) / 1_000_000
    }
}

/// Tokens of one call, in OpenAI's accounting: `inputTokens` includes `cachedInputTokens`.
public struct TokenUsage: Sendable, Hashable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedInputTokens: Int

    public init(inputTokens: Int, outputTokens: Int, cachedInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
    }
}

/// One model of the catalogue. Immutable, and a class so that the router's candidate lists
/// copy a reference per model, not its strings and tables.
public final class CatalogueModel: Sendable, Hashable, CustomStringConvertible {
    /// The name clients use (`gpt-4.1-mini`, `groq-llama-3.3-70b-versatile`).
    public let id: String
    /// The catalogue provider (`openai`, `anthropic`, `gemini`, `groq`, `together`, `ollama`, …);
    /// the gateway maps it to a configured provider.
    public let provider: String
    /// The model name the provider's API expects.
    public let upstream: String
    /// Other names that resolve to this model.
    public let aliases: [String]
    public let price: Pricing
    /// Quality 0–1 per task family, as configured; a missing family reads as `general`.
    public let quality: [TaskFamily: Double]
    /// The same, one stored number per family (read per candidate on every decision: no hashing).
    public let scores: QualityScores
    /// Largest prompt plus output, in tokens.
    public let contextWindow: Int
    public let maxOutputTokens: Int?
    public let capabilities: Capabilities
    /// Runs on the operator's own hardware (preferred within the router's local margin).
    public let local: Bool
    /// The day (`YYYY-MM-DD`, UTC) the provider retires the model; from then on the router no
    /// longer picks it (a client may still name it).
    public let deprecationDate: String?

    public init(
        id: String, provider: String, upstream: String? = nil, aliases: [String] = [], price: Pricing, quality: [TaskFamily: Double],
        contextWindow: Int, maxOutputTokens: Int? = nil, capabilities: Capabilities = [.tools, .jsonMode, .streaming], local: Bool = false,
        deprecationDate: String? = nil
    ) {
        self.id = id
        self.provider = provider
        self.upstream = upstream ?? id
        self.aliases = aliases
        self.price = price
        self.quality = quality
        self.scores = QualityScores(quality)
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.capabilities = capabilities
        self.local = local
        self.deprecationDate = deprecationDate
    }

    /// Whether the model is retired on `day` (`YYYY-MM-DD`; ISO dates compare as strings).
    public func isRetired(on day: String) -> Bool {
        deprecationDate.map { $0 <= day } ?? false
    }

    /// Quality for a family (the `general` score when the family has none, else 0).
    @inlinable public func quality(for family: TaskFamily) -> Double {
        scores[family]
    }

    public var description: String { "\(provider)/\(id)" }

    public static func == (a: CatalogueModel, b: CatalogueModel) -> Bool {
        a === b
            || (a.id == b.id && a.provider == b.provider && a.upstream == b.upstream && a.aliases == b.aliases && a.price == b.price
                && a.quality == b.quality && a.contextWindow == b.contextWindow && a.maxOutputTokens == b.maxOutputTokens
                && a.capabilities == b.capabilities && a.local == b.local && a.deprecationDate == b.deprecationDate)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(provider)
        hasher.combine(upstream)
    }
}

/// The models the gateway knows: prices, quality, limits and capabilities. Looked up by id, alias
/// or `provider/upstream`.
public struct ModelCatalogue: Sendable {
    /// In file order (order breaks ties between equal scores).
    public let models: [CatalogueModel]
    /// The price table's date (`version:` in the file).
    public let version: String
    private let byName: [String: Int]

    public init(models: [CatalogueModel], version: String = "") {
        self.models = models
        self.version = version
        var byName: [String: Int] = [:]
        for (i, m) in models.enumerated() {
            for name in [m.id] + m.aliases + ["\(m.provider)/\(m.upstream)"] where byName[name] == nil { byName[name] = i }
        }
        // An upstream name alone resolves too when no id or alias claims it.
        for (i, m) in models.enumerated() where byName[m.upstream] == nil { byName[m.upstream] = i }
        self.byName = byName
    }

    /// The model a name refers to, if any.
    public func model(named name: String) -> CatalogueModel? {
        byName[name].map { models[$0] }
    }

    /// The model served by `provider` under its upstream name (for costing an answer).
    public func model(provider: String, upstream: String) -> CatalogueModel? {
        model(named: "\(provider)/\(upstream)")
    }

    /// This catalogue with `overrides` replacing models of the same id and the rest appended.
    public func merging(_ overrides: [CatalogueModel]) -> ModelCatalogue {
        var list = models
        for o in overrides {
            if let i = list.firstIndex(where: { $0.id == o.id }) { list[i] = o } else { list.append(o) }
        }
        return ModelCatalogue(models: list, version: version)
    }
}

/// Quality per task family in five stored numbers.
public struct QualityScores: Sendable, Hashable {
    public var general: Double
    public var code: Double
    public var math: Double
    public var reasoning: Double
    public var creative: Double

    /// From a partial table: a missing family takes the `general` score (0 without one).
    public init(_ table: [TaskFamily: Double]) {
        let general = table[.general] ?? 0
        self.general = general
        code = table[.code] ?? general
        math = table[.math] ?? general
        reasoning = table[.reasoning] ?? general
        creative = table[.creative] ?? general
    }

    @inlinable public subscript(_ family: TaskFamily) -> Double {
        switch family {
        case .general: general
        case .code: code
        case .math: math
        case .reasoning: reasoning
        case .creative: creative
        }
    }
}
