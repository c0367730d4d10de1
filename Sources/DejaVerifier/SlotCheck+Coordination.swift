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
            while start < words.count, Lexicon.articles.contains(words[start].lower) { start += 1 }
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
