/// Which checks a ``VerifierChain`` runs and with what bounds.
///
/// Start from a preset that matches the cache's cosine threshold: ``strict`` (0.95),
/// ``balanced`` (0.90) or ``aggressive`` (0.85). A lower threshold lets more distant candidates
/// through, so the presets tighten the context-free content-word bound as the threshold drops;
/// the in-context bound of the looser presets was chosen on the development set as the one with
/// the most paraphrase hits while near-miss false hits stay within half the preset's budget
/// (docs/VERIFIER.md). Every check can be switched off; with all of them off the verifier
/// accepts everything.
public struct VerifierConfiguration: Sendable, Hashable {
    /// The cosine threshold the preset is tuned for. The verifier does not read it; the cache
    /// passes candidates at or above its own threshold.
    public var similarityThreshold: Float
    /// Run ``SlotCheck`` (numbers, names, languages, units, dates, currencies, quotes, code,
    /// URLs, e-mail addresses must agree, in order). Default true.
    public var checksSlots: Bool
    /// Run ``OrderCheck`` (plain words must not swap sides of "to", "from", "than", "in"…).
    /// Default true.
    public var checksOrder: Bool
    /// Run ``PolarityCheck`` (negations and antonyms must agree). Default true.
    public var checksPolarity: Bool
    /// Give ``PolarityCheck`` WordNet's antonyms (``WordNet/shared``; without the files, the
    /// curated pairs only). Default true.
    public var usesWordNet: Bool
    /// Run ``FunctionWordCheck`` (quantifiers, modality, time, tense and scope must agree).
    /// Default true.
    public var checksFunctionWords: Bool
    /// Run ``TimeWordCheck`` (time expressions such as "today", "this week", "latest" must
    /// agree). Default true.
    public var checksTimeWords: Bool
    /// Run ``ContentWordCheck`` (differing content words must be near-synonyms). Default true.
    public var checksContentWords: Bool
    /// ``ContentWordCheck/minimumSimilarity``: the cosine of centred input-embedding word vectors
    /// a differing content word's best match must reach.
    public var minimumWordSimilarity: Float
    /// ``ContentWordCheck/minimumContextualSimilarity``: the cosine of contextual word vectors
    /// (``ContextualWordVectors``) that matches a word the context-free vectors leave unmatched.
    /// Only used when the chain is given contextual vectors.
    public var minimumContextualWordSimilarity: Float
    /// ``ContentWordCheck/maximumUnmatched``. Default 0.
    public var maximumUnmatchedWords: Int
    /// ``ContentWordCheck/maximumAddedWords``: unmatched words tolerated when they all come
    /// from one text. Default 1.
    public var maximumAddedWords: Int
    /// ``OrderCheck/window``. Default 3.
    public var orderWindow: Int
    /// How many analysed texts ``VerifierChain`` memoises (one or two kilobytes each for a
    /// one-line question); 0 turns the memo off. Default 4,096.
    public var memoizedAnalyses: Int
    /// The most bytes (approximate: text, words, slots, stem sets) the analysis memo holds; it
    /// is cleared when the next analysis would exceed this or ``memoizedAnalyses``. Bounds the
    /// memo whatever the texts' length. Default 16 MiB (4,096 one-line questions take about
    /// 6 MiB).
    public var memoizedAnalysisBytes: Int
    /// The longest text, in Unicode scalars, the verifier analyses. A pair in which either text
    /// is longer is rejected (``Verdict/lengthCheck``) without analysing it: the checks need the
    /// whole text, a prefix would let two long texts that differ only after it pass, and
    /// analysis and checks cost time in proportion to the length. The verifier is for one-line
    /// questions. Default 4,096 (``defaultMaximumAnalysedCharacters``).
    public var maximumAnalysedCharacters: Int
    /// A pair found at or above this cosine whose longer text is the other after a conversational
    /// preamble of its own clause ("Sorry to bother you, but …") is accepted without the checks,
    /// when no word of the preamble is close in context to the question (``Preamble``); nil turns
    /// this off. Default 0.95: below it, preambles that change the answer ("I'm vegetarian.") were
    /// found as well as social ones. Needs the chain's contextual vectors.
    public var preambleSimilarity: Double? = 0.95
    /// The in-context cosine no preamble word may reach with a word of the question for the
    /// preamble to count as social. Default 0.6.
    public var maximumPreambleContextualSimilarity: Float = 0.6

    /// 4,096 Unicode scalars: far above any one-line question, and a few milliseconds of
    /// analysis at most.
    public static let defaultMaximumAnalysedCharacters = 4096
    /// 16 MiB.
    public static let defaultMemoizedAnalysisBytes = 16 << 20

    /// Creates a configuration; every parameter defaults to the ``balanced`` value.
    public init(
        similarityThreshold: Float = 0.90,
        checksSlots: Bool = true,
        checksOrder: Bool = true,
        checksPolarity: Bool = true,
        checksFunctionWords: Bool = true,
        checksTimeWords: Bool = true,
        usesWordNet: Bool = true,
        checksContentWords: Bool = true,
        minimumWordSimilarity: Float = 0.40,
        minimumContextualWordSimilarity: Float = 0.475,
        maximumUnmatchedWords: Int = 0,
        maximumAddedWords: Int = 1,
        orderWindow: Int = 3,
        memoizedAnalyses: Int = 4096,
        memoizedAnalysisBytes: Int = VerifierConfiguration.defaultMemoizedAnalysisBytes,
        maximumAnalysedCharacters: Int = VerifierConfiguration.defaultMaximumAnalysedCharacters
    ) {
        self.similarityThreshold = similarityThreshold
        self.checksSlots = checksSlots
        self.checksOrder = checksOrder
        self.checksPolarity = checksPolarity
        self.checksFunctionWords = checksFunctionWords
        self.checksTimeWords = checksTimeWords
        self.usesWordNet = usesWordNet
        self.checksContentWords = checksContentWords
        self.minimumWordSimilarity = minimumWordSimilarity
        self.minimumContextualWordSimilarity = minimumContextualWordSimilarity
        self.maximumUnmatchedWords = maximumUnmatchedWords
        self.maximumAddedWords = maximumAddedWords
        self.orderWindow = orderWindow
        self.memoizedAnalyses = memoizedAnalyses
        self.memoizedAnalysisBytes = memoizedAnalysisBytes
        self.maximumAnalysedCharacters = maximumAnalysedCharacters
    }

    /// The names of the checks, as configuration and reports spell them.
    public static let checkNames = ["slots", "order", "polarity", "function_words", "time_words", "content_words"]

    /// Switches on exactly the checks named in `names` (see ``checkNames``); others go off.
    public mutating func enableChecks(named names: Set<String>) {
        checksSlots = names.contains("slots")
        checksOrder = names.contains("order")
        checksPolarity = names.contains("polarity")
        checksFunctionWords = names.contains("function_words")
        checksTimeWords = names.contains("time_words")
        checksContentWords = names.contains("content_words")
    }

    /// For a cosine threshold of 0.95: every check, content-word bound 0.35, contextual bound
    /// 0.60, one added word tolerated.
    public static let strict = VerifierConfiguration(
        similarityThreshold: 0.95, minimumWordSimilarity: 0.35, minimumContextualWordSimilarity: 0.60, maximumAddedWords: 1)
    /// For a cosine threshold of 0.90: every check, content-word bound 0.40, contextual bound
    /// 0.475, one added word tolerated.
    public static let balanced = VerifierConfiguration(
        similarityThreshold: 0.90, minimumWordSimilarity: 0.40, minimumContextualWordSimilarity: 0.475, maximumAddedWords: 1)
    /// For a cosine threshold of 0.85: every check, content-word bound 0.45, contextual bound
    /// 0.475, one added word tolerated.
    public static let aggressive = VerifierConfiguration(
        similarityThreshold: 0.85, minimumWordSimilarity: 0.45, minimumContextualWordSimilarity: 0.475, maximumAddedWords: 1)
}
