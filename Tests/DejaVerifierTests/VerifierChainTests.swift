import DejaVerifier
import Foundation
import Testing

@Suite struct VerifierChainTests {
    let chain = VerifierChain(configuration: .strict, wordVectors: nil)

    @Test(arguments: [
        "What is the capital of France?",
        "Convert 5 km to miles",
        "Where is my order #12345?",
        "Translate 'good morning' into Spanish.",
        "Why can't I log in?",
    ])
    func trivialRepeatsPass(_ text: String) {
        #expect(chain.verify(query: text, candidate: text) == nil)
        #expect(chain.verify(query: text, candidate: text.lowercased()) == nil)
        #expect(chain.verify(query: text, candidate: text.uppercased()) == nil)
        #expect(chain.verify(query: text, candidate: text.replacingOccurrences(of: " ", with: "   ")) == nil)
        #expect(chain.verify(query: text, candidate: "  " + text + " ?! ") == nil)
        #expect(chain.verify(query: text, candidate: text.filter { !"?.,!'".contains($0) }) == nil)
    }

    @Test func firstRejectingCheckExplains() throws {
        let verdict = try #require(chain.verify(query: "convert Celsius to Fahrenheit", candidate: "convert Fahrenheit to Celsius"))
        #expect(verdict.check == "slots")
        #expect(verdict.description.hasPrefix("slots: "))
        let all = chain.verdicts(query: "Convert 10 inches to centimeters", candidate: "Convert 10 centimeters to inches")
        #expect(all.map(\.check).contains("slots"))
    }

    @Test func checksCanBeSwitchedOff() {
        var configuration = VerifierConfiguration.strict
        configuration.checksSlots = false
        configuration.checksOrder = false
        let noSlots = VerifierChain(configuration: configuration, wordVectors: nil)
        #expect(noSlots.checks.map(\.name) == ["polarity", "function_words", "time_words", "content-words"])
        // Same words, swapped names: only the slot and order checks would reject.
        #expect(noSlots.verify(query: "Flights from London to Paris", candidate: "Flights from Paris to London") == nil)
        #expect(chain.verify(query: "Flights from London to Paris", candidate: "Flights from Paris to London")?.check == "slots")

        configuration = .strict
        configuration.checksPolarity = false
        configuration.checksContentWords = false
        let noPolarity = VerifierChain(configuration: configuration, wordVectors: nil)
        #expect(noPolarity.verify(query: "Turn on dark mode", candidate: "Turn off dark mode") == nil)
        #expect(chain.verify(query: "Turn on dark mode", candidate: "Turn off dark mode")?.check == "polarity")
    }

    @Test func customChecksRunInOrder() {
        struct RejectAll: VerificationCheck {
            var name: String { "reject-all" }
            func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? { Verdict(check: name, detail: "always") }
        }
        let custom = VerifierChain(checks: [PolarityCheck(), RejectAll()])
        #expect(custom.verify(query: "enable it", candidate: "disable it")?.check == "polarity")
        #expect(custom.verify(query: "how to enable it", candidate: "enable it")?.check == "reject-all")
        // Exact and trivially different repeats never reach the checks.
        #expect(custom.verify(query: "enable it", candidate: "Enable it!") == nil)
    }

    @Test func presetsDiffer() {
        #expect(VerifierConfiguration.strict.similarityThreshold == 0.95)
        #expect(VerifierConfiguration.balanced.similarityThreshold == 0.90)
        #expect(VerifierConfiguration.aggressive.similarityThreshold == 0.85)
        #expect(VerifierConfiguration.strict.maximumAddedWords == 1)
        #expect(VerifierConfiguration.aggressive.minimumWordSimilarity > VerifierConfiguration.strict.minimumWordSimilarity)
    }

    @Test(arguments: [
        ("convert Celsius to Fahrenheit", "Fahrenheit to Celsius"),
        ("flights from London to New York", "flights from New York to London"),
        ("translate from English to German", "translate from German to English"),
        ("Where is order #12345?", "Where is order #12346?"),
        ("How do I sort a list in Python?", "How do I reverse a list in Python?"),
        ("How do I convert a list to a set in Python?", "How do I convert a set to a list in Python?"),
    ])
    func worstNearMissesRejectWithTheModel(_ pair: (String, String)) throws {
        let model = VerifierChain(configuration: .strict, wordVectors: try ModelLocator.wordVectors())
        #expect(model.verify(query: pair.0, candidate: pair.1) != nil, "\(pair)")
    }

    @Test(arguments: [
        ("What is a memory leak?", "Can you explain what a memory leak is?"),
        ("How do I undo the last git commit?", "How can I undo my last git commit?"),
        ("Do I need a visa to travel to Japan from Canada?", "Do I need a visa to travel from Canada to Japan?"),
        ("Why is my Rust code not compiling?", "Why doesn't my Rust code compile?"),
        ("How do I delete a branch in git?", "How can I remove a branch in git?"),
    ])
    func paraphrasesPassWithTheModel(_ pair: (String, String)) throws {
        let model = VerifierChain(configuration: .balanced, wordVectors: try ModelLocator.wordVectors())
        #expect(model.verify(query: pair.0, candidate: pair.1) == nil, "\(pair)")
    }


    @Test(arguments: [
        ("How much is $1,000 in euros?", "How much is £1,000 in euros?"),
        ("Is 5kg too heavy for carry-on?", "Is 5lb too heavy for carry-on?"),
        ("Is 20% a good tip?", "Is 20 a good tip?"),
        ("Set an alarm for 6pm", "Set an alarm for 6am"),
    ])
    func sameWordsWithOtherValuesAreChecked(_ pair: (String, String)) {
        // The words agree ("1000", "5", "20", "6"); what the digits carried does not.
        #expect(chain.verify(query: pair.0, candidate: pair.1)?.check == "slots", "\(pair)")
        #expect(chain.verifyWithoutModelWork(query: pair.0, candidate: pair.1).isAccepted == false, "\(pair)")
    }

    @Test func quotesAndCapitalsAloneDoNotMatter() {
        #expect(chain.verify(query: "Why does Python say 'list index out of range'?", candidate: "why does python say list index out of range") == nil)
    }
}
