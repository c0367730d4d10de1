/// Rejects a candidate whose slots (numbers, names, languages, units, dates, currencies, quoted
/// strings, code, URLs, e-mail addresses) differ from the query's, or come in a different order.
///
/// The ordered sequences of `(kind, value)` must be equal, so "Celsius to Fahrenheit" and
/// "Fahrenheit to Celsius" differ, as do order #12345 and #12346 — within each kind: slots of
/// different kinds may change places (a fronted "In December," moves a date before a place).
/// Two refinements keep true paraphrases passing:
/// - Names found only from capital letters are looked up in both texts whatever their case, so
///   "capital of Spain" and "capital of spain" agree.
/// - A source slot ("from X") written after its target ("to Y from X", "Y from X") is put back in
///   front, so "to Japan from Canada" and "from Canada to Japan" agree.
///
/// Cost: proportional to the number of words and slots (case-derived phrases are found in one
/// pass by ``PhraseMatcher``, slots by word index through tables).
public struct SlotCheck: VerificationCheck {
    /// "slots".
    public var name: String { "slots" }

    /// Creates the check.
    public init() {}

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let phrases = Self.casePhrases(a, b)
        var left = Self.canonicalSlots(a, phrases: phrases)
        var right = Self.canonicalSlots(b, phrases: phrases)
        func agree() -> Bool { left.map(Key.init) == right.map(Key.init) || Self.sameOrderWithinEachKind(left, right) }
        if agree() { return nil }
        // "only received one" / "only received 1", "a birth control pill" / "1 birth control pill",
        // "the best way 2 get" / "the best way to get": a number against the word it reads as.
        let readInA = Self.numbersReadAsWords(a, against: b)
        let readInB = Self.numbersReadAsWords(b, against: a)
        if !readInA.isEmpty || !readInB.isEmpty {
            // Without them, and the units they measured free to be asked for.
            left = Self.canonicalSlots(a, phrases: phrases, excluding: readInA)
            right = Self.canonicalSlots(b, phrases: phrases, excluding: readInB)
            if agree() { return nil }
        }
        // One amount in two units ("1 TB" / "1,000 GB", "90 minutes" / "1.5 hours").
        let leftInBase = Quantity.inBaseUnits(left, words: a.words)
        let rightInBase = Quantity.inBaseUnits(right, words: b.words)
        if leftInBase != nil || rightInBase != nil {
            left = leftInBase ?? left
            right = rightInBase ?? right
            if agree() { return nil }
        }
        // Cents as dollars ("15 cents" / "$0.15"), and a range as its two numbers ("2-4 players" /
        // "two to four players").
        let leftWhole = Quantity.inWholeCurrency(left).map(Self.rangesAsNumbers) ?? Self.rangesAsNumbers(left)
        let rightWhole = Quantity.inWholeCurrency(right).map(Self.rangesAsNumbers) ?? Self.rangesAsNumbers(right)
        if leftWhole.map(Key.init) != left.map(Key.init) || rightWhole.map(Key.init) != right.map(Key.init) {
            (left, right) = (leftWhole, rightWhole)
            if agree() { return nil }
        }
        // An acronym and its words ("ROI" / "return on investment", "NYC" / "New York City") are
        // one value: drop both and compare the rest.
        func dropSpelledOut(acronymsOf x: AnalyzedText, in y: AnalyzedText, _ xSlots: inout [Slot], _ ySlots: inout [Slot]) -> Bool {
            let expansions = Acronym.expansions(x, in: y)
            for (acronym, words) in expansions {
                xSlots.removeAll { $0.wordIndex == acronym }
                ySlots.removeAll { $0.wordIndex >= words.lowerBound && $0.wordIndex + $0.wordCount <= words.upperBound }
            }
            return !expansions.isEmpty
        }
        let spelledInB = dropSpelledOut(acronymsOf: a, in: b, &left, &right)
        let spelledInA = dropSpelledOut(acronymsOf: b, in: a, &right, &left)
        if spelledInA || spelledInB, agree() { return nil }
        if Self.droppingSuffixedNames(&left, &right), agree() { return nil }
        // Names joined by "and" in either order ("Alexa and Google Home" / "Google Home and Alexa"),
        // and slots on either side of "or", "and" or "vs" ("Lidl or Aldi" / "Aldi or Lidl").
        let sortedLeft = Self.sortingCoordinatedNames(&left)
        let sortedRight = Self.sortingCoordinatedNames(&right)
        let coordinatedLeft = Self.sortingCoordinations(&left, in: a)
        let coordinatedRight = Self.sortingCoordinations(&right, in: b)
        if sortedLeft || sortedRight || coordinatedLeft || coordinatedRight, agree() { return nil }
        // A name the other text misspells ("Ivy League" / "ivy leauge", "Ticket to Ride" / "tickett to ride").
        let misspeltInB = Self.droppingMisspeltNames(&left, of: a, in: b)
        let misspeltInA = Self.droppingMisspeltNames(&right, of: b, in: a)
        if misspeltInA || misspeltInB, agree() { return nil }
        // A hyphenated or dotted term the other text runs together ("Wi-Fi" / "wifi").
        let joinedLeft = Self.droppingRunTogether(&left, b)
        let joinedRight = Self.droppingRunTogether(&right, a)
        if joinedLeft || joinedRight, agree() { return nil }
        // A quoted phrase the other text writes unquoted ("fix 'permission denied'" / "fix
        // permission denied"): the same words.
        if Self.droppingUnquoted(&left, b) || Self.droppingUnquoted(&right, a), agree() { return nil }
        // A currency named on one side only, every number equal ("$100,000 of coverage" / "100k
        // of coverage"): the other side left it implied.
        let leftCurrencies = left.contains { $0.kind == .currency }
        let rightCurrencies = right.contains { $0.kind == .currency }
        if leftCurrencies != rightCurrencies {
            let (l, r) = (left.filter { $0.kind != .currency }, right.filter { $0.kind != .currency })
            if l.map(Key.init) == r.map(Key.init) { return nil }
        }
        // A percentage and the fraction it is ("up 50%" / "up by half").
        let leftFractions = Self.percentagesAsFractions(left)
        let rightFractions = Self.percentagesAsFractions(right)
        if leftFractions != nil || rightFractions != nil {
            (left, right) = (leftFractions ?? left, rightFractions ?? right)
            if agree() { return nil }
        }
        // Numbers that each count their own thing, listed in another order ("a 20 gallon tank with
        // 10 small fish" / "10 small fish in a 20 gallon tank").
        if Self.sameCountsOfSameThings(left, a, right, b) { return nil }
        // A fronted phrase moved to the end ("Using GitHub Actions, how do I deploy to AWS
        // Lambda?" / "How do I deploy to AWS Lambda using GitHub Actions?").
        // Only against a text that fronts nothing: "In Berlin, is it cheaper … than in Munich?"
        // and "In Munich, … than in Berlin?" each front their own.
        let movedLeft = Self.frontedPhraseMovedToEnd(left, in: a)
        let movedRight = Self.frontedPhraseMovedToEnd(right, in: b)
        if let movedLeft, movedRight == nil, movedLeft.map(Key.init) == right.map(Key.init) { return nil }
        if let movedRight, movedLeft == nil, movedRight.map(Key.init) == left.map(Key.init) { return nil }
        return Verdict(check: name, detail: Self.explain(left, right))
    }

    /// The most words a fronted phrase ("In Python,", "Using GitHub Actions,") may have.
    static let maximumFrontedWords = 8

    /// `slots` with those of the text's fronted phrase — the words before its first clause
    /// boundary, at most ``maximumFrontedWords`` — moved after the rest; nil when the text has no
    /// such phrase, either part has no slot, or a fronted slot is a source or target ("From
    /// Boston, …" keeps its role only in front).
    static func frontedPhraseMovedToEnd(_ slots: [Slot], in text: AnalyzedText) -> [Slot]? {
        let limit = min(text.words.count, maximumFrontedWords + 1)
        guard limit > 1, let boundary = (1..<limit).first(where: { text.words[$0].startsClause }) else { return nil }
        let fronted = slots.filter { $0.wordIndex < boundary }
        let rest = slots.filter { $0.wordIndex >= boundary }
        guard !fronted.isEmpty, !rest.isEmpty, fronted.allSatisfy({ $0.role == .none }) else { return nil }
        return rest + fronted
    }

    /// Removes the quoted slots of `slots` whose words `other` has in the same order; true when
    /// any was removed. At most 16 quotations are looked for.
    static func droppingUnquoted(_ slots: inout [Slot], _ other: AnalyzedText) -> Bool {
        // A handful of quotations in a question; beyond 16 the pair is left to differ (each is
        // looked for in the other's words).
        let quoted = slots.reduce(0) { $0 + ($1.kind == .quoted ? 1 : 0) }
        guard quoted > 0, quoted <= 16 else { return false }
        let lowers = other.words.map(\.lower)
        let before = slots.count
        slots.removeAll { slot in
            guard slot.kind == .quoted, !other.slots.contains(where: { $0.kind == .quoted && $0.value == slot.value }) else { return false }
            let phrase = slot.value.split(separator: " ").map(String.init)
            guard !phrase.isEmpty, phrase.count <= lowers.count else { return false }
            return (0...(lowers.count - phrase.count)).contains { lowers[$0..<($0 + phrase.count)].elementsEqual(phrase) }
        }
        return slots.count != before
    }

    /// Each percentage as its fraction ("50%" as "0.5"); nil without any. Exact decimals.
    static func percentagesAsFractions(_ slots: [Slot]) -> [Slot]? {
        var result = slots
        var changed = false
        for i in result.indices where result[i].kind == .number && result[i].value.hasSuffix("%") {
            guard let fraction = Quantity.scaled(String(result[i].value.dropLast()), by: Quantity.Factor(base: "", mantissa: 1, exponent: -2)) else { continue }
            result[i].value = fraction
            changed = true
        }
        return changed ? result : nil
    }

    /// Suffixes that name the same product as the name without them: a database ("Postgres" /
    /// "PostgreSQL", "Mongo" / "MongoDB") or a JavaScript library ("Ember" / "Ember.js"; names of
    /// three letters such as "Vue" are too short to tell). Not "script" ("Java" / "JavaScript")
    /// nor a version.
    static let productSuffixes: [String] = ["sql", "ql", "db", "js"]

    /// Removes from both sides each name, identifier or language that the other side writes with
    /// a ``productSuffixes`` suffix (letters compared, the shorter of four or more); true when any
    /// was removed. Texts with more than 4,096 such pairs are left as they are.
    static func droppingSuffixedNames(_ left: inout [Slot], _ right: inout [Slot]) -> Bool {
        let kinds: Set<Slot.Kind> = [.entity, .code, .programmingLanguage]
        func letters(_ value: String) -> String { String(value.unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic }) }
        // Each side's names once, with their letters: linear work before the pairwise test.
        let leftValues = Set(left.map(\.value))
        let rightValues = Set(right.map(\.value))
        let xs = left.enumerated().filter { kinds.contains($0.element.kind) && !rightValues.contains($0.element.value) }.map { ($0.offset, letters($0.element.value)) }
        let ys = right.enumerated().filter { kinds.contains($0.element.kind) && !leftValues.contains($0.element.value) }.map { ($0.offset, letters($0.element.value)) }
        guard !xs.isEmpty, !ys.isEmpty, xs.count * ys.count <= 4096 else { return false }
        var removedLeft = Set<Int>()
        var removedRight = Set<Int>()
        for (i, x) in xs {
            for (j, y) in ys where !removedRight.contains(j) {
                let (short, long) = x.count < y.count ? (x, y) : (y, x)
                guard short.count >= 4, long.hasPrefix(short), productSuffixes.contains(String(long.dropFirst(short.count))) else { continue }
                removedLeft.insert(i)
                removedRight.insert(j)
                break
            }
        }
        guard !removedLeft.isEmpty else { return false }
        left = left.enumerated().filter { !removedLeft.contains($0.offset) }.map(\.element)
        right = right.enumerated().filter { !removedRight.contains($0.offset) }.map(\.element)
        return true
    }

    /// Words a lone number also reads as: "1" is "one" (a pronoun to the parser) or "a"; in
    /// chat spelling "2" is "to" and "4" is "for".
    static let numberReadings: [String: Set<String>] = ["1": ["one", "a", "an"], "2": ["to", "too"], "4": ["for"]]

    /// The word indices of `text`'s lone numbers that `other` writes as a word of
    /// ``numberReadings`` in the same place — between the same words (by stem, or the text's
    /// start or end) — where `other` has no such number.
    static func numbersReadAsWords(_ text: AnalyzedText, against other: AnalyzedText) -> Set<Int> {
        var result = Set<Int>()
        guard text.slots.contains(where: { $0.kind == .number && numberReadings[$0.value] != nil }) else { return result }
        var covered = Set<Int>()
        for slot in other.slots { covered.formUnion(slot.wordIndex..<(slot.wordIndex + slot.wordCount)) }
        for slot in text.slots where slot.kind == .number && slot.wordCount == 1 {
            guard let readings = numberReadings[slot.value], !other.slots.contains(where: { $0.kind == .number && $0.value == slot.value }) else { continue }
            // A digit reads as "to" or "for"; "1" and "one" both read as "one" and "a".
            if slot.value != "1", text.words[slot.wordIndex].lower != slot.value { continue }
            let i = slot.wordIndex
            let before = i > 0 ? text.words[i - 1].stem : nil
            let after = i + 1 < text.words.count ? text.words[i + 1].stem : nil
            let found = other.words.indices.contains { j in
                readings.contains(other.words[j].lower)
                    && (j > 0 ? other.words[j - 1].stem : nil) == before
                    && (j + 1 < other.words.count ? other.words[j + 1].stem : nil) == after
                    && !covered.contains(j)
            }
            if found { result.insert(i) }
        }
        return result
    }

    /// True when the two sequences hold the same slots and only slots of *different* kinds changed
    /// places ("In December, … in Lisbon?" / "… in Lisbon in December?"). Roles are exchanged
    /// between values of one kind — two places, two languages — so the order within each kind
    /// must still agree. Numbers and the units and currencies that measure them count as one
    /// kind: which unit a number measures is its order among them ("5 square km to square miles"
    /// / "km in 5 square miles"). A unit no number measures, named once ("save each month to
    /// retire at 60"), is ordered only among such units ("km to miles" / "miles to km" still
    /// differ); a currency or a unit named twice ("US dollars is 50 Canadian dollars") keeps its
    /// place among the numbers, as its adjectives are not slots.
    static func sameOrderWithinEachKind(_ left: [Slot], _ right: [Slot]) -> Bool {
        guard left.count == right.count else { return false }
        func groups(_ slots: [Slot]) -> [Slot.Kind: [Key]] {
            // Where numbers end and start, and how often each unit is named: one pass, so a text
            // of many slots costs linear time.
            var numberEnds = Set<Int>()
            var numberStarts = Set<Int>()
            var unitCounts: [String: Int] = [:]
            for slot in slots {
                if slot.kind == .number {
                    numberEnds.insert(slot.wordIndex + slot.wordCount)
                    numberStarts.insert(slot.wordIndex)
                } else if slot.kind == .unit {
                    unitCounts[slot.value, default: 0] += 1
                }
            }
            var result: [Slot.Kind: [Key]] = [:]
            for slot in slots {
                // Kinds as found: a name that looked like code ("YouTube") may change places
                // with another name ("In APA style, … a YouTube video" / "… in APA style").
                var kind = slot.kind
                if kind == .currency {
                    kind = .number
                } else if kind == .unit {
                    // Measured: a number shares its word ("$50"), ends right before it or one word
                    // before it ("5 km", "5 square km"), or starts right after it ("USD 50").
                    let u = slot.wordIndex
                    let isMeasured = numberEnds.contains(u + 1) || numberEnds.contains(u) || numberEnds.contains(u - 1)
                        || numberStarts.contains(u + slot.wordCount)
                    kind = !isMeasured && unitCounts[slot.value] == 1 ? .unit : .number
                }
                result[kind, default: []].append(Key(slot))
            }
            return result
        }
        return groups(left) == groups(right)
    }

    struct Key: Equatable {
        var kind: Slot.Kind
        var value: String
        init(_ slot: Slot) {
            kind = SlotCheck.comparedKind(slot.kind)
            value = slot.value
        }
    }

    /// A name is compared as a name whether its spelling looked like code or like a name:
    /// "GitHub" (inner capital) and "github" (a known name) are one product.
    static func comparedKind(_ kind: Slot.Kind) -> Slot.Kind { kind == .code ? .entity : kind }

    /// Word sequences of every slot either text found from capitals alone.
    static func casePhrases(_ a: AnalyzedText, _ b: AnalyzedText) -> [[String]] {
        var phrases: [[String]] = []
        var seen = Set<[String]>()
        for text in [a, b] {
            for slot in text.slots where slot.isCaseDerived {
                let phrase = text.words[slot.wordIndex..<(slot.wordIndex + slot.wordCount)].map(\.lower)
                if seen.insert(phrase).inserted { phrases.append(phrase) }
            }
        }
        // Longest first, so "new york city" wins over "new york".
        return phrases.sorted { $0.count > $1.count }
    }

    /// The slots of `text` in canonical order: case-independent slots, plus every occurrence of
    /// the case-derived `phrases` in its words, with sources moved before their targets.
    static func canonicalSlots(_ text: AnalyzedText, phrases: [[String]], excluding excludedNumbers: Set<Int> = []) -> [Slot] {
        var slots = text.slots.filter { !$0.isCaseDerived && !($0.kind == .number && excludedNumbers.contains($0.wordIndex)) }
        if !phrases.isEmpty {
            var taken = Set(slots.filter { $0.kind != .quoted && $0.kind != .code }.map(\.wordIndex))
            let lowers = text.words.map(\.lower)
            // A few phrases in a short text (a one-line question) are compared at each word, and
            // the slots of a word found by scanning. More go through one pass of a matcher and
            // tables by word: the phrases are distinct, so the first in longest-first order that
            // matches at a word is the longest one starting there.
            let few = phrases.count * lowers.count <= 256
            let longest = few ? [] : PhraseMatcher(phrases).longestPhrases(in: lowers)
            var firstSlot: [Int: Slot] = [:]
            var firstCaseDerivedKind: [Int: Slot.Kind] = [:]
            if !few {
                for slot in text.slots {
                    if firstSlot[slot.wordIndex] == nil { firstSlot[slot.wordIndex] = slot }
                    if slot.isCaseDerived, firstCaseDerivedKind[slot.wordIndex] == nil { firstCaseDerivedKind[slot.wordIndex] = slot.kind }
                }
            }
            var index = 0
            while index < lowers.count {
                let match: [String]?
                if taken.contains(index) {
                    match = nil
                } else if few {
                    match = phrases.first { index + $0.count <= lowers.count && lowers[index..<(index + $0.count)].elementsEqual($0) }
                } else {
                    match = longest[index] >= 0 ? phrases[longest[index]] : nil
                }
                // Country initials are the country only in capitals ("the US", not "send us"), and
                // the letter A is a label only in capitals ("column A", not "a column"); other
                // letters match in either case ("Plan B" / "plan b").
                let country = match?.count == 1 ? Lexicon.countryInitials[match![0]] : nil
                let needsCapitals = country != nil || match == ["a"]
                guard let phrase = match, !needsCapitals || text.words[index].text == text.words[index].text.uppercased() else {
                    index += 1
                    continue
                }
                let caseDerivedKind = few ? text.slots.first { $0.isCaseDerived && $0.wordIndex == index }?.kind : firstCaseDerivedKind[index]
                let kind: Slot.Kind = caseDerivedKind ?? (phrase.count == 1 && text.words[index].isSymbolic ? .code : .entity)
                let slotRole = few ? text.slots.first { $0.wordIndex == index }?.role : firstSlot[index]?.role
                let role = slotRole ?? Self.role(in: text, before: index)
                slots.append(Slot(kind: kind == .code ? .code : .entity, value: country ?? phrase.joined(separator: " "), role: role, wordIndex: index, wordCount: phrase.count, isCaseDerived: true))
                for w in index..<(index + phrase.count) { taken.insert(w) }
                index += phrase.count
            }
            slots.sort { $0.wordIndex < $1.wordIndex }
        }
        // "Y from X" / "to Y from X" → X, Y (only between slots of one kind).
        var i = 0
        while i + 1 < slots.count {
            if slots[i + 1].role == .source, slots[i].role != .source, slots[i].kind == slots[i + 1].kind {
                slots.swapAt(i, i + 1)
                i += 2
            } else {
                i += 1
            }
        }
        return movingAskedUnitsLast(slots, in: text)
    }

    /// `slots` with every unit or currency the question asks for moved to the end, in order.
    ///
    /// A unit right next to a number is what the question gives ("5 km", "$50"); a unit right
    /// after "to", "into", "in", "many" or "much" is what it asks for ("to miles", "how many
    /// miles"). Where the asked-for unit is written does not change the question, so "Convert 5 km
    /// to miles" and "How many miles is 5 km?" agree, while "10 inches to cm" and "10 cm to
    /// inches" (different given units) and "Celsius to Fahrenheit" and "Fahrenheit to Celsius"
    /// (asked-for units in another order) still differ. When any unit of the text is neither
    /// (a word stands between it and its number: "5 square miles", "50 Canadian dollars"), the
    /// order is left as written: roles are then a guess, and a wrong guess would serve a
    /// conversion in the wrong direction.
    static func movingAskedUnitsLast(_ slots: [Slot], in text: AnalyzedText) -> [Slot] {
        var given: [Slot] = []
        var asked: [Slot] = []
        // Where number slots start and end, for "is this unit next to a number" (a look-up, not
        // a scan of every slot per unit, when there are many).
        let numbers = slots.filter { $0.kind == .number }
        let starts = numbers.count > 8 ? Set(numbers.map(\.wordIndex)) : []
        let ends = numbers.count > 8 ? Set(numbers.map { $0.wordIndex + $0.wordCount }) : []
        func isNumber(startingAt start: Int) -> Bool {
            numbers.count > 8 ? starts.contains(start) : numbers.contains { $0.wordIndex == start }
        }
        func isNumber(endingAt end: Int) -> Bool {
            numbers.count > 8 ? ends.contains(end) : numbers.contains { $0.wordIndex + $0.wordCount == end }
        }
        for slot in slots {
            guard slot.kind == .unit || slot.kind == .currency else {
                given.append(slot)
                continue
            }
            let quantified = isNumber(endingAt: slot.wordIndex) || isNumber(startingAt: slot.wordIndex) || isNumber(startingAt: slot.wordIndex + slot.wordCount)
            if quantified {
                given.append(slot)
            } else if slot.wordIndex > 0, slot.wordIndex <= text.words.count, Self.askingWords.contains(text.words[slot.wordIndex - 1].lower) {
                asked.append(slot)
            } else {
                return slots
            }
        }
        return asked.isEmpty ? slots : given + asked
    }

    /// Words right before a unit that make it the unit asked for.
    static let askingWords: Set<String> = ["to", "into", "in", "many", "much"]

    private static func role(in text: AnalyzedText, before index: Int) -> Slot.Role {
        var w = index - 1
        while w >= 0, Lexicon.determiners.contains(text.words[w].lower) { w -= 1 }
        guard w >= 0 else { return .none }
        if Lexicon.sourceMarkers.contains(text.words[w].lower) { return .source }
        if Lexicon.targetMarkers.contains(text.words[w].lower) { return .target }
        return .none
    }

    private static func explain(_ left: [Slot], _ right: [Slot]) -> String {
        let l = left.map(\.description)
        let r = right.map(\.description)
        // Sets only when long: for a handful of slots scanning is cheaper than hashing.
        let long = l.count * r.count > 64
        let (inLeft, inRight) = long ? (Set(l), Set(r)) : ([], [])
        let onlyLeft = l.filter { long ? !inRight.contains($0) : !r.contains($0) }
        let onlyRight = r.filter { long ? !inLeft.contains($0) : !l.contains($0) }
        if onlyLeft.isEmpty && onlyRight.isEmpty {
            return "same slots in a different order: [\(l.joined(separator: ", "))] vs [\(r.joined(separator: ", "))]"
        }
        var parts: [String] = []
        if !onlyLeft.isEmpty { parts.append("query has \(onlyLeft.joined(separator: ", "))") }
        if !onlyRight.isEmpty { parts.append("candidate has \(onlyRight.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }
}
