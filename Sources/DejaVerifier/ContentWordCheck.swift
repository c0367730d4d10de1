public import DejaWordNet
/// Rejects a candidate when a content word of one text has no near-synonym in the other.
///
/// Content words are the words left after removing stop words, request framing ("can you
/// explain", "tell me"), negation cues and number words. A content word whose stem appears in
/// only one text is compared, by cosine of ``WordVectors``, with the content words that only the
/// other text has (its possible replacements: a word both texts share cannot stand in for it, so
/// "tea" → "coffee" is not excused by "coffee" being close to a shared "caffeine"); if the best
/// match is below ``minimumSimilarity`` the word is unmatched. More than
/// ``maximumUnmatched`` unmatched words (default 0) rejects, unless they all come from one text
/// and number at most ``maximumAddedWords`` — and none is an adjective restricting a word both
/// texts have ("a *short* message") or stands where the other text repeats a word ("per *item* on
/// … orders" / "per *order* on … orders"). Without word vectors every
/// one-sided content word is unmatched.
///
/// Context-free vectors miss synonyms whose word vectors differ ("far"/"distance",
/// "wrote"/"author"). When ``contextualVectors`` are set, a word that has no near-synonym by
/// ``wordVectors`` gets a second chance: its vector in its own sentence is compared with the
/// other text's content words in theirs, and a cosine of at least
/// ``minimumContextualSimilarity`` matches it.
///
/// Cost: one 384-float dot product per pair of differing words, after memoised look-ups; the
/// contextual vectors are asked for only when a word fails the first test (one encoder pass per
/// text not yet memoised). The pairs grow with the product of the two texts' differing words,
/// so a pair with more than ``maximumComparedPairs`` is rejected without comparing (no one-line
/// paraphrase comes near: that is 64 words replaced by 64 others).
public struct ContentWordCheck: VerificationCheck {
    /// "content-words".
    public var name: String { "content-words" }
    /// The cosine a differing word's best match must reach.
    public var minimumSimilarity: Float
    /// How many differing words may go unmatched.
    public var maximumUnmatched: Int
    /// How many unmatched words are tolerated when they all come from one text (the other text
    /// has none): extra words such as "the `yield` keyword" or "find cheap hotels".
    public var maximumAddedWords: Int
    /// The word vectors; nil requires every content word to appear (by stem) in both texts.
    public var wordVectors: (any WordVectors)?
    /// Vectors of words in their sentence, consulted for a word that ``wordVectors`` leave
    /// unmatched; nil skips the second test.
    public var contextualVectors: (any ContextualWordVectors)?
    /// The cosine of contextual vectors that matches a word in the second test.
    public var minimumContextualSimilarity: Float
    /// WordNet: a differing word whose synonym or derivational form is on the other side is
    /// matched (``WordNet/sameThing(_:_:)``) before any vector is compared; nil: vectors only.
    public var wordNet: WordNet?

    /// Creates the check. `contextualVectors` (default nil) and `minimumContextualSimilarity`
    /// (default 1, which nothing reaches) set up the second, contextual test.
    public init(
        minimumSimilarity: Float, maximumUnmatched: Int = 0, maximumAddedWords: Int = 0, wordVectors: (any WordVectors)?,
        contextualVectors: (any ContextualWordVectors)? = nil, minimumContextualSimilarity: Float = 1, wordNet: WordNet? = nil
    ) {
        self.wordNet = wordNet
        self.minimumSimilarity = minimumSimilarity
        self.maximumUnmatched = maximumUnmatched
        self.maximumAddedWords = maximumAddedWords
        self.wordVectors = wordVectors
        self.contextualVectors = contextualVectors
        self.minimumContextualSimilarity = minimumContextualSimilarity
    }

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        decide(a, b, mayRunModel: true).verdict
    }

    /// The verdict if it can be reached without running a model; `needsModelWork` when the
    /// second test needs contextual vectors that are not memoised. The vectors are fetched once
    /// (no window between a readiness test and the fetch in which a memo could drop them).
    public func verdictWithoutModelWork(_ a: AnalyzedText, _ b: AnalyzedText) -> (verdict: Verdict?, needsModelWork: Bool) {
        decide(a, b, mayRunModel: false)
    }

    private func decide(_ a: AnalyzedText, _ b: AnalyzedText, mayRunModel: Bool) -> (verdict: Verdict?, needsModelWork: Bool) {
        var context = Context(check: self, a: a, b: b, mayRunModel: mayRunModel)
        let verdict = judge(a, b, &context)
        return context.missedVectors ? (nil, true) : (verdict, false)
    }

    /// The most (differing word, possible replacement) pairs a verdict compares: 4,096.
    public static let maximumComparedPairs = 4096

    private func judge(_ a: AnalyzedText, _ b: AnalyzedText, _ context: inout Context) -> Verdict? {
        let differingInQuery = a.contentWordIndices.count { !b.stems.contains(a.words[$0].stem) }
        let differingInCandidate = b.contentWordIndices.count { !a.stems.contains(b.words[$0].stem) }
        if differingInQuery * differingInCandidate > Self.maximumComparedPairs {
            return Verdict(
                check: name,
                detail: "\(differingInQuery) and \(differingInCandidate) differing content words, too many to compare")
        }
        // An acronym and the words that spell it out match each other ("ROI" / "return on investment").
        var spelledInA = Set<Int>()
        var spelledInB = Set<Int>()
        if differingInQuery + differingInCandidate > 0 {
            for (acronym, words) in Acronym.expansions(a, in: b) {
                spelledInA.insert(acronym)
                spelledInB.formUnion(words)
            }
            for (acronym, words) in Acronym.expansions(b, in: a) {
                spelledInB.insert(acronym)
                spelledInA.formUnion(words)
            }
        }
        let fromQuery = unmatched(a, b, &context, queryFirst: true, skipping: spelledInA)
        let fromCandidate = unmatched(b, a, &context, queryFirst: false, skipping: spelledInB)
        let total = fromQuery.count + fromCandidate.count
        guard total > 0 else { return nil }
        // Words missing on one side only are additions ("the `git stash` command"); words
        // missing on both sides are substitutions ("sort" for "reverse"), which are riskier.
        let isAddition = fromQuery.isEmpty || fromCandidate.isEmpty
        let allowed = isAddition ? max(maximumUnmatched, maximumAddedWords) : maximumUnmatched
        guard total > allowed else {
            guard isAddition, total > maximumUnmatched else { return nil }
            let (added, x, y) = fromQuery.isEmpty ? (fromCandidate, b, a) : (fromQuery, a, b)
            return restrictingModifier(added, in: x, other: y) ?? replacedRepeat(added, in: x, other: y) ?? replacedPronoun(added, in: x, other: y)
        }
        return Verdict(check: name, detail: "no near-synonym for " + (fromQuery + fromCandidate).map(\.description).joined(separator: ", "))
    }

    /// An added adjective right before a content word both texts have restricts what that word
    /// names ("a short birthday message", "a funny product description", "cheap hotels"): not an
    /// extra word that leaves the question as it was, such as "quick question:" or "Thanks in
    /// advance". WordNet tells adjectives; without it no word is taken for one.
    private func restrictingModifier(_ added: [Unmatched], in x: AnalyzedText, other y: AnalyzedText) -> Verdict? {
        guard let wordNet else { return nil }
        for index in added.map(\.index) where index + 1 < x.words.count {
            let next = x.words[index + 1]
            guard !next.isSymbolic, y.stems.contains(next.stem), x.contentWordIndices.contains(index + 1) else { continue }
            let word = x.words[index].lower
            // In place of "best" before the same word, a word of the same praise rewords it ("the
            // ideal time" / "the best time"); "the cheapest hotel" still restricts "the best hotel".
            if Lexicon.bestWords.contains(word), let j = y.words.firstIndex(where: { $0.stem == next.stem }), j > 0, Lexicon.bestWords.contains(y.words[j - 1].lower) {
                continue
            }
            if word.utf8.count >= 3, wordNet.isAdjective(x.wordNetLookup(index, wordNet)) {  // "u" is a WordNet adjective too
                return Verdict(check: name, detail: "'\(word)' restricts '\(next.lower)'")
            }
            // A word put between two words the other text has side by side makes a compound of
            // the second: "the maximum deposit" / "the maximum holding deposit".
            if index > 0, word.utf8.count >= 3, !x.words[index - 1].isSymbolic, !Lexicon.stopWords.contains(x.words[index - 1].lower),
                y.words.indices.dropLast().contains(where: { y.words[$0].stem == x.words[index - 1].stem && y.words[$0 + 1].stem == next.stem })
            {
                return Verdict(check: name, detail: "'\(word)' makes a compound of '\(next.lower)'")
            }
        }
        return nil
    }

    /// An unmatched word of `x` that looks added may instead stand where `y` repeats a word `x`
    /// has fewer times: "the fee per item on Etsy orders" vs "the fee per order on Etsy orders"
    /// replaces an "order" by "item" though "order" is in both texts. Each occurrence `y` has
    /// beyond `x`'s count is a possible replacement; an added word that matches none of them
    /// (WordNet, or word vectors as in the main test) is a substitution, not an addition.
    private func replacedRepeat(_ added: [Unmatched], in x: AnalyzedText, other y: AnalyzedText) -> Verdict? {
        var surplus: [String: Int] = [:]
        for index in y.contentWordIndices { surplus[y.words[index].stem, default: 0] += 1 }
        for index in x.contentWordIndices { surplus[x.words[index].stem]? -= 1 }
        let repeated = y.contentWordIndices.filter { index in
            let stem = y.words[index].stem
            return (surplus[stem] ?? 0) > 0 && x.contentStems.contains(stem)
        }
        guard !repeated.isEmpty else { return nil }
        for (wordIndex, word, _) in added {
            let replaced = repeated.contains { index in
                let other = y.words[index].lower
                if let wordNet, wordNet.sameThing(x.wordNetLookup(wordIndex, wordNet), y.wordNetLookup(index, wordNet)) { return true }
                guard let vectors = wordVectors, let v = vectors.vector(for: word), let u = vectors.vector(for: other), u.count == v.count else { return false }
                return Self.dot(v, u) >= minimumSimilarity
            }
            if !replaced {
                return Verdict(check: name, detail: "'\(word)' in place of a repeated '\(y.words[repeated[0]].lower)'")
            }
        }
        return nil
    }

    /// Personal pronouns a noun may take the place of.
    static let personalPronouns: Set<String> = ["i", "me", "you", "we", "us", "he", "him", "she", "her", "they", "them", "it"]

    /// An unmatched noun of `x` that looks added may instead stand where `y` has a pronoun, between
    /// the same words: "if the airline cancels the flight" / "if I cancel the flight" changes who
    /// acts. Determiners before the noun are skipped ("the airline").
    private func replacedPronoun(_ added: [Unmatched], in x: AnalyzedText, other y: AnalyzedText) -> Verdict? {
        for (index, word, _) in added where index + 1 < x.words.count {
            var left = index - 1
            while left >= 0, Lexicon.determiners.contains(x.words[left].lower) { left -= 1 }
            let before = left >= 0 ? x.words[left].stem : nil
            let after = x.words[index + 1].stem
            for p in y.words.indices where Self.personalPronouns.contains(y.words[p].lower) && p + 1 < y.words.count {
                if y.words[p + 1].stem == after, (p > 0 ? y.words[p - 1].stem : nil) == before {
                    return Verdict(check: name, detail: "'\(word)' in place of '\(y.words[p].lower)'")
                }
            }
        }
        return nil
    }

    /// The two texts' contextual vectors, fetched at most once per verdict and only when needed.
    private struct Context {
        let check: ContentWordCheck
        let a: AnalyzedText
        let b: AnalyzedText
        /// False: use memoised vectors only, and record a miss instead of computing.
        let mayRunModel: Bool
        /// True when vectors were needed but not memoised (only when `mayRunModel` is false).
        private(set) var missedVectors = false
        private var fetched = false
        private var vectors: (a: [[Float]?], b: [[Float]?])?

        init(check: ContentWordCheck, a: AnalyzedText, b: AnalyzedText, mayRunModel: Bool) {
            self.check = check
            self.a = a
            self.b = b
            self.mayRunModel = mayRunModel
        }

        /// (x's vectors, y's vectors) with x the query when `queryFirst`.
        mutating func pair(queryFirst: Bool) -> (x: [[Float]?], y: [[Float]?])? {
            if !fetched, let source = check.contextualVectors {
                fetched = true
                let va = mayRunModel ? source.vectors(for: a) : source.readyVectors(for: a)
                let vb = mayRunModel ? source.vectors(for: b) : source.readyVectors(for: b)
                if !mayRunModel, va == nil || vb == nil { missedVectors = true }
                if let va, let vb, va.count == a.words.count, vb.count == b.words.count {
                    vectors = (va, vb)
                }
            }
            guard let vectors else { return nil }
            return queryFirst ? (vectors.a, vectors.b) : (vectors.b, vectors.a)
        }
    }

    /// A content word without a near-synonym: its index, its lower-case form, and why.
    typealias Unmatched = (index: Int, word: String, description: String)

    /// The content words of `x` that have no near-synonym in `y`.
    private func unmatched(_ x: AnalyzedText, _ y: AnalyzedText, _ context: inout Context, queryFirst: Bool, skipping: Set<Int>) -> [Unmatched] {
        var result: [Unmatched] = []
        for index in x.contentWordIndices where !y.stems.contains(x.words[index].stem) && !skipping.contains(index) {
            let word = x.words[index].lower
            if let wordNet, Self.hasSameThing(index, of: x, in: y, wordNet: wordNet) { continue }
            if let wordNet, Self.isMisspelling(index, of: x, in: y, wordNet: wordNet) { continue }
            if let wordNet, Self.isAbbreviation(index, of: x, in: y, wordNet: wordNet) { continue }
            // The unit of a rate ("per wheel" / "per axle") is a value: only the same word, a
            // synonym or a misspelling (above) matches it, never a merely related word.
            if index > 0, x.words[index - 1].lower == "per", let other = Self.wordAfterPer(in: y), !x.stems.contains(y.words[other].stem) {
                result.append((index, word, "'\(word)' (the unit of 'per', against '\(y.words[other].lower)')"))
                continue
            }
            // Two words WordNet does not know ("metformin" / "metoprolol", "pytest" / "unittest")
            // are names or terms, which vectors call close when they share letters or a field:
            // the vectors may match them only when they are spelt alike ("node.js" / "nodejs",
            // "tupel" / "tuple").
            let isUnknown = wordNet.map { x.wordNetLookup(index, $0).lemmas.isEmpty } ?? false
            let admits: (Int) -> Bool = { other in
                guard isUnknown, let wordNet = self.wordNet, y.wordNetLookup(other, wordNet).lemmas.isEmpty else { return true }
                return Self.spelledAlike(word, y.words[other].lower)
            }
            let (best, score) = bestMatch(word, in: y, other: x, admitting: admits)
            guard score < minimumSimilarity else { continue }
            var description = best.map { "best '\($0)' \(Self.format(score))" } ?? "nothing to match"
            description += " < \(Self.format(minimumSimilarity))"
            if contextualVectors != nil, let vectors = context.pair(queryFirst: queryFirst) {
                let (contextualBest, contextualScore) = Self.bestContextualMatch(index, vectors.x, in: y, vectors.y, other: x, admitting: admits)
                if contextualScore >= minimumContextualSimilarity { continue }
                let match = contextualBest.map { "'\(y.words[$0].lower)' \(Self.format(contextualScore))" } ?? "nothing"
                description += "; in context \(match) < \(Self.format(minimumContextualSimilarity))"
            }
            result.append((index, word, "'\(word)' (\(description))"))
        }
        return result
    }

    /// Whether a content word of `text` that `other` lacks is the WordNet synonym or derivational
    /// form of `other`'s word `wordIndex`.
    static func hasSameThing(_ wordIndex: Int, of other: AnalyzedText, in text: AnalyzedText, wordNet: WordNet) -> Bool {
        let lookup = other.wordNetLookup(wordIndex, wordNet)
        guard !lookup.senses.isEmpty else { return false }
        for index in text.contentWordIndices where !other.stems.contains(text.words[index].stem) {
            if wordNet.sameThing(lookup, text.wordNetLookup(index, wordNet)) { return true }
        }
        return false
    }

    /// Whether two words are one spelling apart: the same letters and digits once other marks
    /// are dropped ("node.js" / "nodejs"), or an edit apart (two from seven letters).
    static func spelledAlike(_ x: String, _ y: String) -> Bool {
        func lettersAndDigits(_ s: String) -> [UInt8] {
            s.utf8.filter { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") || $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 >= 0x80 }
        }
        let a = lettersAndDigits(x)
        let b = lettersAndDigits(y)
        return a == b || isSlip(a, b)
    }

    /// Whether two words of 4 to 24 bytes are one slip of the keys apart: one edit, or two when
    /// both have seven letters or more (see ``editDistance(_:_:atMost:)``).
    static func isSlip(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard (4...24).contains(a.count), (4...24).contains(b.count) else { return false }
        let allowed = min(a.count, b.count) >= 7 ? 2 : 1
        return editDistance(a, b, atMost: allowed) <= allowed
    }

    /// The index of the first content word right after "per" in `text`, if any.
    static func wordAfterPer(in text: AnalyzedText) -> Int? {
        text.contentWordIndices.first { $0 > 0 && text.words[$0 - 1].lower == "per" }
    }

    /// Whether `other`'s word `wordIndex` and a differing content word of `text` are one word
    /// misspelt: exactly one of the two is unknown to WordNet, and they are one edit apart (two for
    /// words of seven letters or more; an edit inserts, deletes or replaces a letter, or swaps two
    /// neighbours): "sugest" / "suggest", "dedline" / "deadline", "reccomend" / "recommend". Two
    /// known words ("cat" / "car") or two unknown ones ("npm" / "pnpm") are never a misspelling.
    static func isMisspelling(_ wordIndex: Int, of other: AnalyzedText, in text: AnalyzedText, wordNet: WordNet) -> Bool {
        let word = other.words[wordIndex].lower
        guard (4...24).contains(word.utf8.count) else { return false }
        let isKnown = !other.wordNetLookup(wordIndex, wordNet).lemmas.isEmpty
        let letters = Array(word.utf8)
        for index in text.contentWordIndices where !other.stems.contains(text.words[index].stem) {
            let candidate = text.words[index].lower
            guard (4...24).contains(candidate.utf8.count) else { continue }
            guard isKnown != !text.wordNetLookup(index, wordNet).lemmas.isEmpty else { continue }
            if isSlip(letters, Array(candidate.utf8)) { return true }
        }
        return false
    }

    /// Whether `other`'s word `wordIndex` and a differing content word of `text` are a word and its
    /// abbreviation: the short one unknown to WordNet, the long one known, same first letter, and the
    /// short one either its start ("approx" / "approximately", "config" / "configuration": four
    /// letters or more, three or more dropped) or, not being its start, its letters in order, at
    /// least a third of them ("dept" / "department", "acct" / "account", "db" / "database").
    /// Either may be the abbreviation.
    static func isAbbreviation(_ wordIndex: Int, of other: AnalyzedText, in text: AnalyzedText, wordNet: WordNet) -> Bool {
        guard (2...24).contains(other.words[wordIndex].lower.utf8.count) else { return false }
        let word = Array(other.words[wordIndex].lower.utf8)
        guard word.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else { return false }
        let isKnown = !other.wordNetLookup(wordIndex, wordNet).lemmas.isEmpty
        for index in text.contentWordIndices where !other.stems.contains(text.words[index].stem) {
            // The cheap tests first, on the string's bytes in place: same first letter, a length
            // that can abbreviate or be abbreviated.
            let bytes = text.words[index].lower.utf8
            guard bytes.count <= 24, bytes.first == word.first, abs(bytes.count - word.count) >= 2 else { continue }
            let candidate = Array(bytes)
            guard candidate.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else { continue }
            guard isKnown != !text.wordNetLookup(index, wordNet).lemmas.isEmpty else { continue }
            let (short, long) = isKnown ? (candidate, word) : (word, candidate)
            if abbreviates(short, long) { return true }
        }
        return false
    }

    /// Whether `short` abbreviates `long` by its letters (see ``isAbbreviation(_:of:in:wordNet:)``).
    static func abbreviates(_ short: [UInt8], _ long: [UInt8]) -> Bool {
        guard short.count >= 2, long.count >= short.count + 2, short.first == long.first else { return false }
        // A clipping keeps at least four letters and drops at least three ("approx", "config");
        // "auth" / "author" and "dev" / "device" are other words.
        if long.starts(with: short) { return short.count >= 4 && long.count >= short.count + 3 }
        guard long.count <= 3 * short.count else { return false }
        var i = long.startIndex
        for letter in short {
            guard let found = long[i...].firstIndex(of: letter) else { return false }
            i = found + 1
        }
        return true
    }

    /// The optimal-string-alignment distance of two byte strings (inserts, deletes, replacements
    /// and swaps of neighbours), or `limit + 1` as soon as it must exceed `limit`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], atMost limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, beforePrevious[j - 2] + 1) }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }

    /// The index of `y`'s content word (not in `x`) whose contextual vector is closest to that
    /// of word `index` of `x`, and the cosine.
    static func bestContextualMatch(
        _ index: Int, _ xVectors: [[Float]?], in y: AnalyzedText, _ yVectors: [[Float]?], other x: AnalyzedText, admitting admits: (Int) -> Bool = { _ in true }
    ) -> (Int?, Float) {
        guard index < xVectors.count, let v = xVectors[index] else { return (nil, -1) }
        var best: Int?
        var score: Float = -1
        for other in y.contentWordIndices where other < yVectors.count && !x.stems.contains(y.words[other].stem) && admits(other) {
            guard let u = yVectors[other], u.count == v.count else { continue }
            let dot = Self.dot(v, u)
            if dot > score {
                score = dot
                best = other
            }
        }
        return (best, score)
    }

    /// The content word of `text` closest to `word` among those `other` (the word's own text)
    /// lacks, and its cosine.
    func bestMatch(_ word: String, in text: AnalyzedText, other: AnalyzedText, admitting admits: (Int) -> Bool = { _ in true }) -> (String?, Float) {
        guard let vectors = wordVectors, let v = vectors.vector(for: word) else { return (nil, -1) }
        var best: String?
        var score: Float = -1
        for index in text.contentWordIndices where !other.stems.contains(text.words[index].stem) && admits(index) {
            let other = text.words[index].lower
            guard let u = vectors.vector(for: other), u.count == v.count else { continue }
            let dot = Self.dot(v, u)
            if dot > score {
                score = dot
                best = other
            }
        }
        return (best, score)
    }

    /// The dot product of two equally long vectors, eight lanes at a time.
    static func dot(_ x: [Float], _ y: [Float]) -> Float {
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                let n = min(a.count, b.count)
                var lanes = SIMD8<Float>(repeating: 0)
                var k = 0
                while k + 8 <= n {
                    lanes += SIMD8(a[k..<(k + 8)]) * SIMD8(b[k..<(k + 8)])
                    k += 8
                }
                var sum = lanes.sum()
                while k < n {
                    sum += a[k] * b[k]
                    k += 1
                }
                return sum
            }
        }
    }

    static func format(_ value: Float) -> String {
        let scaled = (value * 100).rounded() / 100
        return "\(scaled)"
    }
}
