import ArgumentParser
import DejaIndex
import Foundation

/// `deja bench index`: builds a flat and an HNSW index over a standard ANN data set or a seeded
/// synthetic clustered set and reports build speed, query throughput, latency, recall against
/// exact search and memory per vector, for a sweep of `efSearch` values.
public struct BenchIndexCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Benchmark the vector indexes (flat and HNSW) for speed, recall and memory."
    )

    @Option(help: "Base vectors (.fvecs).")
    var base: String?

    @Option(help: "Query vectors (.fvecs).")
    var queriesFile: String?

    @Option(help: "Ground-truth neighbour ids (.ivecs); computed exactly with FlatIndex when omitted.")
    var groundTruth: String?

    @Option(help: "Use only the first N base vectors of --base.")
    var limit: Int?

    @Option(help: "Generate N synthetic clustered base vectors instead of reading files.")
    var synthetic: Int?

    @Option(help: "Dimension of the synthetic set.")
    var dim: Int = 384

    @Option(help: "Number of clusters in the synthetic set.")
    var clusters: Int = 1000

    @Option(help: "Noise of the synthetic set: per-component standard deviation is noise/√dim.")
    var noise: Float = 0.6

    @Option(help: "Number of synthetic queries.")
    var queries: Int = 1000

    @Option(help: "Seed of the synthetic set.")
    var seed: UInt64 = 1

    @Option(help: "HNSW M (level-0 lists hold 2M).")
    var m: Int = 16

    @Option(help: "HNSW efConstruction.")
    var efConstruction: Int = 200

    @Option(help: "Comma-separated efSearch values to sweep.")
    var ef: String = "16,32,64,128,256"

    @Option(help: "Threads linking nodes during the HNSW build.")
    var buildThreads: Int = 2

    @Option(help: "Passes over the query set for the throughput figures.")
    var rounds: Int = 3

    @Option(help: "Indexes to run: flat, hnsw or both.")
    var indexes: String = "flat,hnsw"

    @Option(help: "Write the data set (base.fvecs, queries.fvecs, groundtruth.ivecs) to this directory.")
    var writeFvecs: String?

    @Option(help: "Save the built HNSW index to this file.")
    var saveHnsw: String?

    @Option(help: "Load the HNSW index from this file (written by --save-hnsw for the same data) instead of building it.")
    var loadHnsw: String?

    @Flag(help: "Print machine-readable JSON instead of a table.")
    var json = false

    public init() {}

    public func run() async throws {
        var data: BenchIndexDataset
        if let synthetic {
            data = .synthetic(count: synthetic, queries: self.queries, dimension: self.dim, clusters: self.clusters, noise: self.noise, seed: self.seed)
        } else if let base, let queriesFile {
            data = try .load(base: base, queries: queriesFile, truth: self.groundTruth, limit: self.limit)
        } else {
            throw ValidationError("give --synthetic N, or --base and --queries-file")
        }
        let efValues = self.ef.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !efValues.isEmpty else { throw ValidationError("--ef needs at least one integer") }
        try data.computeTruthIfNeeded(k: 10)
        if let directory = self.writeFvecs { try data.write(to: directory) }

        let bandwidth = BenchIndexMeasurement.copyBandwidth()
        var rows: [BenchIndexRow] = []
        let wanted = Set(self.indexes.split(separator: ",").map(String.init))
        if wanted.contains("flat") { rows.append(try self.benchFlat(data)) }
        if wanted.contains("hnsw") { rows += try self.benchHNSW(data, efValues: efValues) }

        let report = BenchIndexReport(
            dataset: data.description, count: data.base.count, dimension: data.dimension, queries: data.queries.count,
            m: self.m, efConstruction: self.efConstruction, buildThreads: self.buildThreads,
            copyBandwidthGBps: bandwidth / 1e9,
            flatScanBoundMicroseconds: Double(4 * data.dimension * data.base.count) / bandwidth * 1e6,
            hnswBytesPerVectorTarget: 1.2 * Double(4 * data.dimension + 2 * (2 * self.m) * 4),
            rows: rows
        )
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table())
        }
    }

    private func benchFlat(_ data: BenchIndexDataset) throws -> BenchIndexRow {
        let index = try FlatIndex(dimension: data.dimension)
        let start = BenchIndexMeasurement.now()
        for (i, vector) in data.base.enumerated() { try index.add(id: UInt64(i), vector: vector) }
        let build = BenchIndexMeasurement.seconds(since: start)
        return try self.measure(
            name: "flat", ef: nil, data: data, build: build, bytes: Double(4 * data.dimension + 8 + 16),
            search: { try index.search($0, k: 10) }
        )
    }

    private func benchHNSW(_ data: BenchIndexDataset, efValues: [Int]) throws -> [BenchIndexRow] {
        let configuration = HNSWIndex.Configuration(m: self.m, efConstruction: self.efConstruction, buildThreads: self.buildThreads)
        let index: HNSWIndex
        var build = 0.0
        if let path = self.loadHnsw {
            index = try HNSWIndex.read(from: URL(fileURLWithPath: path))
        } else {
            index = try HNSWIndex(dimension: data.dimension, configuration: configuration)
            let start = BenchIndexMeasurement.now()
            try index.add(ids: (0..<UInt64(data.base.count)).map { $0 }, vectors: data.base)
            build = BenchIndexMeasurement.seconds(since: start)
        }
        if let path = self.saveHnsw { try index.write(to: URL(fileURLWithPath: path)) }
        let bytes = Double(index.allocatedBytes) / Double(data.base.count)
        return try efValues.map { ef in
            try self.measure(name: "hnsw", ef: ef, data: data, build: build, bytes: bytes, search: { try index.search($0, k: 10, ef: ef) })
        }
    }

    private func measure(
        name: String, ef: Int?, data: BenchIndexDataset, build: Double, bytes: Double,
        search: @escaping @Sendable ([Float]) throws -> [SearchResult]
    ) throws -> BenchIndexRow {
        // One warm-up pass so page faults and pool allocation are not timed.
        for query in data.queries.prefix(100) { _ = try search(query) }
        let timed = try BenchIndexMeasurement.timedQueries(data.queries, search: search)
        let single = BenchIndexMeasurement.throughput(data.queries, threads: 1, rounds: self.rounds) { _ = try? search($0) }
        let double = BenchIndexMeasurement.throughput(data.queries, threads: 2, rounds: self.rounds) { _ = try? search($0) }
        return BenchIndexRow(
            index: name, ef: ef, buildSeconds: build, vectorsPerSecond: Double(data.base.count) / build,
            queriesPerSecond1Thread: single, queriesPerSecond2Threads: double,
            recallAt1: BenchIndexMeasurement.recall(timed.results, truth: data.truth, k: 1),
            recallAt10: BenchIndexMeasurement.recall(timed.results, truth: data.truth, k: 10),
            p50Microseconds: BenchIndexMeasurement.percentile(timed.latencies, 0.5),
            p99Microseconds: BenchIndexMeasurement.percentile(timed.latencies, 0.99),
            bytesPerVector: bytes
        )
    }
}

/// What `deja bench index` prints.
struct BenchIndexReport: Codable, Sendable {
    var dataset: String
    var count: Int
    var dimension: Int
    var queries: Int
    var m: Int
    var efConstruction: Int
    var buildThreads: Int
    var copyBandwidthGBps: Double
    /// Time to stream the whole flat matrix once at the measured copy bandwidth.
    var flatScanBoundMicroseconds: Double
    var hnswBytesPerVectorTarget: Double
    var rows: [BenchIndexRow]

    func table() -> String {
        var lines = [
            "data: \(self.dataset); \(self.queries) queries, k = 10",
            "HNSW: M \(self.m), efConstruction \(self.efConstruction), \(self.buildThreads) build threads",
            String(
                format: "copy bandwidth %.1f GB/s → flat scan bound %.0f µs/query; HNSW bytes/vector target %.0f",
                self.copyBandwidthGBps, self.flatScanBoundMicroseconds, self.hnswBytesPerVectorTarget
            ),
            "",
            "index  ef     build s  vectors/s  qps 1 thr  qps 2 thr  recall@1  recall@10  p50 µs   p99 µs  bytes/vec",
        ]
        for row in self.rows {
            lines.append(
                String(
                    format: "%-5@  %-5@ %7.2f  %9.0f  %9.0f  %9.0f  %8.4f  %9.4f  %7.1f  %7.1f  %9.0f",
                    row.index, row.ef.map(String.init) ?? "-", row.buildSeconds, row.vectorsPerSecond,
                    row.queriesPerSecond1Thread, row.queriesPerSecond2Threads, row.recallAt1, row.recallAt10,
                    row.p50Microseconds, row.p99Microseconds, row.bytesPerVector
                )
            )
        }
        return lines.joined(separator: "\n")
    }
}
