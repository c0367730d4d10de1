import DejaIndex
import Foundation
import Synchronization

/// One row of the `deja bench index` table.
struct BenchIndexRow: Codable, Sendable {
    var index: String
    var ef: Int?
    var buildSeconds: Double
    var vectorsPerSecond: Double
    var queriesPerSecond1Thread: Double
    var queriesPerSecond2Threads: Double
    var recallAt1: Double
    var recallAt10: Double
    var p50Microseconds: Double
    var p99Microseconds: Double
    var bytesPerVector: Double
}

/// Timing helpers for `deja bench index`.
enum BenchIndexMeasurement {
    static func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }

    static func seconds(since start: UInt64) -> Double {
        Double(Self.now() - start) / 1e9
    }

    /// Runs every query once on one thread, timing each; returns the results and the latencies in µs.
    static func timedQueries(
        _ queries: [[Float]], search: ([Float]) throws -> [SearchResult]
    ) rethrows -> (results: [[SearchResult]], latencies: [Double], elapsed: Double) {
        var results: [[SearchResult]] = []
        var latencies: [Double] = []
        results.reserveCapacity(queries.count)
        latencies.reserveCapacity(queries.count)
        let start = Self.now()
        for query in queries {
            let t0 = Self.now()
            results.append(try search(query))
            latencies.append(Double(Self.now() - t0) / 1e3)
        }
        return (results, latencies, Self.seconds(since: start))
    }

    /// Queries per second with `threads` threads splitting `rounds` passes over the query set
    /// (queries one at a time, not batched).
    static func throughput(_ queries: [[Float]], threads: Int, rounds: Int, search: @escaping @Sendable ([Float]) -> Void) -> Double {
        let total = queries.count * rounds
        let next = BenchIndexCounter()
        let start = Self.now()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let i = next.take()
                guard i < total else { break }
                search(queries[i % queries.count])
            }
        }
        return Double(total) / Self.seconds(since: start)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
    }

    /// recall@k: the fraction of each query's true top `k` found in its returned top `k`, averaged.
    static func recall(_ results: [[SearchResult]], truth: [[UInt64]], k: Int) -> Double {
        var total = 0.0
        for (result, expected) in zip(results, truth) {
            let found = Set(result.prefix(k).map(\.id))
            let wanted = expected.prefix(k)
            total += Double(wanted.filter { found.contains($0) }.count) / Double(max(wanted.count, 1))
        }
        return total / Double(max(results.count, 1))
    }

    /// Single-thread memory copy bandwidth in bytes per second (bytes copied, counted once),
    /// best of five copies of a 256 MiB buffer: the bound a flat scan cannot beat.
    static func copyBandwidth() -> Double {
        let count = 256 << 20
        let source = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
        defer {
            source.deallocate()
            destination.deallocate()
        }
        memset(source, 1, count)
        memset(destination, 0, count)
        var best = Double.infinity
        for _ in 0..<5 {
            let start = Self.now()
            memcpy(destination, source, count)
            best = min(best, Self.seconds(since: start))
        }
        return Double(count) / best
    }
}

/// A shared counter handing out work items to benchmark threads.
final class BenchIndexCounter: Sendable {
    private let counter = Atomic<Int>(0)

    func take() -> Int {
        self.counter.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
