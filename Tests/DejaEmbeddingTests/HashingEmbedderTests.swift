import DejaEmbedding
import Testing

@Suite("HashingEmbedder")
struct HashingEmbedderTests {
    func cosine(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("unit vectors of the configured dimension, the same on every call")
    func deterministic() async throws {
        let embedder = HashingEmbedder(dimension: 64)
        #expect(embedder.dimension == 64)
        #expect(embedder.name == "hashing-64")
        let first = try await embedder.embed(["Reset my password, please"])[0]
        let second = try await HashingEmbedder(dimension: 64).embed(["reset MY password please!"])[0]
        #expect(first.count == 64)
        #expect(abs(first.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(first == second)  // case and punctuation do not matter
    }

    @Test("shared words score higher than different words; it is lexical, not semantic")
    func lexical() async throws {
        let embedder = HashingEmbedder()
        let vectors = try await embedder.embed([
            "how do I reset my password", "reset my password how do I", "the weather in Paris tomorrow",
        ])
        #expect(cosine(vectors[0], vectors[1]) > 0.5)
        #expect(cosine(vectors[0], vectors[1]) < 0.999)  // bigrams make word order count a little
        #expect(cosine(vectors[0], vectors[2]) < 0.3)
    }

    @Test("texts without letters or digits embed as the zero vector; too many texts throw")
    func edges() async throws {
        let embedder = HashingEmbedder(maxInputsPerCall: 100)
        let vectors = try await embedder.embed(["", "?!", "a"])
        #expect(vectors[0].allSatisfy { $0 == 0 })
        #expect(vectors[1].allSatisfy { $0 == 0 })
        #expect(!vectors[2].allSatisfy { $0 == 0 })
        #expect(try await embedder.embed([]).isEmpty)
        await #expect(throws: EmbeddingError.tooManyInputs) {
            try await HashingEmbedder().embed([String](repeating: "x", count: 10_000))
        }
    }
}
