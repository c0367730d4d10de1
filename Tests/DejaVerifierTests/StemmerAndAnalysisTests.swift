import DejaVerifier
import Testing

@Suite struct AnalysisTests {
    @Test func inflectionsShareAStem() {
        let a = AnalyzedText("files encrypting stopped")
        let b = AnalyzedText("file encrypted stop")
        #expect(a.words.map(\.stem) == b.words.map(\.stem))
    }

    @Test func contractionsReadAsNegations() {
        let text = AnalyzedText("Why doesn't it work?")
        #expect(text.negations == ["n't"])
        #expect(text.normalizedWords == AnalyzedText("why does not it work").normalizedWords)
    }

    @Test func contentWordsSkipFramingAndStopWords() {
        #expect(AnalyzedText("Can you please explain what a memory leak is?").contentWords == ["memory", "leak"])
    }

    @Test func shoutingDerivesNoNames() {
        let text = AnalyzedText("WHAT IS THE CAPITAL OF FRANCE")
        #expect(text.ignoresCapitals)
        #expect(text.slots.isEmpty)
    }

    @Test func numbersAreCanonical() {
        #expect(AnalyzedText("1,000 and 3.50 and #42 and 5km and twelve and 3rd").slots.map(\.description) == [
            "number:1000", "number:3.5", "number:42", "number:5", "unit:km", "number:12", "number:3th",
        ])
    }
}
