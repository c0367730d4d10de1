import DejaProviders
@testable import DejaReliability
import DejaTestSupport
import Testing

/// Hedging: the injected clock makes the hedge due at once; providers that wait do so with a
/// real, cancellable sleep, which the losing side never finishes.
@Suite struct HedgingTests {
    let clock = ManualClock()
    let observer = RecordingObserver()

    func executor(budget: RetryBudget.Settings = .init(), clock: (any ReliabilityClock)? = nil) -> UpstreamExecutor {
        UpstreamExecutor(
            health: ProviderHealth(names: ["a", "b", "c"]),
            settings: .init(retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10)), budget: budget),
            observer: observer, clock: clock ?? self.clock, unitRandom: { 0.5 })
    }

    @Test func theHedgeWinsOnASlowPrimaryAndThePrimaryIsCancelled() async throws {
        let a = ScriptedProvider(name: "a", [.delayed(.seconds(30), completionJSON)])
        let b = ScriptedProvider(name: "b", [.body(completionJSON)])
        let started = ContinuousClock.now
        let executor = executor()
        let executed = try await executor.complete(chat, plan: plan(a, b, hedgeAfter: .milliseconds(200)), context: context())
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(executed.answeredBy.providerName == "b")
        #expect(executed.fallbackUsed)
        #expect(a.callCount == 1 && b.callCount == 1)
        // The cancelled primary is not held against its provider.
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures ?? 0 == 0)
        #expect(executor.breakers.snapshot(now: clock.now).allSatisfy { $0.recentFailures == 0 })
    }

    @Test func anErrorNeverWinsTheRace() async throws {
        let a = ScriptedProvider(name: "a", [.delayed(.milliseconds(100), completionJSON)])
        let b = ScriptedProvider(name: "b", [.fail(.upstreamStatus(503, provider: "b", message: "busy"))])
        let executed = try await executor().complete(chat, plan: plan(a, b, hedgeAfter: .milliseconds(1)), context: context())
        #expect(executed.answeredBy.providerName == "a")
        #expect(!executed.fallbackUsed)
        #expect(executed.attempts.map(\.provider).sorted() == ["a", "b"])
    }

    @Test func whenBothRacersFailTheNextCandidateAnswers() async throws {
        let a = ScriptedProvider(name: "a", [.delayed(.milliseconds(20), "not json")])
        let b = ScriptedProvider(name: "b", [.fail(.upstreamStatus(500, provider: "b", message: "x"))])
        let c = ScriptedProvider(name: "c", [.body(completionJSON)])
        let executed = try await executor().complete(chat, plan: plan(a, b, c, hedgeAfter: .milliseconds(1)), context: context())
        #expect(executed.answeredBy.providerName == "c")
        #expect(b.callCount == 1)  // not retried after its race
    }

    @Test func aFastPrimaryNeedsNoHedge() async throws {
        let a = ScriptedProvider(name: "a", [.body(completionJSON)])
        let b = ScriptedProvider(name: "b", [.body(completionJSON)])
        // The real clock: the hedge is ten seconds away, and the primary's answer cancels it.
        let started = ContinuousClock.now
        let executed = try await executor(clock: SystemReliabilityClock()).complete(chat, plan: plan(a, b, hedgeAfter: .seconds(10)), context: context())
        #expect(executed.answeredBy.providerName == "a")
        #expect(b.callCount == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func hedgesCountAgainstTheRetryBudget() async throws {
        let executor = executor(budget: .init(ratio: 0, window: .seconds(10), minimumPerWindow: 0))
        let a = ScriptedProvider(name: "a", [.delayed(.milliseconds(50), completionJSON)])
        let b = ScriptedProvider(name: "b", [.body(completionJSON)])
        let executed = try await executor.complete(chat, plan: plan(a, b, hedgeAfter: .milliseconds(1)), context: context())
        #expect(executed.answeredBy.providerName == "a")
        #expect(b.callCount == 0)
    }

    @Test func aStreamHedgeWinsByItsFirstChunk() async throws {
        let a = ScriptedProvider(name: "a", [.delayed(.seconds(30), completionJSON)])
        let b = ScriptedProvider(name: "b", [.chunks(["{\"n\":1}", "{\"n\":2}"], thenFail: nil)])
        let executed = try await executor().stream(chat, plan: plan(a, b, hedgeAfter: .milliseconds(5)), context: context())
        var received: [String] = []
        for try await chunk in executed.value { received.append(String(decoding: chunk, as: UTF8.self)) }
        #expect(received == ["{\"n\":1}", "{\"n\":2}"])
        #expect(executed.answeredBy.providerName == "b")
    }
}
