public import DejaReliability
import Synchronization

/// A clock the test moves: `sleep` records the wait and advances `now` by it at once, so backoffs,
/// deadlines and cooldowns are stepped through without waiting.
public final class ManualClock: ReliabilityClock {
    private struct State {
        var now: ContinuousClock.Instant
        var wall: Double
        var sleeps: [Duration] = []
    }

    private let state: Mutex<State>

    public init(wallClockSeconds: Double = 1_800_000_000) {
        state = Mutex(State(now: .now, wall: wallClockSeconds))
    }

    public var now: ContinuousClock.Instant { state.withLock { $0.now } }
    public var wallClockSeconds: Double { state.withLock { $0.wall } }
    /// Every wait asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    public func advance(by duration: Duration) {
        state.withLock {
            $0.now += duration
            $0.wall += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock { $0.sleeps.append(duration) }
        advance(by: duration)
    }
}
