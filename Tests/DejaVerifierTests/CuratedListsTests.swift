import DejaWordNet
import Testing

@testable import DejaVerifier

/// The curated opposites hold only what WordNet 3.0 lacks: a pair WordNet already calls
/// antonyms (as the polarity check asks it) is WordNet's to decide, not the list's.
@Suite struct CuratedListsTests {
    /// True when the polarity check's WordNet test would reject `a` against `b` on its own.
    static func wordNetOpposes(_ wordNet: WordNet, _ a: String, _ b: String) -> Bool {
        guard a.utf8.count >= 3, b.utf8.count >= 3 else { return false }
        for word in [a, b] where Lexicon.stopWords.contains(word) && !PolarityCheck.comparativeStopWords.contains(word) { return false }
        let x = wordNet.lookup(a)
        let y = wordNet.lookup(b)
        guard !x.senses.isEmpty, !y.senses.isEmpty, x.senses.isDisjoint(with: y.senses) else { return false }
        return !x.opposites.isDisjoint(with: y.clusterHeads) && !y.opposites.isDisjoint(with: x.clusterHeads)
    }

    @Test(.enabled(if: WordNet.shared != nil))
    func curatedPairsAreOnlyWhatWordNetLacks() throws {
        let wordNet = try #require(WordNet.shared)
        var covered: [String] = []
        for (a, b) in Lexicon.computingPairs + Lexicon.functionWordPairs + Lexicon.conversePairs + Lexicon.domainPairs + Lexicon.aspectPairs {
            if Self.wordNetOpposes(wordNet, a, b) { covered.append("(\"\(a)\", \"\(b)\")") }
        }
        #expect(covered.isEmpty, "WordNet already opposes: \(covered.joined(separator: ", "))")
    }

    @Test func everyPresencePairHasAPresenceWordAndNoPairIsListedTwice() {
        let presence = Set(Lexicon.presenceAntonyms.map(Stemmer.stem))
        for (a, b) in Lexicon.presencePairs {
            #expect(presence.contains(Stemmer.stem(a)) || presence.contains(Stemmer.stem(b)), "\(a)/\(b)")
        }
        var seen = Set<String>()
        for (a, b) in Lexicon.antonymPairs {
            #expect(seen.insert([a, b].sorted().joined(separator: "/")).inserted, "\(a)/\(b) twice")
        }
    }

    /// WordNet decides the pairs taken off the list, as the list did.
    @Test(.enabled(if: WordNet.shared != nil), arguments: [
        ("How do I turn the volume higher?", "How do I turn the volume lower?"),
        ("What are the advantages of remote work?", "What are the disadvantages of remote work?"),
        ("Is it legal to park here overnight?", "Is it illegal to park here overnight?"),
        ("What is the employer's share of pension contributions?", "What is the employee's share of pension contributions?"),
        ("Which is the oldest bridge in Prague?", "Which is the newest bridge in Prague?"),
        ("How do I attach a file in Outlook?", "How do I detach a file in Outlook?"),
        // Kept on the list for the adverbs (`Lexicon.adverbPairs`).
        ("How do I center a div horizontally?", "How do I center a div vertically?"),
    ])
    func pairsLeftToWordNetAreStillOpposed(_ a: String, _ b: String) {
        let check = PolarityCheck(wordNet: WordNet.shared)
        #expect(check.verdict(AnalyzedText(a), AnalyzedText(b))?.check == "polarity", "\(a) / \(b)")
    }
}
