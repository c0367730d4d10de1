import Synchronization

/// Live figures per provider and model from a rolling window of recent attempts: error rate,
/// latency and time-to-first-token percentiles. What `GET /api/providers` shows and what the
/// router reads to prefer fast, healthy candidates.
///
/// Bounded: each provider/model keeps at most `capacity` samples (a ring), and only samples
/// younger than `window` count.
public final class ProviderStatistics: Sendable {
    /// One provider/model's figures.
    public struct Summary: Sendable {
        public var provider: String
        public var model: String
        /// Attempts in the window.
        public var attempts: Int
        /// Failed attempts in the window (refused requests excluded: they say nothing of the provider).
        public var failures: Int
        public var errorRate: Double { attempts == 0 ? 0 : Double(failures) / Double(attempts) }
        /// Latency of successful attempts (a stream: to its end): p50, p95, p99.
        public var latency: Percentiles?
        /// Time to the first chunk of streams: p50, p95, p99.
        public var timeToFirstToken: Percentiles?
    }

    public struct Percentiles: Sendable {
        public var p50: Duration
        public var p95: Duration
        public var p99: Duration
    }

    private struct Sample {
        var at: ContinuousClock.Instant
        var duration: Duration
        var failed: Bool
    }

    private struct Ring {
        var samples: [Sample] = []
        var next = 0
        mutating func append(_ sample: Sample, capacity: Int) {
            if samples.count < capacity {
                samples.append(sample)
            } else {
                samples[next] = sample
                next = (next + 1) % capacity
            }
        }
    }

    private struct Series {
        var attempts = Ring()
        var firstTokens = Ring()
    }

    private struct Key: Hashable {
        var provider: String
        var model: String
    }

    public let window: Duration
    public let capacity: Int
    private let series = Mutex<[Key: Series]>([:])

    public init(window: Duration = .seconds(300), capacity: Int = 1024) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// Records a finished attempt (refused requests are not recorded).
    func record(_ attempt: Attempt, at now: ContinuousClock.Instant) {
        let failed: Bool
        switch attempt.outcome {
        case .succeeded: failed = false
        case .failed(let error):
            guard FailureClass(error).countsAgainstProvider else { return }
            failed = true
        }
        let sample = Sample(at: now, duration: attempt.duration, failed: failed)
        series.withLock { $0[Key(provider: attempt.provider, model: attempt.model), default: Series()].attempts.append(sample, capacity: capacity) }
    }

    /// Records a stream's time to its first chunk.
    func recordFirstToken(provider: String, model: String, after duration: Duration, at now: ContinuousClock.Instant) {
        let sample = Sample(at: now, duration: duration, failed: false)
        series.withLock { $0[Key(provider: provider, model: model), default: Series()].firstTokens.append(sample, capacity: capacity) }
    }

    /// Every provider/model's figures over the window ending `now`, sorted by provider and model.
    public func summaries(now: ContinuousClock.Instant) -> [Summary] {
        let copy = series.withLock { $0 }
        return copy.map { key, series in
            let recent = series.attempts.samples.filter { now - $0.at < window }
            let failures = recent.filter(\.failed).count
            let successes = recent.filter { !$0.failed }.map(\.duration)
            let firstTokens = series.firstTokens.samples.filter { now - $0.at < window }.map(\.duration)
            return Summary(
                provider: key.provider, model: key.model, attempts: recent.count, failures: failures,
                latency: Self.percentiles(successes), timeToFirstToken: Self.percentiles(firstTokens))
        }.sorted { ($0.provider, $0.model) < ($1.provider, $1.model) }
    }

    /// Nearest-rank percentiles; nil for no samples.
    static func percentiles(_ values: [Duration]) -> Percentiles? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Duration { sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))] }
        return Percentiles(p50: rank(0.5), p95: rank(0.95), p99: rank(0.99))
    }
}
