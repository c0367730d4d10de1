import DejaWordNet

extension SlotCheck {
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
