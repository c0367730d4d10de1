import DejaIndex

/// A seeded generator so every test sees the same data on every run.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw (Box–Muller).
    mutating func gaussian() -> Float {
        let u1 = Double((self.next() >> 11) + 1) * 0x1p-53
        let u2 = Double(self.next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    mutating func vector(dimension: Int) -> [Float] {
        (0..<dimension).map { _ in self.gaussian() }
    }
}

/// Clustered unit vectors: `clusters` random unit centres, each point a centre plus Gaussian noise
/// of standard deviation `noise / √dimension` per component.
struct ClusteredData {
    let dimension: Int
    let centres: [[Float]]
    let noise: Float
    var random: TestRandom

    init(dimension: Int, clusters: Int, noise: Float, seed: UInt64) {
        self.dimension = dimension
        self.noise = noise
        var random = TestRandom(seed: seed)
        self.centres = (0..<clusters).map { _ in normalized(random.vector(dimension: dimension)) }
        self.random = random
    }

    mutating func next() -> [Float] {
        let centre = self.centres[Int(self.random.next() % UInt64(self.centres.count))]
        let scale = self.noise / Float(self.dimension).squareRoot()
        return normalized((0..<self.dimension).map { centre[$0] + scale * self.random.gaussian() })
    }

    mutating func take(_ count: Int) -> [[Float]] {
        (0..<count).map { _ in self.next() }
    }
}

func normalized(_ vector: [Float]) -> [Float] {
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return vector.map { $0 / norm }
}

/// The reference every index is checked against: a scalar loop and a full sort.
func naiveSearch(_ query: [Float], in entries: [(id: UInt64, vector: [Float])], k: Int, minSimilarity: Float = -.infinity) -> [SearchResult] {
    let q = normalized(query)
    let scored = entries.map { entry -> SearchResult in
        let v = normalized(entry.vector)
        var dot: Float = 0
        for i in 0..<q.count { dot += q[i] * v[i] }
        return SearchResult(id: entry.id, similarity: dot)
    }
    return Array(scored.filter { $0.similarity >= minSimilarity }.sorted { $0.similarity > $1.similarity }.prefix(k))
}

/// The fraction of `expected` ids that `actual` contains.
func recall(_ actual: [SearchResult], _ expected: [SearchResult]) -> Double {
    guard !expected.isEmpty else { return 1 }
    let found = Set(actual.map(\.id))
    return Double(expected.filter { found.contains($0.id) }.count) / Double(expected.count)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
