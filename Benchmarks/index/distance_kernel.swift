// Distance-kernel microbenchmark behind the choice of `cblas_sdot` for HNSW (see RESULTS.md).
// Times the inner product of a 384-d query with 20,000 stored vectors in random order (the access
// pattern of a graph search) for Swift SIMD loops and for CBLAS.
//
//     swiftc -O -I Sources/CBLAS Benchmarks/index/distance_kernel.swift -lblas -o /tmp/distance-kernel
//     /tmp/distance-kernel
import CBLAS
import Foundation

let dim = 384
let n = 20_000
nonisolated(unsafe) var data = [Float](repeating: 0, count: n * dim)
var rng = SystemRandomNumberGenerator()
for i in 0..<data.count { data[i] = Float.random(in: -1...1, using: &rng) }
let q = (0..<dim).map { _ in Float.random(in: -1...1) }
let order = Array(0..<n).shuffled()

/// Four SIMD8 accumulators over unaligned loads.
@inline(__always) func dotSIMD8(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
    let pa = UnsafeRawPointer(a).assumingMemoryBound(to: SIMD8<Float>.self)
    let pb = UnsafeRawPointer(b).assumingMemoryBound(to: SIMD8<Float>.self)
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
    var i = 0
    while i < d / 8 {
        s0 += pa[i] * pb[i]
        s1 += pa[i + 1] * pb[i + 1]
        s2 += pa[i + 2] * pb[i + 2]
        s3 += pa[i + 3] * pb[i + 3]
        i += 4
    }
    return ((s0 + s1) + (s2 + s3)).sum()
}

/// Two SIMD16 accumulators.
@inline(__always) func dotSIMD16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
    let pa = UnsafeRawPointer(a).assumingMemoryBound(to: SIMD16<Float>.self)
    let pb = UnsafeRawPointer(b).assumingMemoryBound(to: SIMD16<Float>.self)
    var s0 = SIMD16<Float>(), s1 = SIMD16<Float>()
    var i = 0
    while i < d / 16 {
        s0 += pa[i] * pb[i]
        s1 += pa[i + 1] * pb[i + 1]
        i += 2
    }
    return (s0 + s1).sum()
}

@MainActor func time(_ name: String, _ f: (UnsafePointer<Float>, UnsafePointer<Float>) -> Float) {
    data.withUnsafeBufferPointer { d in
        q.withUnsafeBufferPointer { qp in
            var best = Double.infinity
            var checksum: Float = 0
            for _ in 0..<7 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                for j in order { checksum += f(qp.baseAddress!, d.baseAddress! + j * dim) }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n))
            }
            print(name, String(format: "%.1f ns per 384-d inner product", best), checksum)
        }
    }
}

time("SIMD8 x4   ") { dotSIMD8($0, $1, dim) }
time("SIMD16 x2  ") { dotSIMD16($0, $1, dim) }
time("cblas_sdot ") { cblas_sdot(Int32(dim), $0, 1, $1, 1) }
