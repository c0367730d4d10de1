public import DejaWordNet

/// Rejects a candidate whose polarity differs from the query's: a different number of negation
/// cues ("not", "n't", "never", "without", "except", "no", …), a word of an antonym pair on one
/// side opposed by its antonym on the other (or, for the few words in
/// `Lexicon.presenceAntonyms`, missing from the other) ("enable"/"disable", "buy"/"sell",
/// "before"/"after"; a presence word is excused by a synonym on the other side, see
/// `Lexicon.presenceSynonyms`), or a word negated by a prefix on the other side ("valid"/"invalid").
///
/// Opposites come from WordNet 3.0 (direct antonyms and indirect ones through an adjective's
/// similar-to cluster: "scorching" vs "cold") for any two words that differ between the texts,
/// and from the curated pairs in `Lexicon+Antonyms.swift` for what WordNet lacks (computing and
/// domain verbs, prepositions of direction, presence words).
///
/// Cost: a few set look-ups per word; a WordNet look-up per pair of differing words.
public struct PolarityCheck: VerificationCheck {
    /// "polarity".
    public var name: String { "polarity" }

    /// The WordNet whose antonyms count; nil: the curated pairs only.
    public let wordNet: WordNet?

    /// Creates the check, with WordNet's antonyms when `wordNet` is given.
    public init(wordNet: WordNet? = nil) { self.wordNet = wordNet }

    private struct Entry {
        var opposite: String
        var isWeak: Bool
    }

    /// Stem → its opposites, built once.
    private static let table: [String: [Entry]] = {
        var table: [String: [Entry]] = [:]
        for (x, y) in Lexicon.antonymPairs {
            let sx = Stemmer.stem(x)
            let sy = Stemmer.stem(y)
            table[sx, default: []].append(Entry(opposite: sy, isWeak: !Lexicon.presenceAntonyms.contains(x)))
            table[sy, default: []].append(Entry(opposite: sx, isWeak: !Lexicon.presenceAntonyms.contains(y)))
        }
        return table
    }()

    /// Stem of a presence word → stems of the words that may replace it.
    private static let synonyms: [String: Set<String>] = {
        var table: [String: Set<String>] = [:]
        for (word, replacements) in Lexicon.presenceSynonyms {
            table[Stemmer.stem(word), default: []].formUnion(replacements.map(Stemmer.stem))
        }
        return table
    }()

    private static func hasSynonym(_ stem: String, in y: AnalyzedText) -> Bool {
        guard let replacements = synonyms[stem] else { return false }
        return replacements.contains { y.stems.contains($0) }
    }

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        if a.negations.count != b.negations.count {
            let (more, fewer, who) = a.negations.count > b.negations.count ? (a, b, "query") : (b, a, "candidate")
            // The first cue of `more` left once each cue of `fewer` has cancelled one equal cue
            // (counted, not removed from an array one by one).
            var cancels: [String: Int] = [:]
            for cue in fewer.negations { cancels[cue, default: 0] += 1 }
            var extra: String?
            for cue in more.negations {
                if let left = cancels[cue], left > 0 {
                    cancels[cue] = left - 1
                } else {
                    extra = cue
                    break
                }
            }
            return Verdict(check: name, detail: "negation '\(extra ?? "not")' only in the \(who)")
        }
        if !a.negations.isEmpty, let verdict = movedNegation(a, b) { return verdict }
        if let verdict = antonym(a, b, "query", "candidate") ?? antonym(b, a, "candidate", "query") { return verdict }
        if let verdict = lexicalAntonym(a, b) { return verdict }
        return prefixNegation(a, b) ?? prefixNegation(b, a) ?? opposedPrefixes(a, b)
    }

    /// Two words only one text has each, the same root after opposed prefixes: "overused" /
    /// "underused", "inbound" / "outbound", "upstream" / "downstream", "pre-tax" / "post-tax" read
    /// as "pretax" / "posttax". Roots of four letters or more.
    private func opposedPrefixes(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        // One pass over each text (stem sets the analysis holds): `b`'s words only it has, by
        // (prefix, root).
        var byRoot: [String: String] = [:]  // "prefix|root" → word of `b`
        for index in b.contentWordIndices where !a.stems.contains(b.words[index].stem) {
            let y = b.words[index].lower
            for (p, q) in Lexicon.opposedPrefixes {
                for prefix in [p, q] where y.hasPrefix(prefix) && y.count - prefix.count >= 4 {
                    byRoot[prefix + "|" + y.dropFirst(prefix.count)] = y
                }
            }
        }
        guard !byRoot.isEmpty else { return nil }
        for index in a.contentWordIndices where !b.stems.contains(a.words[index].stem) {
            let x = a.words[index].lower
            for (p, q) in Lexicon.opposedPrefixes {
                for (xp, yp) in [(p, q), (q, p)] where x.hasPrefix(xp) && x.count - xp.count >= 4 {
                    if let y = byRoot[yp + "|" + x.dropFirst(xp.count)] {
                        return Verdict(check: name, detail: "'\(x)' in the query vs '\(y)' in the candidate (opposed prefixes)")
                    }
                }
            }
        }
        return nil
    }

    /// Whether `y` has a WordNet synonym or derivational form of `x`'s word with `stem`: "install"
    /// is present in "the installation of Docker".
    private func hasDerivedForm(_ stem: String, of x: AnalyzedText, in y: AnalyzedText) -> Bool {
        guard let wordNet, let index = x.words.firstIndex(where: { $0.stem == stem }) else { return false }
        // The look-ups the analysis resolved: no morphology and no lock here.
        let lookup = x.wordNetLookup(index, wordNet)
        return y.contentWordIndices.contains { y.words[$0].stem != stem && wordNet.sameThing(lookup, y.wordNetLookup($0, wordNet)) }
    }

    /// As many negations on each side, but negating different words that both texts have: "re-renders
    /// though its props haven't changed" / "doesn't re-render though its props have changed".
    /// The same verb negated with another object is moved too: "won't eat his food but will eat
    /// treats" / "eats his food but won't eat treats".
    private func movedNegation(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        guard let targetsA = Self.negatedTargets(a), let targetsB = Self.negatedTargets(b) else { return nil }
        var (x, y) = (targetsA.stems, targetsB.stems)
        if x == y {
            guard targetsA.withObjects != targetsB.withObjects else { return nil }
            (x, y) = (targetsA.withObjects, targetsB.withObjects)
        }
        var surplus: [String: Int] = [:]
        for stem in x { surplus[stem, default: 0] += 1 }
        for stem in y { surplus[stem, default: 0] -= 1 }
        let moved = surplus.filter { $0.value != 0 }.keys
        // Only when every differing negated word is in both texts: the negation moved between them.
        guard !moved.isEmpty, moved.allSatisfy({ target in
            target.split(separator: " ").allSatisfy { a.stems.contains(String($0)) && b.stems.contains(String($0)) }
        }) else { return nil }
        let from = x.first { surplus[$0, default: 0] > 0 } ?? "?"
        let to = y.first { surplus[$0, default: 0] < 0 } ?? "?"
        func words(_ target: String, in text: AnalyzedText) -> String { target.split(separator: " ").map { word(String($0), in: text) }.joined(separator: " ") }
        return Verdict(check: name, detail: "negation of '\(words(from, in: a))' in the query vs of '\(words(to, in: b))' in the candidate")
    }

    /// The stem each negation cue negates: the first word after it, within three, that is not a
    /// stop word, a negation or a symbol. Sorted. Nil when a cue's target cannot be read from word
    /// order: none within three words; a negative pronoun ("eat nothing", "none of them"), which
    /// negates what comes before it; or a cue on a fronted auxiliary ("Why doesn't my code
    /// compile?", "Isn't it…"), whose target comes after the subject.
    static func negatedStems(_ text: AnalyzedText) -> [String]? { negatedTargets(text)?.stems }

    /// ``negatedStems(_:)``, and in the same pass each target with the next content word of its
    /// clause within three ("eat food") when there is one: both sorted, nil under the same
    /// conditions.
    static func negatedTargets(_ text: AnalyzedText) -> (stems: [String], withObjects: [String])? {
        var stems: [String] = []
        var withObjects: [String] = []
        for (i, word) in text.words.enumerated() where Lexicon.negations.contains(word.lower) {
            if negativePronouns.contains(word.lower) { return nil }
            if word.lower == "not", i > 0, OrderCheck.beForms.contains(text.words[i - 1].lower) || auxiliaries.contains(text.words[i - 1].lower),
                i == 1 || text.words[i - 1].startsClause || questionWords.contains(text.words[i - 2].lower)
            {
                return nil
            }
            var target: String?
            var targetWithObject: String?
            for j in (i + 1)..<min(text.words.count, i + 4) {
                let next = text.words[j]
                if next.isSymbolic || Lexicon.stopWords.contains(next.lower) || Lexicon.negations.contains(next.lower) { continue }
                target = next.stem
                targetWithObject = next.stem
                for k in (j + 1)..<min(text.words.count, j + 4) {
                    let object = text.words[k]
                    if object.startsClause { break }
                    if object.isSymbolic || Lexicon.stopWords.contains(object.lower) || Lexicon.negations.contains(object.lower) { continue }
                    targetWithObject = next.stem + " " + object.stem
                    break
                }
                break
            }
            guard let target, let targetWithObject else { return nil }
            stems.append(target)
            withObjects.append(targetWithObject)
        }
        return (stems.sorted(), withObjects.sorted())
    }

    static let negativePronouns: Set<String> = ["nothing", "none", "nobody", "nowhere", "neither", "nor", "nope"]
    static let auxiliaries: Set<String> = ["do", "does", "did", "can", "could", "will", "would", "should", "have", "has", "had", "must", "shall", "might"]
    static let questionWords: Set<String> = ["why", "how", "what", "when", "where", "who", "which"]

    /// A word only in the query and a word only in the candidate that WordNet calls opposites.
    /// Linear in the words: each query word's opposite senses are gathered once, then each
    /// candidate word's senses are looked up in them.
    private func lexicalAntonym(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        guard let wordNet else { return nil }
        let onlyA = Self.differingWords(a, b)
        guard !onlyA.isEmpty else { return nil }
        let onlyB = Self.differingWords(b, a)
        guard !onlyB.isEmpty else { return nil }
        var opposites: [UInt32: Int] = [:]  // sense → index into onlyA
        var sensesA = Set<UInt32>()
        for (index, x) in onlyA.enumerated() where !Self.isUnderLess(in: a, { $0.lower == x.word }) {
            let lookup = a.wordNetLookup(x.index, wordNet)
            sensesA.formUnion(lookup.senses)
            for s in lookup.opposites where opposites[s] == nil { opposites[s] = index }
        }
        if let verdict = Self.opposedVerbsInEn(onlyA.map(\.word), onlyB.map(\.word), wordNet: wordNet) { return verdict }
        guard !opposites.isEmpty else { return nil }
        for (yIndex, y) in onlyB where !Self.isUnderLess(in: b, { $0.lower == y }) {
            let lookup = b.wordNetLookup(yIndex, wordNet)
            // A word sharing a sense with any query word is its synonym in some sense, not its
            // opposite (this also covers the query word whose opposite it would be).
            guard !lookup.senses.isEmpty, lookup.senses.isDisjoint(with: sensesA) else { continue }
            for s in lookup.clusterHeads {
                if let index = opposites[s] {
                    return Verdict(check: name, detail: "'\(onlyA[index].word)' in the query vs '\(y)' in the candidate (WordNet antonyms)")
                }
            }
        }
        return nil
    }

    /// Verbs made in -en from adjectives WordNet opposes: "loosen" / "tighten" (loose / tight),
    /// "widen" / "narrow"… WordNet lists few opposites among verbs, and these take theirs from the
    /// adjective.
    static func opposedVerbsInEn(_ onlyA: [String], _ onlyB: [String], wordNet: WordNet) -> Verdict? {
        func adjectives(_ word: String) -> [String] {
            guard word.utf8.count >= 5, word.hasSuffix("en") else { return [] }
            return [String(word.dropLast(2)), String(word.dropLast(1))].filter { wordNet.isAdjective(wordNet.lookup($0)) }
        }
        let fromA = onlyA.map { ($0, adjectives($0)) }.filter { !$0.1.isEmpty }
        guard !fromA.isEmpty else { return nil }
        for y in onlyB {
            let basesY = adjectives(y) + [y]
            for (x, basesX) in fromA where basesX.contains(where: { bx in basesY.contains { wordNet.areAntonyms(bx, $0) } }) {
                return Verdict(check: "polarity", detail: "'\(x)' in the query vs '\(y)' in the candidate (verbs of opposed adjectives)")
            }
        }
        return nil
    }

    /// Prose words of `x` (three letters or more, not stop words) whose stem `y` lacks, each
    /// once with the index of its first occurrence.
    private static func differingWords(_ x: AnalyzedText, _ y: AnalyzedText) -> [(index: Int, word: String)] {
        var words: [(index: Int, word: String)] = []
        for (index, word) in x.words.enumerated() where isCompared(word) && !y.stems.contains(word.stem) {
            if !words.contains(where: { $0.word == word.lower }) { words.append((index, word.lower)) }
        }
        return words
    }

    /// Whether the WordNet test compares `word`: prose of three letters or more, not a stop word
    /// unless it has opposites worth asking about.
    static func isCompared(_ word: AnalyzedText.Word) -> Bool {
        !word.isSymbolic && word.lower.utf8.count >= 3 && (!Lexicon.stopWords.contains(word.lower) || comparativeStopWords.contains(word.lower))
    }

    /// Stop words that still have opposites worth asking WordNet about.
    static let comparativeStopWords: Set<String> = ["best", "good", "few", "many", "much", "same", "different", "able", "possible", "necessary", "available"]

    private func antonym(_ x: AnalyzedText, _ y: AnalyzedText, _ xName: String, _ yName: String) -> Verdict? {
        // Counted, so a word the texts also share elsewhere still opposes: "turn on crossplay on
        // PS5" / "turn off crossplay on PS5" (counted only for stems in the antonym table that
        // both texts have).
        func count(_ stem: String, _ text: AnalyzedText) -> Int { text.words.reduce(0) { $0 + ($1.stem == stem ? 1 : 0) } }
        func hasMore(_ stem: String, _ text: AnalyzedText, than other: AnalyzedText) -> Bool {
            text.stems.contains(stem) && (!other.stems.contains(stem) || count(stem, text) > count(stem, other))
        }
        stems: for stem in x.stems {
            guard let entries = Self.table[stem], hasMore(stem, x, than: y) else { continue }
            for entry in entries {
                if hasMore(entry.opposite, y, than: x) {
                    // "less expensive" is "cheaper": a word under "less" means its opposite.
                    if Self.isUnderLess(in: x, { $0.stem == stem }) != Self.isUnderLess(in: y, { $0.stem == entry.opposite }) { continue stems }
                    return Verdict(check: name, detail: "'\(word(stem, in: x))' in the \(xName) vs '\(word(entry.opposite, in: y))' in the \(yName)")
                }
            }
            if !y.stems.contains(stem), entries.contains(where: { !$0.isWeak }) && !Self.hasSynonym(stem, in: y) && !hasDerivedForm(stem, of: x, in: y) {
                return Verdict(check: name, detail: "'\(word(stem, in: x))' only in the \(xName)")
            }
        }
        return nil
    }

    /// Whether the first word of `text` that `matches` comes right after "less": its opposite then
    /// says the same ("less expensive" / "cheaper"), so neither the curated pairs nor WordNet
    /// oppose it.
    static func isUnderLess(in text: AnalyzedText, _ matches: (AnalyzedText.Word) -> Bool) -> Bool {
        guard let index = text.words.firstIndex(where: matches), index > 0 else { return false }
        return text.words[index - 1].lower == "less"
    }

    private func prefixNegation(_ x: AnalyzedText, _ y: AnalyzedText) -> Verdict? {
        for word in x.contentWordIndices.map({ x.words[$0] }) where !y.stems.contains(word.stem) {
            for prefix in Lexicon.negatingPrefixes where word.lower.hasPrefix(prefix) && word.lower.count - prefix.count >= 4 {
                let base = Stemmer.stem(String(word.lower.dropFirst(prefix.count)))
                if y.contentStems.contains(base) && !x.stems.contains(base) {
                    return Verdict(check: name, detail: "'\(word.lower)' vs '\(self.word(base, in: y))'")
                }
            }
        }
        return nil
    }

    private func word(_ stem: String, in text: AnalyzedText) -> String {
        text.words.first { $0.stem == stem }?.lower ?? stem
    }
}
