import DejaGovernance
import Testing

/// GCRA on a deterministic clock (nanoseconds passed in).
@Suite struct RateLimiterTests {
    let second: Int64 = 1_000_000_000

    @Test func aBurstOfTheLimitIsAdmittedThenOnePerEmissionInterval() {
        // 10 per second: a burst of 10, then one every 100 ms.
        let limiter = BoundLimiter(RateLimit(count: 10, period: .seconds(1)))
        for i in 0..<10 {
            let d = limiter.acquire("k", now: 0)
            #expect(d.allowed, "\(i)")
            #expect(d.remaining == 9 - i)
        }
        let refused = limiter.acquire("k", now: 0)
        #expect(!refused.allowed)
        #expect(refused.remaining == 0)
        #expect(refused.retryAfter == .milliseconds(100))
        #expect(refused.reset == .seconds(1))
        // One nanosecond early is still refused; exactly on time is admitted.
        #expect(!limiter.acquire("k", now: second / 10 - 1).allowed)
        #expect(limiter.acquire("k", now: second / 10).allowed)
        #expect(!limiter.acquire("k", now: second / 10).allowed)
    }

    @Test func thereAreNoWindowEdgesToExploit() {
        // A client sending every 100 ms against 100 per 60 s. A fixed window admits 100 again at
        // each boundary however the requests bunch; GCRA gives the burst once, then exactly the
        // rate: once the burst is spent, no 60 s span anywhere holds more than 100 (+1 at its edge).
        let limiter = BoundLimiter(RateLimit(count: 100, period: .seconds(60)))
        var admitted: [Int64] = []
        var t: Int64 = 0
        while t < 180 * second {
            if limiter.acquire("k", now: t).allowed { admitted.append(t) }
            t += second / 10
        }
        for start in stride(from: Int64(0), to: 120 * second, by: Int(second / 10)) {
            let inSpan = admitted.filter { $0 >= start && $0 < start + 60 * second }.count
            // Any span: at most the burst plus what the rate refilled within it.
            #expect(inSpan <= 200, "\(start): \(inSpan)")
            // After the burst: the rate alone.
            if start >= 60 * second { #expect(inSpan <= 101, "\(start): \(inSpan)") }
        }
        // Over the long run the rate holds: 100 + 100 per minute after the first burst.
        #expect(admitted.count <= 100 + 100 * 3)
        #expect(admitted.count >= 100 + 100 * 3 - 2)
    }

    @Test func costsAreUnitsAndTheRefusalTakesNothing() {
        // 1,000 tokens per minute.
        let limiter = BoundLimiter(RateLimit(count: 1_000, period: .seconds(60)))
        #expect(limiter.acquire("k", cost: 800, now: 0).allowed)
        let refused = limiter.acquire("k", cost: 300, now: 0)
        #expect(!refused.allowed)
        #expect(refused.remaining == 200)
        // 100 tokens replenish in 6 s.
        #expect(refused.retryAfter == .seconds(6))
        #expect(limiter.acquire("k", cost: 200, now: 0).allowed)
        // More than the whole limit can never be admitted.
        let never = limiter.acquire("other", cost: 1_001, now: 0)
        #expect(!never.allowed && never.retryAfter == nil)
    }

    @Test func reconciliationTakesOrGivesBackTheDifference() {
        let limiter = BoundLimiter(RateLimit(count: 1_000, period: .seconds(60)))
        // Estimated 500 at admission; the answer used 900.
        #expect(limiter.acquire("k", cost: 500, now: 0).allowed)
        limiter.adjust("k", by: 400, now: 0)
        #expect(limiter.acquire("k", cost: 1, now: 0).remaining == 99)
        // Estimated 500; used 100: 400 back.
        let fresh = BoundLimiter(RateLimit(count: 1_000, period: .seconds(60)))
        #expect(fresh.acquire("k", cost: 500, now: 0).allowed)
        fresh.adjust("k", by: -400, now: 0)
        #expect(fresh.acquire("k", cost: 1, now: 0).remaining == 899)
    }

    @Test func keysAreIndependentAndFullKeysAreEvictedPastCapacity() {
        let limiter = BoundLimiter(RateLimit(count: 1, period: .seconds(1)), capacity: 100)
        for i in 0..<100 { #expect(limiter.acquire("ip-\(i)", now: 0).allowed) }
        #expect(!limiter.acquire("ip-0", now: 0).allowed)
        // A second later every key is full again: a new key makes room by dropping them.
        #expect(limiter.acquire("ip-new", now: 2 * second).allowed)
        #expect(limiter.trackedKeys == 1)
    }

    @Test func exactArithmeticAtAwkwardRates() {
        // 7 per 1 s: the emission interval (142,857,142.857… ns) is not an integer.
        let limiter = BoundLimiter(RateLimit(count: 7, period: .seconds(1)))
        var admitted = 0
        var t: Int64 = 0
        while t <= 100 * second {
            if limiter.acquire("k", now: t).allowed { admitted += 1 }
            t += 1_000_000
        }
        // A burst of 7, then exactly 7 per second for 100 s.
        #expect(admitted == 7 + 700)
    }
}

/// A limiter with one limit for every key (what these tests exercise).
struct BoundLimiter {
    let limit: RateLimit
    let limiter: RateLimiter

    init(_ limit: RateLimit, capacity: Int = 1_000_000) {
        self.limit = limit
        self.limiter = RateLimiter(capacity: capacity)
    }

    func acquire(_ key: String, cost: Int = 1, now: Int64) -> RateDecision { limiter.acquire(key, limit: limit, cost: cost, now: now) }
    func adjust(_ key: String, by delta: Int, now: Int64) { limiter.adjust(key, limit: limit, by: delta, now: now) }
    var trackedKeys: Int { limiter.trackedKeys }
}
