import DejaIndex
import Foundation

/// Base vectors, queries and exact neighbours for `deja bench index`.
struct BenchIndexDataset {
    var dimension: Int
    var base: [[Float]]
    var queries: [[Float]]
    /// For each query, the ids (base row numbers) of its exact nearest neighbours, best first.
    var truth: [[UInt64]]
    var description: String

    /// The synthetic clustered set: `clusters` unit centres drawn from a standard normal; each
    /// point (and query) is a uniformly chosen centre plus Gaussian noise of standard deviation
    /// `noise / √dimension` per component, then normalised.
    static func synthetic(count: Int, queries: Int, dimension: Int, clusters: Int, noise: Float, seed: UInt64) -> BenchIndexDataset {
        var data = ClusteredVectors(dimension: dimension, clusters: clusters, noise: noise, seed: seed)
        let base = data.take(count)
        let queries = data.take(queries)
        return BenchIndexDataset(
            dimension: dimension, base: base, queries: queries, truth: [],
            description: "synthetic \(count) × \(dimension), \(clusters) clusters, noise \(noise), seed \(seed)"
        )
    }

    /// Reads `.fvecs` base and query files and an optional `.ivecs` ground-truth file.
    static func load(base: String, queries: String, truth: String?, limit: Int?) throws -> BenchIndexDataset {
        var baseVectors = try Self.readVecs(path: base, as: Float.self)
        if let limit { baseVectors = Array(baseVectors.prefix(limit)) }
        let queryVectors = try Self.readVecs(path: queries, as: Float.self)
        guard let dimension = baseVectors.first?.count, queryVectors.allSatisfy({ $0.count == dimension }) else {
            throw BenchIndexError("base and query files are empty or disagree on dimension")
        }
        var neighbours: [[UInt64]] = []
        if let truth {
            neighbours = try Self.readVecs(path: truth, as: Int32.self).map { $0.map { UInt64($0) } }
            guard neighbours.count == queryVectors.count else { throw BenchIndexError("ground truth has \(neighbours.count) rows, queries \(queryVectors.count)") }
        }
        return BenchIndexDataset(
            dimension: dimension, base: baseVectors, queries: queryVectors, truth: neighbours,
            description: "\(base) (\(baseVectors.count) × \(dimension)), \(queryVectors.count) queries"
        )
    }

    /// Fills `truth` with exact top-`k` neighbours from a ``FlatIndex`` when no file supplied them.
    mutating func computeTruthIfNeeded(k: Int) throws {
        guard self.truth.isEmpty else { return }
        let exact = try FlatIndex(dimension: self.dimension)
        for (i, vector) in self.base.enumerated() { try exact.add(id: UInt64(i), vector: vector) }
        self.truth = try exact.search(batch: self.queries, k: k).map { $0.map(\.id) }
    }

    /// Writes the set as `base.fvecs`, `queries.fvecs` and `groundtruth.ivecs` in `directory`.
    func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.writeVecs(self.base, path: directory + "/base.fvecs")
        try Self.writeVecs(self.queries, path: directory + "/queries.fvecs")
        try Self.writeVecs(self.truth.map { $0.map { Int32(truncatingIfNeeded: $0) } }, path: directory + "/groundtruth.ivecs")
    }

    /// The `.fvecs`/`.ivecs` format: each vector is an Int32 dimension followed by that many
    /// 4-byte little-endian components.
    static func readVecs<T: BitwiseCopyable>(path: String, as _: T.Type) throws -> [[T]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchIndexError("cannot read \(path)") }
        return try data.withUnsafeBytes { raw in
            var vectors: [[T]] = []
            var offset = 0
            while offset < raw.count {
                guard raw.count - offset >= 4 else { throw BenchIndexError("\(path): truncated") }
                let dimension = Int(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                offset += 4
                guard dimension > 0, raw.count - offset >= dimension * 4 else { throw BenchIndexError("\(path): truncated") }
                vectors.append((0..<dimension).map { raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: T.self) })
                offset += dimension * 4
            }
            return vectors
        }
    }

    static func writeVecs<T: BitwiseCopyable>(_ vectors: [[T]], path: String) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vectors.reduce(0) { $0 + 4 + 4 * $1.count })
        for vector in vectors {
            withUnsafeBytes(of: Int32(vector.count).littleEndian) { bytes.append(contentsOf: $0) }
            vector.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw BenchIndexError("cannot write \(path)") }
    }
}

struct BenchIndexError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
