import DejaEmbedding
import Foundation
import Synchronization
import Testing

@Suite("MiniLMEmbedder behaviour")
struct MiniLMEmbedderTests {
    @Test("no texts give no vectors; an empty string embeds as [CLS] [SEP]")
    func emptyInputs() async throws {
        let embedder = try TestSupport.embedder()
        #expect(try await embedder.embed([]).isEmpty)
        #expect(embedder.tokenCount("") == 2)
        #expect(embedder.tokenizer.encode("") == [101, 102])
        let vectors = try await embedder.embed(["", "   \t\n  "])
        let reference = TestSupport.reference.cases.first { $0.id == 47 }!.embedding
        #expect(TestSupport.maxAbsDifference(vectors[0], reference) <= 1e-4)
        #expect(TestSupport.maxAbsDifference(vectors[0], vectors[1]) <= 1e-6)
    }

    @Test("more than maxInputsPerCall texts throw tooManyInputs; up to the limit is accepted")
    func inputLimit() async throws {
        let embedder = try TestSupport.embedder()
        #expect(embedder.configuration.maxInputsPerCall == 2048)
        let tooMany = (0..<10_000).map { "text \($0)" }
        await #expect(throws: EmbeddingError.tooManyInputs) { try await embedder.embed(tooMany) }
        await #expect(throws: EmbeddingError.tooManyInputs) { try await embedder.embed(Array(tooMany.prefix(2049))) }

        // The boundary itself, with a small limit so the test stays quick in debug builds.
        let small = try MiniLMEmbedder(configuration: .init(modelDirectory: TestSupport.modelDirectory, maxInputsPerCall: 40))
        let atLimit = (0..<40).map { "word\($0 % 7)" }
        let vectors = try await small.embed(atLimit)
        #expect(vectors.count == 40)
        #expect(TestSupport.maxAbsDifference(vectors[0], vectors[7]) <= 1e-5)
        await #expect(throws: EmbeddingError.tooManyInputs) { try await small.embed(atLimit + ["one more"]) }
    }

    @Test("word pieces and their input embeddings come from the model's own table")
    func inputEmbeddings() throws {
        let embedder = try TestSupport.embedder()
        let pieces = embedder.inputEmbeddings(of: "Playing kittens")
        #expect(pieces.map(\.token) == embedder.tokenizer.wordPieces("Playing kittens").map { embedder.tokenizer.token(for: $0)! })
        #expect(pieces.allSatisfy { $0.vector.count == 384 })
        let cat = try #require(embedder.tokenizer.id(for: "cat"))
        let row = try #require(embedder.inputEmbedding(forTokenID: cat))
        let file = try SafeTensorsFile(contentsOf: TestSupport.modelDirectory.appendingPathComponent("model.safetensors"))
        let table = try file.floats("embeddings.word_embeddings.weight", shape: [30522, 384])
        #expect(row == Array(table[(Int(cat) * 384)..<(Int(cat) * 384 + 384)]))
        #expect(embedder.inputEmbedding(forTokenID: 30522) == nil)
        #expect(embedder.inputEmbedding(forTokenID: -1) == nil)
    }

    @Test("name and dimension")
    func identity() throws {
        let embedder = try TestSupport.embedder()
        #expect(embedder.dimension == 384)
        #expect(embedder.name == "sentence-transformers/all-MiniLM-L6-v2")
    }

    @Test("concurrent calls give the same vectors as sequential ones")
    func concurrentCalls() async throws {
        let embedder = try TestSupport.embedder()
        let texts = ["What is the capital of France?", "Cancel my subscription, please.", "서울의 날씨는 어때요?", "a"]
        let sequential = try await embedder.embed(texts)
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await embedder.embed([text])[0]) }
            }
            var results = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { results[index] = vector }
            return results
        }
        for (a, b) in zip(sequential, concurrent) {
            #expect(TestSupport.maxAbsDifference(a, b) <= 1e-5)
        }
    }

    @Test("reporting token states: the same vectors, and each text's states as a pass of its own computes them")
    func reportingTokenStates() async throws {
        let embedder = try TestSupport.embedder()
        // Different lengths, so that the batched pass pads the shorter texts.
        let texts = ["How far is the Moon?", "Cancel my subscription, please, I am moving abroad next month.", "a", ""]
        let recorder = StateRecorder()
        let reported = try await TokenStateReportingEmbedder(embedder, observer: recorder).embed(texts)
        let plain = try embedder.embedSynchronously(texts)
        for (a, b) in zip(reported, plain) { #expect(TestSupport.maxAbsDifference(a, b) <= 1e-6) }
        let seen = recorder.seen.withLock { $0 }
        #expect(seen.map(\.text).sorted() == texts.sorted())
        for (text, tokens, wordOffsets, states) in seen {
            #expect(tokens == embedder.tokenizer.encode(text))
            #expect(wordOffsets == embedder.tokenizer.encodeWithWordOffsets(text).wordOffsets)
            let alone = embedder.tokenStates(tokens)
            #expect(states.count == tokens.count * embedder.dimension)
            for (row, state) in alone.enumerated() {
                let reportedRow = Array(states[(row * embedder.dimension)..<((row + 1) * embedder.dimension)])
                #expect(TestSupport.maxAbsDifference(reportedRow, state) <= 1e-4, "\(text) row \(row)")
            }
        }
        #expect(TokenStateReportingEmbedder(embedder, observer: recorder).dimension == embedder.dimension)
    }
}

/// Records every text's tokens and token states it is handed.
final class StateRecorder: TokenStateObserver {
    let seen = Mutex<[(text: String, tokens: [Int32], wordOffsets: [Int32], states: [Float])]>([])
    func encoder(didEncode encoded: EncodedText) {
        seen.withLock { $0.append((encoded.text, encoded.tokens, encoded.wordOffsets, Array(encoded.states))) }
    }
}
