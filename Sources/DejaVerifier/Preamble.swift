/// A conversational preamble: one text is the other, word for word, after a leading clause of its
/// own — "Sorry to bother you, but how do I clear my npm cache?" / "How do I clear my npm cache?".
///
/// Word lists cannot tell a social preamble ("Sorry to bother you, but", "Quick one before my
/// meeting:", "Ugh, long day. Anyway,") from one that changes the answer ("I'm vegetarian.",
/// "I'm a complete beginner."): both are statements about the asker. The sentence model can. On
/// 160 preambles written for this test (80 of each kind, 12 domains), every one that changes the
/// answer leaves the whole message below cosine 0.95 of the bare question (the highest reached
/// 0.949), while 46 of the 80 social ones stay above it; so a preamble is considered only for a
/// pair at or above ``VerifierConfiguration/preambleSimilarity``. As a second guard, no content
/// word of the preamble may be close in context to a content word of the question (a constraint
/// is about the question's topic: "beginner" / "start learning", 0.69; social words are not:
/// median 0.27): below ``VerifierConfiguration/maximumPreambleContextualSimilarity``.
///
/// Only a preamble of its own clause (it ends at a comma, semicolon, colon or sentence end, or
/// with "but", "so" or "anyway" after one) counts; one holding a number, name, date, language,
/// code, quotation, address, a negation cue, a word that restricts an answer wherever it stands
/// ("only", "last week"), a time expression, or ending in a question, never does.
enum Preamble {
    /// The most words a preamble may have.
    static let maximumWords = 24

    /// The number of preamble words when `longer` is a preamble followed by `shorter` word for
    /// word, else nil. Linear in the words.
    static func length(of longer: AnalyzedText, before shorter: AnalyzedText) -> Int? {
        let count = longer.words.count - shorter.words.count
        guard count > 0, count <= maximumWords, !shorter.words.isEmpty else { return nil }
        for (offset, word) in shorter.words.enumerated() where longer.words[count + offset].lower != word.lower { return nil }
        let first = longer.words[count]
        let joiner = longer.words[count - 1]
        guard first.startsClause || (joiner.startsClause && ["but", "so", "anyway"].contains(joiner.lower)) else { return nil }
        // No value: a unit word ("long day") passes, a date only as a greeting ("Good morning!").
        for slot in longer.slots where slot.wordIndex < count && slot.kind != .unit {
            guard slot.kind == .date, slot.wordIndex > 0, longer.words[slot.wordIndex - 1].lower == "good" else { return nil }
        }
        let preamble = longer.words[..<count]
        for word in preamble where Lexicon.negations.contains(word.lower) { return nil }
        // No closed-class word that restricts or relocates an answer wherever it stands ("only",
        // "both", "last week", "combined") and no time expression ("Today,", "Right now,"): the
        // checks refuse those on one side alone. ("Sorry if this is a silly question" keeps its
        // harmless tense and "all the questions" its quantifier.)
        if FunctionWordCheck.markers(words: Array(preamble)).contains(where: \.rejectsAlone) { return nil }
        if !TimeSensitivity(words: preamble.map(\.lower)).timeWords.isEmpty { return nil }
        if endsInQuestion(longer, before: count) { return nil }
        return count
    }

    /// Whether a "?" stands between the preamble's last word and the question's first.
    private static func endsInQuestion(_ text: AnalyzedText, before index: Int) -> Bool {
        let from = text.words[index - 1].offsets.upperBound
        let to = text.words[index].offsets.lowerBound
        guard from < to else { return false }
        var position = 0
        for scalar in text.text.unicodeScalars {
            if position >= to { break }
            if position >= from, scalar == "?" { return true }
            position += 1
        }
        return false
    }

    /// The highest cosine, in context, between a content word of the preamble (`longer`'s first
    /// `count` words) and a content word of the question after it; -1 when either has none.
    static func contextualRelevance(_ longer: AnalyzedText, preambleWords count: Int, vectors: [[Float]?]) -> Float {
        var best: Float = -1
        for i in longer.contentWordIndices where i < count && i < vectors.count {
            guard let x = vectors[i] else { continue }
            for j in longer.contentWordIndices where j >= count && j < vectors.count {
                guard let y = vectors[j], y.count == x.count else { continue }
                best = max(best, ContentWordCheck.dot(x, y))
            }
        }
        return best
    }
}
