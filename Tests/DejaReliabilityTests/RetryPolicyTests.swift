import DejaProviders
@testable import DejaReliability
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(1000), maxRetryAfter: .seconds(5))

    @Test func fullJitterStaysBelowAnExponentialCeilingCappedAtTheMaximum() {
        let ceilings: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1000), .milliseconds(1000)]
        for (index, ceiling) in ceilings.enumerated() {
            let retry = index + 1
            #expect(policy.backoff(retry: retry, unitRandom: 0) == .zero)
            let high = policy.backoff(retry: retry, unitRandom: 0.999_999)
            #expect(high < ceiling && high > ceiling * 0.999, "retry \(retry): \(high) vs \(ceiling)")
            #expect(policy.backoff(retry: retry, unitRandom: 0.5) == ceiling * 0.5)
        }
        // Out-of-range random numbers are clamped, huge retry counts do not overflow.
        #expect(policy.backoff(retry: 10_000, unitRandom: 7) < .milliseconds(1000))
        #expect(policy.backoff(retry: 1, unitRandom: -1) == .zero)
    }

    @Test func retryAfterInSecondsReplacesTheBackoffUpToTheCap() {
        let now = 1_800_000_000.0
        let error = ProviderError.upstreamStatus(429, provider: "p", message: "slow down", retryAfter: "2")
        #expect(policy.delay(after: error, retry: 1, unitRandom: 0.5, wallClockSeconds: now) == .seconds(2))
        let tooLong = ProviderError.upstreamStatus(429, provider: "p", message: "slow down", retryAfter: "30")
        #expect(policy.delay(after: tooLong, retry: 1, unitRandom: 0.5, wallClockSeconds: now) == nil)
        let garbage = ProviderError.upstreamStatus(503, provider: "p", message: "x", retryAfter: "soon")
        #expect(policy.delay(after: garbage, retry: 1, unitRandom: 0.5, wallClockSeconds: now) == .milliseconds(50))
    }

    @Test func retryAfterAsAnHTTPDateCountsFromTheWallClock() throws {
        // Sun, 06 Dec 2026 12:00:00 GMT = 1796558400
        let date = "Sun, 06 Dec 2026 12:00:00 GMT"
        let seconds = try #require(RetryPolicy.retryAfterSeconds(date, now: 1_796_558_397))
        #expect(seconds == 3)
        #expect(RetryPolicy.retryAfterSeconds(date, now: 1_796_558_500) == 0)
        #expect(RetryPolicy.retryAfterSeconds("1.5", now: 0) == 1.5)
        #expect(RetryPolicy.retryAfterSeconds("-3", now: 0) == nil)
        #expect(RetryPolicy.retryAfterSeconds("nan", now: 0) == nil)
        #expect(RetryPolicy.retryAfterSeconds(String(repeating: "9", count: 400), now: 0).map { $0.isFinite } != false)
    }

    @Test func geminiRetryInfoArrivesAsSecondsAndIsHonoured() {
        // The Gemini adapter turns a RetryInfo `retryDelay` into `retryAfter` (GeminiErrorBody).
        let error = ProviderError.upstreamStatus(429, provider: "gemini", message: "RESOURCE_EXHAUSTED", retryAfter: "4")
        #expect(policy.delay(after: error, retry: 1, unitRandom: 0, wallClockSeconds: 0) == .seconds(4))
    }
}

@Suite struct RetryBudgetTests {
    @Test func retriesAreCappedAtTheRatioOfFirstAttemptsPlusTheMinimum() {
        let start = ContinuousClock.now
        let budget = RetryBudget(settings: .init(ratio: 0.2, window: .seconds(10), minimumPerWindow: 1), origin: start)
        for _ in 0..<10 { budget.recordFirstAttempt("p", now: start) }
        // 1 + 20 % of 10 = 3 retries.
        let granted = (0..<10).filter { _ in budget.tryWithdraw("p", now: start) }.count
        #expect(granted == 3)
        // Another provider has its own budget.
        #expect(budget.tryWithdraw("q", now: start))
    }

    @Test func theWindowSlidesSoOldTrafficStopsCounting() {
        let start = ContinuousClock.now
        let budget = RetryBudget(settings: .init(ratio: 0.5, window: .seconds(10), minimumPerWindow: 0), origin: start)
        for _ in 0..<10 { budget.recordFirstAttempt("p", now: start) }
        #expect(budget.tryWithdraw("p", now: start + .seconds(5)))
        // 11 s later the first attempts have left the window: nothing to retry against.
        #expect(!budget.tryWithdraw("p", now: start + .seconds(11)))
        // 16 s: the retry taken at 5 s has left the window too; two new first attempts allow one.
        budget.recordFirstAttempt("p", now: start + .seconds(16))
        budget.recordFirstAttempt("p", now: start + .seconds(16))
        #expect(budget.tryWithdraw("p", now: start + .seconds(16)))
        #expect(!budget.tryWithdraw("p", now: start + .seconds(16)))
    }
}

@Suite struct ProviderStatisticsTests {
    @Test func percentilesAndErrorRateCoverOnlyTheWindowAndIgnoreRefusedRequests() {
        let statistics = ProviderStatistics(window: .seconds(60), capacity: 1000)
        let t0 = ContinuousClock.now
        for ms in 1...100 {
            statistics.record(Attempt(provider: "a", model: "m", duration: .milliseconds(ms), outcome: .succeeded), at: t0)
        }
        for _ in 0..<25 {
            statistics.record(Attempt(provider: "a", model: "m", duration: .seconds(9), outcome: .failed(.upstreamStatus(503, provider: "a", message: "x"))), at: t0)
            statistics.record(Attempt(provider: "a", model: "m", duration: .seconds(9), outcome: .failed(.upstreamStatus(400, provider: "a", message: "x"))), at: t0)
        }
        statistics.recordFirstToken(provider: "a", model: "m", after: .milliseconds(40), at: t0)
        let summary = statistics.summaries(now: t0 + .seconds(1))[0]
        #expect(summary.attempts == 125 && summary.failures == 25)
        #expect(summary.errorRate == 0.2)
        #expect(summary.latency?.p50 == .milliseconds(50))
        #expect(summary.latency?.p95 == .milliseconds(95))
        #expect(summary.latency?.p99 == .milliseconds(99))
        #expect(summary.timeToFirstToken?.p50 == .milliseconds(40))
        // A minute later everything has left the window.
        let later = statistics.summaries(now: t0 + .seconds(61))[0]
        #expect(later.attempts == 0 && later.latency == nil && later.timeToFirstToken == nil)
    }

    @Test func eachSeriesIsBoundedByItsCapacity() {
        let statistics = ProviderStatistics(window: .seconds(60), capacity: 8)
        let t0 = ContinuousClock.now
        for ms in 1...1000 { statistics.record(Attempt(provider: "a", model: "m", duration: .milliseconds(ms), outcome: .succeeded), at: t0) }
        let summary = statistics.summaries(now: t0)[0]
        #expect(summary.attempts == 8)
        #expect(summary.latency?.p50 == .milliseconds(996))  // the newest eight: 993…1000
    }
}
