import DejaWordNet
import Testing

@testable import DejaVerifier

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

    @Test func aReplacedWordMustMatchAWordTheOtherTextAdded() throws {
        // "coffee" is close to "caffeine", but "caffeine" is in both questions: it cannot stand in
        // for "tea", so tea → coffee is a substitution, not one added word.
        let vectors = TableWordVectors(table: ["caffeine": [1, 0, 0], "coffee": [0.9, 0.436, 0], "tea": [0, 0, 1], "cup": [0, 1, 0]])
        let check = ContentWordCheck(minimumSimilarity: 0.5, maximumAddedWords: 1, wordVectors: vectors)
        let a = AnalyzedText("How much caffeine is in a cup of tea?")
        let b = AnalyzedText("How much caffeine is in a cup of coffee?")
        let verdict = try #require(check.verdict(a, b))
        #expect(verdict.detail.contains("'tea'") && verdict.detail.contains("'coffee'"))
        // A word that the other text did replace is matched as before.
        let synonyms = TableWordVectors(table: ["caffeine": [1, 0, 0], "pill": [0.1, 0.995, 0], "tablet": [0, 1, 0]])
        #expect(ContentWordCheck(minimumSimilarity: 0.5, wordVectors: synonyms).verdict(AnalyzedText("caffeine in a tablet"), AnalyzedText("caffeine in a pill")) == nil)
    }

    @Test func aWordInPlaceOfARepeatedOneIsASubstitution() throws {
        // "ticket" replaces one of two "bag"s: not an added word, although "bag" is in both texts.
        let check = ContentWordCheck(minimumSimilarity: 0.5, maximumAddedWords: 1, wordVectors: nil)
        let a = AnalyzedText("What is the airline's fee per ticket for checked bags?")
        let b = AnalyzedText("What is the airline's fee per bag for checked bags?")
        let verdict = try #require(check.verdict(a, b))
        #expect(verdict.detail.contains("'ticket'") && verdict.detail.contains("'bag'"))
        #expect(check.verdict(b, a) != nil)
        // A genuinely added word, with nothing repeated on the other side, is still tolerated.
        #expect(check.verdict(AnalyzedText("fee per bag for checked bags"), AnalyzedText("fee per bag for heavy checked bags")) == nil)
        // A repeated word the added word stands for (by WordNet or vectors) is a paraphrase.
        let vectors = TableWordVectors(table: ["luggage": [1, 0], "bag": [0.9, 0.436], "fee": [0, 1], "checked": [0.2, 0.98]])
        let similar = ContentWordCheck(minimumSimilarity: 0.5, maximumAddedWords: 1, wordVectors: vectors)
        #expect(similar.verdict(AnalyzedText("fee per luggage for checked bags"), AnalyzedText("fee per bag for checked bags")) == nil)
    }

    @Test func unitsAndCurrenciesAreComparedAsSlotsNotAsContentWords() {
        // "°F" is part of the number's word; "degrees Fahrenheit" are two words of their own.
        let check = ContentWordCheck(minimumSimilarity: 0.9, wordVectors: nil)
        let written = AnalyzedText("Roast the chicken at 425 degrees Fahrenheit for how long?")
        #expect(!written.contentWords.contains("fahrenheit") && !written.contentWords.contains("degrees"))
        #expect(check.verdict(AnalyzedText("Roast the chicken at 425°F for how long?"), written) == nil)
        #expect(check.verdict(AnalyzedText("Is a 40 euro fine normal?"), AnalyzedText("Is a €40 fine normal?")) == nil)
    }

    @Test func anAddedAdjectiveBeforeASharedWordRestrictsIt() throws {
        let check = ContentWordCheck(minimumSimilarity: 0.5, maximumAddedWords: 1, wordVectors: nil, wordNet: try #require(WordNet.shared))
        let verdict = try #require(check.verdict(AnalyzedText("Write a reply to my neighbour's letter"), AnalyzedText("Write a formal reply to my neighbour's letter")))
        #expect(verdict.detail.contains("'formal' restricts 'reply'"))
        #expect(check.verdict(AnalyzedText("Suggest a playlist for a road trip"), AnalyzedText("Suggest a long playlist for a road trip")) != nil)
        // An added word that modifies nothing both texts have, or is no adjective, is still one added word.
        #expect(check.verdict(AnalyzedText("What is a mortgage broker?"), AnalyzedText("Quick question: what is a mortgage broker?")) == nil)
        #expect(check.verdict(AnalyzedText("Can this letter be made shorter?"), AnalyzedText("Can you make this letter shorter?")) == nil)
        #expect(check.verdict(AnalyzedText("do you ship to Norway"), AnalyzedText("do u ship to Norway")) == nil)
        // A word put between two words the other text has side by side makes a compound.
        let compound = try #require(check.verdict(AnalyzedText("What's the maximum fee a bank can charge?"), AnalyzedText("What's the maximum overdraft fee a bank can charge?")))
        #expect(compound.detail.contains("'overdraft' makes a compound of 'fee'"))
        // A word of the same praise in place of "best" rewords it; another adjective restricts.
        #expect(check.verdict(AnalyzedText("What's the best age to start piano?"), AnalyzedText("What's the ideal age to start piano?")) == nil)
        #expect(check.verdict(AnalyzedText("which is the best lens for portraits"), AnalyzedText("which is the top lens for portraits")) == nil)
        #expect(check.verdict(AnalyzedText("which is the best lens for portraits"), AnalyzedText("which is the sharpest lens for portraits")) != nil)
    }

    @Test func aMisspeltWordMatchesTheWordItMisspells() throws {
        let check = ContentWordCheck(minimumSimilarity: 0.9, wordVectors: nil, wordNet: try #require(WordNet.shared))
        #expect(check.verdict(AnalyzedText("how do i renew a pasport"), AnalyzedText("How do I renew a passport?")) == nil)
        #expect(check.verdict(AnalyzedText("best recipie for banana bread"), AnalyzedText("best recipe for banana bread")) == nil)
        #expect(check.verdict(AnalyzedText("a sauce for a chicken sandwhich"), AnalyzedText("a sauce for a chicken sandwich")) == nil)
        // Two real words one letter apart, or two unknown ones, are different words.
        #expect(check.verdict(AnalyzedText("Can my cat sleep outside?"), AnalyzedText("Can my car sleep outside?")) != nil)
        #expect(check.verdict(AnalyzedText("How do I clear the npmx cache?"), AnalyzedText("How do I clear the pnpmx cache?")) != nil)
        // Too far apart to be a slip (and not its letters in order, as an abbreviation's are).
        #expect(check.verdict(AnalyzedText("renew a prtpass"), AnalyzedText("renew a passport")) != nil)
    }

    @Test func editDistanceCountsSwapsOnce() {
        func d(_ a: String, _ b: String, _ limit: Int = 3) -> Int { ContentWordCheck.editDistance(Array(a.utf8), Array(b.utf8), atMost: limit) }
        #expect(d("sugest", "suggest") == 1)
        #expect(d("recieve", "receive") == 1)
        #expect(d("reccomend", "recommend") == 2)
        #expect(d("kitten", "sitting") == 3)
        #expect(d("abcdef", "uvwxyz", 2) == 3)
        #expect(d("", "abc") == 3)
    }

    @Test func requestFramingIsNotContent() {
        // "tips", "recommend", "few", "difference between" frame a request; no vectors needed.
        let check = ContentWordCheck(minimumSimilarity: 0.9, wordVectors: nil)
        #expect(check.verdict(AnalyzedText("Give me tips for saving money on groceries"), AnalyzedText("How can I save money on groceries?")) == nil)
        #expect(check.verdict(AnalyzedText("Recommend a few day trips from Florence"), AnalyzedText("Day trips from Florence?")) == nil)
        #expect(check.verdict(AnalyzedText("What's the difference between a thesis and a dissertation?"), AnalyzedText("How is a thesis different from a dissertation?")) == nil)
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


    @Test func theUnitOfARateIsAValue() throws {
        let vectors = TableWordVectors(table: ["guest": [1, 0], "room": [0.95, 0.31], "charged": [0, 1], "fee": [0, 1]])
        let check = ContentWordCheck(minimumSimilarity: 0.5, wordVectors: vectors, wordNet: try #require(WordNet.shared))
        let verdict = try #require(check.verdict(AnalyzedText("Is the resort fee charged per guest?"), AnalyzedText("Is the resort fee charged per room?")))
        #expect(verdict.detail.contains("'per'"))
        // A synonym after "per" is the same unit; close words elsewhere still match by vectors.
        #expect(check.verdict(AnalyzedText("Is the toll charged per car?"), AnalyzedText("Is the toll charged per automobile?")) == nil)
        #expect(check.verdict(AnalyzedText("Is the guest fee refundable?"), AnalyzedText("Is the room fee refundable?")) == nil)
    }

    @Test func twoWordsWordNetLacksMatchOnlyBySpelling() throws {
        let vectors = TableWordVectors(table: ["rivaroxaban": [1, 0], "apixaban": [0.97, 0.24], "nodejs": [0, 1], "node.js": [0, 1]])
        let wordNet = try #require(WordNet.shared)
        let check = ContentWordCheck(minimumSimilarity: 0.5, wordVectors: vectors, wordNet: wordNet)
        #expect(check.verdict(AnalyzedText("side effects of rivaroxaban"), AnalyzedText("side effects of apixaban")) != nil)
        // Without WordNet the vectors decide, as before.
        #expect(ContentWordCheck(minimumSimilarity: 0.5, wordVectors: vectors).verdict(AnalyzedText("side effects of rivaroxaban"), AnalyzedText("side effects of apixaban")) == nil)
        #expect(ContentWordCheck.spelledAlike("node.js", "nodejs"))
        #expect(ContentWordCheck.spelledAlike("tupel", "tuple"))
        #expect(!ContentWordCheck.spelledAlike("rivaroxaban", "apixaban"))
        #expect(!ContentWordCheck.spelledAlike("npm", "pnpm"))
    }


    @Test func aNounInPlaceOfAPronounChangesWhoActs() throws {
        let check = ContentWordCheck(minimumSimilarity: 0.9, maximumAddedWords: 2, wordVectors: nil)
        let verdict = try #require(check.verdict(AnalyzedText("Do I get a refund if the venue cancels the show?"), AnalyzedText("Do I get a refund if I cancel the show?")))
        #expect(verdict.detail == "'venue' in place of 'i'")
        // An added word elsewhere is still an addition.
        #expect(check.verdict(AnalyzedText("What happens if the airline cancels my flight?"), AnalyzedText("What happens if the airline cancels?")) == nil)
    }


    @Test func anAbbreviationMatchesTheWordItShortens() throws {
        let check = ContentWordCheck(minimumSimilarity: 0.9, wordVectors: nil, wordNet: try #require(WordNet.shared))
        #expect(check.verdict(AnalyzedText("Which dept handles refunds?"), AnalyzedText("Which department handles refunds?")) == nil)
        #expect(check.verdict(AnalyzedText("How long is the drive, approx?"), AnalyzedText("How long is the drive, approximately?")) == nil)
        #expect(check.verdict(AnalyzedText("How do I close my acct?"), AnalyzedText("How do I close my account?")) == nil)
        #expect(check.verdict(AnalyzedText("renew a pspt"), AnalyzedText("renew a passport")) == nil)
        // Letters out of order, or another first letter, are another word.
        #expect(check.verdict(AnalyzedText("Which dept handles refunds?"), AnalyzedText("Which desk handles refunds?")) != nil)
        #expect(!ContentWordCheck.abbreviates(Array("gsm".utf8), Array("message".utf8)))
        // A short start of a word is another word.
        #expect(!ContentWordCheck.abbreviates(Array("auth".utf8), Array("author".utf8)))
        #expect(!ContentWordCheck.abbreviates(Array("dev".utf8), Array("device".utf8)))
        #expect(!ContentWordCheck.abbreviates(Array("ab".utf8), Array("abcdefghijklmnop".utf8)))
        #expect(ContentWordCheck.abbreviates(Array("config".utf8), Array("configuration".utf8)))
    }
}
