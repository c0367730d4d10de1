import CEncoderKernels
import DejaEmbedding
import Foundation
import Testing

/// The low-precision products against a double-precision reference, on every kernel this CPU
/// runs (the portable one always), with odd shapes so tails and padding are exercised.
@Suite("Encoder kernels: int8 and bf16 products")
struct EncoderKernelTests {
    /// Deterministic values in [-1, 1) (a linear congruential generator), so failures reproduce.
    struct Values {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2_000_000) / 1_000_000 - 1
        }
        mutating func matrix(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in next() * scale } }
    }

    static let kernels = EncoderKernel.allCases.filter(\.isSupported)
    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (1, 1, 1), (1, 384, 1152), (5, 3, 17), (7, 17, 15), (13, 385, 40), (16, 1536, 384), (97, 64, 33),
    ]

    /// Exact product of row-major `a` (m × k) and `w` (k × n) plus bias, in double.
    static func reference(_ a: [Float], _ w: [Float], bias: [Float]?, m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(bias?[j] ?? 0)
                for t in 0..<k { sum += Double(a[i * k + t]) * Double(w[t * n + j]) }
                c[i * n + j] = sum
            }
        }
        return c
    }

    /// ‖x − y‖ / ‖y‖.
    static func relativeError(_ x: [Float], _ y: [Double]) -> Double {
        var error = 0.0, norm = 0.0
        for (a, b) in zip(x, y) {
            error += (Double(a) - b) * (Double(a) - b)
            norm += b * b
        }
        return norm == 0 ? error.squareRoot() : (error / norm).squareRoot()
    }

    struct Q8 {
        var packed: [Int8]
        var scales: [Float]
        init(_ w: [Float], k: Int, n: Int) {
            packed = [Int8](repeating: 0, count: deja_q8_packed_bytes(k, n) + 32)
            scales = [Float](repeating: 0, count: n)
            // The kernels read panels with aligned loads: pack into an aligned buffer.
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: deja_q8_packed_bytes(k, n), alignment: 64)
            defer { buffer.deallocate() }
            deja_q8_pack(w, k, n, n, buffer.assumingMemoryBound(to: Int8.self), &scales)
            packed = Array(UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: Int8.self), count: deja_q8_packed_bytes(k, n)))
        }

        /// The weight the packed form stands for: q · scale.
        func dequantized(k: Int, n: Int) -> [Float] {
            let kp = (k + 1) / 2 * 2
            var w = [Float](repeating: 0, count: k * n)
            for j in 0..<n {
                let panel = (j / 16) * kp * 16
                let half = (j % 16) / 8, lane = (j % 16) % 8
                for t in 0..<k { w[t * n + j] = Float(packed[panel + (t / 2) * 32 + half * 16 + lane * 2 + (t & 1)]) * scales[j] }
            }
            return w
        }

        func run(kernel: Int32, _ a: [Float], bias: [Float]?, m: Int, k: Int, n: Int) -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            var scratch = [Int16](repeating: 0, count: deja_q8_scratch_elements(m, k))
            var rowScales = [Float](repeating: 0, count: m)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(packed.count, 1), alignment: 64)
            defer { buffer.deallocate() }
            packed.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: packed.count) }
            deja_q8_gemm(kernel, m, k, n, a, k, buffer.assumingMemoryBound(to: Int8.self), scales, bias, &c, n, &scratch, &rowScales)
            return c
        }
    }

    static func bf16(kernel: Int32, _ a: [Float], _ w: [Float], bias: [Float]?, m: Int, k: Int, n: Int) -> [Float] {
        let elements = deja_bf16_packed_elements(k, n)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(elements * 2, 2), alignment: 64)
        defer { buffer.deallocate() }
        let packed = buffer.assumingMemoryBound(to: UInt16.self)
        deja_bf16_pack(w, k, n, n, packed)
        var c = [Float](repeating: .nan, count: m * n)
        deja_bf16_gemm(kernel, m, k, n, a, k, packed, bias, &c, n)
        return c
    }

    @Test("int8: exact integer sums of the quantised operands, and within quantisation error of the true product", arguments: kernels)
    func int8MatchesReference(kernel: EncoderKernel) {
        var values = Values(state: 7)
        for (m, k, n) in Self.shapes {
            let a = values.matrix(m * k, scale: 3)
            let w = values.matrix(k * n, scale: 0.1)
            let bias = n % 2 == 0 ? values.matrix(n) : nil
            let q8 = Q8(w, k: k, n: n)
            let c = q8.run(kernel: kernel.rawValue, a, bias: bias, m: m, k: k, n: n)
            // Against the quantised operands (activations quantised the kernel's way): only
            // float rounding of the final scaling differs.
            var quantizedA = a
            for i in 0..<m {
                let largest = (0..<k).map { abs(a[i * k + $0]) }.max()!
                let levels = deja_q8_activation_levels(k)
                let scale = largest / levels
                for t in 0..<k {
                    quantizedA[i * k + t] = largest > 0 ? (a[i * k + t] * (levels / largest)).rounded(.toNearestOrEven) * scale : 0
                }
            }
            let exact = Self.reference(quantizedA, q8.dequantized(k: k, n: n), bias: bias, m: m, k: k, n: n)
            #expect(Self.relativeError(c, exact) < 1e-5, "\(kernel) \(m)×\(k)×\(n) against the quantised operands")
            // Against the float operands: per-channel and per-row int8 errors, about 1 % relative.
            let error = Self.relativeError(c, Self.reference(a, w, bias: bias, m: m, k: k, n: n))
            #expect(error < (k == 1 ? 0.01 : 0.03), "\(kernel) \(m)×\(k)×\(n): relative error \(error)")
            #expect(!c.contains { $0.isNaN }, "every output element written")
        }
    }

    @Test("bf16: the product of the rounded weights, within bf16 rounding of the true product", arguments: kernels)
    func bf16MatchesReference(kernel: EncoderKernel) {
        var values = Values(state: 11)
        for (m, k, n) in Self.shapes {
            let a = values.matrix(m * k, scale: 3)
            let w = values.matrix(k * n, scale: 0.1)
            let bias = n % 2 == 1 ? values.matrix(n) : nil
            let c = Self.bf16(kernel: kernel.rawValue, a, w, bias: bias, m: m, k: k, n: n)
            let rounded = w.map { deja_bf16_to_float(deja_bf16_from_float($0)) }
            #expect(Self.relativeError(c, Self.reference(a, rounded, bias: bias, m: m, k: k, n: n)) < 1e-5, "\(kernel) \(m)×\(k)×\(n)")
            let error = Self.relativeError(c, Self.reference(a, w, bias: bias, m: m, k: k, n: n))
            #expect(error < 0.005, "\(kernel) \(m)×\(k)×\(n): relative error \(error)")
            #expect(!c.contains { $0.isNaN })
        }
    }

    @Test("every supported kernel gives the portable kernel's result bit for bit; an unknown kernel falls back to it")
    func kernelsAgree() {
        // Equal, not close: every kernel sums the same integers (int8) or runs the same float32
        // FMAs in the same order (bf16), so instances on different CPUs compute the same
        // products. The shapes cover partial panels, odd panel counts (the AVX-512 tile takes
        // two panels at a time), row counts that split into uneven tiles and a second row chunk.
        var values = Values(state: 3)
        for (m, k, n) in Self.shapes + [(11, 385, 47), (25, 100, 47), (16, 384, 1_152), (200, 70, 48)] {
            let a = values.matrix(m * k, scale: 3)
            let w = values.matrix(k * n, scale: 0.2)
            let bias = values.matrix(n)
            let q8 = Q8(w, k: k, n: n)
            let portableQ8 = q8.run(kernel: EncoderKernel.portable.rawValue, a, bias: bias, m: m, k: k, n: n)
            let portableBF16 = Self.bf16(kernel: EncoderKernel.portable.rawValue, a, w, bias: bias, m: m, k: k, n: n)
            for kernel in Self.kernels {
                #expect(q8.run(kernel: kernel.rawValue, a, bias: bias, m: m, k: k, n: n) == portableQ8, "\(kernel) int8 \(m)×\(k)×\(n)")
                #expect(Self.bf16(kernel: kernel.rawValue, a, w, bias: bias, m: m, k: k, n: n) == portableBF16, "\(kernel) bf16 \(m)×\(k)×\(n)")
            }
            #expect(q8.run(kernel: 7, a, bias: bias, m: m, k: k, n: n) == portableQ8)
            #expect(Self.bf16(kernel: 7, a, w, bias: bias, m: m, k: k, n: n) == portableBF16)
        }
        #expect(deja_encoder_kernel_supported(7) == 0)
    }

    @Test("GELU matches the exact erf form in double to 1e-6 (about eight float ulps), tails included", arguments: kernels)
    func geluMatchesReference(kernel: EncoderKernel) {
        var values = Values(state: 13)
        // Odd length: the vector loop and its scalar tail; wide range: both clamps of erf.
        var x = values.matrix(1001, scale: 6) + [0, -0, 10, -10, 3.999, -4.001]
        let input = x
        deja_gelu_f32(kernel.rawValue, &x, x.count)
        for (value, result) in zip(input, x) {
            let exact = 0.5 * Double(value) * (1 + Foundation.erf(Double(value) / 2.0.squareRoot()))
            #expect(abs(Double(result) - exact) <= 1e-6 * max(1, abs(exact)), "\(kernel) gelu(\(value)) = \(result), exact \(exact)")
        }
    }

    @Test("LayerNorm (with and without a residual) matches a double-precision reference", arguments: kernels)
    func layerNormMatchesReference(kernel: EncoderKernel) {
        var values = Values(state: 17)
        for width in [384, 8, 12] {  // 12: not a multiple of the vector width
            let rows = 5
            let x = values.matrix(rows * width, scale: 4).map { $0 + 3 }  // an offset the mean removes
            let residual = values.matrix(rows * width)
            let gamma = values.matrix(width).map { 1 + $0 / 4 }
            let beta = values.matrix(width, scale: 0.1)
            for withResidual in [true, false] {
                var y = x
                if withResidual {
                    deja_add_layer_norm_f32(kernel.rawValue, &y, residual, rows, width, gamma, beta, 1e-12)
                } else {
                    deja_add_layer_norm_f32(kernel.rawValue, &y, nil, rows, width, gamma, beta, 1e-12)
                }
                for r in 0..<rows {
                    let line = (0..<width).map { Double(x[r * width + $0]) + (withResidual ? Double(residual[r * width + $0]) : 0) }
                    let mean = line.reduce(0, +) / Double(width)
                    let variance = line.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
                    for i in 0..<width {
                        let exact = (line[i] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[i]) + Double(beta[i])
                        #expect(abs(Double(y[r * width + i]) - exact) <= 2e-5 * max(1, abs(exact)), "\(kernel) width \(width) row \(r)")
                    }
                }
            }
        }
    }

    @Test("attention matches a double-precision softmax(QKᵀ·scale)·V per head, for one token and many", arguments: kernels)
    func attentionMatchesReference(kernel: EncoderKernel) {
        var values = Values(state: 19)
        for (n, heads, d) in [(1, 2, 8), (15, 12, 32), (40, 3, 16), (7, 2, 12)] {  // d = 12: not a vector multiple
            let width = heads * d
            let stride = 3 * width + 5  // a padded row, as a strided view into a wider buffer
            let qkv = values.matrix(n * stride, scale: 2)
            var context = [Float](repeating: .nan, count: n * width)
            var scratch = [Float](repeating: .nan, count: deja_attention_scratch_elements(n, d))
            let scale = 1 / Float(d).squareRoot()
            deja_attention_f32(kernel.rawValue, qkv, stride, n, heads, d, scale, &context, width, &scratch)
            for h in 0..<heads {
                for i in 0..<n {
                    let q = (0..<d).map { Double(qkv[i * stride + h * d + $0]) }
                    let scores = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + q[$1] * Double(qkv[j * stride + width + h * d + $1]) } * Double(scale) }
                    let largest = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - largest) }
                    let total = weights.reduce(0, +)
                    for t in 0..<d {
                        let exact = (0..<n).reduce(0.0) { $0 + weights[$1] / total * Double(qkv[$1 * stride + 2 * width + h * d + t]) }
                        #expect(abs(Double(context[i * width + h * d + t]) - exact) <= 2e-5, "\(kernel) n \(n) head \(h) token \(i)")
                    }
                }
            }
        }
    }

    @Test("bf16 conversion: exact where representable, nearest-even rounding, NaN and infinity kept")
    func bf16RoundTrip() {
        for value: Float in [0, -0, 1, -2.5, 3.140625, 65_280, .infinity, -.infinity, .leastNormalMagnitude] {
            #expect(deja_bf16_to_float(deja_bf16_from_float(value)) == value, "\(value)")
        }
        // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties go to the even mantissa (1).
        #expect(deja_bf16_to_float(deja_bf16_from_float(1 + 0x1p-8)) == 1)
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: to the even one, 1 + 2⁻⁶.
        #expect(deja_bf16_to_float(deja_bf16_from_float(1 + 3 * 0x1p-8)) == 1 + 0x1p-6)
        // Just above halfway rounds up; the largest float rounds to infinity.
        #expect(deja_bf16_to_float(deja_bf16_from_float(1 + 0x1p-8 + 0x1p-20)) == 1 + 0x1p-7)
        #expect(deja_bf16_to_float(deja_bf16_from_float(.greatestFiniteMagnitude)) == .infinity)
        #expect(deja_bf16_to_float(deja_bf16_from_float(.nan)).isNaN)
        var values = Values(state: 5)
        for value in values.matrix(1000, scale: 100) {
            let back = deja_bf16_to_float(deja_bf16_from_float(value))
            #expect(abs(back - value) <= abs(value) * 0x1p-8, "\(value) → \(back): more than half a bf16 unit")
        }
    }

    @Test("activations get 14 bits, fewer only where an int32 sum of 127 · levels · depth could overflow")
    func activationLevels() {
        #expect(deja_q8_activation_levels(1) == 8191)
        #expect(deja_q8_activation_levels(1536) == 8191)
        #expect(deja_q8_activation_levels(2064) == 8191)
        for k in [2066, 4096, 100_000] {
            let levels = Double(deja_q8_activation_levels(k))
            #expect(levels < 8191)
            #expect(127 * levels * Double(k) <= Double(Int32.max))
            #expect(127 * (levels + 1) * Double(k) > Double(Int32.max), "the largest safe level count")
        }
        // A deep product stays exact at its narrower level count.
        var values = Values(state: 21)
        let (m, k, n) = (2, 4100, 3)
        let a = values.matrix(m * k, scale: 10)
        let w = values.matrix(k * n)
        let c = Q8(w, k: k, n: n).run(kernel: EncoderKernel.best.rawValue, a, bias: nil, m: m, k: k, n: n)
        #expect(Self.relativeError(c, Self.reference(a, w, bias: nil, m: m, k: k, n: n)) < 0.03)
    }

    @Test("int8 packing: each column's largest weight maps to ±127, every weight within half a step, zero columns stay zero")
    func int8RoundTrip() {
        var values = Values(state: 9)
        let (k, n) = (37, 21)
        var w = values.matrix(k * n, scale: 0.5)
        for t in 0..<k { w[t * n + 4] = 0 }  // an all-zero column
        let q8 = Q8(w, k: k, n: n)
        let back = q8.dequantized(k: k, n: n)
        #expect(q8.scales[4] == 0)
        for j in 0..<n where j != 4 {
            let column = (0..<k).map { w[$0 * n + j] }
            let largest = column.map(abs).max()!
            #expect(abs(q8.scales[j] - largest / 127) <= 1e-7)
            #expect((0..<k).contains { abs(back[$0 * n + j]) == largest || abs(abs(back[$0 * n + j]) - largest) <= largest * 1e-6 })
            for t in 0..<k { #expect(abs(back[t * n + j] - w[t * n + j]) <= q8.scales[j] / 2 * 1.0001, "column \(j) row \(t)") }
        }
        // Zero activations (a padded row) give exactly the bias.
        let c = q8.run(kernel: EncoderKernel.best.rawValue, [Float](repeating: 0, count: 2 * k), bias: (0..<n).map(Float.init), m: 2, k: k, n: n)
        #expect(c == (0..<2).flatMap { _ in (0..<n).map(Float.init) })
    }

    @Test("the kernel is chosen from the CPU unless DEJA_ENCODER_KERNEL forces one; an unsupported choice falls back to portable")
    func kernelSelection() {
        #expect(EncoderKernel.portable.isSupported)
        #expect(EncoderKernel.select(environment: [:]) == EncoderKernel.best)
        #expect(EncoderKernel.best.isSupported)
        #expect(EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": "portable"]) == .portable)
        #expect(EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": "PORTABLE"]) == .portable)
        #expect(EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": "avx2"]) == (EncoderKernel.avx2.isSupported ? .avx2 : .portable))
        #expect(EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": "avx512"]) == (EncoderKernel.avx512.isSupported ? .avx512 : .portable))
        #expect(EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": "avx512-vnni"]) == .portable)
        // The AVX-512 kernel runs the AVX2 code for GELU, LayerNorm and attention.
        #expect(!EncoderKernel.avx512.isSupported || EncoderKernel.avx2.isSupported)
        #expect(EncoderKernel.select(environment: ["DEJA_ENCODER_KERNEL": ""]) == EncoderKernel.best)
    }
}
