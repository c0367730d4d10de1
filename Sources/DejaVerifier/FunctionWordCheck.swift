/// Rejects a candidate whose closed-class words change the question: quantifiers ("all" vs
/// "any", "only"), modality ("can" vs "must" vs "should"), time and tense ("last year" vs
/// "next year", "was" vs "will be"), scope ("per person" vs "in total"), stance ("the case
/// for" vs "the case against"), frequency ("always" vs "usually"), the length asked for ("brief"
/// vs "detailed") and the audience's level ("for a beginner" vs "for an expert").
///
/// These words are not content words — WordNet does not list most of them and sentence vectors
/// barely register them — yet each changes the answer. They form small closed grammatical
/// classes, so the table below is the class, not a list of examples: every word is there because
/// of what it means (its reason is its category and value), and words with a second, harmless use
/// are counted only in the use that matters ("just the fees", not "I just want"; "can" as a modal,
/// not in the request framing "can you explain"; "last" before a time noun, not "the last step").
///
/// Per category the texts' values are compared as sets. Two texts that both carry values of a
/// category must carry the same ones (for tense: share one, or neither be in the past). A value
/// on one side only is accepted — "How do I…" and "How can I…", "tips" and "some tips", "What
/// happens" and "What will happen" are the same question — except for the values that restrict
/// or relocate the answer wherever they appear: exclusivity ("only"), "both"/"either"/"neither",
/// proportions ("most", "few"), a past or future time ("last month", "next year", "yesterday")
/// and explicit aggregation ("combined", "altogether").
///
/// Cost: the markers are read once per text, with its analysis (one dictionary look-up per
/// word); a verdict compares two short arrays.
public struct FunctionWordCheck: VerificationCheck {
    /// "function_words".
    public var name: String { "function_words" }

    /// Creates the check.
    public init() {}

    enum Category: String, CaseIterable {
        case quantifier, modality, time, tense, scope, stance, degree, intensity, frequency, length, level, aspect
    }

    struct Marker: Hashable {
        var category: Category
        var value: String
        /// Present on one side only, this value alone rejects.
        var rejectsAlone: Bool
    }

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let markersA = a.functionMarkers
        let markersB = b.functionMarkers
        if markersA == markersB { return Self.crossedForms(a, b) }
        for category in Category.allCases {
            let x = markersA.filter { $0.category == category }
            let y = markersB.filter { $0.category == category }
            if x == y { continue }
            var valuesX = Set(x.map(\.value))
            var valuesY = Set(y.map(\.value))
            if category == .quantifier { (valuesX, valuesY) = Self.resolvingEvery(valuesX, valuesY) }
            if category == .modality, valuesX.contains("prediction") || valuesY.contains("prediction") {
                // A prediction differs only from a bare possibility; beside any other modality
                // ("Will I need a visa?" / "Do I need a visa?") it is the tense's.
                let possibilityOnly: Set<String> = ["possibility"]
                if !(valuesX == ["prediction"] && valuesY == possibilityOnly || valuesY == ["prediction"] && valuesX == possibilityOnly) {
                    valuesX.remove("prediction")
                    valuesY.remove("prediction")
                }
            }
            if valuesX == valuesY { continue }
            if category == .tense {
                // Tense: a text with no tense in common with the other, one of them in the past,
                // asks about another time ("Who was…" / "Who will be…"); present and future are
                // interchangeable for what is scheduled or general ("How long does / will
                // shipping take?").
                if !valuesX.isEmpty && !valuesY.isEmpty && valuesX.isDisjoint(with: valuesY) && (valuesX.contains("past") || valuesY.contains("past")) {
                    return Verdict(check: name, detail: "tense \(valuesX.sorted().joined(separator: "/")) vs \(valuesY.sorted().joined(separator: "/"))")
                }
                continue
            }
            if !valuesX.isEmpty && !valuesY.isEmpty {
                return Verdict(
                    check: name, detail: "\(category.rawValue) \(valuesX.sorted().joined(separator: "/")) vs \(valuesY.sorted().joined(separator: "/"))")
            }
            let (one, side) = valuesX.isEmpty ? (y, "candidate") : (x, "query")
            if let alone = one.first(where: \.rejectsAlone) {
                return Verdict(check: name, detail: "\(category.rawValue) '\(alone.value)' only in the \(side)")
            }
        }
        return Self.crossedForms(a, b)
    }

    /// What the marker sets cannot show: one verb in the past against "will", one adjective's
    /// comparative against "less".
    static func crossedForms(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        pastAgainstFuture(a, b) ?? pastAgainstFuture(b, a) ?? lessAgainstComparative(a, b) ?? lessAgainstComparative(b, a) ?? movedOnly(a, b)
            ?? eachAgainstAll(a, b) ?? eachAgainstAll(b, a)
    }

    /// One thing at a time against all of them together: "the price per line" / "the price for
    /// all lines", "the fee for each bag" / "the fee for all the bags". The same noun after
    /// "per" or "each" in `x` and after "all" in `y` (articles and possessives between).
    static func eachAgainstAll(_ x: AnalyzedText, _ y: AnalyzedText) -> Verdict? {
        let xw = x.words
        var single = Set<String>()
        for i in xw.indices.dropLast() where xw[i].lower == "per" || xw[i].lower == "each" { single.insert(xw[i + 1].stem) }
        guard !single.isEmpty else { return nil }
        let yw = y.words
        for i in yw.indices where yw[i].lower == "all" {
            guard let j = wordAfter(i, in: y), single.contains(yw[j].stem), !(j > 0 && ["per", "each"].contains(yw[j - 1].lower)) else { continue }
            return Verdict(check: "function_words", detail: "scope: one '\(yw[j].lower)' at a time vs all of them")
        }
        return nil
    }

    /// "only" moved to another word of the sentence: "I was only asked about salary" / "only I
    /// was asked about salary", "Can only the holder use the points to book?" / "Can the holder
    /// use the points only to book?". What "only" restricts is the word after it (articles and
    /// "to" aside); a verb and its object are one ("I only need two eggs" / "I need only two
    /// eggs"), so a focus that follows the other's focus is the same restriction.
    static func movedOnly(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        guard let fa = onlyFocus(a), let fb = onlyFocus(b), a.words[fa].stem != b.words[fb].stem,
            b.stems.contains(a.words[fa].stem), a.stems.contains(b.words[fb].stem)
        else { return nil }
        if let next = wordAfter(fa, in: a), a.words[next].stem == b.words[fb].stem { return nil }
        if let next = wordAfter(fb, in: b), b.words[next].stem == a.words[fa].stem { return nil }
        return Verdict(check: "function_words", detail: "quantifier: 'only \(a.words[fa].lower)' vs 'only \(b.words[fb].lower)'")
    }

    /// The word "only" restricts, when the text says "only" once.
    static func onlyFocus(_ text: AnalyzedText) -> Int? {
        let words = text.words
        guard let i = words.firstIndex(where: { $0.lower == "only" }), words.lastIndex(where: { $0.lower == "only" }) == i,
            i == 0 || !["the", "my", "your", "our", "his", "her", "their", "if", "not"].contains(words[i - 1].lower)  // "the only way", "if only", "not only"
        else { return nil }
        return wordAfter(i, in: text)
    }

    /// The next word of the clause after `index`, past articles, determiners and "to".
    static func wordAfter(_ index: Int, in text: AnalyzedText) -> Int? {
        let words = text.words
        var j = index + 1
        while j < words.count, !words[j].startsClause, Lexicon.determiners.contains(words[j].lower) || words[j].lower == "to" { j += 1 }
        return j < words.count && !words[j].startsClause ? j : nil
    }

    /// One verb after one subject, in the past in `x` and after "will" in `y`: "I returned my
    /// rental a day late" / "I will return my rental a day late" (the rest of the texts may share
    /// a future, "What fees will they charge?", so tense sets alone do not tell).
    static func pastAgainstFuture(_ x: AnalyzedText, _ y: AnalyzedText) -> Verdict? {
        guard y.stems.contains("will") || y.stems.contains("ll") else { return nil }
        let yw = y.words
        // `y`'s "subject will verb", read once: [subject, verb stem].
        var future = Set<[String]>()
        for j in yw.indices.dropFirst(2) where ["will", "ll"].contains(yw[j - 1].lower) { future.insert([yw[j - 2].lower, yw[j].stem]) }
        guard !future.isEmpty else { return nil }
        let xw = x.words
        for i in xw.indices.dropFirst() where pronouns.contains(xw[i - 1].lower) && xw[i].lower.hasSuffix("ed") && xw[i].lower.count > 4
            && future.contains([xw[i - 1].lower, xw[i].stem])
        {
            return Verdict(check: "function_words", detail: "tense: '\(xw[i - 1].lower) \(xw[i].lower)' vs '\(xw[i - 1].lower) will …'")
        }
        return nil
    }

    /// "less stretchy than" in `y` against "stretchier than" in `x`: the same adjective compared
    /// the other way.
    static func lessAgainstComparative(_ x: AnalyzedText, _ y: AnalyzedText) -> Verdict? {
        guard y.stems.contains("less") else { return nil }
        let yw = y.words
        // The stems `y` puts after "less", read once.
        var afterLess: [String: String] = [:]
        for j in yw.indices.dropFirst() where yw[j - 1].lower == "less" { afterLess[yw[j].stem] = yw[j].lower }
        guard !afterLess.isEmpty else { return nil }
        for word in x.words where word.lower.count > 4 && word.lower.hasSuffix("er") && !y.stems.contains(word.stem) {
            let base = word.lower.hasSuffix("ier") ? String(word.lower.dropLast(3)) + "y" : String(word.lower.dropLast(2))
            for stem in [Stemmer.stem(base), Stemmer.stem(String(word.lower.dropLast(1)))] {
                if let less = afterLess[stem] { return Verdict(check: "function_words", detail: "degree: '\(word.lower)' vs 'less \(less)'") }
            }
        }
        return nil
    }

    /// The universal quantifiers split by distributivity: "each" takes the things one by one
    /// ("the sum of each row", "calories in each slice"), "all" may take them together ("the sum
    /// of all rows"), and "every" reads either way ("every file" is "all files" and "each file").
    /// So "every" takes the value the other text uses, and "each" against "all" is a change.
    static func resolvingEvery(_ x: Set<String>, _ y: Set<String>) -> (Set<String>, Set<String>) {
        func resolve(_ values: Set<String>, against other: Set<String>) -> Set<String> {
            guard values.contains("every") else { return values }
            var resolved = values
            resolved.remove("every")
            resolved.insert(other.contains("each") && !other.contains("universal") ? "each" : "universal")
            return resolved
        }
        return (resolve(x, against: y), resolve(y, against: x))
    }

    // MARK: The classes

    /// Nouns of time that make "last", "next", "this", "coming", "past" a relative time.
    static let timeNouns: Set<String> = [
        "day", "days", "week", "weeks", "weekend", "weekends", "month", "months", "year", "years", "quarter", "quarters",
        "season", "seasons", "semester", "semesters", "term", "terms", "morning", "afternoon", "evening", "night",
        "decade", "century", "fiscal", "financial", "tax", "academic", "school", "summer", "winter", "spring", "autumn",
        "fall", "time", "session", "cycle", "period", "round", "release", "version", "election", "game", "match", "meeting",
        "sprint", "shift", "payday", "pay", "billing", "statement", "invoice",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
        "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    /// Whether the word after "last", "next" or "this" makes it a relative time: a noun of time,
    /// or a name (an occasion: "last Black Friday", "this Christmas") — not after "the", where
    /// "last" is an order ("the last Harry Potter book").
    static func isTimeReference(_ index: Int, in words: [AnalyzedText.Word]) -> Bool {
        guard index < words.count else { return false }
        let word = words[index]
        if timeNouns.contains(word.lower) { return true }
        // A noun of time after up to two modifiers: "my last credit card statement".
        var k = index + 1
        while k < words.count, k <= index + 2, !words[k - 1].isSymbolic, !Lexicon.stopWords.contains(words[k - 1].lower), !words[k].startsClause {
            if timeNouns.contains(words[k].lower) { return true }
            k += 1
        }
        return word.isCapitalised && !word.isSentenceInitial && !word.isSymbolic && (index < 2 || words[index - 2].lower != "the")
    }

    /// Verbs of the request framing "can you explain…": the modal there asks the assistant, it
    /// does not ask about ability.
    static var requestVerbs: Set<String> { Lexicon.requestVerbs }

    static let pronouns: Set<String> = Lexicon.subjectPronouns.union(["u"])

    /// Comparatives "way", "much" and "far" intensify ("way more", "much cheaper"); the common
    /// ones, since a noun in -er ("much water", "how much power") is none.
    static let intensifiedComparatives: Set<String> = [
        "more", "less", "fewer", "too", "better", "worse", "bigger", "smaller", "larger", "faster", "slower", "higher",
        "lower", "cheaper", "easier", "harder", "longer", "shorter", "older", "younger", "heavier", "lighter", "stronger",
        "weaker", "safer", "warmer", "colder", "hotter", "quicker", "greater",
    ]

    /// Words before "part of" that make "part" a noun naming a piece ("which part of the engine").
    static let partNouners: Set<String> = ["which", "what", "whose", "each", "every", "any", "no", "one", "other", "another", "some", "first", "last", "main", "best", "worst", "hard", "easy", "difficult"]

    /// Words between two "as" that make an idiom, not a comparison of degree.
    static let asIdioms: Set<String> = ["soon", "well", "long", "far", "much", "many", "follows", "such", "per", "usual", "always", "possible", "is", "of", "to"]

    /// Progressives that soften a request in the past tense without moving it there: "I was
    /// wondering", "I was hoping", "I was curious".
    static let politeProgressives: Set<String> = ["wondering", "hoping", "curious", "thinking"]

    /// The word groups the markers are read from; one hash finds a word's group.
    enum Group {
        case universal, existential, exclusive, exact, prohibition, expectation, usedTo, goingTo, just, both, either, neither, most, fewSeveralMany, possibility, obligation, needHave, advice, lastPastPrevious, nextComing, this, pastAdverb, futureAdverb, future, presentAdverb, pastAuxiliary, futureAuxiliary, presentAuxiliary, distributive, aggregate, explicitAggregate, against, favour, stanceFor, average, maximum, minimum, least, part, lessFewer, moreGreater, little, lowIntensity, highIntensity, wayMuch, always, usually, often, sometimes, rarely, brief, detailed, novice,
            intermediate, expert, one, than, equativeAs, partitive, continuing, stopping
    }

    static let groups: [String: Group] = {
        let entries: [(Group, [String])] = [
            (.universal, ["all", "every", "each", "entire"]),
            (.existential, ["any", "some"]),
            (.exclusive, ["only", "solely", "exclusively"]),
            // An exact count against a bound: "exactly one order" / "at least one order".
            (.exact, ["exactly", "precisely"]),
            (.just, ["just"]),
            (.both, ["both"]),
            (.either, ["either"]),
            (.neither, ["neither"]),
            (.one, ["one"]),
            // A small part of something eaten or drunk: "a bite of the cake" / "all of the cake".
            (.partitive, ["bite", "sip", "slice", "spoonful", "mouthful", "handful", "lick", "crumb"]),
            // A comparison against an equality: "faster than React" / "as fast as React".
            (.than, ["than"]),
            (.equativeAs, ["as"]),
            (.most, ["most", "majority"]),
            (.fewSeveralMany, ["few", "several", "many", "dozens", "hundreds", "thousands", "lots", "plenty"]),
            (.possibility, ["can", "could", "may", "might", "able", "possible", "allowed", "permitted", "allow", "allows"]),
            // What may not be done: "Which medications are banned?" / "… allowed?", "Which
            // states ban it?" / "… allow it?".
            (.prohibition, ["banned", "prohibited", "forbidden", "illegal", "disallowed", "outlawed", "ban", "bans", "prohibit", "prohibits", "forbid", "forbids", "outlaw", "outlaws"]),
            (.obligation, ["must", "required", "obliged", "mandatory", "necessary", "compulsory", "obligatory"]),
            (.needHave, ["need", "needs", "needed", "have", "has", "had", "got"]),
            (.advice, ["should", "ought", "advisable", "recommended", "wise"]),
            // What is expected rather than required: "Am I expected to tip?" / "Am I required to tip?".
            (.expectation, ["expected", "supposed"]),
            // A past habit and a plan: "I used to be a vegetarian" / "I'm going to be a vegetarian".
            (.usedTo, ["used"]),
            (.goingTo, ["going", "gonna"]),
            (.lastPastPrevious, ["last", "past", "previous"]),
            (.nextComing, ["next", "coming"]),
            (.this, ["this"]),
            (.pastAdverb, ["yesterday", "ago", "previously", "formerly", "former", "recently", "prior"]),
            (.futureAdverb, ["tomorrow", "upcoming", "soon"]),
            (.future, ["future"]),
            (.presentAdverb, ["current", "currently", "now", "today", "nowadays", "presently", "present"]),
            (.pastAuxiliary, ["was", "were", "did"]),
            (.futureAuxiliary, ["will", "shall", "ll"]),
            (.presentAuxiliary, ["is", "are", "am", "does"]),
            (.distributive, ["per", "apiece", "individually"]),
            (.aggregate, ["total", "overall", "aggregate", "whole"]),
            (.explicitAggregate, ["combined", "altogether", "cumulative"]),
            (.against, [
                "against", "opposing", "oppose", "opposes", "opposed", "con", "cons", "drawback", "drawbacks", "disadvantage",
                "disadvantages", "downside", "downsides", "negatives", "risks", "harms",
            ]),
            (.favour, [
                "favor", "favour", "supporting", "pro", "pros", "benefit", "benefits", "advantage", "advantages", "upside",
                "upsides", "positives", "perks",
            ]),
            (.part, ["part"]),
            (.lessFewer, ["less", "fewer"]),
            (.moreGreater, ["more", "greater"]),
            (.little, ["little", "bit"]),
            (.lowIntensity, ["slightly", "somewhat", "mildly", "marginally", "barely", "faintly"]),
            (.highIntensity, [
                "very", "really", "extremely", "severely", "seriously", "drastically", "significantly", "hugely", "incredibly",
                "badly", "heavily", "super", "terribly", "intensely",
            ]),
            (.wayMuch, ["way", "much", "far"]),
            (.stanceFor, ["for"]),
            (.average, ["average", "median"]),
            (.maximum, ["maximum", "max"]),
            (.minimum, ["minimum", "min"]),
            (.least, ["least"]),
            // Frequency: "always" against "usually" is a different claim to check.
            (.always, ["always", "constantly", "invariably", "consistently", "continually", "continuously", "nonstop"]),
            (.usually, ["usually", "normally", "typically", "generally", "commonly", "ordinarily"]),
            (.often, ["often", "frequently", "regularly"]),
            (.sometimes, ["sometimes", "occasionally"]),
            (.rarely, ["rarely", "seldom"]),
            // Before a verb in -ing, going on against stopping: "if I keep earning" / "if I stop
            // earning" ("keep my fingers from hurting" is "stop them from hurting": no -ing next).
            (.continuing, ["keep", "keeps", "kept", "continue", "continues", "continued"]),
            (.stopping, ["stop", "stops", "stopped", "quit", "quits", "cease", "ceases", "ceased"]),
            // How long an answer is asked for: "a brief note" / "a detailed note".
            // ("short" and "long" are WordNet's antonyms, and "how long" asks a duration.)
            (.brief, ["brief", "briefly", "concise", "concisely", "succinct", "condensed", "summarize", "summarise", "summary"]),
            (.detailed, ["detailed", "lengthy", "thorough", "comprehensive", "extensive", "elaborate", "depth", "detail"]),
            // Whom it is for: "for a complete beginner" / "for an experienced developer".
            (.novice, ["beginner", "beginners", "novice", "novices", "newbie", "newbies", "newcomer", "newcomers", "layman", "laymen", "layperson"]),
            (.intermediate, ["intermediate"]),
            (.expert, ["expert", "experts", "experienced", "advanced", "seasoned", "veteran", "veterans", "specialist", "specialists"]),
        ]
        var table: [String: Group] = [:]
        for (group, words) in entries {
            for word in words {
                precondition(table[word] == nil, "\(word) is in two groups")
                table[word] = group
            }
        }
        return table
    }()

    /// The markers of analysed words, in order (``AnalyzedText`` calls this once).
    static func markers(words analysed: [AnalyzedText.Word]) -> [Marker] {
        var markers: [Marker] = []
        // Most texts have no function word of these groups at all: one hash per word decides.
        guard analysed.contains(where: { groups[$0.lower] != nil }) else { return markers }
        let words = analysed.map(\.lower)
        func word(_ i: Int) -> String? { words.indices.contains(i) ? words[i] : nil }
        func add(_ category: Category, _ value: String, alone: Bool = false) {
            markers.append(Marker(category: category, value: value, rejectsAlone: alone))
        }
        for (i, w) in words.enumerated() {
            let previous = word(i - 1)
            let next = word(i + 1)
            guard let group = Self.groups[w] else { continue }
            switch group {
            // Quantifiers and exclusivity.
            case .universal:
                if w == "all" && previous == "at" { continue }  // "at all"
                if w == "each" && next == "other" { continue }  // "each other"
                if w == "every" && next == "other" {  // "every other day": half of them
                    add(.quantifier, "alternate", alone: true)
                    continue
                }
                add(.quantifier, w == "each" || w == "every" ? w : "universal")
            case .existential:
                add(.quantifier, "existential")
            case .exclusive:
                if previous == "not" { continue }  // "not only … but also"
                add(.quantifier, "exclusive", alone: true)
            case .just:
                // "just the fees", "just one", "just for" restrict; "I just want", "just wondering" do not.
                guard let next, ["the", "a", "an", "one", "for", "on", "in", "with", "by", "my", "your", "this", "that", "these", "those", "to"].contains(next)
                    || next.first?.isNumber == true
                else { continue }
                if let previous, pronouns.contains(previous) || ["have", "has", "had", "was", "were"].contains(previous) { continue }
                // "Just a quick question:", "Just a heads-up,": a clause opened by "just a" frames.
                if analysed[i].startsClause, next == "a" { continue }
                add(.quantifier, "exclusive", alone: true)
            case .one:
                // "one of them", "one of my devices": a single one, against "all" or "any" of them.
                guard next == "of", previous != "which", previous != "no" else { continue }
                add(.quantifier, "one")
            case .partitive:
                if previous == "a", next == "of" { add(.quantifier, "partial", alone: true) }
            case .than:
                // After a comparative: "faster than", "more stretchy than"; not "rather than", "other than".
                guard let previous, previous != "rather", previous != "other", previous != "whether",
                    Self.intensifiedComparatives.contains(previous) || previous.hasSuffix("er") || ["more", "less", "fewer"].contains(word(i - 2) ?? "")
                else { continue }
                add(.degree, "comparative")
            case .equativeAs:
                // "as fast as", "as cheap as": the same degree. Not "as soon as", "as well as", "as long as",
                // nor after a multiplier ("twice as fast as", "3 times as long as": a comparison).
                guard let next, word(i + 2) == "as", previous != "as", !Self.asIdioms.contains(next) else { continue }
                if let previous, ["twice", "thrice", "half", "times", "x"].contains(previous) || previous.hasSuffix("x") && previous.first?.isNumber == true { continue }
                add(.degree, "equative")
            case .both:
                add(.quantifier, "both", alone: true)
            case .either:
                add(.quantifier, "either", alone: true)
            case .neither:
                add(.quantifier, "neither", alone: true)
            case .most:
                if previous == "at" {
                    add(.scope, "upper-bound")
                } else if previous != "the" || w == "majority" {  // "the most expensive" is a superlative (the polarity check's)
                    add(.quantifier, "most", alone: true)
                }
            case .fewSeveralMany:
                if previous == "how" { continue }
                if w == "many" && previous == "too" { continue }
                if w == "few" && previous != "a" {
                    add(.quantifier, "few", alone: true)  // "few" is nearly none
                } else if w == "few" || w == "several" {
                    add(.quantifier, "existential")  // "a few", "several" ≈ "some"
                } else {
                    add(.quantifier, "many")  // "many", "dozens of", "lots of", "plenty of"
                }
            case .exact:
                // Before a count only: "exactly one", "precisely 3 times"; not "what exactly is…".
                guard let next, analysed[i + 1].isSymbolic || next == "one" || Lexicon.numberWords[next] != nil else { continue }
                add(.scope, "exact")
            // Modality.
            case .prohibition:
                add(.modality, "prohibition")
            case .possibility:
                if ["can", "could", "may", "might"].contains(w), let next, ["you", "u", "someone", "somebody", "anyone", "anybody"].contains(next),
                    let after = word(i + 2), requestVerbs.contains(after)
                {
                    continue
                }
                if w == "may" && next == "i" && word(i + 2) == "ask" { continue }
                // "Could there be life on Europa?" asks whether it is possible, not whether it is.
                if next == "there", word(i + 2) == "be" {
                    add(.modality, "possibility", alone: true)
                    continue
                }
                // "I hope you can help", "if you could explain": the assistant asked, in statement order.
                if ["can", "could"].contains(w), previous == "you" || previous == "u", let next, requestVerbs.contains(next) { continue }
                add(.modality, "possibility")
            case .obligation:
                add(.modality, "obligation")
            case .needHave:
                // "Do I need a lawyer?" asks what is necessary, as "Do I need to hire a lawyer?" does.
                if w == "need", next != "to", let previous, pronouns.contains(previous), let asking = word(i - 2), ["do", "does", "did", "will", "would"].contains(asking) {
                    add(.modality, "obligation")
                    continue
                }
                guard next == "to" else { continue }
                if w == "got" && previous != "have" && previous != "has" && previous != "'ve" { continue }
                add(.modality, "obligation")
            case .advice:
                add(.modality, "advice")
            case .expectation:
                if next == "to" { add(.modality, "advice") }
            case .usedTo:
                // "I used to live…"; not "it is used to store…" nor "I got used to it".
                if next == "to", let previous, pronouns.contains(previous), word(i + 2) != nil { add(.tense, "past") }
            case .goingTo:
                // "I'm going to be…", "it's gonna rain"; "going to the store" is motion, not a plan.
                if w == "gonna" || next == "to", let after = word(i + (w == "gonna" ? 1 : 2)), !Lexicon.determiners.contains(after) {
                    add(.tense, "future")
                }
            // Relative time.
            case .lastPastPrevious:
                if next != nil, isTimeReference(i + 1, in: analysed) || (w != "last" && !["the", "a"].contains(previous ?? "")) || w == "previous" {
                    add(.time, "past", alone: true)
                }
            case .nextComing:
                if isTimeReference(i + 1, in: analysed) { add(.time, "future", alone: true) }
            case .this:
                if isTimeReference(i + 1, in: analysed) { add(.time, "present") }
            case .pastAdverb:
                if w == "prior", next == "to" { continue }  // "prior to adopting" is "before adopting"
                add(.time, "past", alone: true)
            case .futureAdverb:
                add(.time, "future", alone: true)
            case .future:  // also a topic ("the future value of an annuity")
                add(.time, "future")
            case .presentAdverb:
                add(.time, "present")
            // Tense of the auxiliaries.
            case .pastAuxiliary:
                // "I was wondering if…", "we were hoping you could…": a polite frame, asked now.
                if let previous, pronouns.contains(previous), let next, Self.politeProgressives.contains(next) { continue }
                add(.tense, "past")
            case .futureAuxiliary:
                add(.tense, "future")
                // A question opening with "Will" predicts: against one opening with "Could" or
                // "Can" it is another question ("Will Betelgeuse go supernova?" / "Could it?").
                if w == "will", analysed[i].isSentenceInitial, let next, !(next == "you" && word(i + 2).map(requestVerbs.contains) == true) {
                    add(.modality, "prediction")
                }
            case .presentAuxiliary:
                add(.tense, "present")
            // Scope.
            case .distributive:
                add(.scope, "distributive")
            case .aggregate:
                add(.scope, "aggregate")
            case .explicitAggregate:  // explicit aggregation: changes any question
                add(.scope, "aggregate", alone: true)
            // Stance: the case for, or against.
            case .against:
                add(.stance, "against")
            case .favour:
                add(.stance, "for")
            case .stanceFor:
                // "arguments for", "the case for", "vote for", "arguing for": a stance, not a purpose.
                if let previous, ["argument", "arguments", "case", "reasons", "reason", "evidence", "vote", "voting", "voted", "argue", "argues", "arguing", "campaign", "campaigning", "lobby", "lobbying", "points"].contains(previous) {
                    add(.stance, "for")
                }
            case .average:
                add(.scope, w)  // "average" and "median" answer differently
            case .maximum:
                add(.scope, "upper-bound")
            case .minimum:
                add(.scope, "lower-bound")
            case .least where previous == "at":
                add(.scope, "lower-bound")
                if next == "one" { add(.quantifier, "existential") }  // "at least one person" / "every person"
            case .least:
                // "the least strict" reverses "the strictest": the bottom of the scale, not the top.
                add(.degree, "least", alone: true)
            // Comparisons with a bound: "less than half-time" / "at least half-time".
            case .lessFewer:
                if next == "than" { add(.scope, "upper-bound") }
            case .moreGreater:
                guard next == "than" else { continue }
                add(.scope, previous == "no" || previous == "not" ? "upper-bound" : "lower-bound")
            // "a little of the sugar", "a bit of the budget": some, against "all of the sugar".
            case .little:
                if previous == "a", next == "of" || (w == "little" && next == "bit") { add(.quantifier, "existential") }
            // How much: "slightly dizzy" / "extremely dizzy", "slightly more" / "way more".
            case .lowIntensity:
                add(.intensity, "low")
            case .highIntensity:
                add(.intensity, "high")
            case .wayMuch:
                if let next, Self.intensifiedComparatives.contains(next) { add(.intensity, "high") }
            // Frequency: "always" against "usually" changes the question ("Do adjectives always
            // come after the noun?"); on one side only it often frames ("I've always wondered",
            // "as always"), but "rarely" restricts wherever it stands.
            case .always:
                add(.frequency, "always")
            case .usually:
                add(.frequency, "usually")
            case .often:
                if previous == "how" { continue }  // "how often" asks the frequency
                add(.frequency, "often")
            case .sometimes:
                add(.frequency, "sometimes")
            case .rarely:
                add(.frequency, "rarely", alone: true)
            case .continuing, .stopping:
                // Before a verb in -ing, or "stop" ending its clause ("how do I get her to stop").
                let endsClause = i + 1 == analysed.count || analysed[i + 1].startsClause
                guard let next, next.hasSuffix("ing"), next.count > 4 else {
                    if group == .stopping, endsClause { add(.aspect, "stopping") }
                    continue
                }
                add(.aspect, group == .continuing ? "continuing" : "stopping")
            case .brief:
                add(.length, "brief")
            case .detailed:
                if w == "depth", previous != "in" { continue }  // "in depth", "in-depth"
                // "in detail", "in more detail"; not "every detail", "the details".
                if w == "detail", previous != "in", word(i - 2) != "in" { continue }
                add(.length, "detailed")
            case .novice:
                add(.level, "novice")
            case .intermediate:
                add(.level, "intermediate")
            case .expert:
                add(.level, "expert")
            case .part:
                // "part of my deposit" against "my entire deposit"; not the noun of "which part of
                // the engine", "the hardest part of the job".
                guard next == "of" else { continue }
                if let previous, Lexicon.determiners.contains(previous) || Self.partNouners.contains(previous) || previous.hasSuffix("est") { continue }
                add(.quantifier, "partial", alone: true)
            }
        }
        return markers
    }
}
