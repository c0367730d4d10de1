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
/// ("In Python, how do I…" vs "How do I … in Python") crosses no anchor and passes, as does a noun
/// phrase that trades places with its pronoun when clauses are reordered
/// (``coreferentTrades(_:_:)``: "After I filed my return, … How do I amend it?" / "How do I amend
/// my return? … after I filed it."); symmetric
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
        func isContent(_ i: Int) -> Bool {
            !Lexicon.stopWords.contains(words[i].lower) && !Lexicon.negations.contains(words[i].lower)
        }
        func isKey(_ i: Int) -> Bool {
            if isContent(i) || Self.isParticipant(words[i]) { return true }
            // A stop word between a determiner and a noun modifies it: "a down jacket", "the off switch".
            return i > 0 && i + 1 < words.count && Lexicon.determiners.contains(words[i - 1].lower) && isContent(i + 1)
                && !Lexicon.negations.contains(words[i].lower) && !words[i].isSymbolic
        }
        for (i, word) in words.enumerated() where Self.connectors.contains(word.lower) {
            // A side stays in the connector's clause: "In December, what is it like in Lisbon?"
            // has nothing of "December" before its second "in".
            var left: [String] = []
            var j = i - 1
            while j >= 0, left.count < window, !words[j + 1].startsClause, !Self.connectors.contains(words[j].lower) {
                if isKey(j) { left.append(Self.roleStem(words[j])) }
                j -= 1
            }
            var right: [String] = []
            j = i + 1
            while j < words.count, right.count < window, !words[j].startsClause, !Self.connectors.contains(words[j].lower) {
                if isKey(j) { right.append(Self.roleStem(words[j])) }
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
        connectorVerdict(a, b) ?? crossingVerdict(a, b) ?? Self.possessorChange(a, b) ?? Self.possessorChange(b, a) ?? Self.ownerPersonChange(a, b)
            ?? Self.copularExchange(a, b) ?? Self.questionedRoleChange(a, b) ?? Self.questionedRoleChange(b, a)
    }

    /// A question about a verb's object against one about its subject: "Which team did Germany
    /// beat?" / "Which team beat Germany?", "What do sea otters eat?" / "What eats sea otters?".
    /// The same opening with a question word, then "do" + a phrase + the verb in `x` and the verb
    /// (inflected) + the same phrase in `y`. Nothing but "do" tells the roles apart, so the
    /// crossing test, which needs a word kept between them, cannot.
    static func questionedRoleChange(_ x: AnalyzedText, _ y: AnalyzedText) -> Verdict? {
        let xw = x.words
        let yw = y.words
        var p = 0
        while p < xw.count, p < yw.count, xw[p].stem == yw[p].stem { p += 1 }
        guard p > 0, p + 2 < xw.count, p + 1 < yw.count, ["do", "does", "did"].contains(xw[p].lower),
            xw[..<p].contains(where: { PolarityCheck.questionWords.contains($0.lower) || $0.lower == "whom" })
        else { return nil }
        let verb = yw[p].lower
        guard let v = ((p + 2)..<min(xw.count, p + 8)).first(where: { inflects(xw[$0].lower, verb) }) else { return nil }
        let phrase = (p + 1)..<v
        guard p + 1 + phrase.count <= yw.count, zip(xw[phrase], yw[(p + 1)..<(p + 1 + phrase.count)]).allSatisfy({ $0.stem == $1.stem }) else { return nil }
        return Verdict(
            check: "order",
            detail: "'\(xw[phrase].map(\.lower).joined(separator: " "))' is the object of '\(xw[v].lower)' in one question and its subject in the other")
    }

    /// Whether `form` is `base` or an inflection of it ("beat", "eats", "invaded", "succeeded").
    static func inflects(_ base: String, _ form: String) -> Bool {
        guard form.hasPrefix(base) else { return false }
        return ["", "s", "es", "d", "ed"].contains(String(form.dropFirst(base.count)))
    }

    /// The subject and the complement of a question opening with "is" / "are" exchanged: "Are
    /// all statins cholesterol drugs?" / "Are all cholesterol drugs statins?", "Is a square a
    /// rectangle?" / "Is a rectangle a square?". Nothing stands between the two phrases for the
    /// crossing test to anchor on; the same words before them (the verb) and after them mark
    /// the exchange. The texts are the same words: a common start holding the clause's opening
    /// "be", then X (M) Y against Y (M) X, M only articles, X and Y each with a content word,
    /// then a common end.
    static func copularExchange(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let x = a.words
        let y = b.words
        guard x.count == y.count, x.count >= 3 else { return nil }
        var start = 0
        while start < x.count, x[start].stem == y[start].stem { start += 1 }
        guard start < x.count else { return nil }
        var end = x.count
        while end > start, x[end - 1].stem == y[end - 1].stem { end -= 1 }
        // The opening "be" of the clause the exchange is in.
        let clauses = a.roleShape.clauses
        guard let be = (0..<start).last(where: { copulas.contains(x[$0].lower) }),
            be == 0 || clauses[be - 1] != clauses[be],
            clauses[be] == clauses[end - 1]
        else { return nil }
        let middleA = x[start..<end].map(\.stem)
        let middleB = y[start..<end].map(\.stem)
        let n = middleA.count
        // A degree word moves freely ("Is 8GB RAM enough?" / "Is 8GB enough RAM?").
        func hasContent(_ words: ArraySlice<AnalyzedText.Word>) -> Bool {
            words.contains { !Lexicon.stopWords.contains($0.lower) && !$0.isSymbolic && !degreeWords.contains($0.lower) }
        }
        for split in 1..<max(n, 1) {
            // X = middleA[..<split] ends middleB; the rest of `a` is M + Y, the start of `b` Y + M.
            guard middleA[..<split].elementsEqual(middleB[(n - split)...]) else { continue }
            let restA = middleA[split...]
            let startB = middleB[..<(n - split)]
            for m in 0..<restA.count where restA.dropFirst(m).elementsEqual(startB.prefix(restA.count - m)) && restA.prefix(m).elementsEqual(startB.suffix(m)) {
                guard x[(start + split)..<(start + split + m)].allSatisfy({ Lexicon.articles.contains($0.lower) }),
                    hasContent(x[start..<(start + split)]), hasContent(x[(start + split + m)..<end])
                else { continue }
                return Verdict(check: "order", detail: "'\(x[start..<(start + split)].map(\.lower).joined(separator: " "))' and '\(x[(start + split + m)..<end].map(\.lower).joined(separator: " "))' exchanged after '\(x[be].lower)'")
            }
        }
        return nil
    }

    /// Words of degree that stand before or after what they measure.
    static let degreeWords: Set<String> = ["enough", "too", "very", "really", "quite", "still", "even", "also", "actually", "already"]

    /// The forms of "be" that open a yes/no question.
    static let copulas: Set<String> = ["is", "are", "was", "were", "am", "isn't", "aren't"]

    /// The same thing, between the same words, owned by another person: "tell my boss that his
    /// idea won't work" / "… that my idea won't work", "reset my password" / "reset your
    /// password". "his" against "their" is one person (a rewording); "my" against "the" is not
    /// an owner changed.
    static func ownerPersonChange(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let aw = a.words
        let bw = b.words
        guard aw.contains(where: { possessivePerson[$0.lower] != nil }), bw.contains(where: { possessivePerson[$0.lower] != nil }) else { return nil }
        // `b`'s possessives by [word before, thing owned] (the text's start as "").
        var owners: [[String]: Int] = [:]
        for j in bw.indices.dropLast() {
            guard let person = possessivePerson[bw[j].lower] else { continue }
            owners[[j > 0 ? bw[j - 1].stem : "", bw[j + 1].stem]] = person
        }
        for i in aw.indices.dropLast() {
            guard let person = possessivePerson[aw[i].lower], let other = owners[[i > 0 ? aw[i - 1].stem : "", aw[i + 1].stem]], other != person else { continue }
            return Verdict(check: "order", detail: "'\(aw[i + 1].lower)' is owned in another person ('\(aw[i].lower)' against another)")
        }
        return nil
    }

    /// The grammatical person of a possessive determiner: first, second or third.
    static let possessivePerson: [String: Int] = ["my": 1, "our": 1, "your": 2, "his": 3, "her": 3, "their": 3, "its": 3]

    /// The possessive determiners of persons, whom the owner test reads as owners ("its" is a thing's).
    static let possessiveDeterminers = Set(possessivePerson.keys).subtracting(["its"])

    /// A thing owned by someone in one text and by the speaker (or another pronoun) in the other,
    /// that someone still taking part: "deposit my mother's check into my account" / "deposit my
    /// check into my mother's account", "I borrowed my neighbor's chainsaw" / "my neighbor
    /// borrowed my chainsaw". The owner of a thing is its role; a possessor dropped altogether
    /// ("my dad's car" / "my car") is the content check's.
    static func possessorChange(_ x: AnalyzedText, _ y: AnalyzedText) -> Verdict? {
        guard x.words.contains(where: \.isPossessive) else { return nil }
        // What `y`'s owners own, read once: linear in the words whatever the number of possessives.
        var ownedByPronoun: [String: String] = [:]  // thing → the pronoun owning it
        var ownedByName = Set<[String]>()  // [owner, thing]
        let yw = y.words
        for k in yw.indices {
            if k > 0, possessiveDeterminers.contains(yw[k - 1].lower), ownedByPronoun[yw[k].stem] == nil { ownedByPronoun[yw[k].stem] = yw[k - 1].lower }
            if yw[k].isPossessive {
                for m in (k + 1)..<min(k + 4, yw.count) { ownedByName.insert([yw[k].stem, yw[m].stem]) }
            }
        }
        let words = x.words
        for i in words.indices where words[i].isPossessive && !words[i].isSymbolic && !Lexicon.stopWords.contains(words[i].lower) {
            guard y.stems.contains(words[i].stem) else { continue }
            // The thing owned: the next word of the clause past determiners, within three words
            // (a stop word can be the thing: "my coworker's idea").
            var j = i + 1
            while j < words.count, j <= i + 3, !words[j].startsClause, Lexicon.determiners.contains(words[j].lower) || words[j].isSymbolic { j += 1 }
            // A participle is no thing: "my phone's broken" says the phone is.
            guard j < words.count, j <= i + 3, !words[j].startsClause, !["ed", "en"].contains(where: words[j].lower.hasSuffix) else { continue }
            let owned = words[j].stem
            // Still theirs somewhere in `y` ("from my name to my partner's name"): not moved.
            if ownedByName.contains([words[i].stem, owned]) { continue }
            // In `y`, the same thing after a possessive pronoun.
            if let pronoun = ownedByPronoun[owned] {
                return Verdict(check: "order", detail: "'\(words[j].lower)' belongs to '\(words[i].lower)' in one text and to '\(pronoun)' in the other")
            }
        }
        return nil
    }

    /// The most aligned words the crossing test considers: 48.
    public static let maximumAlignedWords = 48

    /// Anchors that relate their two sides symmetrically.
    static let symmetricAnchors: Set<String> = ["and", "or", "nor", "between", "plus", "&", "vs", "versus", "both", "either", "neither", "but", "yet"]

    /// Whether an anchor relates its sides symmetrically: a symmetric word, except a conjunction
    /// opening a clause with a subject of its own in both texts, which joins two statements
    /// about different things ("I'm a student teacher and my mentor teacher is observing…").
    static func isSymmetric(_ anchor: AlignedWord, _ a: AnalyzedText, _ b: AnalyzedText) -> Bool {
        guard symmetricAnchors.contains(anchor.stem) else { return false }
        func opensClauseWithSubject(_ text: AnalyzedText, _ i: Int) -> Bool {
            guard i > 0, i + 1 < text.words.count, text.roleShape.clauses[i - 1] != text.roleShape.clauses[i] else { return false }
            let next = text.words[i + 1].lower
            return Lexicon.subjectPronouns.contains(next) || possessiveDeterminers.contains(next)
        }
        return !(opensClauseWithSubject(a, anchor.inA) && opensClauseWithSubject(b, anchor.inB))
    }

    /// Two content words changing sides of an anchor that keeps its place (see the type's note).
    func crossingVerdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        // A change of voice moves the roles with it: a passive with its agent ("is tutored by her
        // classmate") is read in active order ("her classmate tutors…") against an active text;
        // any other change of voice is not compared.
        var activeA: [Int]?
        var activeB: [Int]?
        if a.roleShape.isPassive != b.roleShape.isPassive || a.roleShape.hasBy != b.roleShape.hasBy {
            if a.roleShape.isPassive, a.roleShape.hasBy, !b.roleShape.isPassive, !b.roleShape.hasBy, let order = Self.activeOrder(a) {
                activeA = order
            } else if b.roleShape.isPassive, b.roleShape.hasBy, !a.roleShape.isPassive, !a.roleShape.hasBy, let order = Self.activeOrder(b) {
                activeB = order
            } else {
                return nil
            }
        }
        var aligned = Self.alignedWords(a.roleShape, b.roleShape, words: a.words, bWords: b.words)
        guard aligned.count >= 3 else { return nil }
        // A noun phrase and its pronoun that traded places with the clauses' order play no role.
        if let trades = Self.coreferentTrades(a, b) {
            aligned.removeAll { trades.inA.contains($0.inA) || trades.inB.contains($0.inB) }
            guard aligned.count >= 3 else { return nil }
        }
        if let activeA { aligned.sort { activeA[$0.inA] < activeA[$1.inA] } }
        // Each aligned word's place in `b`, as a sort key (its index, or its active-order key).
        let inB = activeB.map { order in aligned.map { order[$0.inB] } } ?? aligned.map(\.inB)
        let (unitInA, unitInB) = Self.movedClauses(aligned, a.roleShape, b.roleShape, keysInB: inB)
        for xi in aligned.indices where aligned[xi].isContent {
            let xB = inB[xi]
            for yi in (xi + 1)..<aligned.count where aligned[yi].isContent && inB[yi] < xB {
                // A clause that moved whole ("Using regex in Python, how do I…" / "How do I … in
                // Python using regex?") carries its words past the others: no reversal.
                if unitInA[xi] != unitInA[yi] || unitInB[xi] != unitInB[yi] { continue }
                let yB = inB[yi]
                // An anchor between them in `a` that is also between them, reversed, in `b`.
                for wi in (xi + 1)..<yi where inB[wi] > yB && inB[wi] < xB && aligned[wi].canAnchor
                    && !Self.isSymmetric(aligned[wi], a, b) && !Self.isNominalised(a.words, aligned[wi].inA, b.words, aligned[wi].inB)
                {
                    return Verdict(
                        check: name,
                        detail: "'\(a.words[aligned[xi].inA].lower)' and '\(a.words[aligned[yi].inA].lower)' change sides of '\(a.words[aligned[wi].inA].lower)'")
                }
            }
        }
        return nil
    }

    /// Whether one of two forms of the same word is a noun made from the other ("partitions" /
    /// "partitioning", "installs" / "installation"): a nominalisation takes its subject and object
    /// as complements in either order ("how DynamoDB partitions data" / "data partitioning in
    /// DynamoDB"), so it anchors no crossing.
    /// A form in -ing after "be" is a progressive verb ("is tutoring"), not a noun.
    static func isNominalised(_ x: [AnalyzedText.Word], _ i: Int, _ y: [AnalyzedText.Word], _ j: Int) -> Bool {
        guard x[i].lower != y[j].lower else { return false }
        func nominal(_ words: [AnalyzedText.Word], _ k: Int) -> Bool {
            let w = words[k].lower
            if w.hasSuffix("ion") || w.hasSuffix("ment") { return true }
            return w.hasSuffix("ing") && !(k > 0 && beForms.contains(words[k - 1].lower))
        }
        return nominal(x, i) != nominal(y, j)
    }

    /// The words of a passive text with its agent in active order, as sort keys by word index:
    /// "My daughter is being tutored by her classmate" reads "… her classmate tutored my
    /// daughter". The subject is the words of the passive's clause before its "be" (between "be"
    /// and the participle in a question); the agent, up to six words after "by", to the clause's
    /// end or a preposition. Nil when the text has no such passive.
    static func activeOrder(_ text: AnalyzedText) -> [Int]? {
        let words = text.words
        let clauses = text.roleShape.clauses
        guard let (be, participle) = passive(words: words) else { return nil }
        guard let by = (participle + 1..<words.count).first(where: { words[$0].lower == "by" && clauses[$0] == clauses[be] }) else { return nil }
        // The subject: before "be" ("my daughter is tutored"), or after it in a question ("how is
        // honey produced").
        var subject = be..<be
        if be == 0 || clauses[be - 1] != clauses[be] || PolarityCheck.questionWords.contains(words[be - 1].lower) {
            subject = (be + 1)..<participle
        } else {
            var start = be
            while start > 0, clauses[start - 1] == clauses[be] { start -= 1 }
            subject = start..<be
        }
        var agentEnd = by + 1
        while agentEnd < words.count, clauses[agentEnd] == clauses[by], !agentEnders.contains(words[agentEnd].lower), agentEnd - by <= 5 { agentEnd += 1 }
        guard !subject.isEmpty, agentEnd > by + 1 else { return nil }
        // Agent right before the verb, subject right after it (keys between the verb's and the
        // next word's: a text has fewer words than half the scale).
        var order = words.indices.map { $0 * orderScale }
        for i in by..<agentEnd { order[i] = participle * orderScale - orderScale / 2 + (i - by) }
        for i in subject { order[i] = participle * orderScale + 1 + (i - subject.lowerBound) }
        return order
    }

    /// The active-order keys are word indices times this, leaving room for the moved words
    /// between two.
    static let orderScale = 1 << 32

    /// Prepositions and conjunctions that end a passive's agent ("by her classmate in chemistry").
    static let agentEnders: Set<String> = ["in", "on", "at", "for", "with", "to", "from", "into", "during", "after", "before", "and", "or", "but", "because", "when", "if"]

    /// A word aligned between the texts: its stem, its positions, whether it is a content word,
    /// and whether it may be the anchor others cross (not a repeat paired by order, which a
    /// reordered list would pair wrongly: "a liveness probe and a readiness probe").
    typealias AlignedWord = (stem: String, inA: Int, inB: Int, isContent: Bool, canAnchor: Bool)

    /// The two texts' aligned words in the order of `a` (at most ``maximumAlignedWords``).
    ///
    /// A word whose stem occurs once in each text is aligned. A word repeated in either text ("I"
    /// in "I owe my roommate…; how should I…") is aligned clause by clause (the one occurrence
    /// left in each text after that is paired too): where it occurs as often in a
    /// clause of `a` as in the clause of `b` that clause corresponds to (the one sharing most of
    /// its once-only words, each the other's best, or the one a single clause of `a` holding the word
    /// prefers), its occurrences there are paired in order, or by the words before them. Aligning
    /// repeats by their order instead would pair the wrong ones when a clause moves ("If I'm
    /// self-employed, how do I pay…" / "How do I pay… if I'm self-employed?").
    static func alignedWords(_ a: RoleShape, _ b: RoleShape, words: [AnalyzedText.Word], bWords: [AnalyzedText.Word]) -> [AlignedWord] {
        var aligned: [AlignedWord] = []
        let isContent = isRoleWord
        for (i, word) in words.enumerated() where aligned.count < maximumAlignedWords {
            let stem = roleStem(word)
            guard a.uniqueStems[stem] == i, let j = b.uniqueStems[stem] else { continue }
            aligned.append((stem, i, j, isContent(stem, word), true))
        }
        guard !a.repeatedInClauses.isEmpty || !b.repeatedInClauses.isEmpty, aligned.count < maximumAlignedWords else { return aligned }
        let repeats = alignedRepeats(a, b, words: words, bWords: bWords, onceOnly: aligned)
        guard !repeats.isEmpty else { return aligned }
        aligned.append(contentsOf: repeats)
        aligned.sort { $0.inA < $1.inA }
        return Array(aligned.prefix(maximumAlignedWords))
    }

    /// The occurrences of words repeated in either text, aligned clause by clause (see
    /// ``alignedWords(_:_:words:bWords:)``); `onceOnly` are the words aligned already, whose
    /// clauses vote for which clause of `b` each clause of `a` corresponds to.
    static func alignedRepeats(
        _ a: RoleShape, _ b: RoleShape, words: [AnalyzedText.Word], bWords: [AnalyzedText.Word], onceOnly: [AlignedWord]
    ) -> [AlignedWord] {
        // Votes: clause of `a` → clause of `b`, by the once-only words they share.
        var votes: [Int: [Int: Int]] = [:]
        for word in onceOnly { votes[a.clauses[word.inA], default: [:]][b.clauses[word.inB], default: 0] += 1 }
        func best(_ counts: [Int: Int]) -> Int? {
            guard let top = counts.values.max() else { return nil }
            let winners = counts.filter { $0.value == top }
            return winners.count == 1 ? winners.first!.key : nil
        }
        var reverse: [Int: [Int: Int]] = [:]
        for (ca, counts) in votes {
            for (cb, n) in counts { reverse[cb, default: [:]][ca] = n }
        }
        // A word's occurrences by clause, whether it is repeated or once only in the text.
        func occurrences(_ stem: String, _ shape: RoleShape, _ textWords: [AnalyzedText.Word]) -> [Int: [Int]]? {
            if let byClause = shape.repeatedInClauses[stem] { return byClause }
            guard let i = shape.uniqueStems[stem], isRoleWord(stem, textWords[i]) else { return nil }
            return [shape.clauses[i]: [i]]
        }
        var result: [AlignedWord] = []
        for stem in Set(a.repeatedInClauses.keys).union(b.repeatedInClauses.keys).sorted() {
            guard let inA = occurrences(stem, a, words), let inB = occurrences(stem, b, bWords) else { continue }
            // Each clause of `a` holding the word, with the clause of `b` it corresponds to: the
            // two each other's best, or — when a clause of `b` merges two of `a`'s ("My husband is
            // a UK citizen and I'm from Kenya" / "I'm a UK citizen and my husband is from Kenya")
            // — the best of only one clause of `a` holding the word whose own best is elsewhere.
            // (And the other way round: a clause of `a` merging two of `b`'s.)
            var matches: [(ca: Int, cb: Int)] = []
            var oneWay: [Int: [Int]] = [:]  // clause of `b` → clauses of `a` whose best it is
            var oneWayBack: [Int: [Int]] = [:]  // clause of `a` → clauses of `b` whose best it is
            for ca in inA.keys.sorted() {
                guard let counts = votes[ca], let cb = best(counts) else { continue }
                if let back = reverse[cb], best(back) == ca {
                    if inB[cb] != nil { matches.append((ca, cb)) }
                } else {
                    oneWay[cb, default: []].append(ca)
                }
            }
            for cb in inB.keys.sorted() {
                guard let counts = reverse[cb], let ca = best(counts), inA[ca] != nil, let forth = votes[ca], best(forth) != cb else { continue }
                oneWayBack[ca, default: []].append(cb)
            }
            var takenA = Set(matches.map(\.ca))
            var takenB = Set(matches.map(\.cb))
            for (cb, clauses) in oneWay.sorted(by: { $0.key < $1.key }) where clauses.count == 1 && !takenB.contains(cb) && !takenA.contains(clauses[0]) {
                matches.append((clauses[0], cb))
                takenA.insert(clauses[0])
                takenB.insert(cb)
            }
            for (ca, clauses) in oneWayBack.sorted(by: { $0.key < $1.key }) where clauses.count == 1 && !takenA.contains(ca) && !takenB.contains(clauses[0]) {
                matches.append((ca, clauses[0]))
                takenA.insert(ca)
                takenB.insert(clauses[0])
            }
            var pairedA = Set<Int>()
            var pairedB = Set<Int>()
            for (ca, cb) in matches {
                guard let indicesA = inA[ca], let indicesB = inB[cb], indicesA.count == indicesB.count else { continue }
                // As often in both clauses: the k-th occurrence in one is the k-th in the other
                // ("a join of customers to orders keeps customers…" / "of orders to customers keeps
                // customers…"), unless the words before them tell the occurrences apart ("my team
                // depends on the platform team" / "the platform team depends on my team").
                let pairs = pairedByModifier(indicesA, indicesB, words, bWords) ?? Array(zip(indicesA, indicesB))
                for (i, j) in pairs {
                    result.append((stem, i, j, isRoleWord(stem, words[i]), indicesA.count == 1))
                    pairedA.insert(i)
                    pairedB.insert(j)
                }
            }
            // Occurrences left over: a form left once in each text is the same word in both ("My
            // friend forgave the $1,000 I owed him" / "I forgave the $1,000 my friend owed me":
            // "I" with "I"), and then the one occurrence left in each ("Lena paid for the hotel and
            // I paid for the rental car. The car came to half the hotel's price" / "…for the rental
            // car and I paid for the hotel…"). As repeats they anchor nothing.
            let allA = Array(inA.values.joined())
            let allB = Array(inB.values.joined())
            guard allA.count > 1 || allB.count > 1 else { continue }
            var leftA = allA.filter { !pairedA.contains($0) }
            var leftB = allB.filter { !pairedB.contains($0) }
            if leftA.count > 1 || leftB.count > 1 {
                for i in leftA {
                    let form = words[i].lower
                    guard leftA.filter({ words[$0].lower == form }).count == 1 else { continue }
                    let inOther = leftB.filter { bWords[$0].lower == form }
                    guard inOther.count == 1 else { continue }
                    result.append((stem, i, inOther[0], isRoleWord(stem, words[i]), false))
                    pairedA.insert(i)
                    pairedB.insert(inOther[0])
                }
                leftA.removeAll { pairedA.contains($0) }
                leftB.removeAll { pairedB.contains($0) }
            }
            // A participant left once in one text and more often in the other: the first of each
            // ("My friend owes me $500 and keeps dodging me" / "I owe my friend $500 and keep
            // dodging him"). A thing named again is not paired so ("the difference between merge
            // and rebase in git" / "how git rebase differs from git merge").
            if leftA.count == 1 && leftB.count == 1 || stem.hasPrefix("@") && !leftA.isEmpty && !leftB.isEmpty && (leftA.count == 1 || leftB.count == 1) {
                result.append((stem, leftA.min()!, leftB.min()!, isRoleWord(stem, words[leftA.min()!]), false))
            }
        }
        return result
    }

    /// Occurrences of a repeated word paired by the word before each, when those words tell
    /// every occurrence apart in both texts and are the same words ("my team … the platform
    /// team"); nil otherwise.
    static func pairedByModifier(_ indicesA: [Int], _ indicesB: [Int], _ a: [AnalyzedText.Word], _ b: [AnalyzedText.Word]) -> [(Int, Int)]? {
        guard indicesA.count > 1, indicesA.allSatisfy({ $0 > 0 }), indicesB.allSatisfy({ $0 > 0 }) else { return nil }
        var inB: [String: Int] = [:]
        for j in indicesB {
            guard inB.updateValue(j, forKey: b[j - 1].lower) == nil else { return nil }
        }
        var pairs: [(Int, Int)] = []
        var seen = Set<String>()
        for i in indicesA {
            let modifier = a[i - 1].lower
            guard seen.insert(modifier).inserted, let j = inB[modifier] else { return nil }
            pairs.append((i, j))
        }
        return pairs
    }

    /// A content word or a participant ("@speaker"): what can play a role. A repeated stop word
    /// ("a" in "for a logo project … as a beginner") cannot: paired by clauses that moved in part,
    /// it would cross its own copy.
    static func isRoleWord(_ stem: String, _ word: AnalyzedText.Word) -> Bool {
        stem.hasPrefix("@") || !Lexicon.stopWords.contains(word.lower) && !Lexicon.negations.contains(word.lower) && (!word.isSymbolic || isIdentifier(word))
    }

    /// A symbolic word with a letter in it names a thing ("urllib3", "&str", "node.js"); a number
    /// does not (the slot check reads values).
    static func isIdentifier(_ word: AnalyzedText.Word) -> Bool {
        word.isSymbolic && word.lower.utf8.contains { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
    }

    /// For each aligned word, the clause of `a` (and of `b`) it belongs to when that clause moved
    /// whole: its aligned words are together in one clause of the other text, in any order, among
    /// other words. Nil for a word of a clause that did not, and for every word of a one-clause
    /// text.
    static func movedClauses(_ aligned: [AlignedWord], _ a: RoleShape, _ b: RoleShape, keysInB: [Int]) -> (inA: [Int?], inB: [Int?]) {
        var unitInA = [Int?](repeating: nil, count: aligned.count)
        var unitInB = [Int?](repeating: nil, count: aligned.count)
        // One clause on each side: nothing can have moved whole.
        guard a.clauseCount > 1 || b.clauseCount > 1 else { return (unitInA, unitInB) }
        // Ranks in the order of each text.
        let rankInA = Array(aligned.indices)
        var rankInB = [Int](repeating: 0, count: aligned.count)
        for (rank, index) in aligned.indices.sorted(by: { keysInB[$0] < keysInB[$1] }).enumerated() { rankInB[index] = rank }
        func mark(_ clauseOf: (Int) -> Int, clauseCount: Int, ranks: [Int], otherClauseOf: (Int) -> Int, into units: inout [Int?]) {
            guard clauseCount > 1 else { return }
            var members: [Int: [Int]] = [:]
            for index in aligned.indices { members[clauseOf(index), default: []].append(index) }
            for (clause, indices) in members where indices.count >= 2 && indices.count < aligned.count {
                let r = indices.map { ranks[$0] }
                let otherClause = otherClauseOf(indices[0])
                guard r.max()! - r.min()! + 1 == indices.count, indices.allSatisfy({ otherClauseOf($0) == otherClause }) else { continue }
                // A moved clause lands at an end of the other text's clause ("How do I … in Python
                // using regex?"); a block with words of that clause on both sides stayed where it
                // was while others moved around it ("I paid for dinner and my friend paid for the
                // movie" / "My friend paid for dinner and I paid for the movie").
                // (Content words count: "rest a steak after cooking it" ends the clause with a pronoun.)
                let around = aligned.indices.filter { otherClauseOf($0) == otherClause && aligned[$0].isContent }.map { ranks[$0] }
                let contentRanks = indices.filter { aligned[$0].isContent }.map { ranks[$0] }
                if let first = contentRanks.min(), let last = contentRanks.max(), let lowest = around.min(), let highest = around.max(),
                    first != lowest && last != highest
                {
                    continue
                }
                for index in indices { units[index] = clause }
            }
        }
        let clauseInA = { (index: Int) in a.clauses[aligned[index].inA] }
        let clauseInB = { (index: Int) in b.clauses[aligned[index].inB] }
        mark(clauseInA, clauseCount: a.clauseCount, ranks: rankInB, otherClauseOf: clauseInB, into: &unitInA)
        mark(clauseInB, clauseCount: b.clauseCount, ranks: rankInA, otherClauseOf: clauseInA, into: &unitInB)
        return (unitInA, unitInB)
    }

    /// Whether the word is a personal pronoun whose case shows its role ("I" / "me"): a side's
    /// word, so "my coworker reports to me" / "I report to my coworker" swap around "to".
    static func isParticipant(_ word: AnalyzedText.Word) -> Bool { roleStem(word).hasPrefix("@") }

    /// The word's stem, except that a personal pronoun's cases are one participant ("I", "me" and
    /// "myself", "we" and "us"): "I owe my roommate" and "my roommate owes me" then cross around "owe".
    /// Pronouns whose forms do not tell the case apart ("you", "her") keep their own stems; "she"
    /// is the participant by itself ("she earns more than her husband" / "her husband earns more
    /// than she does").
    static func roleStem(_ word: AnalyzedText.Word) -> String {
        switch word.lower {
        case "i", "me", "myself": "@speaker"
        case "ourselves": "@we"
        case "himself": "@he"
        case "themselves": "@they"
        case "we": "@we"
        case "us": word.text == "US" ? word.stem : "@we"  // "the US" is the country
        case "he", "him": "@he"
        // "her" is also a possessive, so only the subject case is the participant.
        case "she", "herself": "@she"
        case "they", "them": "@they"
        // The other participant left unnamed: "I rear-ended someone" / "someone rear-ended me".
        case "someone", "somebody": "@someone"
        default: word.stem
        }
    }

    /// What the crossing test reads of one text, computed once with its (memoised) analysis.
    struct RoleShape: Sendable {
        /// Stems that occur exactly once, with their word index (pronoun cases merged, see
        /// ``OrderCheck/roleStem(_:)``).
        var uniqueStems: [String: Int]
        /// Each word's clause (counted from 0; a clause starts after a comma, semicolon or
        /// sentence end, and at a subordinating conjunction: "when", "if", "now that"…).
        var clauses: [Int]
        var clauseCount: Int
        /// Content stems and participants that occur more than once in the text, with their word
        /// indices in each clause where they occur, in order.
        var repeatedInClauses: [String: [Int: [Int]]]
        var isPassive: Bool
        var hasBy: Bool

        init(words: [AnalyzedText.Word]) {
            var positions: [String: Int] = [:]
            var repeated = Set<String>()
            var clauses: [Int] = []
            clauses.reserveCapacity(words.count)
            var clause = 0
            let stems = words.map(OrderCheck.roleStem)
            for (i, word) in words.enumerated() {
                if i > 0, word.startsClause || OrderCheck.startsSubordinateClause(words, at: i) { clause += 1 }
                clauses.append(clause)
                if positions[stems[i]] != nil { repeated.insert(stems[i]) } else { positions[stems[i]] = i }
            }
            var inClauses: [String: [Int: [Int]]] = [:]
            if !repeated.isEmpty {
                // Only content words and participants: a repeated stop word marks no role (see
                // `alignedWords`), and most texts then have none, so a pair skips the alignment.
                for (i, stem) in stems.enumerated() where repeated.contains(stem) && OrderCheck.isRoleWord(stem, words[i]) {
                    inClauses[stem, default: [:]][clauses[i], default: []].append(i)
                }
            }
            for stem in repeated { positions[stem] = nil }
            uniqueStems = positions
            self.clauses = clauses
            self.clauseCount = clause + 1
            self.repeatedInClauses = inClauses
            isPassive = OrderCheck.isPassive(words: words)
            hasBy = words.contains { $0.lower == "by" }
        }
    }

    /// Conjunctions that open a subordinate clause wherever they stand.
    static let subordinators: Set<String> = ["when", "whenever", "if", "unless", "because", "while", "whereas", "although", "though"]

    /// Whether word `index` opens a subordinate clause: a subordinator, "now" / "so" before
    /// "that", "and" / "but" / "so" before a subject pronoun ("… in March and I've paid back
    /// $500", "… so she could buy a house"), or "and" / "but" before an owned subject and its
    /// verb ("I'm a student teacher and my mentor teacher is observing…").
    static func startsSubordinateClause(_ words: [AnalyzedText.Word], at index: Int) -> Bool {
        let word = words[index].lower
        if subordinators.contains(word) { return true }
        guard index + 1 < words.count else { return false }
        let next = words[index + 1].lower
        if word == "and" || word == "but" || word == "so", Lexicon.subjectPronouns.contains(next) { return true }
        if word == "and" || word == "but", possessiveDeterminers.contains(next) {
            // The owned subject's verb within three words: "and my wife is…", "and his new boss wants…".
            for k in (index + 2)..<min(words.count, index + 6) {
                if clauseVerbs.contains(words[k].lower) { return true }
                if words[k].startsClause { break }
            }
            return false
        }
        return (word == "now" || word == "so") && next == "that"
    }

    /// Auxiliaries and forms of "be" / "have" that tell a subject's verb after "and my …".
    static let clauseVerbs: Set<String> = [
        "is", "are", "was", "were", "has", "have", "had", "does", "did", "do", "can", "could", "will", "would", "should", "may", "might", "must",
    ]

    static let beForms: Set<String> = ["is", "are", "was", "were", "be", "been", "being", "am", "get", "gets", "got"]

    /// The lexicon's determiners and the quantifying ones that also stand before an adjective.
    static let determiners: Set<String> = Lexicon.determiners.union(["his", "her", "these", "those", "some", "any", "each", "every"])

    /// A form of "be" followed within four words by a participle that does not stand after a
    /// determiner: the passive voice, by its shape — "is managed", "are not allowed", "is being
    /// built", and in questions "is sugar regulated", "are pets allowed". "Is a written contract…"
    /// is not: a participle after "a" is an adjective.
    static func isPassive(words: [AnalyzedText.Word]) -> Bool { passive(words: words) != nil }

    /// The first passive's "be" and participle indices (see ``isPassive(words:)``).
    static func passive(words: [AnalyzedText.Word]) -> (be: Int, participle: Int)? {
        for (i, word) in words.enumerated() where beForms.contains(word.lower) {
            for j in (i + 1)..<min(words.count, i + 5) {
                let w = words[j].lower
                guard w.count > 3, w.hasSuffix("ed") || w.hasSuffix("en") || w.hasSuffix("wn") || w.hasSuffix("ght") || w.hasSuffix("lt") else { continue }
                // After a determiner it is an adjective or a noun: "is a written contract", "is
                // a US citizen", "is the sharp-shinned hawk".
                if ((i + 1)..<j).contains(where: { determiners.contains(words[$0].lower) }) { continue }
                return (i, j)
            }
        }
        return nil
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
        else {
            // The two sides exchanged whole, sharing a word: "from my name to my son's name" /
            // "from my son's name to my name".
            let (xLeft, xRight) = (Set(x.left), Set(x.right))
            guard xLeft != xRight, xLeft == Set(y.right), xRight == Set(y.left) else { return nil }
            return Verdict(
                check: name,
                detail: "'\(x.left.reversed().joined(separator: " ")) \(x.connector) \(x.right.joined(separator: " "))' in the query vs '\(y.left.reversed().joined(separator: " ")) \(y.connector) \(y.right.joined(separator: " "))' in the candidate"
            )
        }
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
