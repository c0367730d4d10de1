import DejaWordNet
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
/// check. A pair in which either text is longer than
/// ``VerifierConfiguration/maximumAnalysedCharacters`` is rejected (``Verdict/lengthCheck``)
/// before anything is analysed, so no input costs more than that bound. Analyses are memoised
/// (see ``VerifierConfiguration/memoizedAnalyses`` and
/// ``VerifierConfiguration/memoizedAnalysisBytes``), so a cached candidate is analysed once
/// however often it comes up. Deterministic; a verification costs a few microseconds. Safe to
/// share across tasks.
public struct VerifierChain: Sendable {
    /// The checks, run in order.
    public var checks: [any VerificationCheck]
    /// The configuration the chain was built from.
    public let configuration: VerifierConfiguration
    /// The content-word check's words in context, prepared from the cache's embedding passes
    /// (see ``encoder(didEncode:)``).
    public let contextualWordVectors: (any ContextualWordVectors)?
    let memo: AnalysisMemo?

    /// The standard chain: slots, order, polarity, function words, time words, then content words, each included when
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
            memo: AnalysisMemo.make(for: [configuration]))
    }

    /// The standard chain, with an analysis memo shared with other chains (nil: none).
    init(
        configuration: VerifierConfiguration, wordVectors: (any WordVectors)?, contextualWordVectors: (any ContextualWordVectors)?,
        memo: AnalysisMemo?
    ) {
        var checks: [any VerificationCheck] = []
        if configuration.checksSlots { checks.append(SlotCheck()) }
        if configuration.checksOrder { checks.append(OrderCheck(window: configuration.orderWindow)) }
        if configuration.checksPolarity { checks.append(PolarityCheck(wordNet: configuration.usesWordNet ? WordNet.shared : nil)) }
        if configuration.checksFunctionWords { checks.append(FunctionWordCheck()) }
        if configuration.checksTimeWords { checks.append(TimeWordCheck()) }
        if configuration.checksContentWords {
            checks.append(
                ContentWordCheck(
                    minimumSimilarity: configuration.minimumWordSimilarity,
                    maximumUnmatched: configuration.maximumUnmatchedWords,
                    maximumAddedWords: configuration.maximumAddedWords,
                    wordVectors: wordVectors,
                    contextualVectors: contextualWordVectors,
                    minimumContextualSimilarity: configuration.minimumContextualWordSimilarity,
                    wordNet: configuration.usesWordNet ? WordNet.shared : nil
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
        self.memo = AnalysisMemo.make(for: [configuration])
    }

    /// Whether WordNet could be read (``WordNet/shared``): without it the polarity check knows
    /// only its curated antonyms, and the gateway says so at start-up.
    public static var hasWordNet: Bool { WordNet.shared != nil }

    /// `nil` when `candidate` may answer `query`, otherwise the first check's rejection.
    /// `similarity` is the pair's cosine when known: a pair at or above
    /// ``VerifierConfiguration/preambleSimilarity`` that differs only by a social preamble is
    /// accepted (``Preamble``).
    public func verify(query: String, candidate: String, similarity: Double? = nil) -> Verdict? {
        if let tooLong = lengthVerdict(query: query, candidate: candidate) { return tooLong }
        if query == candidate { return nil }
        let a = analyze(query)
        let b = analyze(candidate)
        if a.differsOnlyInCaseOrPunctuation(from: b) { return nil }
        if preamble(a, b, similarity: similarity, mayRunModel: true) == .accepted { return nil }
        for check in checks {
            if let verdict = check.verdict(a, b) { return verdict }
        }
        return nil
    }

    /// The rejection of a pair in which a text is longer than the verifier analyses, else nil.
    /// Costs at most `maximumAnalysedCharacters` steps per text.
    public func lengthVerdict(query: String, candidate: String) -> Verdict? {
        let limit = configuration.maximumAnalysedCharacters
        let who =
            AnalyzedText.exceeds(query, characters: limit) ? "query" : AnalyzedText.exceeds(candidate, characters: limit) ? "candidate" : nil
        guard let who else { return nil }
        return Verdict(check: Verdict.lengthCheck, detail: "the \(who) is longer than \(limit) characters, the most the verifier analyses")
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
    public func verifyWithoutModelWork(query: String, candidate: String, similarity: Double? = nil) -> Step {
        if let tooLong = lengthVerdict(query: query, candidate: candidate) { return .decided(tooLong) }
        if query == candidate { return .decided(nil) }
        let a = analyze(query)
        let b = analyze(candidate)
        if a.differsOnlyInCaseOrPunctuation(from: b) { return .decided(nil) }
        switch preamble(a, b, similarity: similarity, mayRunModel: false) {
        case .accepted: return .decided(nil)
        case .needsModelWork: return .needsModelWork
        case .notAccepted: break
        }
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

    /// Every check's rejection, not just the first: for explaining a miss and for tuning. A pair
    /// with a text too long to analyse gets the length rejection only.
    public func verdicts(query: String, candidate: String, similarity: Double? = nil) -> [Verdict] {
        if let tooLong = lengthVerdict(query: query, candidate: candidate) { return [tooLong] }
        let a = analyze(query)
        let b = analyze(candidate)
        if a.differsOnlyInCaseOrPunctuation(from: b) { return [] }
        if preamble(a, b, similarity: similarity, mayRunModel: true) == .accepted { return [] }
        return checks.compactMap { $0.verdict(a, b) }
    }

    enum PreambleOutcome { case accepted, notAccepted, needsModelWork }

    /// Whether one text is the other after a social preamble, for a pair found at `similarity`
    /// (see ``Preamble``). Without contextual vectors nothing is accepted.
    func preamble(_ a: AnalyzedText, _ b: AnalyzedText, similarity: Double?, mayRunModel: Bool) -> PreambleOutcome {
        guard let similarity, let bound = configuration.preambleSimilarity, similarity >= bound - 1e-9, let source = contextualWordVectors else { return .notAccepted }
        let (longer, shorter) = a.words.count > b.words.count ? (a, b) : (b, a)
        guard let frame = Preamble.frame(of: longer, around: shorter) else { return .notAccepted }
        guard let vectors = mayRunModel ? source.vectors(for: longer) : source.readyVectors(for: longer) else {
            return mayRunModel ? .notAccepted : .needsModelWork
        }
        guard vectors.count == longer.words.count else { return .notAccepted }
        let relevance = Preamble.contextualRelevance(longer, frame: frame, shorterCount: shorter.words.count, vectors: vectors)
        return relevance < configuration.maximumPreambleContextualSimilarity ? .accepted : .notAccepted
    }

    /// The analysis of `text`, from the memo when present. Only the first
    /// ``VerifierConfiguration/maximumAnalysedCharacters`` are analysed; the analysis of a
    /// longer text says so (``AnalyzedText/isTruncated``) and is not memoised.
    public func analyze(_ text: String) -> AnalyzedText {
        let limit = configuration.maximumAnalysedCharacters
        let wordNet = configuration.usesWordNet ? WordNet.shared : nil
        guard let memo, !AnalyzedText.exceeds(text, characters: limit) else { return AnalyzedText(text, maximumCharacters: limit, wordNet: wordNet) }
        if let hit = memo.lookUp(text) { return hit }
        let analysis = AnalyzedText(text, wordNet: wordNet)
        memo.store(analysis)
        return analysis
    }

    /// The number of analyses memoised (shared with the chains of the same ``ThresholdVerifier``).
    public var memoizedAnalysisCount: Int { memo?.count ?? 0 }
    /// The approximate bytes the analysis memo holds, at most
    /// ``VerifierConfiguration/memoizedAnalysisBytes``.
    public var memoizedAnalysisBytes: Int { memo?.bytes ?? 0 }
}

extension VerifierChain: TokenStateObserver {
    /// Prepares a text the cache has just embedded, while its encoder pass is fresh: analyses it
    /// (into the memo) and takes its words in context from the pass. A later verification of
    /// that text (as query or as candidate) then runs no model and analyses nothing. Wrap the
    /// cache's model in a ``TokenStateReportingEmbedder`` with the chain as observer. A text
    /// longer than ``VerifierConfiguration/maximumAnalysedCharacters`` is skipped (every pair
    /// with it is rejected unread).
    public func encoder(didEncode encoded: EncodedText) {
        guard !AnalyzedText.exceeds(encoded.text, characters: configuration.maximumAnalysedCharacters) else { return }
        let analysis = analyze(encoded.text)
        guard let contextual = contextualWordVectors, !contextual.isReady(for: analysis) else { return }
        contextual.prepare(analysis, from: encoded)
    }
}

/// A bounded map from text to analysis, cleared when full (cheaper than LRU bookkeeping, and a
/// miss only costs one analysis). Full means `capacity` analyses or `byteBudget` approximate
/// bytes (text, per-entry overhead and ``AnalyzedText/approximateBytes``); an analysis larger
/// than the whole budget is not kept.
final class AnalysisMemo: Sendable {
    private struct State {
        var entries: [String: AnalyzedText] = [:]
        var bytes = 0
    }

    private let state: Mutex<State>
    let capacity: Int
    let byteBudget: Int

    init(capacity: Int, byteBudget: Int) {
        self.capacity = capacity
        self.byteBudget = byteBudget
        self.state = Mutex(State())
    }

    /// One memo sized for the largest of `configurations`, or nil when they turn it off.
    static func make(for configurations: [VerifierConfiguration]) -> AnalysisMemo? {
        let capacity = configurations.map(\.memoizedAnalyses).max() ?? 0
        let budget = configurations.map(\.memoizedAnalysisBytes).max() ?? 0
        return capacity > 0 && budget > 0 ? AnalysisMemo(capacity: capacity, byteBudget: budget) : nil
    }

    /// What one entry costs: its analysis, the key's bytes (shared with ``AnalyzedText/text``)
    /// and a dictionary slot.
    static func bytes(of analysis: AnalyzedText) -> Int {
        analysis.approximateBytes + AnalyzedText.heapBytes(analysis.text)
            + (MemoryLayout<String>.stride + MemoryLayout<AnalyzedText>.stride) * 4 / 3 + 1
    }

    var count: Int { state.withLock { $0.entries.count } }
    var bytes: Int { state.withLock { $0.bytes } }

    func lookUp(_ text: String) -> AnalyzedText? {
        state.withLock { $0.entries[text] }
    }

    func store(_ analysis: AnalyzedText) {
        let size = Self.bytes(of: analysis)
        guard size <= byteBudget else { return }
        // A cleared table is released after the lock is given back.
        let dropped: [String: AnalyzedText] = state.withLock { state in
            if state.entries[analysis.text] != nil { state.bytes -= size }  // the same text, the same analysis
            var dropped: [String: AnalyzedText] = [:]
            if state.entries[analysis.text] == nil, state.entries.count >= capacity || state.bytes + size > byteBudget {
                dropped = state.entries
                state.entries = [:]
                state.bytes = 0
            }
            state.entries[analysis.text] = analysis
            state.bytes += size
            return dropped
        }
        _ = dropped
    }
}
