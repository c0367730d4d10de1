import Foundation

/// A value guarded by a lock that a thread can also sleep on until another thread changes it.
///
/// `Mutex` cannot be waited on, so the dedicated Redis threads use this instead: callers reach
/// the value only inside ``withLock(_:)`` (and ``wait(until:)``), so the lock cannot be forgotten.
/// Never call anything that suspends or blocks on I/O inside the closure.
final class ConditionLock<Value> {
    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value, then wakes every waiter.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        self.condition.lock()
        defer {
            self.condition.broadcast()
            self.condition.unlock()
        }
        return try body(&self.value)
    }

    /// What ``waitFor(_:)``'s closure decided.
    enum Decision<Result> {
        /// Stop waiting and return this result.
        case proceed(Result)
        /// Sleep until another thread changes the value or `deadline` passes (`nil`: no deadline),
        /// then ask again.
        case wait(until: ContinuousClock.Instant?)
    }

    /// Asks `decide` under the lock until it proceeds, sleeping between asks.
    ///
    /// Deciding and sleeping happen under one hold of the lock, so a change made between the
    /// two cannot be missed.
    func waitFor<Result>(_ decide: (inout Value) -> Decision<Result>) -> Result {
        self.condition.lock()
        defer { self.condition.unlock() }
        while true {
            switch decide(&self.value) {
            case .proceed(let result):
                return result
            case .wait(until: nil):
                self.condition.wait()
            case .wait(until: .some(let deadline)):
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining > .zero {
                    let (seconds, attoseconds) = remaining.components
                    _ = self.condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
                }
            }
        }
    }
}

// @unchecked Sendable: `value` is read and written only while `condition` is locked (every
// access goes through `withLock` or `waitFor`), so no two threads touch it at once, and values
// crossing threads through it are themselves Sendable.
extension ConditionLock: @unchecked Sendable where Value: Sendable {}
