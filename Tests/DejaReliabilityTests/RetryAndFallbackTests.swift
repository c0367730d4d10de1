import DejaProviders
import DejaWire
@testable import DejaReliability
import Logging
import DejaTestSupport
import Testing

/// Retries, deadlines, budgets, fallback, circuit breakers and test mode, on scripted providers
/// and an injected clock and random source (no test waits through a backoff).
@Suite struct RetryAndFallbackTests {
    let clock = ManualClock()
    let observer = RecordingObserver()

    func executor(
        attempts: Int = 3, maxRetryAfter: Duration = .seconds(5), budget: RetryBudget.Settings = .init(),
        breakers: CircuitBreakers.Settings = .init()
    ) -> UpstreamExecutor {
        UpstreamExecutor(
            health: ProviderHealth(names: ["a", "b", "c"]),
            settings: .init(
                retry: RetryPolicy(maxAttempts: attempts, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), maxRetryAfter: maxRetryAfter),
                budget: budget, breakers: breakers),
            observer: observer, clock: clock, unitRandom: { 0.5 })
    }

    static func status(_ code: Int, _ provider: String = "a", retryAfter: String? = nil) -> ScriptedProvider.Outcome {
        .fail(.upstreamStatus(code, provider: provider, message: "HTTP \(code)", retryAfter: retryAfter))
    }

    @Test func transientFailuresAreRetriedWithTheJitteredBackoffSchedule() async throws {
        let a = ScriptedProvider(name: "a", [Self.status(503), Self.status(529), .body(completionJSON)])
        let executed = try await executor().complete(chat, plan: plan(a), context: context())
        #expect(a.callCount == 3)
        #expect(executed.attempts.map(\.succeeded) == [false, false, true])
        // unitRandom 0.5: half of 100 ms, then half of 200 ms.
        #expect(clock.sleeps == [.milliseconds(50), .milliseconds(100)])
        #expect(!executed.fallbackUsed)
    }

    @Test(arguments: [400, 401, 403, 404, 413, 422])
    func clientErrorsAreNeverRetried(status: Int) async throws {
        let a = ScriptedProvider(name: "a", [Self.status(status), .body(completionJSON)])
        await #expect(throws: ExecutionError.self) { try await executor().complete(chat, plan: plan(a), context: context()) }
        #expect(a.callCount == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func retryAfterIsHonouredAndABeyondTheCapWaitIsNotStarted() async throws {
        let a = ScriptedProvider(name: "a", [Self.status(429, retryAfter: "2"), .body(completionJSON)])
        _ = try await executor().complete(chat, plan: plan(a), context: context())
        #expect(clock.sleeps == [.seconds(2)])

        let slow = ScriptedProvider(name: "a", [Self.status(429, retryAfter: "60"), .body(completionJSON)])
        let error = await #expect(throws: ExecutionError.self) { try await executor().complete(chat, plan: plan(slow), context: context()) }
        guard case .failed(let failure, _)? = error else { Issue.record("expected the upstream's 429 relayed"); return }
        #expect(failure.upstreamStatus == 429 && failure.retryAfter == "60")
        #expect(slow.callCount == 1)
    }

    @Test func aWaitThatWouldPassTheDeadlineIsNotStarted() async throws {
        let a = ScriptedProvider(name: "a", [Self.status(503, retryAfter: "3"), .body(completionJSON)])
        var call = context()
        call.deadline = clock.now + .seconds(2)
        await #expect(throws: ExecutionError.self) { try await executor().complete(chat, plan: plan(a), context: call) }
        #expect(a.callCount == 1 && clock.sleeps.isEmpty)
    }

    @Test func aPassedDeadlineGivesUpWithoutCallingAnyone() async throws {
        let a = ScriptedProvider(name: "a", [.body(completionJSON)])
        var call = context()
        call.deadline = clock.now - .milliseconds(1)
        let error = await #expect(throws: ExecutionError.self) { try await executor().complete(chat, plan: plan(a), context: call) }
        guard case .gaveUp(let gaveUp)? = error else { Issue.record("expected a give-up"); return }
        #expect(gaveUp.reason == .deadline && a.callCount == 0)
    }

    @Test func theRetryBudgetStopsARetryStorm() async throws {
        let executor = executor(
            budget: .init(ratio: 0.2, window: .seconds(10), minimumPerWindow: 0), breakers: .init(failureThreshold: 1000))
        let a = ScriptedProvider(name: "a", Array(repeating: Self.status(503), count: 100))
        for _ in 0..<10 { _ = try? await executor.complete(chat, plan: plan(a), context: context()) }
        // 10 requests; retries may add at most 20 %: 2 retries, 12 calls in all.
        #expect(a.callCount == 12)
    }

    @Test func theNextCandidateAnswersWhenTheFirstFailsAndNamesItself() async throws {
        let a = ScriptedProvider(name: "a", [Self.status(500), Self.status(500), Self.status(500)])
        let b = ScriptedProvider(name: "b", [.body(completionJSON)])
        let executed = try await executor().complete(chat, plan: plan(a, b), context: context())
        #expect(executed.answeredBy.providerName == "b")
        #expect(executed.fallbackUsed)
        #expect(executed.attempts.map(\.provider) == ["a", "a", "a", "b"])
    }

    @Test func aRefusedRequestIsNotSentToTheNextCandidate() async throws {
        let a = ScriptedProvider(name: "a", [Self.status(400)])
        let b = ScriptedProvider(name: "b", [.body(completionJSON)])
        await #expect(throws: ExecutionError.self) { try await executor().complete(chat, plan: plan(a, b), context: context()) }
        #expect(b.callCount == 0)
    }

    @Test func whenEveryCandidateFailsTheGatewayGivesUp() async throws {
        let a = ScriptedProvider(name: "a", [.fail(.connectionFailed(provider: "a", detail: "refused"))])
        let b = ScriptedProvider(name: "b", [Self.status(502, "b")])
        let error = await #expect(throws: ExecutionError.self) {
            try await executor(attempts: 1).complete(chat, plan: plan(a, b), context: context())
        }
        guard case .gaveUp(let gaveUp)? = error else { Issue.record("expected a give-up"); return }
        #expect(gaveUp.reason == .exhausted)
        #expect(gaveUp.lastError?.provider == "b")
        #expect(gaveUp.attempts.count == 2)
    }

    @Test func fiveFailuresOpenTheCircuitWhichThenFailsFastAndProbesOnceAfterTheCooldown() async throws {
        let executor = executor(attempts: 1)
        let a = ScriptedProvider(name: "a", Array(repeating: Self.status(503), count: 5) + [.body(completionJSON)])
        let b = ScriptedProvider(name: "b", Array(repeating: .body(completionJSON), count: 20))
        for _ in 0..<5 { _ = try await executor.complete(chat, plan: plan(a, b), context: context()) }
        #expect(a.callCount == 5)
        #expect(executor.breakers.snapshot(now: clock.now).first { $0.provider == "a" }?.state == .open)
        // Open: a is skipped without a call, b answers.
        for _ in 0..<3 {
            let executed = try await executor.complete(chat, plan: plan(a, b), context: context())
            #expect(executed.answeredBy.providerName == "b")
        }
        #expect(a.callCount == 5)
        // After the cooldown one probe goes to a; its success closes the circuit.
        clock.advance(by: .seconds(301))
        let probe = try await executor.complete(chat, plan: plan(a, b), context: context())
        #expect(probe.answeredBy.providerName == "a" && a.callCount == 6)
        #expect(executor.breakers.snapshot(now: clock.now).first { $0.provider == "a" }?.state == .closed)
        #expect(observer.circuitStates == ["a/m-up:open", "a/m-up:half_open", "a/m-up:closed"])
    }

    @Test func onlyOneProbeGoesThroughUnderAHundredConcurrentCallers() async throws {
        let executor = executor(attempts: 1)
        let gate = Gate()
        let a = ScriptedProvider(name: "a", Array(repeating: Self.status(503), count: 5) + [.gated(gate, completionJSON)])
        let b = ScriptedProvider(name: "b", Array(repeating: .body(completionJSON), count: 200))
        for _ in 0..<5 { _ = try await executor.complete(chat, plan: plan(a, b), context: context()) }
        clock.advance(by: .seconds(301))
        let answeredBy = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask { try await executor.complete(chat, plan: plan(a, b), context: context()).answeredBy.providerName }
            }
            // Let the other 99 finish on b while the probe waits, then release it.
            var names: [String] = []
            for _ in 0..<99 { names.append(try await group.next()!) }
            await gate.open()
            for try await name in group { names.append(name) }
            return names
        }
        #expect(a.callCount == 6)
        #expect(answeredBy.filter { $0 == "a" }.count == 1)
        #expect(answeredBy.filter { $0 == "b" }.count == 99)
    }

    @Test func aProbeThatFailsReopensTheCircuitForAnotherCooldown() {
        let breakers = CircuitBreakers(settings: .init(failureThreshold: 2, window: .seconds(60), cooldown: .seconds(30)))
        let t0 = ContinuousClock.now
        for _ in 0..<2 { breakers.record(provider: "a", model: "m", admission: .allowed, outcome: .failure(.degraded), now: t0) }
        #expect(breakers.admit(provider: "a", model: "m", now: t0 + .seconds(29)) == .rejected(retryAt: t0 + .seconds(30)))
        let probe = breakers.admit(provider: "a", model: "m", now: t0 + .seconds(31))
        #expect(probe == .probe)
        breakers.record(provider: "a", model: "m", admission: probe, outcome: .failure(.degraded), now: t0 + .seconds(32))
        #expect(breakers.admit(provider: "a", model: "m", now: t0 + .seconds(33)) == .rejected(retryAt: t0 + .seconds(62)))
        // A probe whose client left frees the slot for the next caller.
        let second = breakers.admit(provider: "a", model: "m", now: t0 + .seconds(63))
        breakers.record(provider: "a", model: "m", admission: second, outcome: .abandoned, now: t0 + .seconds(63))
        #expect(breakers.admit(provider: "a", model: "m", now: t0 + .seconds(63)) == .probe)
    }

    @Test func failuresOutsideTheWindowDoNotOpenTheCircuit() {
        let breakers = CircuitBreakers(settings: .init(failureThreshold: 3, window: .seconds(10), cooldown: .seconds(30)))
        let t0 = ContinuousClock.now
        for i in 0..<6 {
            breakers.record(provider: "a", model: "m", admission: .allowed, outcome: .failure(.degraded), now: t0 + .seconds(Int64(i * 6)))
        }
        #expect(breakers.admit(provider: "a", model: "m", now: t0 + .seconds(40)) == .allowed)
        // Refused requests never count.
        for _ in 0..<10 { breakers.record(provider: "a", model: "m", admission: .allowed, outcome: .failure(.rejected), now: t0 + .seconds(41)) }
        #expect(breakers.admit(provider: "a", model: "m", now: t0 + .seconds(41)) == .allowed)
    }

    @Test func aGlobalRateLimitOpensAtOnceAndLocalOnesEscalate() {
        let breakers = CircuitBreakers(settings: .init(failureThreshold: 3, window: .seconds(120), cooldown: .seconds(300), escalationWindow: .seconds(60)))
        let t0 = ContinuousClock.now
        breakers.record(provider: "a", model: "m", admission: .allowed, outcome: .failure(.rateLimitedGlobally), now: t0)
        #expect(breakers.admit(provider: "a", model: "m", now: t0) != .allowed)
        for i in 0..<2 { breakers.record(provider: "b", model: "m", admission: .allowed, outcome: .failure(.rateLimited), now: t0 + .seconds(Int64(i))) }
        #expect(breakers.admit(provider: "b", model: "m", now: t0 + .seconds(2)) == .allowed)
        breakers.record(provider: "b", model: "m", admission: .allowed, outcome: .failure(.rateLimited), now: t0 + .seconds(3))
        #expect(breakers.admit(provider: "b", model: "m", now: t0 + .seconds(3)) != .allowed)
    }

    @Test func everyCircuitOpenGivesUpFastWithARetryAfter() async throws {
        let executor = executor(attempts: 1, breakers: .init(failureThreshold: 1, window: .seconds(60), cooldown: .seconds(30)))
        let a = ScriptedProvider(name: "a", [Self.status(503)])
        let b = ScriptedProvider(name: "b", [Self.status(503, "b")])
        _ = try? await executor.complete(chat, plan: plan(a, b), context: context())
        clock.advance(by: .seconds(10))
        let error = await #expect(throws: ExecutionError.self) { try await executor.complete(chat, plan: plan(a, b), context: context()) }
        guard case .gaveUp(let gaveUp)? = error else { Issue.record("expected a give-up"); return }
        #expect(gaveUp.reason == .allCircuitsOpen)
        #expect(gaveUp.retryAfter == .seconds(20))
        #expect(a.callCount == 1 && b.callCount == 1)
    }

    @Test func aStreamCutBeforeItsFirstChunkIsRetriedButNotOneCutAfter() async throws {
        let a = ScriptedProvider(name: "a", [
            .chunks([], thenFail: .streamInterrupted(provider: "a", detail: "cut before the first byte")),
            .chunks(["{\"n\":1}"], thenFail: .streamInterrupted(provider: "a", detail: "cut midway")),
            .chunks(["{\"n\":9}"], thenFail: nil),
        ])
        let executed = try await executor().stream(chat, plan: plan(a), context: context())
        #expect(a.callCount == 2)
        var received: [String] = []
        await #expect(throws: ProviderError.self) {
            for try await chunk in executed.value { received.append(String(decoding: chunk, as: UTF8.self)) }
        }
        #expect(received == ["{\"n\":1}"])
        #expect(a.callCount == 2)  // never retried once a chunk was out
    }

    @Test func testModeForcesADegradedAnswerOrOneTransientFailure() async throws {
        let a = ScriptedProvider(name: "a", [.body(completionJSON)])
        var forced = context()
        forced.testMode = .forceDegraded
        let error = await #expect(throws: ExecutionError.self) { try await executor().complete(chat, plan: plan(a), context: forced) }
        guard case .gaveUp(let gaveUp)? = error else { Issue.record("expected a give-up"); return }
        #expect(gaveUp.reason == .forced && a.callCount == 0)

        var transient = context()
        transient.testMode = .forceTransientRecover
        let executed = try await executor().complete(chat, plan: plan(a), context: transient)
        #expect(executed.attempts.count == 2 && a.callCount == 1)
    }
}
