/// The time source of retries, deadlines, budgets and breakers, injectable so that tests step
/// through backoffs and cooldowns without sleeping.
public protocol ReliabilityClock: Sendable {
    /// Now, on a monotonic clock.
    var now: ContinuousClock.Instant { get }
    /// Seconds since 1970 (to read Retry-After dates).
    var wallClockSeconds: Double { get }
    /// Waits `duration`; throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemReliabilityClock: ReliabilityClock {
    public init() {}
    public var now: ContinuousClock.Instant { .now }
    public var wallClockSeconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
