import Synchronization

/// Caps retries per provider to a share of its recent traffic, so that a failing provider is not
/// sent a storm of retries (Finagle's retry budget): over a sliding window, retries may add at
/// most `ratio` of the first attempts made, plus `minimumPerWindow` so that a quiet provider can
/// still be retried. Hedged calls count as retries.
public final class RetryBudget: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Extra calls allowed per first attempt (0.2: at most 20 % more upstream calls).
        public var ratio: Double
        public var window: Duration
        /// Retries always allowed per window, however little traffic there was.
        public var minimumPerWindow: Int

        public init(ratio: Double = 0.2, window: Duration = .seconds(10), minimumPerWindow: Int = 10) {
            self.ratio = max(0, ratio)
            self.window = window
            self.minimumPerWindow = max(0, minimumPerWindow)
        }
    }

    /// Counts per provider in `bucketCount` slices of the window.
    private struct Counts {
        var firstAttempts: [Int]
        var retries: [Int]
        var bucketStart: [Int64]  // the slice index each bucket holds
    }

    private static let bucketCount = 10
    public let settings: Settings
    private let state = Mutex<[String: Counts]>([:])
    private let origin: ContinuousClock.Instant

    public init(settings: Settings = .init(), origin: ContinuousClock.Instant = .now) {
        self.settings = settings
        self.origin = origin
    }

    /// Records a first attempt to `provider`.
    public func recordFirstAttempt(_ provider: String, now: ContinuousClock.Instant) {
        update(provider, now: now) { counts, bucket in counts.firstAttempts[bucket] += 1 }
    }

    /// Takes one retry from `provider`'s budget; false (and nothing taken) when it is spent.
    public func tryWithdraw(_ provider: String, now: ContinuousClock.Instant) -> Bool {
        var allowed = false
        update(provider, now: now) { counts, bucket in
            let first = counts.firstAttempts.reduce(0, +)
            let retries = counts.retries.reduce(0, +)
            let limit = settings.minimumPerWindow + Int((Double(first) * settings.ratio).rounded(.down))
            if retries < limit {
                counts.retries[bucket] += 1
                allowed = true
            }
        }
        return allowed
    }

    private func update(_ provider: String, now: ContinuousClock.Instant, _ body: (inout Counts, Int) -> Void) {
        let sliceNanos = max(1, Self.nanoseconds(settings.window) / Int64(Self.bucketCount))
        let slice = Self.nanoseconds(now - origin) / sliceNanos
        let bucket = Int(((slice % Int64(Self.bucketCount)) + Int64(Self.bucketCount)) % Int64(Self.bucketCount))
        state.withLock { all in
            // Mutated in place (no copy of the arrays per call).
            update(&all[provider, default: Counts(
                firstAttempts: Array(repeating: 0, count: Self.bucketCount), retries: Array(repeating: 0, count: Self.bucketCount),
                bucketStart: Array(repeating: Int64.min, count: Self.bucketCount))], slice: slice, bucket: bucket, body)
        }
    }

    private func update(_ counts: inout Counts, slice: Int64, bucket: Int, _ body: (inout Counts, Int) -> Void) {
        // Forget slices that fell out of the window.
        for i in 0..<Self.bucketCount where counts.bucketStart[i] != Int64.min && slice - counts.bucketStart[i] >= Int64(Self.bucketCount) {
            counts.firstAttempts[i] = 0
            counts.retries[i] = 0
            counts.bucketStart[i] = Int64.min
        }
        if counts.bucketStart[bucket] != slice {
            counts.firstAttempts[bucket] = 0
            counts.retries[bucket] = 0
            counts.bucketStart[bucket] = slice
        }
        body(&counts, bucket)
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (s < 0 ? .min : .max) : ns &+ atto / 1_000_000_000
    }
}
