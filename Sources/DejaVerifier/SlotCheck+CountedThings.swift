extension SlotCheck {
    /// The most words of the phrase a number counts that are compared: 2 ("10 small fish",
    /// "20 gallon tank"; a third would reach the verb in "a 15 amp breaker run…").
    static let maximumCountedWords = 2

    /// Whether the two texts have the same slots, each number counting the same thing, with the
    /// numbers in another order and every other slot in the same order: "How often should I change
    /// the water in a 20 gallon tank with 10 small fish?" / "With 10 small fish in a 20 gallon tank,
    /// how often…". A number's role is the thing it counts, not its place, so two numbers that
    /// keep their things may trade places; two that trade things ("a 3 bedroom house or a 2
    /// bedroom condo" / "a 2 bedroom house or a 3 bedroom condo") or a number that counts nothing
    /// of its own ("from 10 to 20 employees": a stop word follows it) still differ.
    static func sameCountsOfSameThings(_ left: [Slot], _ a: AnalyzedText, _ right: [Slot], _ b: AnalyzedText) -> Bool {
        guard left.count == right.count, left.contains(where: { $0.kind == .number }) else { return false }
        guard left.map(Key.init).sorted(by: Self.keyOrder) == right.map(Key.init).sorted(by: Self.keyOrder) else { return false }
        let counting: Set<Slot.Kind> = [.number, .unit, .currency]
        guard left.filter({ !counting.contains($0.kind) }).map(Key.init) == right.filter({ !counting.contains($0.kind) }).map(Key.init) else {
            return false
        }
        guard let countsA = counts(left, in: a), let countsB = counts(right, in: b) else { return false }
        return countsA.sorted(by: { $0.lexicographicallyPrecedes($1) }) == countsB.sorted(by: { $0.lexicographicallyPrecedes($1) })
    }

    private static func keyOrder(_ x: Key, _ y: Key) -> Bool {
        (x.kind.rawValue, x.value) < (y.kind.rawValue, y.value)
    }

    /// Each number of `slots` with the stems of the words it counts — those right after it, up to
    /// a stop word, the clause's end or ``maximumCountedWords``, past an "of" after a measure ("2
    /// years of Python": year, python); nil when a number counts none.
    static func counts(_ slots: [Slot], in text: AnalyzedText) -> [[String]]? {
        var result: [[String]] = []
        let words = text.words
        for slot in slots where slot.kind == .number {
            var phrase = [slot.value]
            var j = slot.wordIndex + slot.wordCount
            while j < words.count, phrase.count <= maximumCountedWords, !words[j].startsClause, !words[j].isSymbolic {
                // A measure's thing follows "of": "2 years of Python", "2 cups of flour".
                if words[j].lower == "of", phrase.count > 1, j + 1 < words.count, !words[j + 1].startsClause {
                    j += 1
                    while j < words.count, Lexicon.determiners.contains(words[j].lower) { j += 1 }
                    continue
                }
                guard !Lexicon.stopWords.contains(words[j].lower) else { break }
                phrase.append(words[j].stem)
                j += 1
            }
            guard phrase.count > 1 else { return nil }
            result.append(phrase)
        }
        return result
    }
}

extension SlotCheck {
    /// `slots` with each range of two whole numbers written with a hyphen ("2-4", which the
    /// parser keeps as one token, as it may be a date) as the two numbers: "for 2-4 players" /
    /// "for two to four players". A range whose ends are not both whole numbers, or run backwards, is left.
    static func rangesAsNumbers(_ slots: [Slot]) -> [Slot] {
        guard slots.contains(where: { $0.kind == .date && $0.value.contains("-") }) else { return slots }
        var result: [Slot] = []
        for slot in slots {
            let parts = slot.value.split(separator: "-", omittingEmptySubsequences: false)
            guard slot.kind == .date, parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low < high,
                parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 })
            else {
                result.append(slot)
                continue
            }
            result.append(Slot(kind: .number, value: String(low), wordIndex: slot.wordIndex))
            result.append(Slot(kind: .number, value: String(high), wordIndex: slot.wordIndex))
        }
        return result
    }
}
