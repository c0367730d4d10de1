import Synchronization

/// A rate: `count` units (requests, or tokens) per `period`, with a burst of up to `count`.
public struct RateLimit: Sendable, Hashable {
    public var count: Int
    public var period: Duration

    public init(count: Int, period: Duration) {
        precondition(count > 0 && period > .zero, "a rate limit needs a positive count and period")
        self.count = count
        self.period = period
    }

    var periodNanoseconds: Int128 {
        let c = period.components
        return Int128(c.seconds) * 1_000_000_000 + Int128(c.attoseconds / 1_000_000_000)
    }
}

/// The answer of one admission check: what `X-RateLimit-*` headers say, and `Retry-After`.
public struct RateDecision: Sendable, Equatable {
    public var allowed: Bool
    public var limit: Int
    /// Units that could still be taken now (after this one, when allowed).
    public var remaining: Int
    /// Until the limit is fully replenished.
    public var reset: Duration
    /// When refused: how long until this request would be admitted; nil when it never can be
    /// (it costs more than the whole limit).
    public var retryAfter: Duration?

    public init(allowed: Bool, limit: Int, remaining: Int, reset: Duration, retryAfter: Duration?) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.retryAfter = retryAfter
    }
}

/// The Generic Cell Rate Algorithm, exact: one "theoretical arrival time" per key, no windows
/// and so no window edges (a client cannot send twice the limit across a boundary).
///
/// Times are kept in nanoseconds multiplied by the limit's count, so that the emission interval
/// (period / count) is an integer and nothing is rounded: `n` units advance a key's time by
/// `n × period`, and a request is admitted while that time stays within `count × period` of now.
/// Each call names its limit (keys carry limits of their own, which an admin may change: the
/// stored time is rescaled then). Keys idle long enough to be full again are dropped when the
/// table grows past `capacity`.
public final class RateLimiter: Sendable {
    public let capacity: Int
    private struct Cell {
        var tat: Int128
        var count: Int
        var period: Int128
    }
    private let state: Mutex<[String: Cell]>

    public init(capacity: Int = 1_000_000) {
        self.capacity = max(capacity, 1)
        self.state = Mutex([:])
    }

    /// Admits `cost` units for `key` under `limit` at `now` (nanoseconds on a monotonic clock)
    /// or refuses without taking anything.
    public func acquire(_ key: String, limit: RateLimit, cost: Int = 1, now: Int64) -> RateDecision {
        let count = Int128(limit.count)
        let period = limit.periodNanoseconds
        let window = period * count
        let nowScaled = Int128(now) * count
        let units = Int128(max(cost, 0))
        return state.withLock { table in
            let tat = max(Self.stored(table[key], count: limit.count, period: period, now: now) ?? nowScaled, nowScaled)
            let next = tat + units * period
            let allowAt = next - window
            if units > count {
                return RateDecision(
                    allowed: false, limit: limit.count, remaining: Self.remaining(tat, nowScaled, window, period),
                    reset: Self.duration(tat - nowScaled, count), retryAfter: nil)
            }
            if nowScaled < allowAt {
                return RateDecision(
                    allowed: false, limit: limit.count, remaining: Self.remaining(tat, nowScaled, window, period),
                    reset: Self.duration(tat - nowScaled, count), retryAfter: Self.duration(allowAt - nowScaled, count))
            }
            if table[key] == nil, table.count >= capacity { Self.evictFull(&table, now) }
            table[key] = Cell(tat: next, count: limit.count, period: period)
            return RateDecision(
                allowed: true, limit: limit.count, remaining: Self.remaining(next, nowScaled, window, period),
                reset: Self.duration(next - nowScaled, count), retryAfter: nil)
        }
    }

    /// What `acquire` would answer for zero units (the headers of a response whose limit was not
    /// charged), without changing anything.
    public func peek(_ key: String, limit: RateLimit, now: Int64) -> RateDecision {
        let count = Int128(limit.count)
        let period = limit.periodNanoseconds
        let nowScaled = Int128(now) * count
        let tat = state.withLock { max(Self.stored($0[key], count: limit.count, period: period, now: now) ?? nowScaled, nowScaled) }
        return RateDecision(
            allowed: true, limit: limit.count, remaining: Self.remaining(tat, nowScaled, period * count, period),
            reset: Self.duration(tat - nowScaled, count), retryAfter: nil)
    }

    /// Corrects an earlier admission by `delta` units (tokens estimated at admission, then the
    /// real usage): positive takes more, negative gives back; never refuses.
    public func adjust(_ key: String, limit: RateLimit, by delta: Int, now: Int64) {
        guard delta != 0 else { return }
        let count = Int128(limit.count)
        let nowScaled = Int128(now) * count
        let period = limit.periodNanoseconds
        state.withLock { table in
            let tat = max(Self.stored(table[key], count: limit.count, period: period, now: now) ?? nowScaled, nowScaled)
            let next = tat + Int128(delta) * period
            if next <= nowScaled { table[key] = nil } else { table[key] = Cell(tat: next, count: limit.count, period: period) }
        }
    }

    /// Keys currently tracked (for tests and metrics).
    public var trackedKeys: Int { state.withLock { $0.count } }

    /// A stored time in the scale of the current limit. When the limit changed, the units still
    /// owed are kept (not the time they stood for): a key that used 10 of 10 and is raised to 20
    /// has 10 left at once.
    private static func stored(_ cell: Cell?, count: Int, period: Int128, now: Int64) -> Int128? {
        guard let cell else { return nil }
        if cell.count == count, cell.period == period { return cell.tat }
        let debt = cell.tat - Int128(now) * Int128(cell.count)  // owed units × old period
        guard debt > 0 else { return nil }
        let scaled = debt * period
        return Int128(now) * Int128(count) + (scaled + cell.period - 1) / cell.period
    }

    private static func remaining(_ tat: Int128, _ now: Int128, _ window: Int128, _ period: Int128) -> Int {
        let room = now + window - tat
        return room <= 0 ? 0 : Int(room / period)
    }

    /// Scaled nanoseconds back to a duration, rounded up (a client told to wait must not be early).
    private static func duration(_ scaled: Int128, _ count: Int128) -> Duration {
        guard scaled > 0 else { return .zero }
        let ns = (scaled + count - 1) / count
        return .nanoseconds(Int64(min(ns, Int128(Int64.max))))
    }

    /// Drops keys that are full again (their time is not ahead of now).
    private static func evictFull(_ table: inout [String: Cell], _ now: Int64) {
        table = table.filter { $0.value.tat > Int128(now) * Int128($0.value.count) }
    }
}
