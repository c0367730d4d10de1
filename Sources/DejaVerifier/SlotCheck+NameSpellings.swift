import DejaWordNet

extension SlotCheck {
    /// Puts the parts of every name joined by "and" in one order; true when any changed. A
    /// coordination is symmetric ("Can I use Alexa and Google Home together?" / "… Google Home and
    /// Alexa together?"), and the name finder joins "Pride and Prejudice" the same way.
    static func sortingCoordinatedNames(_ slots: inout [Slot]) -> Bool {
        var changed = false
        for i in slots.indices where slots[i].kind == .entity && slots[i].value.contains(" and ") {
            var parts: [Substring] = []
            var rest = Substring(slots[i].value)
            while let range = rest.firstRange(of: " and ") {
                parts.append(rest[..<range.lowerBound])
                rest = rest[range.upperBound...]
            }
            parts.append(rest)
            let sorted = parts.sorted().joined(separator: " and ")
            if sorted != slots[i].value {
                slots[i].value = sorted
                changed = true
            }
        }
        return changed
    }

    /// Removes the code slots of `slots` written with hyphens or dots that `other` writes as one
    /// plain word ("Wi-Fi" / "wifi", "e-mail" / "email"); true when any was removed.
    static func droppingRunTogether(_ slots: inout [Slot], _ other: AnalyzedText) -> Bool {
        func letters(_ s: String) -> String { String(s.unicodeScalars.filter { $0 != "-" && $0 != "." }) }
        guard slots.contains(where: { $0.kind == .code && $0.value.contains(where: { $0 == "-" || $0 == "." }) }) else { return false }
        let otherWords = Set(other.words.map(\.lower))
        let otherValues = Set(other.slots.map(\.value))
        let before = slots.count
        slots.removeAll { slot in
            guard slot.kind == .code, slot.value.contains(where: { $0 == "-" || $0 == "." }) else { return false }
            let joined = letters(slot.value)
            return joined.utf8.count >= 3 && otherWords.contains(joined) && !otherValues.contains(slot.value)
        }
        return slots.count != before
    }
}

extension SlotCheck {
    /// The most names missing from the other text that are looked for misspelt: 16.
    static let maximumMisspeltNames = 16

    /// Removes the names of `slots` (found from capitals in `text`) that `other` writes with a
    /// slip of the keys in some word, each word of the name against the same number of words in a
    /// row ("Ivy League" / "ivy leauge", "Texas Hold'em" / "texas holdem"); true when any was
    /// removed. Two spellings WordNet both knows are two names ("Austria" / "Australia"), and
    /// without WordNet's look-ups in the analysis nothing is removed. A question names a few
    /// things: beyond ``maximumMisspeltNames`` names missing from the other text none is looked
    /// for (each is compared with the other text's words), and the texts differ.
    static func droppingMisspeltNames(_ slots: inout [Slot], of text: AnalyzedText, in other: AnalyzedText) -> Bool {
        guard !text.wordNetLookups.isEmpty, !other.wordNetLookups.isEmpty else { return false }
        let otherValues = Set(other.slots.map(\.value))
        let missing = slots.reduce(0) { $0 + ($1.isCaseDerived && $1.kind == .entity && !otherValues.contains($1.value) ? 1 : 0) }
        guard missing > 0, missing <= maximumMisspeltNames else { return false }
        func isKnown(_ t: AnalyzedText, _ i: Int) -> Bool { !(t.wordNetLookups[i]?.lemmas.isEmpty ?? true) }
        let before = slots.count
        slots.removeAll { slot in
            guard slot.isCaseDerived, slot.kind == .entity, slot.wordCount <= 4, !otherValues.contains(slot.value) else { return false }
            let name = slot.wordIndex..<(slot.wordIndex + slot.wordCount)
            guard name.upperBound <= text.words.count, other.words.count >= slot.wordCount else { return false }
            return (0...(other.words.count - slot.wordCount)).contains { start in
                var slipped = false
                for (offset, i) in name.enumerated() {
                    let x = text.words[i].lower
                    let y = other.words[start + offset].lower
                    if x == y { continue }
                    guard !(isKnown(text, i) && isKnown(other, start + offset)), ContentWordCheck.spelledAlike(x, y) else { return false }
                    slipped = true
                }
                return slipped
            }
        }
        return slots.count != before
    }
}

extension SlotCheck {
    /// Words that join two alternatives or members symmetrically.
    static let symmetricJoiners: Set<String> = ["or", "and", "vs", "versus", "&"]

    /// Puts the two sides of every symmetric joiner in one order when each side is a run of
    /// slots right next to it, of the same kinds ("Lidl or Aldi" / "Aldi or Lidl", "a Nikon Z6 or a
    /// Nikon Z7" / "a Nikon Z7 or a Nikon Z6"); true when any changed. "from Venmo to PayPal" has
    /// no such joiner, and "2 cats and 3 dogs" no slot next to it on the left.
    static func sortingCoordinations(_ slots: inout [Slot], in text: AnalyzedText) -> Bool {
        let words = text.words
        guard slots.count >= 2, words.contains(where: { symmetricJoiners.contains($0.lower) }) else { return false }
        var endingAt: [Int: Int] = [:]
        var startingAt: [Int: Int] = [:]
        for (i, slot) in slots.enumerated() {
            if endingAt[slot.wordIndex + slot.wordCount] == nil { endingAt[slot.wordIndex + slot.wordCount] = i }
            if startingAt[slot.wordIndex] == nil { startingAt[slot.wordIndex] = i }
        }
        var changed = false
        for c in words.indices where symmetricJoiners.contains(words[c].lower) {
            // The slots ending right before the joiner, nearest last.
            var left: [Int] = []
            var end = c
            while let i = endingAt[end], left.count < 4 {
                left.insert(i, at: 0)
                end = slots[i].wordIndex
            }
            // After it, past an article: the slots starting there, in order.
            var start = c + 1
            while start < words.count, ["a", "an", "the"].contains(words[start].lower) { start += 1 }
            var right: [Int] = []
            while let i = startingAt[start], right.count < left.count {
                right.append(i)
                start = slots[i].wordIndex + slots[i].wordCount
            }
            guard !left.isEmpty, right.count == left.count,
                left.map({ comparedKind(slots[$0].kind) }) == right.map({ comparedKind(slots[$0].kind) }),
                right.map({ slots[$0].value }).lexicographicallyPrecedes(left.map({ slots[$0].value }))
            else { continue }
            for (l, r) in zip(left, right) {
                (slots[l].value, slots[r].value) = (slots[r].value, slots[l].value)
                (slots[l].kind, slots[r].kind) = (slots[r].kind, slots[l].kind)
            }
            changed = true
        }
        return changed
    }
}
