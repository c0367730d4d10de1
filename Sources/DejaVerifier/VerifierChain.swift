public import DejaEmbedding
import Synchronization

/// Decides whether a cached question's answer may be served for a new question.
///
/// Cosine similarity of sentence embeddings cannot tell a paraphrase from a near-miss: "convert
/// Celsius to Fahrenheit" and "Fahrenheit to Celsius" score above 0.99. The chain analyses both
/// texts once (``AnalyzedText``) and runs its checks in order; the first rejection wins and names
/// the check and the difference. `nil` accepts.
///
/// Texts that differ only in case, punctuation or spacing are accepted without running any
/// check. Analyses are memoised (see ``VerifierConfiguration/memoizedAnalyses``), so a cached
/// candidate is analysed once however often it comes up. Deterministic; a verification costs a
/// few microseconds. Safe to share across tasks.
public struct VerifierChain: Sendable {
    /// The checks, run in order.
    public var checks: [any VerificationCheck]
    /// The configuration the chain was built from.
    public let configuration: VerifierConfiguration
    /// The content-word check's words in context, prepared from the cache's embedding passes
    /// (see ``encoder(didEncode:)``).
    public let contextualWordVectors: (any ContextualWordVectors)?
    let memo: AnalysisMemo?

    /// The standard chain: slots, order, polarity, then content words, each included when
    /// `configuration` switches it on. `wordVectors` feed the content-word check; pass
    /// ``InputEmbeddingWordVectors`` in production. Without them the content-word check demands
    /// that every content word appear in both texts. `contextualWordVectors` (pass
    /// ``EncoderContextualWordVectors`` in production) give a word the context-free vectors leave
    /// unmatched a second test in context; nil (the default) skips it.
    public init(
        configuration: VerifierConfiguration = .balanced, wordVectors: (any WordVectors)?,
        contextualWordVectors: (any ContextualWordVectors)? = nil
    ) {
        self.init(
            configuration: configuration, wordVectors: wordVectors, contextualWordVectors: contextualWordVectors,
            memo: configuration.memoizedAnalyses > 0 ? AnalysisMemo(capacity: configuration.memoizedAnalyses) : nil)
    }

    /// The standard chain, with an analysis memo shared with other chains (nil: none).
    init(
        configuration: VerifierConfiguration, wordVectors: (any WordVectors)?, contextualWordVectors: (any ContextualWordVectors)?,
        memo: AnalysisMemo?
    ) {
        var checks: [any VerificationCheck] = []
        if configuration.checksSlots { checks.append(SlotCheck()) }
        if configuration.checksOrder { checks.append(OrderCheck(window: configuration.orderWindow)) }
        if configuration.checksPolarity { checks.append(PolarityCheck()) }
        if configuration.checksContentWords {
            checks.append(
                ContentWordCheck(
                    minimumSimilarity: configuration.minimumWordSimilarity,
                    maximumUnmatched: configuration.maximumUnmatchedWords,
                    maximumAddedWords: configuration.maximumAddedWords,
                    wordVectors: wordVectors,
                    contextualVectors: contextualWordVectors,
                    minimumContextualSimilarity: configuration.minimumContextualWordSimilarity
                )
            )
        }
        self.checks = checks
        self.configuration = configuration
        self.contextualWordVectors = configuration.checksContentWords ? contextualWordVectors : nil
        self.memo = memo
    }

    /// A chain of custom checks, run in the given order; `contextualWordVectors` are the ones a
    /// check among them uses, if any, for ``encoder(didEncode:)`` to prepare.
    public init(
        checks: [any VerificationCheck], configuration: VerifierConfiguration = .balanced,
        contextualWordVectors: (any ContextualWordVectors)? = nil
    ) {
        self.checks = checks
        self.configuration = configuration
        self.contextualWordVectors = contextualWordVectors
        self.memo = configuration.memoizedAnalyses > 0 ? AnalysisMemo(capacity: configuration.memoizedAnalyses) : nil
    }

    /// `nil` when `candidate` may answer `query`, otherwise the first check's rejection.
    public func verify(query: String, candidate: String) -> Verdict? {
        if query == candidate { return nil }
        let a = analyze(query)
        let b = analyze(candidate)
        if a.normalizedWords == b.normalizedWords { return nil }
        for check in checks {
            if let verdict = check.verdict(a, b) { return verdict }
        }
        return nil
    }

    /// The outcome of ``verifyWithoutModelWork(query:candidate:)``.
    public enum Step: Sendable {
        /// The verdict (`nil` accepts), reached without running a model.
        case decided(Verdict?)
        /// The content-word check needs an encoder pass; call ``verify(query:candidate:)``
        /// where a few milliseconds of computation do not stall other work.
        case needsModelWork
    }

    /// ``verify(query:candidate:)`` up to the point where it would run the encoder: callers on
    /// an event loop decide here in microseconds and move only the rare pair that needs an
    /// encoder pass to a thread pool.
    public func verifyWithoutModelWork(query: String, candidate: String) -> Step {
        if query == candidate { return .decided(nil) }
        let a = analyze(query)
        let b = analyze(candidate)
        if a.normalizedWords == b.normalizedWords { return .decided(nil) }
        for check in checks {
            if let contentWords = check as? ContentWordCheck {
                let (verdict, needsModelWork) = contentWords.verdictWithoutModelWork(a, b)
                if needsModelWork { return .needsModelWork }
                if let verdict { return .decided(verdict) }
            } else if let verdict = check.verdict(a, b) {
                return .decided(verdict)
            }
        }
        return .decided(nil)
    }

    /// Every check's rejection, not just the first: for explaining a miss and for tuning.
    public func verdicts(query: String, candidate: String) -> [Verdict] {
        let a = analyze(query)
        let b = analyze(candidate)
        if a.normalizedWords == b.normalizedWords { return [] }
        return checks.compactMap { $0.verdict(a, b) }
    }

    /// The analysis of `text`, from the memo when present.
    public func analyze(_ text: String) -> AnalyzedText {
        guard let memo else { return AnalyzedText(text) }
        if let hit = memo.lookUp(text) { return hit }
        let analysis = AnalyzedText(text)
        memo.store(analysis)
        return analysis
    }
}

extension VerifierChain: TokenStateObserver {
    /// Prepares a text the cache has just embedded, while its encoder pass is fresh: analyses it
    /// (into the memo) and takes its words in context from the pass. A later verification of
    /// that text (as query or as candidate) then runs no model and analyses nothing. Wrap the
    /// cache's model in a ``TokenStateReportingEmbedder`` with the chain as observer.
    public func encoder(didEncode encoded: EncodedText) {
        let analysis = analyze(encoded.text)
        guard let contextual = contextualWordVectors, !contextual.isReady(for: analysis) else { return }
        contextual.prepare(analysis, from: encoded)
    }
}

/// A bounded map from text to analysis, cleared when full (cheaper than LRU bookkeeping, and a
/// miss only costs one analysis).
final class AnalysisMemo: Sendable {
    private let entries: Mutex<[String: AnalyzedText]>
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        self.entries = Mutex([:])
    }

    func lookUp(_ text: String) -> AnalyzedText? {
        entries.withLock { $0[text] }
    }

    func store(_ analysis: AnalyzedText) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[analysis.text] = analysis
        }
    }
}
