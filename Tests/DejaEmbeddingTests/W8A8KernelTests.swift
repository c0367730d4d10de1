import CEncoderKernels
import DejaEmbedding
import Testing

/// The w8a8 product (int8 weights, unsigned 8-bit activations with a zero point, optional
/// per-channel smoothing): exact against its quantised operands, close to the true product, equal
/// on every kernel, and right on the rows a zero point makes special.
@Suite("Encoder kernels: w8a8 products")
struct W8A8KernelTests {
    typealias Values = EncoderKernelTests.Values
    static let kernels = EncoderKernel.allCases.filter(\.isSupported)
    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (1, 1, 1), (1, 384, 1_152), (5, 3, 17), (7, 17, 15), (13, 385, 40), (16, 1_536, 384), (97, 64, 33), (25, 102, 47),
    ]

    /// A packed matrix and what it stands for.
    struct Packed {
        let k: Int, n: Int
        let buffer: UnsafeMutableRawPointer
        var scales: [Float]
        var columnSums: [Int32]

        init(_ w: [Float], k: Int, n: Int, smoothing: [Float]?) {
            self.k = k
            self.n = n
            buffer = UnsafeMutableRawPointer.allocate(byteCount: max(deja_w8a8_packed_bytes(k, n), 1), alignment: 64)
            scales = [Float](repeating: 0, count: n)
            columnSums = [Int32](repeating: 0, count: n)
            deja_w8a8_pack(w, k, n, n, smoothing, buffer.assumingMemoryBound(to: Int8.self), &scales, &columnSums)
        }

        /// The quantised weight of row `t`, column `j`.
        func weight(_ t: Int, _ j: Int) -> Int32 {
            let kq = (k + 3) / 4 * 4
            return Int32(buffer.load(fromByteOffset: (j / 16) * kq * 16 + (t / 4) * 64 + (j % 16) * 4 + (t & 3), as: Int8.self))
        }

        func run(kernel: Int32, _ a: [Float], m: Int, inverseSmoothing: [Float]?, bias: [Float]?) -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            var scratch = [UInt8](repeating: 0, count: max(deja_w8a8_scratch_bytes(m, k), 1))
            var rowScales = [Float](repeating: 0, count: m)
            var rowZeros = [Int32](repeating: 0, count: m)
            deja_w8a8_gemm(
                kernel, m, k, n, a, k, inverseSmoothing, buffer.assumingMemoryBound(to: Int8.self), scales, columnSums, bias, &c, n,
                &scratch, &rowScales, &rowZeros)
            return c
        }

        func free() { buffer.deallocate() }
    }

    /// The kernels' result computed here from the quantised operands, the documented way: each
    /// row quantised to 0 … 255 around a zero point, the integer sum less zero · column sum, then
    /// one fused multiply-add. Equal to the kernels' bit for bit.
    static func expected(_ packed: Packed, _ a: [Float], m: Int, inverseSmoothing: [Float]?, bias: [Float]?) -> [Float] {
        let (k, n) = (packed.k, packed.n)
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            let row = (0..<k).map { t in inverseSmoothing.map { a[i * k + t] * $0[t] } ?? a[i * k + t] }
            let low = min(0, row.min() ?? 0), high = max(0, row.max() ?? 0)
            let range = high - low
            let (scale, inverse): (Float, Float) = range > 0 ? (range / 255, 255 / range) : (0, 0)
            let zero = range > 0 ? min(255, max(0, (-low * inverse).rounded(.toNearestOrEven))) : 0
            let q = row.map { Int32(min(255, max(0, ($0 * inverse).rounded(.toNearestOrEven) + zero))) }
            for j in 0..<n {
                var sum: Int32 = 0
                for t in 0..<k { sum += q[t] * packed.weight(t, j) }
                sum -= Int32(zero) * packed.columnSums[j]
                c[i * n + j] = (bias?[j] ?? 0).addingProduct(Float(sum), scale * packed.scales[j])
            }
        }
        return c
    }

    @Test("exact against the quantised operands, and within 8-bit error of the true product", arguments: kernels)
    func matchesReference(kernel: EncoderKernel) {
        var values = Values(state: 11)
        for (m, k, n) in Self.shapes {
            var a = values.matrix(m * k, scale: 3)
            // An outlier channel, as BERT's activations have: the zero point and smoothing matter.
            if k > 5 { for i in 0..<m { a[i * k + 5] *= 8 } }
            let w = values.matrix(k * n, scale: 0.1)
            let bias = n % 2 == 0 ? values.matrix(n) : nil
            let packed = Packed(w, k: k, n: n, smoothing: nil)
            defer { packed.free() }
            let c = packed.run(kernel: kernel.rawValue, a, m: m, inverseSmoothing: nil, bias: bias)
            #expect(c == Self.expected(packed, a, m: m, inverseSmoothing: nil, bias: bias), "\(kernel) \(m)×\(k)×\(n)")
            let error = EncoderKernelTests.relativeError(c, EncoderKernelTests.reference(a, w, bias: bias, m: m, k: k, n: n))
            #expect(error < (k == 1 ? 0.01 : 0.05), "\(kernel) \(m)×\(k)×\(n): relative error \(error)")
        }
    }

    @Test("smoothing moves scale between activations and weights without changing the product", arguments: kernels)
    func smoothingIsNeutral(kernel: EncoderKernel) {
        var values = Values(state: 13)
        let (m, k, n) = (9, 130, 40)
        var a = values.matrix(m * k)
        for i in 0..<m { a[i * k + 3] *= 20 }  // one channel 20× the others
        let w = values.matrix(k * n, scale: 0.1)
        let smoothing = (0..<k).map { $0 == 3 ? Float(20).squareRoot() : 1 }
        let inverse = smoothing.map { 1 / $0 }
        let plain = Packed(w, k: k, n: n, smoothing: nil)
        let smoothed = Packed(w, k: k, n: n, smoothing: smoothing)
        defer {
            plain.free()
            smoothed.free()
        }
        let truth = EncoderKernelTests.reference(a, w, bias: nil, m: m, k: k, n: n)
        let c = smoothed.run(kernel: kernel.rawValue, a, m: m, inverseSmoothing: inverse, bias: nil)
        #expect(c == Self.expected(smoothed, a, m: m, inverseSmoothing: inverse, bias: nil))
        // Smoothing the outlier channel leaves the other channels more levels: closer to the truth.
        let smoothedError = EncoderKernelTests.relativeError(c, truth)
        let plainError = EncoderKernelTests.relativeError(plain.run(kernel: kernel.rawValue, a, m: m, inverseSmoothing: nil, bias: nil), truth)
        #expect(smoothedError < plainError, "smoothed \(smoothedError) vs plain \(plainError)")
    }

    @Test("rows of zeros, of one sign and of one value: the zero point keeps them exact where it can")
    func specialRows() {
        var values = Values(state: 17)
        let (k, n) = (21, 18)
        let w = values.matrix(k * n, scale: 0.1)
        let bias = values.matrix(n)
        let rows: [[Float]] = [
            [Float](repeating: 0, count: k),  // nothing: the bias alone
            (0..<k).map { Float($0 % 5) + 0.5 },  // all positive: zero point 0
            (0..<k).map { -Float($0 % 5) - 0.5 },  // all negative: zero point 255
            [Float](repeating: 2, count: k),  // one value: exact
        ]
        let a = rows.flatMap { $0 }
        let packed = Packed(w, k: k, n: n, smoothing: nil)
        defer { packed.free() }
        for kernel in Self.kernels {
            let c = packed.run(kernel: kernel.rawValue, a, m: rows.count, inverseSmoothing: nil, bias: bias)
            #expect(c == Self.expected(packed, a, m: rows.count, inverseSmoothing: nil, bias: bias), "\(kernel)")
            #expect(Array(c[0..<n]) == bias, "\(kernel): a zero row gives the bias")
            let truth = EncoderKernelTests.reference(a, w, bias: bias, m: rows.count, k: k, n: n)
            // The constant row is represented exactly (2 is the top of its range), so only the
            // weights' rounding remains.
            let constant = Array(c[3 * n..<4 * n]), exact = Array(truth[3 * n..<4 * n])
            #expect(EncoderKernelTests.relativeError(constant, exact) < 0.01, "\(kernel)")
        }
    }

    @Test("every supported kernel gives the portable kernel's result bit for bit")
    func kernelsAgree() {
        var values = Values(state: 19)
        for (m, k, n) in Self.shapes + [(11, 385, 47), (200, 70, 48), (16, 384, 1_536)] {
            let a = values.matrix(m * k, scale: 3)
            let w = values.matrix(k * n, scale: 0.2)
            let bias = values.matrix(n)
            let smoothing = (0..<k).map { 0.5 + Float($0 % 7) * 0.25 }
            let packed = Packed(w, k: k, n: n, smoothing: smoothing)
            defer { packed.free() }
            let inverse = smoothing.map { 1 / $0 }
            let portable = packed.run(kernel: EncoderKernel.portable.rawValue, a, m: m, inverseSmoothing: inverse, bias: bias)
            for kernel in Self.kernels {
                #expect(packed.run(kernel: kernel.rawValue, a, m: m, inverseSmoothing: inverse, bias: bias) == portable, "\(kernel) \(m)×\(k)×\(n)")
            }
        }
    }
}
