@testable import DejaRedis
import DejaTestSupport
import Testing

/// Drives the pooled connection's state machine as a plain value: no sockets, no threads.
@Suite struct RedisConnectionStateMachineTests {
    typealias Machine = RedisConnection.StateMachine<Int>

    let start = ContinuousClock.now
    let backoff = ReconnectBackoff(minimum: .milliseconds(100), maximum: .seconds(2))

    func makeMachine() -> Machine {
        Machine(backoff: self.backoff, healthCheckInterval: .seconds(1))
    }

    @Test func firstConnectionAttemptQueuesJobsThenRunsThemInOrder() throws {
        var machine = self.makeMachine()
        #expect(machine.publicState == .connecting)
        #expect(machine.enqueue(1) == nil)
        #expect(machine.enqueue(2) == nil)
        guard case .proceed(.connect) = machine.nextAction(now: self.start) else { throw TestFailure("expected connect") }
        machine.connectSucceeded(now: self.start)
        #expect(machine.publicState == .connected)
        guard case .proceed(.run(1)) = machine.nextAction(now: self.start) else { throw TestFailure("expected job 1") }
        guard case .proceed(.run(2)) = machine.nextAction(now: self.start) else { throw TestFailure("expected job 2") }
        guard case .wait(until: .some) = machine.nextAction(now: self.start) else { throw TestFailure("expected idle wait") }
    }

    @Test func failedFirstConnectFailsWaitingJobsAndLaterOnesFailFast() throws {
        var machine = self.makeMachine()
        #expect(machine.enqueue(7) == nil)
        _ = machine.nextAction(now: self.start)
        let failed = machine.connectFailed(now: self.start, unitRandom: 0.5)
        #expect(failed == [7])
        #expect(machine.publicState == .disconnected)
        #expect(!machine.acceptsJobs)
        #expect(machine.enqueue(8) == .notConnected)
        #expect(machine.queuedJobs == 0)
    }

    @Test func reconnectsAfterTheBackoffDelayAndAcceptsJobsAgain() throws {
        var machine = self.makeMachine()
        _ = machine.nextAction(now: self.start)
        machine.connectSucceeded(now: self.start)
        #expect(machine.enqueue(1) == nil)
        let stranded = machine.connectionBroke(now: self.start, unitRandom: 0)
        #expect(stranded == [1])
        #expect(machine.publicState == .disconnected)

        guard case .wait(until: .some(let retryAt)) = machine.nextAction(now: self.start) else {
            throw TestFailure("expected to wait for the backoff")
        }
        #expect(retryAt - self.start >= .milliseconds(100))
        #expect(retryAt - self.start <= .seconds(2))

        guard case .proceed(.connect) = machine.nextAction(now: retryAt) else { throw TestFailure("expected reconnect") }
        // A reconnection attempt does not queue callers: they fail fast until it succeeds.
        #expect(machine.publicState == .disconnected)
        #expect(machine.enqueue(2) == .notConnected)
        machine.connectSucceeded(now: retryAt)
        #expect(machine.publicState == .connected)
        #expect(machine.enqueue(3) == nil)
    }

    @Test func idleConnectionIsHealthChecked() throws {
        var machine = self.makeMachine()
        _ = machine.nextAction(now: self.start)
        machine.connectSucceeded(now: self.start)
        guard case .wait(until: .some(let due)) = machine.nextAction(now: self.start) else { throw TestFailure("expected wait") }
        #expect(due == self.start + .seconds(1))
        guard case .proceed(.healthCheck) = machine.nextAction(now: due) else { throw TestFailure("expected health check") }
    }

    @Test func closeFailsQueuedJobsOnceAndRejectsNewOnes() throws {
        var machine = self.makeMachine()
        #expect(machine.enqueue(1) == nil)
        machine.close()
        #expect(machine.publicState == .closed)
        #expect(machine.enqueue(2) == .closed)
        guard case .proceed(.exit(let failing)) = machine.nextAction(now: self.start) else { throw TestFailure("expected exit") }
        #expect(failing == [1])
        // A connect that was in flight when closing does not resurrect the connection.
        machine.connectSucceeded(now: self.start)
        #expect(machine.publicState == .closed)
    }

    @Test func backoffGrowsExponentiallyWithinBounds() {
        let backoff = ReconnectBackoff(minimum: .milliseconds(100), maximum: .seconds(2))
        #expect(backoff.delay(attempt: 0, unitRandom: 0.999) <= .milliseconds(100))
        #expect(backoff.delay(attempt: 3, unitRandom: 0.999) > .milliseconds(700))
        #expect(backoff.delay(attempt: 3, unitRandom: 0) >= .milliseconds(400))
        for attempt in 0..<80 {
            for random in [0.0, 0.3, 0.999] {
                let delay = backoff.delay(attempt: attempt, unitRandom: random)
                #expect(delay >= .milliseconds(100) && delay <= .seconds(2))
            }
        }
        #expect(backoff.delay(attempt: 60, unitRandom: 0.999) > .seconds(1.9))
    }
}
