/// A text broken down once for every check to read: its words (with offsets, lower-case forms
/// and stems), its slots, its negation cues and its content words.
///
/// Analysis is pure and deterministic and costs a few microseconds for a one-line question;
/// ``VerifierChain`` memoises it per text. Create one with ``init(_:)``.
public struct AnalyzedText: Sendable {
    /// One word of the text.
    public struct Word: Sendable, Hashable {
        /// The word as written (clitics such as "'s" and "n't" removed).
        public var text: String
        /// Lower-cased.
        public var lower: String
        /// Lower-cased and stripped of inflection (see the light stemmer), for comparisons.
        public var stem: String
        /// Offsets of the word in the text, in Unicode scalars.
        public var offsets: Range<Int>
        /// True when the first letter is upper-case.
        public var isCapitalised: Bool
        /// True when the word starts the text or follows `.`, `!`, `?` or `:`.
        public var isSentenceInitial: Bool
        /// True when the word is part of a number, URL, e-mail or code token rather than prose.
        public var isSymbolic: Bool
    }

    /// The original text.
    public let text: String
    /// Every word, in order.
    public let words: [Word]
    /// Every slot, in order of appearance.
    public let slots: [Slot]
    /// The negation cues found ("not", "n't", "without", …), in order.
    public let negations: [String]
    /// Indices into ``words`` of the content words: prose words that are not stop words,
    /// negation cues or number words.
    public let contentWordIndices: [Int]
    /// Stems of all words, for membership tests.
    public let stems: Set<String>
    /// Stems of the content words.
    public let contentStems: Set<String>
    /// True when most words are capitalised (ALL CAPS or Title Case), so capitals say nothing
    /// about names and no slot is derived from them.
    public let ignoresCapitals: Bool

    /// Analyses `text`.
    public init(_ text: String) {
        var parser = TextParser(text)
        parser.run()
        self.text = text
        self.words = parser.words
        self.slots = parser.slots
        self.negations = parser.negations
        self.ignoresCapitals = parser.ignoresCapitals
        var content: [Int] = []
        var contentStems = Set<String>()
        for (index, word) in parser.words.enumerated() where !word.isSymbolic && !parser.nonContent.contains(index) {
            if Lexicon.nonContentWords.contains(word.lower) { continue }
            guard word.lower.unicodeScalars.contains(where: { $0.isAlphabeticFast }) else { continue }
            content.append(index)
            contentStems.insert(word.stem)
        }
        self.contentWordIndices = content
        self.contentStems = contentStems
        self.stems = Set(parser.words.map(\.stem))
    }

    /// The content words, lower-cased.
    public var contentWords: [String] { contentWordIndices.map { words[$0].lower } }

    /// The lower-cased word sequence with punctuation and spacing removed; two texts with equal
    /// forms differ only in case, punctuation or spacing.
    public var normalizedWords: [String] { words.map(\.lower) }
}
