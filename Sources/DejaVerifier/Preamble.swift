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
/// with "but", "so" or "anyway" after one), or one that ends in a verb of knowing before an
/// embedded question ("I'd love to know which …", "I was wondering how …"), counts; one holding a number, name, date, language,
/// code, quotation, address, a negation cue, a word that restricts an answer wherever it stands
/// ("only", "last week"), a time expression, or ending in a question, never does. A sign-off after
/// the question ("Thanks in advance!") is read the same way, with the preamble or alone: its own
/// clause, none of those words, and no question in it.
enum Preamble {
    /// The most words a preamble and sign-off may have together.
    static let maximumWords = 24

    /// Verbs after which a question is embedded ("I'd love to know which …").
    static let embeddingVerbs: Set<String> = ["know", "wondering", "wonder", "ask", "asking", "curious", "learn", "understand", "find"]
    /// Words that open a question, direct or embedded.
    static let questionOpeners: Set<String> = ["which", "what", "how", "why", "when", "where", "who", "whether", "if", "is", "are", "can", "should", "do", "does"]

    /// The words `longer` has around `shorter`: a leading preamble and a trailing sign-off
    /// ("Hi there! Quick question: … grilling? Thanks in advance!").
    struct Frame: Equatable {
        var leading: Int
        var trailing: Int

        /// Whether word `index` of the longer text belongs to the frame, given the shorter text's length.
        func contains(_ index: Int, shorterCount: Int) -> Bool { index < leading || index >= leading + shorterCount }
    }

    /// The number of preamble words when `longer` is a preamble followed by `shorter` word for
    /// word (and nothing after), else nil.
    static func length(of longer: AnalyzedText, before shorter: AnalyzedText) -> Int? {
        guard let frame = frame(of: longer, around: shorter), frame.trailing == 0 else { return nil }
        return frame.leading
    }

    /// The frame when `longer` is `shorter`, word for word, after a preamble of its own clause,
    /// before a sign-off of its own clause, or both — each free of values, negations, restricting
    /// words, times and (for the preamble) a question. Linear in the words for each split tried
    /// (at most ``maximumWords`` + 1).
    static func frame(of longer: AnalyzedText, around shorter: AnalyzedText) -> Frame? {
        let extra = longer.words.count - shorter.words.count
        guard extra > 0, extra <= maximumWords, !shorter.words.isEmpty else { return nil }
        // The whole extra as a preamble first, then shorter preambles with a sign-off.
        for leading in stride(from: extra, through: 0, by: -1) {
            let frame = Frame(leading: leading, trailing: extra - leading)
            guard shorter.words.indices.allSatisfy({ longer.words[leading + $0].lower == shorter.words[$0].lower }) else { continue }
            if isSocial(frame, of: longer, shorterCount: shorter.words.count) { return frame }
        }
        return nil
    }

    private static func isSocial(_ frame: Frame, of longer: AnalyzedText, shorterCount: Int) -> Bool {
        let end = frame.leading + shorterCount
        if frame.leading > 0 {
            let first = longer.words[frame.leading]
            let joiner = longer.words[frame.leading - 1]
            // Its own clause, or a question embedded after a verb of knowing: "… and would love to
            // know which vacuum is best", "I was wondering how I …".
            let embedded = embeddingVerbs.contains(joiner.lower) && questionOpeners.contains(first.lower)
            guard first.startsClause || (joiner.startsClause && ["but", "so", "anyway"].contains(joiner.lower)) || embedded else { return false }
            if endsInQuestion(longer, before: frame.leading) { return false }
        }
        // A sign-off starts its own clause and asks nothing ("Thanks!", not "Thanks, and what about…?").
        if frame.trailing > 0 {
            guard longer.words[end].startsClause, !hasQuestionMark(longer, from: longer.words[end].offsets.lowerBound) else { return false }
        }
        // No value: a unit word ("long day") passes, a date only as a greeting ("Good morning!").
        for slot in longer.slots where frame.contains(slot.wordIndex, shorterCount: shorterCount) && slot.kind != .unit {
            guard slot.kind == .date, slot.wordIndex > 0, longer.words[slot.wordIndex - 1].lower == "good" else { return false }
        }
        var words = longer.words.indices.filter { frame.contains($0, shorterCount: shorterCount) }.map { longer.words[$0] }
        // "If you don't mind (me asking)" asks leave; its negation negates nothing of the question.
        if let start = words.indices.first(where: { words[$0...].map(\.lower).starts(with: ["if", "you", "do", "not", "mind"]) }) {
            words.removeSubrange(start..<(start + 5))
        }
        // A negation keeps it out. Without this test the read sets' social preambles gained two
        // ("I hope this isn't a weird thing to ask:", "Not sure if you can help, but") and no
        // near-miss, but "Not looking for anything expensive, but what's a good gift…?" passed
        // both guards (cosine ≥ 0.95, "expensive" far from the question's words in context).
        for word in words where Lexicon.negations.contains(word.lower) { return false }
        // No closed-class word that restricts or relocates an answer wherever it stands ("only",
        // "both", "last week", "combined") and no time expression ("Today,", "Right now,"): the
        // checks refuse those on one side alone. ("Sorry if this is a silly question" keeps its
        // harmless tense and "all the questions" its quantifier.) Preamble and sign-off are read
        // apart, so no expression spans the question between them.
        for part in [Array(longer.words[..<frame.leading]), Array(longer.words[end...])] where !part.isEmpty {
            if FunctionWordCheck.markers(words: part).contains(where: \.rejectsAlone) { return false }
            if !TimeSensitivity(words: part.map(\.lower)).timeWords.isEmpty { return false }
        }
        return true
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

    /// Whether a "?" stands at or after scalar offset `from`.
    private static func hasQuestionMark(_ text: AnalyzedText, from: Int) -> Bool {
        var position = 0
        for scalar in text.text.unicodeScalars {
            if position >= from, scalar == "?" { return true }
            position += 1
        }
        return false
    }

    /// The highest cosine, in context, between a content word of the frame (preamble and
    /// sign-off) and a content word of the question inside it; -1 when either has none.
    ///
    /// Words about the asking itself ("sorry if this is awkward to ask", "quick question",
    /// "thanks in advance") constrain no answer, and a closed-class word of the question ("how
    /// often") is no topic, so neither is compared.
    static func contextualRelevance(_ longer: AnalyzedText, frame: Frame, shorterCount: Int, vectors: [[Float]?]) -> Float {
        var best: Float = -1
        let words = longer.words
        for i in longer.contentWordIndices where frame.contains(i, shorterCount: shorterCount) && i < vectors.count && !isAboutAsking(words, i) {
            guard let x = vectors[i] else { continue }
            for j in longer.contentWordIndices where !frame.contains(j, shorterCount: shorterCount) && j < vectors.count
                && FunctionWordCheck.groups[words[j].lower] == nil
            {
                guard let y = vectors[j], y.count == x.count else { continue }
                best = max(best, ContentWordCheck.dot(x, y))
            }
        }
        return best
    }

    /// Words of a frame about the act of asking: "ask", "question" (in any form), and "advance"
    /// in "thanks in advance".
    static func isAboutAsking(_ words: [AnalyzedText.Word], _ i: Int) -> Bool {
        let word = words[i].lower
        if ["ask", "asks", "asking", "asked", "question", "questions"].contains(word) { return true }
        return word == "advance" && i >= 2 && words[i - 1].lower == "in" && ["thanks", "thank", "you", "thx"].contains(words[i - 2].lower)
    }
}
