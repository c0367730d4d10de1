/// Input checks and L2 normalisation shared by every index.
enum VectorNormalization {
    /// The largest dimension an index accepts. 65,536 components is far beyond any embedding model
    /// in use and keeps every size the BLAS wrapper passes within `Int32`.
    static let maximumDimension = 1 << 16

    /// Throws ``IndexError/invalidDimension`` unless `dimension` is in `1...maximumDimension`.
    static func checkDimension(_ dimension: Int) throws(IndexError) {
        guard dimension > 0, dimension <= maximumDimension else { throw .invalidDimension }
    }

    /// Checks `vector` and writes its unit-length copy to `destination` (`dimension` floats).
    static func normalize(
        _ vector: [Float], dimension: Int, into destination: UnsafeMutablePointer<Float>
    ) throws(IndexError) {
        guard vector.count == dimension else { throw .dimensionMismatch }
        // Summing squares in Double cannot overflow for finite Float components (at most
        // 65,536 · (3.4e38)² ≈ 7.6e81), and it cannot underflow to zero for any nonzero one.
        let squaredNorm: Double = try vector.withUnsafeBufferPointer { (buffer) throws(IndexError) -> Double in
            var sum: Double = 0
            for component in buffer {
                guard component.isFinite else { throw .nonFiniteComponent }
                sum += Double(component) * Double(component)
            }
            return sum
        }
        guard squaredNorm > 0 else { throw .zeroVector }
        let scale = 1 / squaredNorm.squareRoot()
        for i in 0..<dimension { destination[i] = Float(Double(vector[i]) * scale) }
    }

    /// Returns the unit-length copy of `vector`.
    static func normalized(_ vector: [Float], dimension: Int) throws(IndexError) -> [Float] {
        try [Float](unsafeUninitializedCapacity: dimension) { (buffer, initialized) throws(IndexError) in
            try Self.normalize(vector, dimension: dimension, into: buffer.baseAddress!)
            initialized = dimension
        }
    }

    /// Checks `k` and returns it.
    static func checkK(_ k: Int) throws(IndexError) {
        guard k >= 0 else { throw .invalidConfiguration }
    }
}
