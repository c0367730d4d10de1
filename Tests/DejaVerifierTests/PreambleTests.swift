import DejaEmbedding
import Testing

@testable import DejaVerifier

/// A social preamble before the same question is accepted for a pair found at cosine 0.95 or
/// more, unless the preamble holds a value, a negation, a question, or a word close in context to
/// the question. Sentences written for these tests; the preambles the bounds were measured on are
/// `Tests/Fixtures/cache-pairs-preambles.jsonl`.
@Suite struct PreambleTests {
    func length(_ longer: String, _ shorter: String) -> Int? {
        Preamble.length(of: AnalyzedText(longer), before: AnalyzedText(shorter))
    }

    @Test func aPreambleIsALeadingClauseBeforeTheSameWords() {
        #expect(length("Sorry for the trouble, but how do I reset a Roku remote?", "How do I reset a Roku remote?") == 5)
        #expect(length("Hi there! Which wok is best for a gas stove?", "which wok is best for a gas stove") == 2)
        #expect(length("Long week. Anyway, what is a good stretch for tight hips?", "What is a good stretch for tight hips?") == 3)
        // Not the same words after it, or no clause of its own.
        #expect(length("Sorry for the trouble, but how do I reset my Roku remote?", "How do I reset a Roku remote?") == nil)
        #expect(length("Please explain how do I reset a Roku remote?", "How do I reset a Roku remote?") == nil)
        // A value, a negation or a question in it.
        #expect(length("I have 3 kids. Which car seat is safest?", "Which car seat is safest?") == nil)
        #expect(length("I'm flying from Denver. Which car seat is safest?", "Which car seat is safest?") == nil)
        #expect(length("I don't drive. Which car seat is safest?", "Which car seat is safest?") == nil)
        #expect(length("Is it raining? Which car seat is safest?", "Which car seat is safest?") == nil)
        // A time, a date or a closed-class word that changes questions is never social.
        #expect(length("Today, is the science museum open?", "Is the science museum open?") == nil)
        #expect(length("On Monday, is the science museum open?", "Is the science museum open?") == nil)
        #expect(length("Only for adults, is the science museum open?", "Is the science museum open?") == nil)
        #expect(length("Sorry if this is a silly question, but is the science museum open?", "Is the science museum open?") == 8)
        #expect(length("Good morning! Is the science museum open?", "Is the science museum open?") == 2)
        #expect(length("Which car seat is safest?", "Which car seat is safest?") == nil)
    }

    @Test func acceptedOnlyAtTheSimilarityAndWithUnrelatedWords() {
        let contextual = TableContextualVectors([
            "sorry": [1, 0, 0], "trouble": [1, 0, 0], "reset": [0, 1, 0], "roku": [0, 1, 0], "remote": [0, 0.6, 0.8],
            "beginner": [0, 0.8, 0.6], "complete": [1, 0, 0],
        ])
        let chain = VerifierChain(configuration: .strict, wordVectors: nil, contextualWordVectors: contextual)
        let (question, asked) = ("How do I reset a Roku remote?", "Sorry for the trouble, but how do I reset a Roku remote?")
        #expect(chain.verify(query: asked, candidate: question, similarity: 0.96) == nil)
        #expect(chain.verify(query: question, candidate: asked, similarity: 0.96) == nil)
        #expect(chain.verifyWithoutModelWork(query: asked, candidate: question, similarity: 0.96).isAccepted)
        // Below 0.95, or with the pair's cosine unknown, the checks decide (and refuse the extra words).
        #expect(chain.verify(query: asked, candidate: question, similarity: 0.94)?.check == "content-words")
        #expect(chain.verify(query: asked, candidate: question)?.check == "content-words")
        // A preamble word close to the question's words in context is not social.
        let related = "I'm a complete beginner. How do I reset a Roku remote?"
        #expect(chain.verify(query: related, candidate: question, similarity: 0.97) != nil)
        var unrelated = contextual.table
        unrelated["beginner"] = [1, 0, 0]
        #expect(VerifierChain(configuration: .strict, wordVectors: nil, contextualWordVectors: TableContextualVectors(unrelated)).verify(query: related, candidate: question, similarity: 0.97) == nil)
        // Switched off, or without contextual vectors to test relevance: never accepted.
        var off = VerifierConfiguration.strict
        off.preambleSimilarity = nil
        #expect(VerifierChain(configuration: off, wordVectors: nil, contextualWordVectors: contextual).verify(query: asked, candidate: question, similarity: 0.99) != nil)
        #expect(VerifierChain(configuration: .strict, wordVectors: nil).verify(query: asked, candidate: question, similarity: 0.99) != nil)
    }

    @Test func theModelsWordsInContextTellATopicalPreambleFromASocialOne() throws {
        let embedder = try ModelLocator.embedder()
        let contextual = EncoderContextualWordVectors(embedder: embedder)
        let chain = VerifierChain(configuration: .strict, wordVectors: try ModelLocator.wordVectors(), contextualWordVectors: contextual)
        let question = "How should I start learning the piano?"
        #expect(chain.verify(query: "Sorry to bother you again, but how should I start learning the piano?", candidate: question, similarity: 0.96) == nil)
        #expect(chain.verify(query: "I'm a complete beginner. How should I start learning the piano?", candidate: question, similarity: 0.96) != nil)
    }

    @Test func aSignOffIsReadLikeAPreamble() {
        func frame(_ longer: String, _ shorter: String) -> Preamble.Frame? { Preamble.frame(of: AnalyzedText(longer), around: AnalyzedText(shorter)) }
        let question = "How do I descale a kettle?"
        #expect(frame("How do I descale a kettle? Thanks in advance!", question) == Preamble.Frame(leading: 0, trailing: 3))
        #expect(frame("Hey! How do I descale a kettle? Thanks!", question) == Preamble.Frame(leading: 1, trailing: 1))
        #expect(frame("Hey! How do I descale a kettle?", question) == Preamble.Frame(leading: 1, trailing: 0))
        // A sign-off that asks, negates, restricts or carries a value is part of the question.
        #expect(frame("How do I descale a kettle? Thanks, and how often?", question) == nil)
        #expect(frame("How do I descale a kettle? No vinegar please.", question) == nil)
        #expect(frame("How do I descale a kettle? Only natural stuff.", question) == nil)
        #expect(frame("How do I descale a kettle? It's 2 litres.", question) == nil)
        #expect(frame("How do I descale a kettle? Today.", question) == nil)
        // Not its own clause.
        #expect(frame("How do I descale a kettle quickly", "How do I descale a kettle") == nil)
        // `length` still reads a preamble alone.
        #expect(length("Hey! How do I descale a kettle? Thanks!", question) == nil)
    }

    @Test func askingLeaveIsSocialAndADashEndsAClause() {
        let question = "How do I descale a kettle?"
        #expect(length("If you don't mind me asking, how do I descale a kettle?", question) == 7)
        #expect(length("Just curious — how do I descale a kettle?", question) == 2)
        // A question embedded after a verb of knowing.
        #expect(length("Hi! I'm comparing options and would love to know how do I descale a kettle?", question) == 9)
        #expect(length("I was wondering how do I descale a kettle?", question) == 3)
        // Not after another verb, nor before a word that opens no question.
        #expect(length("I want to see how do I descale a kettle?", question) == nil)
        // Any other negation still keeps a preamble out, social or not: the guards alone let a
        // negated constraint far from the question's words through.
        #expect(length("I don't have vinegar, so how do I descale a kettle?", question) == nil)
        #expect(length("Not looking for anything fancy, but how do I descale a kettle?", question) == nil)
    }

    @Test func wordsAboutTheAskingConstrainNothing() {
        let words = AnalyzedText("Sorry if this is awkward to ask, quick question, thanks in advance: booking in advance?").words
        let about = words.indices.filter { Preamble.isAboutAsking(words, $0) }.map { words[$0].lower }
        // "advance" only in "thanks in advance": booking in advance is a constraint.
        #expect(about == ["ask", "question", "advance"])
    }
}

extension VerifierChain.Step {
    var isAccepted: Bool {
        if case .decided(nil) = self { return true }
        return false
    }
}
