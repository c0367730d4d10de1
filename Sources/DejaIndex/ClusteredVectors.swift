import Foundation

/// Seeded synthetic data for benchmarks and tests: `clusters` unit centres drawn from a standard
/// normal; each point is a uniformly chosen centre plus Gaussian noise of standard deviation
/// `noise / √dimension` per component, then L2-normalised.
///
/// One definition serves `deja bench index` and the index tests, so a benchmark's data set and a
/// test's are the same for the same parameters and seed.
public struct ClusteredVectors: Sendable {
    public let dimension: Int
    public let centres: [[Float]]
    public let noise: Float
    private var random: SplitMix64

    public init(dimension: Int, clusters: Int, noise: Float, seed: UInt64) {
        precondition(dimension > 0 && clusters > 0, "dimension and clusters must be positive")
        self.dimension = dimension
        self.noise = noise
        var random = SplitMix64(seed: seed)
        self.centres = (0..<clusters).map { _ in Self.normalized((0..<dimension).map { _ in random.gaussian() }) }
        self.random = random
    }

    /// The next point.
    public mutating func next() -> [Float] {
        let centre = centres[Int(random.next() % UInt64(centres.count))]
        let scale = noise / Float(dimension).squareRoot()
        return Self.normalized((0..<dimension).map { centre[$0] + scale * random.gaussian() })
    }

    /// The next `count` points.
    public mutating func take(_ count: Int) -> [[Float]] {
        (0..<count).map { _ in next() }
    }

    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }
}

extension SplitMix64 {
    /// A standard normal draw (Box–Muller).
    public mutating func gaussian() -> Float {
        let u1 = nextUnitInterval()
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
