import DejaEmbedding
import DejaVerifier
import Testing

/// The verifier's memos stay within their byte budgets whatever the texts' length.
@Suite struct VerifierMemoBudgetTests {
    @Test func analysisMemoStaysWithinItsByteBudget() {
        var configuration = VerifierConfiguration.balanced
        configuration.memoizedAnalysisBytes = 256 * 1024
        let chain = VerifierChain(configuration: configuration, wordVectors: nil)
        var peak = 0
        for index in 0..<400 {
            // Up to about 4,000 characters: the longest texts the verifier analyses.
            let text = Array(repeating: "word\(index) and more words", count: 1 + index % 150).joined(separator: " ")
            _ = chain.analyze(text)
            peak = max(peak, chain.memoizedAnalysisBytes)
            #expect(chain.memoizedAnalysisBytes <= configuration.memoizedAnalysisBytes)
        }
        #expect(peak > configuration.memoizedAnalysisBytes / 2)
        #expect(chain.memoizedAnalysisCount > 0)
        // A memoised analysis is served again.
        let text = "What is the capital of France?"
        _ = chain.analyze(text)
        let count = chain.memoizedAnalysisCount
        _ = chain.analyze(text)
        #expect(chain.memoizedAnalysisCount == count)
    }

    @Test func analysisMemoCountStillBinds() {
        var configuration = VerifierConfiguration.balanced
        configuration.memoizedAnalyses = 10
        let chain = VerifierChain(configuration: configuration, wordVectors: nil)
        for index in 0..<25 { _ = chain.analyze("question number \(index)") }
        #expect(chain.memoizedAnalysisCount <= 10)
        #expect(chain.memoizedAnalysisBytes > 0)
        #expect(VerifierConfiguration().memoizedAnalysisBytes == 16 << 20)
    }

    @Test func thresholdVerifierSharesOneBudgetedMemo() {
        let verifier = ThresholdVerifier(adjust: { $0.memoizedAnalysisBytes = 64 * 1024 }, wordVectors: nil)
        for index in 0..<200 { _ = verifier.strict.analyze(String(repeating: "term\(index) ", count: 40)) }
        #expect(verifier.balanced.memoizedAnalysisBytes == verifier.strict.memoizedAnalysisBytes)
        #expect(verifier.aggressive.memoizedAnalysisBytes <= 64 * 1024)
    }

    @Test func contextualMemoStaysWithinItsByteBudget() throws {
        let embedder = try ModelLocator.embedder()
        let budget = 256 * 1024
        let contextual = EncoderContextualWordVectors(embedder: embedder, capacity: 4096, byteBudget: budget)
        #expect(contextual.byteBudget == budget)
        var peak = 0
        for index in 0..<120 {
            let text = Array(repeating: "customer\(index) support phone number", count: 1 + index % 20).joined(separator: ", ")
            let (ids, offsets) = embedder.tokenizer.encodeWithWordOffsets(text)
            let states = [Float](repeating: 0.5, count: ids.count * embedder.dimension)
            states.withUnsafeBufferPointer { buffer in
                contextual.encoder(didEncode: EncodedText(text: text, tokens: ids, wordOffsets: offsets, states: buffer))
            }
            peak = max(peak, contextual.memoisedBytes)
            #expect(contextual.memoisedBytes <= budget)
        }
        #expect(peak > budget / 2)
        #expect(contextual.memoisedTexts > 0)
        // A text over the analysis bound is not memoised.
        let long = String(repeating: "word ", count: 1000)
        let (ids, offsets) = embedder.tokenizer.encodeWithWordOffsets(long)
        let before = contextual.memoisedTexts
        [Float](repeating: 0.5, count: ids.count * embedder.dimension).withUnsafeBufferPointer { buffer in
            contextual.encoder(didEncode: EncodedText(text: long, tokens: ids, wordOffsets: offsets, states: buffer))
        }
        #expect(!contextual.isReady(for: AnalyzedText(long, maximumCharacters: 4096)))
        #expect(contextual.memoisedTexts <= before)
    }

    @Test func wordVectorMemoStaysWithinItsByteBudget() throws {
        let embedder = try ModelLocator.embedder()
        let budget = 64 * 1024
        let vectors = InputEmbeddingWordVectors(embedder: embedder, centred: false, byteBudget: budget)
        for index in 0..<300 {
            // Punctuation-joined "words" are as long as the analysed text allows.
            let word = Array(repeating: "ab", count: 1 + index % 40).joined(separator: "!") + "\(index)"
            _ = vectors.vector(for: word)
            #expect(vectors.memoisedBytes <= budget)
        }
        #expect(vectors.memoisedWords > 0)
        #expect(vectors.vector(for: "coffee") != nil)
    }
}
