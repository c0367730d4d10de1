extension OrderCheck {
    /// Third-person pronouns that stand for a noun phrase the text names elsewhere.
    static let referringPronouns: Set<String> = ["it", "one", "he", "she", "they", "him", "her", "them"]

    /// The most words (articles aside) a noun phrase traded for a pronoun may have: 5.
    static let maximumReferredWords = 5

    /// The words of a noun phrase that trades places with the pronoun standing for it when the
    /// clauses are reordered, in `a` and in `b`, with the two pronouns; nil when there is none.
    ///
    /// Whichever clause comes first names the thing, the later one says "it": "After I submitted
    /// my tax return, I noticed a mistake. How do I amend it?" / "How do I amend my tax return? I
    /// noticed a mistake after I submitted it." The phrase ("my tax return") then sits in
    /// different clauses of the two texts and crosses the words it passes, though nobody's role
    /// changed. The trade is recognised by its exact shape: a pronoun of `a` stands where `b` has
    /// the phrase (between the same neighbours, or from one neighbour to the clause's end or
    /// start), and a pronoun of `b` stands where `a` has the same phrase. A swap of roles has no
    /// such pair: "the landlord sued the tenant… can he appeal?" / "the tenant sued the
    /// landlord… can he appeal?" puts its pronoun in the same place in both; and a pronoun is
    /// not the phrase of its own clause ("she earns more than her husband").
    ///
    /// Cost: linear in the words for each pronoun (a question has one or two), and the two texts'
    /// phrases are matched through a table.
    static func coreferentTrades(_ a: AnalyzedText, _ b: AnalyzedText) -> (inA: Set<Int>, inB: Set<Int>)? {
        let fromA = referredPhrases(pronounsIn: a, phrasesIn: b)
        guard !fromA.isEmpty else { return nil }
        var fromB: [[String]: ReferredPhrase] = [:]
        for y in referredPhrases(pronounsIn: b, phrasesIn: a) where fromB[y.key] == nil { fromB[y.key] = y }
        for x in fromA {
            // A pronoun and the phrase it stands for sit in different clauses of each text: in one
            // clause the two are different people ("She earns more than her husband" / "Her
            // husband earns more than she does" is a reversal, not a trade).
            guard let y = fromB[x.key], !sameClause(a, x.pronoun, y.phrase.lowerBound), !sameClause(b, y.pronoun, x.phrase.lowerBound) else { continue }
            return (inA: Set(y.phrase).union([x.pronoun]), inB: Set(x.phrase).union([y.pronoun]))
        }
        return nil
    }

    /// Whether words `i` and `j` share a clause, a phrase of a preposition and a verb in -ing
    /// between them opening a clause of its own ("rest a steak after cooking it").
    static func sameClause(_ text: AnalyzedText, _ i: Int, _ j: Int) -> Bool {
        let words = text.words
        let (lo, hi) = (min(i, j), max(i, j))
        guard text.roleShape.clauses[lo] == text.roleShape.clauses[hi] else { return false }
        return !((lo + 1)..<hi).contains { k in
            clauseOpeningPrepositions.contains(words[k].lower) && k + 1 < hi && words[k + 1].lower.hasSuffix("ing")
        }
    }

    /// Prepositions that open a clause before a verb in -ing ("after cooking it").
    static let clauseOpeningPrepositions: Set<String> = ["after", "before", "without", "by", "while", "since", "until", "upon", "when"]

    /// A pronoun of one text and the phrase of the other text that stands in its place.
    struct ReferredPhrase {
        var pronoun: Int
        var phrase: Range<Int>
        /// The phrase's stems, articles dropped.
        var key: [String]
    }

    /// For each referring pronoun of `x`, the words of `y` in its place: between the
    /// counterparts (same stem, once in each text) of the pronoun's neighbours in its clause, or
    /// from one of them (past a particle: "roll it back" / "roll back the update") to the end or
    /// start of its clause in `y`.
    static func referredPhrases(pronounsIn x: AnalyzedText, phrasesIn y: AnalyzedText) -> [ReferredPhrase] {
        let xWords = x.words
        let yWords = y.words
        let xClauses = x.roleShape.clauses
        let yClauses = y.roleShape.clauses
        var result: [ReferredPhrase] = []
        func counterpart(_ i: Int) -> Int? {
            let stem = roleStem(xWords[i])
            guard x.roleShape.uniqueStems[stem] == i else { return nil }
            return y.roleShape.uniqueStems[stem]
        }
        for p in xWords.indices where referringPronouns.contains(xWords[p].lower) {
            // "one of them" counts; it refers to nothing.
            if xWords[p].lower == "one", p + 1 < xWords.count, xWords[p + 1].lower == "of" { continue }
            let before = p > 0 && xClauses[p - 1] == xClauses[p] ? counterpart(p - 1) : nil
            let after = p + 1 < xWords.count && xClauses[p + 1] == xClauses[p] ? counterpart(p + 1) : nil
            var range: Range<Int>
            if let before, let after, after > before + 1 {
                range = (before + 1)..<after
            } else if let before {
                // To the clause's end, past a particle that followed the pronoun: "roll it back" /
                // "roll back the update".
                let start = (after == before + 1 ? before + 2 : before + 1)
                var end = start
                while end < yWords.count, yClauses[end] == yClauses[before] { end += 1 }
                range = start..<end
            } else if let after {
                var start = after
                while start > 0, yClauses[start - 1] == yClauses[after] { start -= 1 }
                range = start..<after
            } else {
                continue
            }
            var start = range.lowerBound
            while start < range.upperBound, Lexicon.articles.contains(yWords[start].lower) { start += 1 }
            let words = yWords[start..<range.upperBound]
            guard !words.isEmpty, words.count <= maximumReferredWords,
                yClauses[range.lowerBound] == yClauses[range.upperBound - 1],
                words.contains(where: { !Lexicon.stopWords.contains($0.lower) && !$0.isSymbolic }),
                !words.contains(where: { referringPronouns.contains($0.lower) })
            else { continue }
            result.append(ReferredPhrase(pronoun: p, phrase: range, key: words.map(\.stem)))
        }
        return result
    }
}
