/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, seedable generator.
///
/// HNSW draws node levels from it so a build with a given seed and insertion order is
/// repeatable; `ClusteredVectors` and the tests draw their data from it. Not for anything
/// security-related.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1], so `-log` of it is finite.
    public mutating func nextUnitInterval() -> Double {
        Double((self.next() >> 11) + 1) * 0x1p-53
    }
}
