import DejaVerifier
import Testing

@Suite struct ContentWordCheckTests {
    @Test func inflectionsMatchWithoutVectors() {
        let check = ContentWordCheck(minimumSimilarity: 0.9, wordVectors: nil)
        #expect(check.verdict(AnalyzedText("How do I list files?"), AnalyzedText("How can I list a file?")) == nil)
        #expect(check.verdict(AnalyzedText("Encrypting the disk"), AnalyzedText("encrypted disks")) == nil)
    }

    @Test func unmatchedWordRejectsWithoutVectors() throws {
        let check = ContentWordCheck(minimumSimilarity: 0.1, wordVectors: nil)
        let result = try #require(check.verdict(AnalyzedText("How do I sort a list?"), AnalyzedText("How do I reverse a list?")))
        #expect(result.check == "content-words")
        #expect(result.detail.contains("'sort'"))
    }

    @Test func boundIsConfigurable() {
        let vectors = TableWordVectors(table: [
            "sort": [1, 0], "order": [0.6, 0.8], "list": [0, 1],
        ])
        let a = AnalyzedText("sort the list")
        let b = AnalyzedText("order the list")
        #expect(ContentWordCheck(minimumSimilarity: 0.5, wordVectors: vectors).verdict(a, b) == nil)
        #expect(ContentWordCheck(minimumSimilarity: 0.7, wordVectors: vectors).verdict(a, b) != nil)
    }

    @Test func addedWordsToleranceIsConfigurable() {
        let a = AnalyzedText("What does `git stash` do?")
        let b = AnalyzedText("What does the `git stash` command do?")
        #expect(ContentWordCheck(minimumSimilarity: 0.5, wordVectors: nil).verdict(AnalyzedText("hotels in Paris"), AnalyzedText("luxury hotels in Paris")) != nil)
        #expect(ContentWordCheck(minimumSimilarity: 0.5, maximumAddedWords: 1, wordVectors: nil).verdict(AnalyzedText("hotels in Paris"), AnalyzedText("luxury hotels in Paris")) == nil)
        // A substitution is never an addition.
        #expect(ContentWordCheck(minimumSimilarity: 0.5, maximumAddedWords: 1, wordVectors: nil).verdict(AnalyzedText("sort a list"), AnalyzedText("reverse a list")) != nil)
        #expect(ContentWordCheck(minimumSimilarity: 0.5, wordVectors: nil).verdict(a, b) == nil)  // "command" is request framing
    }

    @Test func modelVectorsSeparateSynonymsFromOtherWords() throws {
        let vectors = try ModelLocator.wordVectors()
        let check = ContentWordCheck(minimumSimilarity: 0.40, wordVectors: vectors)
        #expect(check.verdict(AnalyzedText("How do I delete a branch in git?"), AnalyzedText("How can I remove a branch in git?")) == nil)
        let result = check.verdict(AnalyzedText("How do I reverse a list in Python?"), AnalyzedText("How do I sort a list in Python?"))
        #expect(result?.check == "content-words")
        #expect(result?.detail.contains("best") == true)
        let s = try #require(vectors.similarity("delete", "remove"))
        let t = try #require(vectors.similarity("delete", "banana"))
        #expect(s > t)
    }
}
