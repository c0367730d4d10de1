public import DejaWordNet

/// A text broken down once for every check to read: its words (with offsets, lower-case forms
/// and stems), its slots, its negation cues and its content words.
///
/// Analysis is pure and deterministic, linear in the length of the text, and costs a few
/// microseconds for a one-line question; ``VerifierChain`` memoises it per text and analyses at
/// most ``VerifierConfiguration/maximumAnalysedCharacters`` of it. Create one with ``init(_:)``
/// or, bounded, ``init(_:maximumCharacters:)``.
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
        /// True when the word starts the text or follows a sentence end, `,` or `;`:
        /// phrases read around a word (``OrderCheck``) stop at clause boundaries.
        public var startsClause = false
        /// True when the word was written possessive ("my sister's", "my parents'").
        public var isPossessive = false
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
    /// True when only the beginning of ``text`` was analysed (see ``init(_:maximumCharacters:)``).
    public let isTruncated: Bool
    /// The closed-class markers ``FunctionWordCheck`` compares, read once with the analysis (which
    /// the chain memoises) rather than per candidate.
    let functionMarkers: [FunctionWordCheck.Marker]
    /// What ``OrderCheck``'s crossing test reads, likewise once per text.
    let roleShape: OrderCheck.RoleShape
    /// The time expressions and kinds of time-dependence (``TimeWordCheck`` compares the former).
    public let timeSensitivity: TimeSensitivity
    /// WordNet's look-up of each word the checks may ask it about (content words, and prose words
    /// of three letters or more that the polarity check compares), resolved with the analysis so
    /// that verifying a candidate runs no morphology and takes no lock; nil for other words, and
    /// empty when the text was analysed without WordNet. Read through ``wordNetLookup(_:_:)``.
    let wordNetLookups: [WordNet.Lookup?]

    /// Analyses `text`, all of it; with `wordNet`, its words' WordNet look-ups too.
    public init(_ text: String, wordNet: WordNet? = nil) {
        var parser = TextParser(text)
        self.init(text, parser: &parser, isTruncated: false, wordNet: wordNet)
    }

    /// Analyses the first `maximumCharacters` Unicode scalars of `text` only (a word cut there is
    /// analysed as cut); ``isTruncated`` tells when the text is longer. Costs O(`maximumCharacters`)
    /// however long the text is.
    public init(_ text: String, maximumCharacters: Int, wordNet: WordNet? = nil) {
        guard Self.exceeds(text, characters: maximumCharacters) else {
            self.init(text, wordNet: wordNet)
            return
        }
        var parser = TextParser(text, maximumCharacters: maximumCharacters)
        self.init(text, parser: &parser, isTruncated: true, wordNet: wordNet)
    }

    /// True when `text` has more than `limit` Unicode scalars; reads at most `limit + 1` of them.
    static func exceeds(_ text: String, characters limit: Int) -> Bool {
        if text.utf8.count <= limit { return false }  // a scalar is at least one byte
        var count = 0
        for _ in text.unicodeScalars {
            count += 1
            if count > limit { return true }
        }
        return false
    }

    private init(_ text: String, parser: inout TextParser, isTruncated: Bool, wordNet: WordNet?) {
        parser.run()
        self.isTruncated = isTruncated
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
        self.functionMarkers = FunctionWordCheck.markers(words: parser.words)
        self.roleShape = OrderCheck.RoleShape(words: parser.words)
        // "Now," opening a clause and closed by a comma moves the talk on ("Thanks! Now, how do
        // I…?"); it does not ask about the present.
        let words = parser.words
        self.timeSensitivity = TimeSensitivity(
            words: words.indices.map { i in
                words[i].lower == "now" && words[i].startsClause && i + 1 < words.count && words[i + 1].startsClause ? "" : words[i].lower
            })
        if let wordNet {
            var lookups = [WordNet.Lookup?](repeating: nil, count: parser.words.count)
            for index in content { lookups[index] = wordNet.lookup(parser.words[index].lower) }
            for (index, word) in parser.words.enumerated() where lookups[index] == nil && PolarityCheck.isCompared(word) {
                lookups[index] = wordNet.lookup(word.lower)
            }
            self.wordNetLookups = lookups
        } else {
            self.wordNetLookups = []
        }
    }

    /// WordNet's look-up of word `index`: the one resolved with the analysis, else computed now.
    func wordNetLookup(_ index: Int, _ wordNet: WordNet) -> WordNet.Lookup {
        if index < wordNetLookups.count, let known = wordNetLookups[index] { return known }
        return wordNet.lookup(words[index].lower)
    }

    /// Heap bytes of a `String` beyond its 16-byte value: none for up to 15 UTF-8 bytes (stored
    /// inline), else a 32-byte object header plus the bytes.
    static func heapBytes(_ string: String) -> Int {
        let count = string.utf8.count
        return count <= 15 ? 0 : 32 + count
    }

    /// Approximate heap bytes of this analysis (words, their strings, slots, stem sets), for
    /// memo budgets; the text itself is not counted. Computed on demand (a memo asks once).
    var approximateBytes: Int {
        let arrayHeader = 32
        // Hash tables run at most 3/4 full; count 4/3 of a slot per element plus a byte of metadata.
        func setBytes(_ set: Set<String>) -> Int {
            set.reduce(arrayHeader + set.count * (MemoryLayout<String>.stride * 4 / 3 + 1)) { $0 + Self.heapBytes($1) }
        }
        var bytes = MemoryLayout<AnalyzedText>.stride + 5 * arrayHeader
        bytes += words.count * MemoryLayout<Word>.stride
        for word in words { bytes += Self.heapBytes(word.text) + Self.heapBytes(word.lower) + Self.heapBytes(word.stem) }
        bytes += slots.count * MemoryLayout<Slot>.stride
        for slot in slots { bytes += Self.heapBytes(slot.value) }
        bytes += negations.count * MemoryLayout<String>.stride
        bytes += contentWordIndices.count * MemoryLayout<Int>.stride
        bytes += setBytes(stems) + setBytes(contentStems)
        bytes += arrayHeader + functionMarkers.count * MemoryLayout<FunctionWordCheck.Marker>.stride
        bytes += 2 * arrayHeader + timeSensitivity.kinds.count + timeSensitivity.timeWords.count * 32
        bytes += arrayHeader + roleShape.uniqueStems.count * (MemoryLayout<String>.stride + MemoryLayout<Int>.stride) * 4 / 3
        bytes += arrayHeader + roleShape.clauses.count * MemoryLayout<Int>.stride
        for clauses in roleShape.repeatedInClauses.values {
            bytes += MemoryLayout<String>.stride + arrayHeader
            for indices in clauses.values { bytes += 2 * MemoryLayout<Int>.stride + arrayHeader + indices.count * MemoryLayout<Int>.stride }
        }
        // Look-ups share their storage with WordNet's memo while it keeps them; count it anyway.
        bytes += arrayHeader + wordNetLookups.count * MemoryLayout<WordNet.Lookup?>.stride
        for case let lookup? in wordNetLookups {
            bytes += 4 * arrayHeader + 4 * (lookup.lemmas.count + lookup.senses.count + lookup.clusterHeads.count + lookup.opposites.count) * 3 / 2
        }
        return bytes
    }

    /// The content words, lower-cased.
    public var contentWords: [String] { contentWordIndices.map { words[$0].lower } }

    /// The lower-cased word sequence with punctuation and spacing removed; two texts with equal
    /// forms differ only in case, punctuation or spacing.
    public var normalizedWords: [String] { words.map(\.lower) }

    /// Whether the two texts have the same words, lower-cased, and the same quantities: only
    /// case, punctuation or spacing differ. The quantities matter because a number's word leaves
    /// out what the parser read around its digits — "$1,000" and "£1,000" are both the word
    /// "1000", "5kg" and "5lb" both "5". Other values (names, quotations, code) are their words,
    /// so "capital of Spain" and "capital of spain", or 'undefined' with and without its quotes, agree.
    public func differsOnlyInCaseOrPunctuation(from other: AnalyzedText) -> Bool {
        guard words.count == other.words.count, zip(words, other.words).allSatisfy({ $0.lower == $1.lower }) else { return false }
        func isQuantity(_ slot: Slot) -> Bool { [.number, .currency, .unit, .date].contains(slot.kind) }
        let values = slots.filter(isQuantity)
        let otherValues = other.slots.filter(isQuantity)
        return values.count == otherValues.count && zip(values, otherValues).allSatisfy { $0.kind == $1.kind && $0.value == $1.value }
    }
}
