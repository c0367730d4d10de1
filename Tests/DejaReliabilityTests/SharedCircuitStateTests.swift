import DejaProviders
@testable import DejaReliability
import Synchronization
import DejaTestSupport
import Testing

/// What the executor tells the shared circuit store and how it follows the store's probe claim.
final class RecordingSharedState: SharedCircuitState {
    private let events = Mutex<[String]>([])
    private let grant: Bool
    init(grantProbes: Bool) { grant = grantProbes }
    var recorded: [String] { events.withLock { $0 } }

    func opened(provider: String, model: String, untilWallClock: Double) { events.withLock { $0.append("opened \(provider)") } }
    func closed(provider: String, model: String) { events.withLock { $0.append("closed \(provider)") } }
    func claimProbe(provider: String, model: String, lease: Duration) async -> Bool {
        events.withLock { $0.append("claim \(provider)") }
        return grant
    }
}

@Suite struct SharedCircuitStateTests {
    let clock = ManualClock()

    func executor(_ shared: RecordingSharedState) -> UpstreamExecutor {
        UpstreamExecutor(
            health: ProviderHealth(names: ["a", "b"]),
            settings: .init(retry: RetryPolicy(maxAttempts: 1), breakers: .init(failureThreshold: 2, window: .seconds(60), cooldown: .seconds(30))),
            observer: nil, clock: clock, unitRandom: { 0.5 }, shared: shared)
    }

    static let down = ScriptedProvider.Outcome.fail(.upstreamStatus(503, provider: "a", message: "down"))

    @Test func anOpeningAndAProbesVerdictAreAnnounced() async throws {
        let shared = RecordingSharedState(grantProbes: true)
        let executor = executor(shared)
        let a = ScriptedProvider(name: "a", [Self.down, Self.down, .body(completionJSON)])
        let b = ScriptedProvider(name: "b", Array(repeating: .body(completionJSON), count: 5))
        for _ in 0..<2 { _ = try await executor.complete(chat, plan: plan(a, b), context: context()) }
        #expect(shared.recorded == ["opened a"])
        clock.advance(by: .seconds(31))
        let probe = try await executor.complete(chat, plan: plan(a, b), context: context())
        #expect(probe.answeredBy.providerName == "a")
        #expect(shared.recorded == ["opened a", "claim a", "closed a"])
    }

    @Test func aProbeAnotherInstanceHoldsIsNotMadeHere() async throws {
        let shared = RecordingSharedState(grantProbes: false)
        let executor = executor(shared)
        let a = ScriptedProvider(name: "a", [Self.down, Self.down, .body(completionJSON)])
        let b = ScriptedProvider(name: "b", Array(repeating: .body(completionJSON), count: 5))
        for _ in 0..<2 { _ = try await executor.complete(chat, plan: plan(a, b), context: context()) }
        clock.advance(by: .seconds(31))
        let answered = try await executor.complete(chat, plan: plan(a, b), context: context())
        #expect(answered.answeredBy.providerName == "b")
        #expect(a.callCount == 2)
        // It waits for the other instance's verdict instead of claiming on every request.
        _ = try await executor.complete(chat, plan: plan(a, b), context: context())
        #expect(shared.recorded.filter { $0 == "claim a" }.count == 1)
    }

    @Test func anotherInstancesAnnouncementsOpenAndCloseTheLocalCircuit() {
        let breakers = CircuitBreakers()
        let now = ContinuousClock.now
        breakers.apply(.init(provider: "a", model: "m", change: .opened(untilWallClock: 1000 + 60)), now: now, wallClockSeconds: 1000)
        #expect(breakers.admit(provider: "a", model: "m", now: now + .seconds(59)) == .rejected(retryAt: now + .seconds(60)))
        breakers.apply(.init(provider: "a", model: "m", change: .closed), now: now, wallClockSeconds: 1000)
        #expect(breakers.admit(provider: "a", model: "m", now: now + .seconds(1)) == .allowed)
        // An opening far in the future (a wrong clock, a hostile writer with the key) is capped at a day.
        breakers.apply(.init(provider: "a", model: "m", change: .opened(untilWallClock: 1e15)), now: now, wallClockSeconds: 1000)
        #expect(breakers.admit(provider: "a", model: "m", now: now + .seconds(86_401)) == .probe)
    }
}
