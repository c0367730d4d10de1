import DejaWordNet
import Testing

@testable import DejaVerifier

/// WordNet's look-ups are resolved with the analysis (which the chain memoises), so verifying a
/// candidate asks WordNet nothing new; without WordNet the checks compute them as before.
@Suite struct AnalysisWordNetTests {
    @Test func theAnalysisCarriesTheLookUpsTheChecksAsk() throws {
        let wordNet = try #require(WordNet.shared)
        let text = AnalyzedText("Is the soup too hot for a toddler?", wordNet: wordNet)
        let index = try #require(text.words.firstIndex { $0.lower == "hot" })
        let stored = try #require(text.wordNetLookups[index])
        #expect(stored.senses == wordNet.lookup("hot").senses)
        #expect(text.wordNetLookups[try #require(text.words.firstIndex { $0.lower == "soup" })] != nil)
        // Stop words and short words are not asked about.
        #expect(text.wordNetLookups[try #require(text.words.firstIndex { $0.lower == "the" })] == nil)
        #expect(AnalyzedText("Is the soup too hot?").wordNetLookups.isEmpty)
    }

    @Test func checksDecideTheSameWithAndWithoutResolvedLookUps() throws {
        let wordNet = try #require(WordNet.shared)
        let polarity = PolarityCheck(wordNet: wordNet)
        let content = ContentWordCheck(minimumSimilarity: 0.9, maximumAddedWords: 1, wordVectors: nil, wordNet: wordNet)
        for (a, b) in [
            ("Is the soup too hot for a toddler?", "Is the soup too cold for a toddler?"),
            ("How do I purchase a train pass?", "How do I buy a train pass?"),
            ("Write a reply to the landlord", "Write a polite reply to the landlord"),
        ] {
            let plain = (AnalyzedText(a), AnalyzedText(b))
            let resolved = (AnalyzedText(a, wordNet: wordNet), AnalyzedText(b, wordNet: wordNet))
            #expect(polarity.verdict(plain.0, plain.1) == polarity.verdict(resolved.0, resolved.1), "\(a)")
            #expect(content.verdict(plain.0, plain.1) == content.verdict(resolved.0, resolved.1), "\(a)")
        }
        // The chain analyses with WordNet when its configuration uses it.
        let chain = VerifierChain(configuration: .balanced, wordVectors: nil)
        #expect(!chain.analyze("Is the soup too hot?").wordNetLookups.isEmpty)
        var without = VerifierConfiguration.balanced
        without.usesWordNet = false
        #expect(VerifierChain(configuration: without, wordVectors: nil).analyze("Is the soup too hot?").wordNetLookups.isEmpty)
    }
}
