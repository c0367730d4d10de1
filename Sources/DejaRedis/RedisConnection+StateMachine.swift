extension RedisConnection {
    /// The life of one pooled connection, as a value: the connection's thread asks it what to do
    /// next and reports what happened; all I/O happens outside it.
    ///
    /// Generic over the job type so tests can drive it with plain values and no sockets.
    struct StateMachine<Job> {
        enum State: Equatable {
            /// Connecting; `acceptsJobs` only for the first attempt, whose callers may wait for it.
            case connecting(attempt: Int, acceptsJobs: Bool)
            case connected(idleSince: ContinuousClock.Instant)
            case waitingToReconnect(attempt: Int, at: ContinuousClock.Instant)
            case closed
        }

        /// What the connection's thread does next.
        enum Action {
            case connect
            case run(Job)
            /// Send a `PING` to find out whether an idle connection still works.
            case healthCheck
            case wait(until: ContinuousClock.Instant?)
            /// Shut down: fail these jobs with ``RedisError/closed`` and end the thread.
            case exit(failing: [Job])
        }

        private(set) var state: State = .connecting(attempt: 0, acceptsJobs: true)
        private var jobs: [Job] = []
        private var exited = false
        let backoff: ReconnectBackoff
        let healthCheckInterval: Duration

        init(backoff: ReconnectBackoff, healthCheckInterval: Duration) {
            self.backoff = backoff
            self.healthCheckInterval = healthCheckInterval
        }

        /// The state as callers see it.
        var publicState: RedisConnectionState {
            switch self.state {
            case .connecting(_, acceptsJobs: true): return .connecting
            case .connected: return .connected
            // A reconnection attempt is still "disconnected": callers fail fast until it succeeds.
            case .connecting, .waitingToReconnect: return .disconnected
            case .closed: return .closed
            }
        }

        /// Whether ``enqueue(_:)`` would accept a job now.
        var acceptsJobs: Bool {
            switch self.state {
            case .connected, .connecting(_, acceptsJobs: true): return true
            default: return false
            }
        }

        var queuedJobs: Int { self.jobs.count }

        /// Queues `job`, or returns the error to fail it with at once: commands never wait for a
        /// connection that is down.
        mutating func enqueue(_ job: Job) -> RedisError? {
            switch self.state {
            case .closed: return .closed
            case _ where self.acceptsJobs:
                self.jobs.append(job)
                return nil
            default: return .notConnected
            }
        }

        mutating func nextAction(now: ContinuousClock.Instant) -> ConditionLock<Self>.Decision<Action> {
            switch self.state {
            case .closed:
                if self.exited { return .wait(until: nil) }
                self.exited = true
                defer { self.jobs = [] }
                return .proceed(.exit(failing: self.jobs))
            case .connecting:
                return .proceed(.connect)
            case .connected(let idleSince):
                if !self.jobs.isEmpty { return .proceed(.run(self.jobs.removeFirst())) }
                let due = idleSince + self.healthCheckInterval
                guard now >= due else { return .wait(until: due) }
                self.state = .connected(idleSince: now)
                return .proceed(.healthCheck)
            case .waitingToReconnect(let attempt, let at):
                guard now >= at else { return .wait(until: at) }
                self.state = .connecting(attempt: attempt, acceptsJobs: false)
                return .proceed(.connect)
            }
        }

        /// The connection is up.
        mutating func connectSucceeded(now: ContinuousClock.Instant) {
            guard case .connecting = self.state else { return }
            self.state = .connected(idleSince: now)
        }

        /// Connecting failed; returns the jobs that waited for it, to fail with the connect error.
        mutating func connectFailed(now: ContinuousClock.Instant, unitRandom: Double) -> [Job] {
            guard case .connecting(let attempt, _) = self.state else { return [] }
            let delay = self.backoff.delay(attempt: attempt, unitRandom: unitRandom)
            self.state = .waitingToReconnect(attempt: attempt + 1, at: now + delay)
            defer { self.jobs = [] }
            return self.jobs
        }

        /// A command finished; the connection is healthy.
        mutating func jobSucceeded(now: ContinuousClock.Instant) {
            guard case .connected = self.state else { return }
            self.state = .connected(idleSince: now)
        }

        /// A command or health check found the connection broken; returns the jobs queued behind
        /// it, to fail with ``RedisError/notConnected`` rather than leave them waiting.
        mutating func connectionBroke(now: ContinuousClock.Instant, unitRandom: Double) -> [Job] {
            guard case .connected = self.state else { return [] }
            let delay = self.backoff.delay(attempt: 0, unitRandom: unitRandom)
            self.state = .waitingToReconnect(attempt: 1, at: now + delay)
            defer { self.jobs = [] }
            return self.jobs
        }

        /// Stops the connection; the thread then receives ``Action/exit(failing:)``.
        mutating func close() {
            self.state = .closed
        }
    }
}

extension RedisConnection.StateMachine: Sendable where Job: Sendable {}
