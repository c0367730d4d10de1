import DejaEmbedding
import Foundation
import Testing

/// The model end to end in each precision, against the reference embeddings of the fixture.
@Suite("Encoder precision: int8, w8a8 and bf16 against the reference model")
struct EncoderPrecisionTests {
    static func load(_ precision: EncoderPrecision, kernel: EncoderKernel? = nil) throws -> MiniLMEmbedder {
        try MiniLMEmbedder(configuration: .init(modelDirectory: TestSupport.modelDirectory, precision: precision, kernel: kernel))
    }

    static let int8 = Result { try load(.int8) }
    static let bf16 = Result { try load(.bf16) }
    static let w8a8 = Result { try load(.w8a8) }

    /// Cosines of `embedder`'s vectors to the reference ones, for the fixture cases `filter` keeps.
    static func cosines(_ embedder: MiniLMEmbedder, where filter: (TestSupport.Reference.Case) -> Bool = { _ in true }) throws -> [Double] {
        let cases = TestSupport.reference.cases.filter(filter)
        let vectors = try embedder.embedSynchronously(cases.map(\.text))
        return zip(cases, vectors).map { TestSupport.cosine($1, $0.embedding) }
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    @Test("int8: every fixture text at cosine ≥ 0.995 to the reference, the median ≥ 0.999")
    func int8WithinBounds() throws {
        let embedder = try Self.int8.get()
        #expect(embedder.precision == .int8)
        #expect(embedder.precisionChecks.isEmpty, "an explicit precision runs no check")
        let cosines = try Self.cosines(embedder)
        #expect(cosines.count == 64)
        #expect(cosines.min()! >= 0.995, "least cosine \(cosines.min()!)")
        #expect(Self.median(cosines) >= 0.999, "median cosine \(Self.median(cosines))")
        // Not the fp32 path under another name: int8 rounding shows in every vector.
        #expect(cosines.max()! < 0.999_999)
    }

    @Test("w8a8: every fixture text at cosine ≥ 0.995, the median ≥ 0.999; int8 where the AVX-512 kernel does not run")
    func w8a8WithinBounds() throws {
        let embedder = try Self.w8a8.get()
        guard embedder.kernel == .avx512 else {
            // Without AVX-512 VNNI the 8-bit product would run the portable loop: int8 instead.
            #expect(embedder.precision == .int8)
            return
        }
        #expect(embedder.precision == .w8a8)
        let cosines = try Self.cosines(embedder)
        #expect(cosines.min()! >= 0.995, "least cosine \(cosines.min()!)")
        #expect(Self.median(cosines) >= 0.999, "median cosine \(Self.median(cosines))")
        // Not int8 under another name: its vectors differ from int8's.
        let int8 = try Self.cosines(try Self.int8.get())
        #expect(zip(cosines, int8).contains { abs($0 - $1) > 1e-4 })
        // Forced onto the AVX2 kernel, the same configuration runs int8.
        #expect(try Self.load(.w8a8, kernel: .avx2).precision == .int8)
    }

    @Test("w8a8's smoothing evens each channel's range between activations and weights")
    func w8a8SmoothingIsCalibrated() throws {
        let embedder = try Self.w8a8.get()
        guard embedder.kernel == .avx512 else { return }
        let factors = try #require(embedder.smoothingFactors)
        #expect(factors.count == 6 && factors.allSatisfy { $0.count == 4 })
        #expect(factors[0].map(\.count) == [384, 384, 384, 1_536])
        let all = factors.flatMap { $0.flatMap { $0 } }
        #expect(all.allSatisfy { $0.isFinite && $0 > 0 })
        // BERT's outlier channels get factors far from the median one.
        let sorted = all.sorted()
        #expect(sorted.last! / sorted[sorted.count / 2] > 4)
    }

    @Test("bf16: every fixture text at cosine ≥ 0.9995 to the reference")
    func bf16WithinBounds() throws {
        let embedder = try Self.bf16.get()
        #expect(embedder.precision == .bf16)
        let cosines = try Self.cosines(embedder)
        #expect(cosines.min()! >= 0.9995, "least cosine \(cosines.min()!)")
        #expect(cosines.max()! < 0.999_999_9)
    }

    @Test("the portable kernels give the same vectors as the CPU's best, forced as DEJA_ENCODER_KERNEL=portable would")
    func portableKernelAgrees() throws {
        let forced = EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": "portable"])
        let portable = try Self.load(.int8, kernel: forced)
        #expect(portable.kernel == .portable)
        let best = try Self.int8.get()
        // Short texts only: the portable loops are slow.
        let texts = TestSupport.reference.cases.filter { $0.token_ids.count <= 24 }.prefix(12).map(\.text)
        let a = try portable.embedSynchronously(Array(texts))
        let b = try best.embedSynchronously(Array(texts))
        for (x, y) in zip(a, b) { #expect(TestSupport.cosine(x, y) >= 0.999_99) }
        let bf16 = try Self.load(.bf16, kernel: forced)
        for (vector, reference) in zip(try bf16.embedSynchronously(Array(texts)), try Self.bf16.get().embedSynchronously(Array(texts))) {
            #expect(TestSupport.cosine(vector, reference) >= 0.999_99)
        }
    }

    @Test("auto tries int8 then bf16 (never w8a8) and keeps the first whose load-time check passes, else fp32")
    func autoChoosesByCheck() throws {
        let embedder = try Self.load(.auto)
        let checks = embedder.precisionChecks
        #expect(checks.first?.precision == .int8)
        #expect(!checks.contains { $0.precision == .w8a8 } && embedder.precision != .w8a8)
        #expect(checks.allSatisfy { $0.minimumCosine > 0.9 && $0.minimumCosine <= 1.0001 })
        let expected = checks.first(where: \.passed)?.precision ?? .fp32
        #expect(embedder.precision == expected)
        #expect(checks.last?.passed == true || embedder.precision == .fp32)
        if let first = checks.first { #expect(first.passed == (first.minimumCosine >= 0.995)) }
        #expect(try Self.load(.fp32).precisionChecks.isEmpty)
        #expect(try Self.load(.fp32).precision == .fp32)
    }

    @Test("int8: a batch gives each text the vector it gets alone (quantisation is per row)")
    func int8BatchEqualsSingle() throws {
        let embedder = try Self.int8.get()
        let texts = TestSupport.reference.cases.filter { [0, 19, 36, 43, 60].contains($0.id) }.map(\.text)
        let batch = try embedder.embedSynchronously(texts)
        for (text, batched) in zip(texts, batch) {
            let single = try embedder.embedSynchronously([text])[0]
            #expect(TestSupport.maxAbsDifference(single, batched) <= 1e-5, "\(text.prefix(40))")
        }
    }
}
