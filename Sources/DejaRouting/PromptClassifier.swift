import DejaWire

/// What the classifier concluded about a request, and why.
public struct Classification: Sendable, Equatable {
    public var family: TaskFamily
    public var complexity: Complexity
    /// The learned needs-the-strong-model score (a percentile, 0…1); nil without an embedding or head.
    public var strongScore: Double?
    /// The features that decided family and complexity, e.g. `["code_signals=4", "long_prompt"]`.
    public var drivers: [String]
    /// Estimated prompt tokens (for the context-window filter and cost estimates).
    public var promptTokens: Int
    public var features: PromptFeatures

    /// The minimum quality this request asks of a model, from its complexity.
    public func minimumQuality(_ floors: ComplexityFloors) -> Double {
        switch complexity {
        case .simple: floors.simple
        case .medium: floors.medium
        case .complex: floors.complex
        }
    }
}

/// The minimum quality per complexity (configurable; defaults leave the cheap models for simple
/// questions and keep complex ones for the stronger tiers).
public struct ComplexityFloors: Sendable, Equatable {
    public var simple: Double = 0.5
    public var medium: Double = 0.7
    public var complex: Double = 0.85
    public init() {}
    public init(simple: Double, medium: Double, complex: Double) {
        self.simple = simple
        self.medium = medium
        self.complex = complex
    }
}

/// Classifies a request from the request alone (no model call): explainable features give the
/// task family and a complexity; the learned head, when it has the embedding, raises the
/// complexity of questions it scores as needing the strong model.
public struct PromptClassifier: Sendable {
    public let head: StrongModelHead?
    /// Strong-score percentiles from which a request counts as at least medium / complex.
    public var strongMedium: Double = 0.5
    public var strongComplex: Double = 0.8

    public init(head: StrongModelHead?) {
        self.head = head
    }

    public func classify(_ request: ChatRequest, embedding: [Float]?) -> Classification {
        classify(PromptFeatures(request: request), embedding: embedding)
    }

    public func classify(_ f: PromptFeatures, embedding: [Float]?) -> Classification {
        var drivers: [String] = []
        // Family: the strongest signal (ties: code, math, reasoning, creative, in that order).
        // Words outweigh shape: a code fence is three, digits with an operator two.
        let codeScore = f.code + 3 * f.fences
        let mathScore = f.math + (f.digits >= 1 ? f.quantity : 0) + (f.digits >= 2 && f.operators >= 1 ? 2 : 0)
        let reasoningScore = f.reasoning + (f.romanNumerals >= 2 ? 2 : 0)
        let creativeScore = f.creative * 2
        let ranked: [(TaskFamily, Int)] = [(.code, codeScore), (.math, mathScore), (.reasoning, reasoningScore), (.creative, creativeScore)]
        var family = TaskFamily.general
        var best: (TaskFamily, Int)?
        for candidate in ranked where candidate.1 > (best?.1 ?? 0) { best = candidate }
        if let best, best.1 >= 1 {
            family = best.0
            drivers.append("\(best.0.rawValue)_signals=\(best.1)")
        }
        // Complexity: points from size, depth, requested output and reasoning load.
        var points = 0
        if f.queryChars > 1_500 {
            points += 2
            drivers.append("long_prompt")
        } else if f.queryChars > 400 {
            points += 1
            drivers.append("medium_prompt")
        }
        if f.conversationDepth >= 8 {
            points += 1
            drivers.append("deep_conversation")
        }
        if f.requestedOutputTokens > 4_000 {
            points += 2
            drivers.append("long_output")
        } else if f.requestedOutputTokens > 1_000 {
            points += 1
            drivers.append("medium_output")
        }
        if reasoningScore >= 3 {
            points += 1
            drivers.append("reasoning_load")
        }
        if f.questions >= 3 {
            points += 1
            drivers.append("several_questions")
        }
        if (family == .code || family == .math) && f.queryChars > 200 {
            points += 1
            drivers.append("\(family.rawValue)_task")
        }
        if f.hasTools { drivers.append("tools") }
        if f.hasImages { drivers.append("images") }
        var complexity: Complexity = points >= 3 ? .complex : points >= 1 ? .medium : .simple
        var strongScore: Double?
        if let head, let embedding, embedding.count == head.embeddingDimension {
            let score = head.score(embedding: embedding, features: f.headVector)
            strongScore = score
            if score >= strongComplex, complexity < .complex {
                complexity = .complex
                drivers.append("strong_score")
            } else if score >= strongMedium, complexity < .medium {
                complexity = .medium
                drivers.append("strong_score")
            }
        }
        return Classification(
            family: family, complexity: complexity, strongScore: strongScore, drivers: drivers,
            promptTokens: Self.estimatedTokens(f.promptChars), features: f)
    }

    /// The classifier's own needs-the-strong-model score (for `deja bench router`): the learned
    /// percentile when there is one, nudged by the explainable complexity.
    public static func combinedScore(_ c: Classification) -> Double {
        let complexity: Double =
            switch c.complexity {
            case .simple: 0
            case .medium: 0.5
            case .complex: 1
            }
        guard let strong = c.strongScore else { return complexity }
        return 0.8 * strong + 0.2 * complexity
    }

    /// About four bytes per token for English text (OpenAI's rule of thumb), rounded up.
    public static func estimatedTokens(_ bytes: Int) -> Int {
        (bytes + 3) / 4
    }
}
