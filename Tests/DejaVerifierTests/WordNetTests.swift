import DejaWordNet
import Foundation
import Testing

/// WordNet 3.0 from Debian's wordnet-base (scripts/setup.sh installs it): loading, morphology and
/// the relations the verifier asks about, on words chosen from WordNet's own entries.
@Suite struct WordNetTests {
    static let shared: WordNet = {
        do { return try WordNet.load() } catch { fatalError("WordNet: \(error)") }
    }()

    @Test func loadsTheWholeDatabase() throws {
        let wordNet = Self.shared
        // WordNet 3.0: 117,659 synsets; 147,306 distinct lemmas (lower-cased, a little fewer).
        #expect(wordNet.synsetCount == 117_659)
        #expect(wordNet.lemmaCount > 140_000 && wordNet.lemmaCount < 150_000)
        #expect(wordNet.approximateBytes < 30 << 20)
    }

    @Test func baseFormsFollowMorphyAndTheExceptionLists() {
        let wordNet = Self.shared
        #expect(wordNet.baseForms("geese").contains("goose"))
        #expect(wordNet.baseForms("running").contains("run"))
        #expect(wordNet.baseForms("better").contains("good"))
        #expect(wordNet.baseForms("churches").contains("church"))
        #expect(wordNet.baseForms("Cheaper").contains("cheap"))
        #expect(wordNet.baseForms("xqzzyv").isEmpty)
    }

    @Test func anAdverbInLyMeetsItsAdjectivesOpposites() {
        let wordNet = Self.shared
        func opposed(_ a: String, _ b: String) -> Bool { !wordNet.lookup(a).opposites.isDisjoint(with: wordNet.lookup(b).clusterHeads) }
        #expect(opposed("fast", "slowly"))
        #expect(opposed("difficult", "easily"))
        #expect(opposed("rough", "gently"))
        #expect(!opposed("fast", "quickly"))
        // Only an adverb (or a word WordNet lacks) borrows: "fully" is "full", "gently" "gentle".
        #expect(wordNet.sameThing(wordNet.lookup("fully"), wordNet.lookup("full")))
        #expect(wordNet.sameThing(wordNet.lookup("gently"), wordNet.lookup("gentle")))
        // And shares its adjective's senses, so it is the same thing.
        #expect(wordNet.sameThing(wordNet.lookup("slowly"), wordNet.lookup("slow")))
    }

    @Test func relations() {
        let wordNet = Self.shared
        // Direct antonyms, inflected forms too.
        #expect(wordNet.relation("hot", "cold") == .antonym)
        #expect(wordNet.relation("increase", "decrease") == .antonym)
        #expect(wordNet.relation("accepted", "rejected") == .antonym)
        // Indirect: "scorching" is in hot's similar-to cluster.
        #expect(wordNet.relation("scorching", "cold") == .antonym)
        // Synonyms and base forms.
        #expect(wordNet.relation("purchase", "buy") == .same)
        #expect(wordNet.relation("physician", "doctor") == .same)
        #expect(wordNet.relation("cars", "car") == .same)
        // Derivation.
        #expect(wordNet.relation("decide", "decision") == .derived)
        // Hypernyms: a poodle is a kind of dog.
        #expect(wordNet.relation("poodle", "dog") == .narrower)
        #expect(wordNet.relation("dog", "poodle") == .broader)
        // Different things of one kind.
        #expect(wordNet.relation("kitten", "puppy") == .sibling)
        #expect(wordNet.relation("xqzzyv", "dog") == .unrelated)
    }

    @Test func aMissingDirectoryIsAClearError() {
        #expect(throws: WordNetError.self) { try WordNet.load(directory: URL(fileURLWithPath: "/nonexistent-wordnet")) }
    }
}
