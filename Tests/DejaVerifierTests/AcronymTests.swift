import Testing

@testable import DejaVerifier

/// Acronyms and numeronyms against their words, found by their letters (sentences written for
/// these tests).
@Suite struct AcronymTests {
    func expansions(_ x: String, _ y: String) -> [(acronym: Int, words: Range<Int>)] {
        Acronym.expansions(AnalyzedText(x), in: AnalyzedText(y))
    }

    @Test func acronymsAndNumeronymsAreFoundByTheirLetters() throws {
        let roi = try #require(expansions("Is the ROI of a rental flat good?", "Is the return on investment of a rental flat good?").first)
        #expect(roi.acronym == 2 && roi.words == 2..<5)
        #expect(expansions("Where is the FAQ page?", "Where is the frequently asked questions page?").first?.words == 3..<6)
        #expect(expansions("How do I add i18n to a React app?", "How do I add internationalization to a React app?").first?.words == 4..<5)
        #expect(expansions("Audit the site for a11y", "Audit the site for accessibility").first?.words == 4..<5)
        // Not an acronym of anything there, written in both texts, or a text in capitals throughout.
        #expect(expansions("What does NYC stand for?", "What does LA stand for?").isEmpty)
        #expect(expansions("Is the ROI good?", "Is the ROI good or bad?").isEmpty)
        #expect(expansions("WHAT IS A GOOD ROI", "what is a good return on investment").isEmpty)
        #expect(expansions("Set up k8s", "Set up kubeadm").isEmpty)
    }

    @Test func theChecksTakeAnAcronymForItsWords() {
        let chain = VerifierChain(configuration: .strict, wordVectors: nil)
        #expect(chain.verify(query: "How do I set up SSO for our team?", candidate: "How do I set up single sign-on for our team?") == nil)
        #expect(chain.verify(query: "What should I see in NYC in May?", candidate: "What should I see in New York City in May?") == nil)
        #expect(chain.verify(query: "Why does my k8s pod restart?", candidate: "Why does my Kubernetes pod restart?") == nil)
        // Another acronym, or other words, are still a difference.
        #expect(chain.verify(query: "What should I see in NYC in May?", candidate: "What should I see in Los Angeles in May?") != nil)
        #expect(chain.verify(query: "How do I set up SSO for our team?", candidate: "How do I set up MFA for our team?") != nil)
    }


    @Test func anAcronymMaySpellOneCompoundWord() {
        let chain = VerifierChain(configuration: .strict, wordVectors: nil)
        #expect(chain.verify(query: "What is the best way to back up a DB?", candidate: "What is the best way to back up a database?") == nil)
        // Too short a word to tell from chance.
        #expect(chain.verify(query: "Is ML hard to learn?", candidate: "Is mail hard to learn?") != nil)
    }
}
