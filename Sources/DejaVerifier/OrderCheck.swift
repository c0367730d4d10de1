/// Rejects a candidate that swaps the two sides of a directional word: "convert a list to a
/// tuple" vs "convert a tuple to a list", "from monthly to annual" vs "from annual to monthly",
/// "grams in a kilogram" vs "kilograms in a gram", "the blue one, not the black one" vs "the black one, not the blue one".
///
/// ``SlotCheck`` already catches swapped slots (names, units, languages); this check covers plain
/// words. Around every connector ("to", "into", "from", "than", "in", "per", "vs", "not") it takes up
/// to ``window`` content words on each side, up to the next connector or clause boundary, and rejects when a word
/// before the connector in one text is after it in the other and vice versa.
///
/// Beyond connectors it aligns the two texts' words (the same word or stem, each occurring once in
/// both texts; "I" and "me" are one participant) and rejects a *crossing around an anchor*: two content words x and y and a word w
/// that keeps its place between them while x and y change sides of it — "the printer stops when
/// the router restarts" vs "the router stops when the printer restarts", "merge my old account into
/// my new one" vs "my new account into my old one", "a nurse delegates to a care assistant" vs "a
/// care assistant delegates to a nurse". Any relation word can be the anchor ("over", "instead of",
/// "outperform", "evict"), so no list of relations is needed. Moving a phrase to the other end
/// ("In Python, how do I…" vs "How do I … in Python") crosses no anchor and passes; symmetric
/// anchors ("and", "or", "between") and a change of voice (one text passive by its shape, or a
/// "by" in one text only: "the manager approves the report" vs "the report is approved by the
/// manager") are not reversals.
///
/// Cost: one comparison per pair of sides (one per text) around the same connector; a pair of
/// texts with more than ``maximumComparedPairs`` such pairs (a one-line question has a handful) is
/// rejected without comparing, as a pair the check cannot vouch for. The alignment looks at the
/// first ``maximumAlignedWords`` aligned words (cubic in them, a few hundred operations for a
/// question).
public struct OrderCheck: VerificationCheck {
    /// "order".
    public var name: String { "order" }
    /// How many content words on each side of a connector are considered. Default 3.
    public var window: Int

    /// Creates the check.
    public init(window: Int = 3) {
        self.window = window
    }

    static let connectors: Set<String> = ["to", "into", "from", "than", "in", "per", "vs", "versus", "onto", "towards", "not"]

    struct Side: Hashable {
        var connector: String
        var left: [String]
        var right: [String]
    }

    func sides(_ text: AnalyzedText) -> [Side] {
        var result: [Side] = []
        let words = text.words
        func isKey(_ i: Int) -> Bool {
            let w = words[i]
            return !Lexicon.stopWords.contains(w.lower) && !Lexicon.negations.contains(w.lower)
        }
        for (i, word) in words.enumerated() where Self.connectors.contains(word.lower) {
            // A side stays in the connector's clause: "In December, what is it like in Lisbon?"
            // has nothing of "December" before its second "in".
            var left: [String] = []
            var j = i - 1
            while j >= 0, left.count < window, !words[j + 1].startsClause, !Self.connectors.contains(words[j].lower) {
                if isKey(j) { left.append(words[j].stem) }
                j -= 1
            }
            var right: [String] = []
            j = i + 1
            while j < words.count, right.count < window, !words[j].startsClause, !Self.connectors.contains(words[j].lower) {
                if isKey(j) { right.append(words[j].stem) }
                j += 1
            }
            if !left.isEmpty && !right.isEmpty { result.append(Side(connector: word.lower, left: left, right: right)) }
        }
        return result
    }

    /// The most pairs of distinct sides (same connector, one side from each text) a verdict
    /// compares: 4,096.
    public static let maximumComparedPairs = 4096

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        connectorVerdict(a, b) ?? crossingVerdict(a, b)
    }

    /// The most aligned words the crossing test considers: 48.
    public static let maximumAlignedWords = 48

    /// Anchors that relate their two sides symmetrically.
    static let symmetricAnchors: Set<String> = ["and", "or", "nor", "between", "plus", "&", "vs", "versus", "both", "either", "neither"]

    /// Two content words changing sides of an anchor that keeps its place (see the type's note).
    func crossingVerdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        // A change of voice moves the roles with it.
        if a.roleShape.isPassive != b.roleShape.isPassive || a.roleShape.hasBy != b.roleShape.hasBy { return nil }
        let positionsA = a.roleShape.uniqueStems
        let positionsB = b.roleShape.uniqueStems
        // Aligned words in the order of `a`: (stem, position in a, position in b, is content). A
        // repeated word is not aligned: which occurrence is which changes when a clause moves
        // ("If I'm self-employed, how do I pay…" / "How do I pay… if I'm self-employed?").
        var aligned: [(stem: String, inA: Int, inB: Int, isContent: Bool)] = []
        for (i, word) in a.words.enumerated() where aligned.count < Self.maximumAlignedWords {
            let stem = Self.roleStem(word)
            guard positionsA[stem] == i, let j = positionsB[stem] else { continue }
            let isContent = stem.hasPrefix("@") || !Lexicon.stopWords.contains(word.lower) && !Lexicon.negations.contains(word.lower) && !word.isSymbolic
            aligned.append((stem, i, j, isContent))
        }
        guard aligned.count >= 3 else { return nil }
        for xi in aligned.indices where aligned[xi].isContent {
            let x = aligned[xi]
            for yi in (xi + 1)..<aligned.count where aligned[yi].isContent && aligned[yi].inB < x.inB {
                let y = aligned[yi]
                // An anchor between them in `a` that is also between them, reversed, in `b`.
                for wi in (xi + 1)..<yi {
                    let w = aligned[wi]
                    if Self.symmetricAnchors.contains(w.stem) { continue }
                    if w.inB > y.inB && w.inB < x.inB {
                        return Verdict(
                            check: name,
                            detail: "'\(a.words[x.inA].lower)' and '\(a.words[y.inA].lower)' change sides of '\(a.words[w.inA].lower)'")
                    }
                }
            }
        }
        return nil
    }

    /// The word's stem, except that a personal pronoun's cases are one participant ("I" and "me",
    /// "we" and "us"): "I owe my roommate" and "my roommate owes me" then cross around "owe".
    /// Pronouns whose forms do not tell the case apart ("you", "her") keep their own stems.
    static func roleStem(_ word: AnalyzedText.Word) -> String {
        switch word.lower {
        case "i", "me": "@speaker"
        case "we", "us": "@we"
        case "he", "him": "@he"
        case "they", "them": "@they"
        default: word.stem
        }
    }

    /// What the crossing test reads of one text, computed once with its (memoised) analysis.
    struct RoleShape: Sendable {
        /// Stems that occur exactly once, with their word index (pronoun cases merged, see
        /// ``OrderCheck/roleStem(_:)``).
        var uniqueStems: [String: Int]
        var isPassive: Bool
        var hasBy: Bool

        init(words: [AnalyzedText.Word]) {
            var positions: [String: Int] = [:]
            var repeated = Set<String>()
            for (i, word) in words.enumerated() {
                let stem = OrderCheck.roleStem(word)
                if positions[stem] != nil { repeated.insert(stem) } else { positions[stem] = i }
            }
            for stem in repeated { positions[stem] = nil }
            uniqueStems = positions
            isPassive = OrderCheck.isPassive(words: words)
            hasBy = words.contains { $0.lower == "by" }
        }
    }

    static let beForms: Set<String> = ["is", "are", "was", "were", "be", "been", "being", "am", "get", "gets", "got"]

    /// The lexicon's determiners and the quantifying ones that also stand before an adjective.
    static let determiners: Set<String> = Lexicon.determiners.union(["his", "her", "these", "those", "some", "any", "each", "every"])

    /// A form of "be" followed within four words by a participle that does not stand after a
    /// determiner: the passive voice, by its shape — "is managed", "are not allowed", "is being
    /// built", and in questions "is sugar regulated", "are pets allowed". "Is a written contract…"
    /// is not: a participle after "a" is an adjective.
    static func isPassive(words: [AnalyzedText.Word]) -> Bool {
        for (i, word) in words.enumerated() where beForms.contains(word.lower) {
            for j in (i + 1)..<min(words.count, i + 5) {
                let w = words[j].lower
                guard w.count > 3, w.hasSuffix("ed") || w.hasSuffix("en") || w.hasSuffix("wn") || w.hasSuffix("ght") || w.hasSuffix("lt") else { continue }
                if determiners.contains(words[j - 1].lower) { continue }
                return true
            }
        }
        return false
    }

    func connectorVerdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let sa = sides(a)
        guard !sa.isEmpty else { return nil }
        let sb = sides(b)
        // A one-line question has a side or two: compare them directly.
        if sa.count * sb.count <= 64 {
            for x in sa {
                for y in sb where x.connector == y.connector {
                    if let verdict = swap(x, y) { return verdict }
                }
            }
            return nil
        }
        // Equal sides give equal answers, so only the first of each is compared, and only with
        // the other text's sides of the same connector: the same first verdict as comparing
        // every pair, at a fraction of the work for long texts.
        let distinctA = Self.distinct(sa)
        var byConnector: [String: [Side]] = [:]
        for side in Self.distinct(sb) { byConnector[side.connector, default: []].append(side) }
        let pairs = distinctA.reduce(0) { $0 + (byConnector[$1.connector]?.count ?? 0) }
        if pairs > Self.maximumComparedPairs {
            return Verdict(check: name, detail: "\(pairs) pairs of connector sides, too many to compare")
        }
        for x in distinctA {
            for y in byConnector[x.connector] ?? [] {
                if let verdict = swap(x, y) { return verdict }
            }
        }
        return nil
    }

    /// The rejection when a word before the connector in `x` is after it in `y` and vice versa.
    /// Words on both sides of the connector in either text ("my savings account to my checking
    /// account") say nothing about order, so they are skipped rather than ending the search.
    private func swap(_ x: Side, _ y: Side) -> Verdict? {
        guard let before = x.left.first(where: { y.right.contains($0) && !x.right.contains($0) && !y.left.contains($0) }),
            let after = x.right.first(where: { $0 != before && y.left.contains($0) && !x.left.contains($0) && !y.right.contains($0) })
        else { return nil }
        return Verdict(
            check: name,
            detail: "'\(before) \(x.connector) \(after)' in the query vs '\(after) \(y.connector) \(before)' in the candidate"
        )
    }

    /// `sides` without repeats, first occurrences in order.
    private static func distinct(_ sides: [Side]) -> [Side] {
        var seen = Set<Side>()
        return sides.filter { seen.insert($0).inserted }
    }
}
