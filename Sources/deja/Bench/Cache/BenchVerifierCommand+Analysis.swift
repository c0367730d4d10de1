import DejaEmbedding
import DejaVerifier
import Foundation

extension BenchVerifierCommand {
    /// Times, per prompt shape, what the cache runs on a final user message of `bytes` bytes
    /// besides the encoder pass: the encoder's tokenization (with word offsets, as when token
    /// states are reported), the verifier's preparation of the text from that pass
    /// (`ThresholdVerifier.encoder(didEncode:)`) and the verification of a candidate without model
    /// work. For reference it also times `AnalyzedText` over the whole text, which the verifier no
    /// longer does (it analyses at most `maximumAnalysedCharacters`). Prints p50 and max.
    func runAnalysis(bytes: Int, directory: URL) throws {
        let model = try MiniLMEmbedder(configuration: .init(modelDirectory: directory))
        let verifier = DefaultVerifier.presets(embedder: model, wordVectors: InputEmbeddingWordVectors(embedder: model, centred: false))
        let tokenizer = model.tokenizer
        let candidate = "What is the capital of France?"
        print("analysis of a \(bytes)-byte prompt, \(analyseRuns) runs each (release figures are the ones that count)")
        for (name, prompt) in Self.analysisPrompts(bytes: bytes) {
            var cacheMillis: [Double] = []
            var wholeMillis: [Double] = []
            var encoding: WordPieceTokenizer.Encoding?
            var verdict: Verdict?
            for _ in 0..<analyseRuns {
                let start = ContinuousClock.now
                let encoded = tokenizer.encoding(prompt, withWordOffsets: true)
                verifier.encoder(didEncode: EncodedText(text: prompt, tokens: encoded.ids, wordOffsets: encoded.wordOffsets, states: UnsafeBufferPointer(start: nil, count: 0)))
                let chain = verifier.chain(forThreshold: 0.95)
                if case .decided(let decided) = chain.verifyWithoutModelWork(query: prompt, candidate: candidate) { verdict = decided }
                cacheMillis.append((ContinuousClock.now - start).microseconds / 1000)
                encoding = encoded

                let whole = ContinuousClock.now
                _ = AnalyzedText(prompt)
                wholeMillis.append((ContinuousClock.now - whole).microseconds / 1000)
            }
            print(String(
                format: "%@ (%d bytes, %d tokens%@, verdict %@): tokenize + verifier p50 %.3f ms, max %.3f ms; whole-text AnalyzedText p50 %.1f ms, max %.1f ms",
                name, prompt.utf8.count, encoding?.ids.count ?? 0, encoding?.isTruncated == true ? ", truncated" : "", verdict?.check ?? "accept",
                BenchCacheCommand.percentile(cacheMillis, 0.5), cacheMillis.max() ?? 0,
                BenchCacheCommand.percentile(wholeMillis, 0.5), wholeMillis.max() ?? 0))
        }
    }

    /// Prompts of about `bytes` bytes: realistic prose (questions, numbers, names, code, quotes),
    /// one digit run, and digits with punctuation.
    static func analysisPrompts(bytes: Int) -> [(String, String)] {
        let paragraphs = [
            "Can you explain why my Python script, which reads a 2.5 GB CSV file with pandas, runs out of memory on a laptop with 16 GB?",
            "I'm travelling from London to New York on 12 March and want to know whether I need a visa, and what the baggage allowance is.",
            "Here is the function: `def merge(a, b): return sorted(a + b)`. It works, but it's slow for lists of 1,000,000 items; how do I speed it up?",
            "\"The quick brown fox\" is a pangram. Translate it into German, then count the letters, excluding spaces and punctuation.",
            "Our order #12345 was shipped on Monday but hasn't arrived; the tracking page at https://example.com/track says 'in transit'.",
            "Compare the pros and cons of PostgreSQL vs. MySQL for a read-heavy workload of 5,000 requests per second, with 30% writes.",
        ]
        var prose = ""
        var index = 0
        while prose.utf8.count < bytes {
            prose += paragraphs[index % paragraphs.count] + (index % 3 == 2 ? "\n\n" : " ")
            index += 1
        }
        let digits = String(repeating: "1234567890", count: bytes / 10 + 1)
        var punctuated = "1"
        while punctuated.utf8.count < bytes {
            punctuated += index % 2 == 0 ? ".2.3.4" : ",000,000"
            index += 1
        }
        return [
            ("realistic text", String(decoding: prose.utf8.prefix(bytes), as: UTF8.self)),
            ("digit run", String(digits.prefix(bytes))),
            ("digits with punctuation", String(punctuated.prefix(bytes))),
        ]
    }
}
