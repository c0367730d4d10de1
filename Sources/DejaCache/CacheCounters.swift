import Synchronization

/// Hit/miss counters and recent latency samples for `/api/cache/stats` and `/metrics`.
/// Counters are relaxed atomics (they are only ever summed); the latency rings sit behind a lock.
final class CacheCounters: Sendable {
    let exactHits = Atomic<Int>(0)
    let semanticHits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)
    let bypasses = Atomic<Int>(0)
    let coalesced = Atomic<Int>(0)
    private let rejections = Mutex<[String: Int]>([:])
    private let lookupSamples = Mutex(SampleRing(capacity: 4096))
    private let embeddingSamples = Mutex(SampleRing(capacity: 4096))

    func recordRejection(_ check: String) { rejections.withLock { $0[check, default: 0] += 1 } }
    func rejectionCounts() -> [String: Int] { rejections.withLock { $0 } }

    func recordLookup(_ d: Duration) { lookupSamples.withLock { $0.add(d.seconds) } }
    func recordEmbedding(_ d: Duration) { embeddingSamples.withLock { $0.add(d.seconds) } }
    func lookupPercentiles() -> (p50: Double, p99: Double, count: Int, sum: Double) { lookupSamples.withLock { $0.summary() } }
    func embeddingPercentiles() -> (p50: Double, p99: Double, count: Int, sum: Double) { embeddingSamples.withLock { $0.summary() } }
}

/// The last `capacity` samples plus a running count and sum.
struct SampleRing {
    private var samples: [Double]
    private var next = 0
    private(set) var count = 0
    private(set) var sum = 0.0

    init(capacity: Int) { samples = [] ; samples.reserveCapacity(capacity) ; self.capacity = capacity }
    let capacity: Int

    mutating func add(_ value: Double) {
        if samples.count < capacity { samples.append(value) } else { samples[next] = value }
        next = (next + 1) % capacity
        count += 1
        sum += value
    }

    func summary() -> (p50: Double, p99: Double, count: Int, sum: Double) {
        guard !samples.isEmpty else { return (0, 0, count, sum) }
        let sorted = samples.sorted()
        func q(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))] }
        return (q(0.5), q(0.99), count, sum)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
