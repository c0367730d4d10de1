import CDistance
import Testing

/// Every distance kernel this CPU can run agrees with a double-precision reference, including
/// lengths that exercise the vector tails, and the gathering kernel reads the right rows.
@Suite struct DistanceKernelTests {
    static let kernels: [Int32] = [0, 1, 2]

    private static func values(_ count: Int, seed: inout UInt64) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2001 - 1000) / 1000
        }
    }

    @Test(arguments: kernels)
    func dotMatchesTheReference(_ kernel: Int32) {
        guard deja_distance_kernel_supported(kernel) != 0 else { return }
        var seed: UInt64 = 42
        for n in [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 383, 384, 385] {
            let a = Self.values(n, seed: &seed)
            let b = Self.values(n, seed: &seed)
            let reference = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let got = deja_dot_f32_kernel(kernel, a, b, n)
            #expect(abs(Double(got) - reference) <= 1e-4 * max(1, abs(reference)), "kernel \(kernel) n \(n)")
        }
    }

    @Test(arguments: kernels)
    func gatherScoresTheListedRows(_ kernel: Int32) {
        guard deja_distance_kernel_supported(kernel) != 0 else { return }
        var seed: UInt64 = 7
        for n in [5, 16, 384, 385] {
            let stride = n + 3
            let rows = 40
            let base = Self.values(rows * stride, seed: &seed)
            let query = Self.values(n, seed: &seed)
            let ids: [UInt32] = [39, 0, 17, 17, 5, 38, 1, 22, 9]
            var out = [Float](repeating: .nan, count: ids.count)
            deja_dot_gather_f32_kernel(kernel, query, base, stride, ids, ids.count, n, &out)
            for (slot, id) in ids.enumerated() {
                let row = base[(Int(id) * stride)..<(Int(id) * stride + n)]
                let reference = zip(query, row).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                #expect(abs(Double(out[slot]) - reference) <= 1e-4 * max(1, abs(reference)), "kernel \(kernel) n \(n) id \(id)")
            }
        }
    }
}
