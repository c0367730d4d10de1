/// Rejects a candidate when a content word of one text has no near-synonym in the other.
///
/// Content words are the words left after removing stop words, request framing ("can you
/// explain", "tell me"), negation cues and number words. A content word whose stem appears in
/// only one text is compared, by cosine of ``WordVectors``, with every content word of the other
/// text; if the best match is below ``minimumSimilarity`` the word is unmatched. More than
/// ``maximumUnmatched`` unmatched words (default 0) rejects, unless they all come from one text
/// and number at most ``maximumAddedWords``. Without word vectors every
/// one-sided content word is unmatched.
///
/// Cost: one 384-float dot product per pair of differing words, after memoised look-ups.
public struct ContentWordCheck: VerificationCheck {
    /// "content-words".
    public var name: String { "content-words" }
    /// The cosine a differing word's best match must reach.
    public var minimumSimilarity: Float
    /// How many differing words may go unmatched.
    public var maximumUnmatched: Int
    /// How many unmatched words are tolerated when they all come from one text (the other text
    /// has none): extra words such as "the `yield` keyword" or "find cheap hotels".
    public var maximumAddedWords: Int
    /// The word vectors; nil requires every content word to appear (by stem) in both texts.
    public var wordVectors: (any WordVectors)?

    /// Creates the check.
    public init(minimumSimilarity: Float, maximumUnmatched: Int = 0, maximumAddedWords: Int = 0, wordVectors: (any WordVectors)?) {
        self.minimumSimilarity = minimumSimilarity
        self.maximumUnmatched = maximumUnmatched
        self.maximumAddedWords = maximumAddedWords
        self.wordVectors = wordVectors
    }

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let fromQuery = unmatched(a, b)
        let fromCandidate = unmatched(b, a)
        let total = fromQuery.count + fromCandidate.count
        guard total > 0 else { return nil }
        // Words missing on one side only are additions ("the `git stash` command"); words
        // missing on both sides are substitutions ("sort" for "reverse"), which are riskier.
        let isAddition = fromQuery.isEmpty || fromCandidate.isEmpty
        let allowed = isAddition ? max(maximumUnmatched, maximumAddedWords) : maximumUnmatched
        guard total > allowed else { return nil }
        return Verdict(check: name, detail: "no near-synonym for " + (fromQuery + fromCandidate).joined(separator: ", "))
    }

    /// Descriptions of the content words of `x` that have no near-synonym in `y`.
    private func unmatched(_ x: AnalyzedText, _ y: AnalyzedText) -> [String] {
        var result: [String] = []
        for index in x.contentWordIndices where !y.stems.contains(x.words[index].stem) {
            let word = x.words[index].lower
            let (best, score) = bestMatch(word, in: y)
            if score < minimumSimilarity {
                let match = best.map { "best '\($0)' \(Self.format(score))" } ?? "nothing to match"
                result.append("'\(word)' (\(match) < \(Self.format(minimumSimilarity)))")
            }
        }
        return result
    }

    /// The other text's content word closest to `word`, and its cosine.
    func bestMatch(_ word: String, in text: AnalyzedText) -> (String?, Float) {
        guard let vectors = wordVectors, let v = vectors.vector(for: word) else { return (nil, -1) }
        var best: String?
        var score: Float = -1
        for index in text.contentWordIndices {
            let other = text.words[index].lower
            guard let u = vectors.vector(for: other), u.count == v.count else { continue }
            var dot: Float = 0
            for k in v.indices { dot += v[k] * u[k] }
            if dot > score {
                score = dot
                best = other
            }
        }
        return (best, score)
    }

    static func format(_ value: Float) -> String {
        let scaled = (value * 100).rounded() / 100
        return "\(scaled)"
    }
}
