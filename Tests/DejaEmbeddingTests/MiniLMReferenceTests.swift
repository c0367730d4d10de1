import DejaEmbedding
import Foundation
import Testing

@Suite("all-MiniLM-L6-v2 against the reference implementation")
struct MiniLMReferenceTests {
    @Test("token ids match the reference tokenizer for every case")
    func tokenIDs() throws {
        let embedder = try TestSupport.embedder()
        let cases = TestSupport.reference.cases
        #expect(cases.count == 64)
        for reference in cases {
            let ids = embedder.tokenizer.encode(reference.text)
            #expect(ids == reference.token_ids, "case \(reference.id): \(reference.text.debugDescription)")
            #expect(embedder.tokenCount(reference.text) == reference.token_ids.count)
        }
    }

    @Test("embeddings match the reference within 1e-4 per component and cosine 0.9999")
    func embeddings() async throws {
        let embedder = try TestSupport.embedder()
        let cases = TestSupport.reference.cases
        #expect(cases.contains { $0.truncated })
        let vectors = try await embedder.embed(cases.map(\.text))
        #expect(vectors.count == cases.count)
        for (reference, vector) in zip(cases, vectors) {
            #expect(vector.count == 384)
            let cosine = TestSupport.cosine(vector, reference.embedding)
            let difference = TestSupport.maxAbsDifference(vector, reference.embedding)
            #expect(cosine >= 0.9999, "case \(reference.id): cosine \(cosine)")
            #expect(difference <= 1e-4, "case \(reference.id): max |diff| \(difference)")
        }
    }

    @Test("a batch gives the same vectors as one text at a time")
    func batchEqualsSingle() async throws {
        let embedder = try TestSupport.embedder()
        // Mixed lengths, so the batch pads short sentences up to the truncated 256-token ones.
        let texts = TestSupport.reference.cases.filter { [0, 19, 36, 43, 44, 47, 60].contains($0.id) }.map(\.text)
        let batch = try await embedder.embed(texts)
        for (text, batched) in zip(texts, batch) {
            let single = try await embedder.embed([text])[0]
            #expect(TestSupport.maxAbsDifference(single, batched) <= 1e-5, "\(text.prefix(40))")
        }
    }

    @Test("vectors are unit length and the reference's sanity pairs keep their order")
    func sanity() async throws {
        let embedder = try TestSupport.embedder()
        let vectors = try await embedder.embed([
            "What is the capital of France?", "What is the capital of Germany?", "What is the capital of Australia?",
            "How far is the Moon from Earth?", "What is the distance between the Earth and the Moon?",
        ])
        for vector in vectors {
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        #expect(TestSupport.cosine(vectors[3], vectors[4]) > TestSupport.cosine(vectors[0], vectors[2]))
    }
}
