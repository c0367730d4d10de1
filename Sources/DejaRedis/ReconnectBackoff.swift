/// Exponential, jittered delays between reconnection attempts.
///
/// Attempt *n* (from 0) waits a random time between half and all of `minimum × 2ⁿ`, never less
/// than `minimum` and never more than `maximum`. The jitter keeps a fleet of gateways from
/// reconnecting to a restarted Redis in lockstep.
struct ReconnectBackoff: Hashable, Sendable {
    var minimum: Duration
    var maximum: Duration

    init(minimum: Duration, maximum: Duration) {
        self.minimum = max(minimum, .milliseconds(1))
        self.maximum = max(maximum, self.minimum)
    }

    /// The delay before attempt `attempt`; `unitRandom` is in 0..<1 (injected so tests can pin it).
    func delay(attempt: Int, unitRandom: Double) -> Duration {
        // 2^20 × any sane minimum already exceeds any sane maximum; capping the exponent keeps
        // the multiplication from overflowing.
        let ceiling = min(self.minimum * (1 << min(max(attempt, 0), 20)), self.maximum)
        let jittered = ceiling * (0.5 + 0.5 * min(max(unitRandom, 0), 1))
        return min(max(jittered, self.minimum), self.maximum)
    }
}
