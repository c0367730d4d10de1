import Foundation
import Logging

/// One pooled connection: a hiredis context owned by a dedicated thread that runs queued jobs.
///
/// hiredis blocks on its socket, so its calls run here and never on a NIO event loop or a Swift
/// concurrency thread; async callers wait on a `CheckedContinuation` that this thread resumes.
/// Decisions are made by ``StateMachine`` under the lock; I/O happens after releasing it.
final class RedisConnection: Sendable {
    enum Job: Sendable {
        case command([[UInt8]], enqueuedAt: ContinuousClock.Instant, CheckedContinuation<RedisValue, any Error>)
        case pipeline([[[UInt8]]], enqueuedAt: ContinuousClock.Instant, CheckedContinuation<[RedisValue], any Error>)
        /// A `PING` whose only purpose is to find out whether the connection still works.
        case probe

        var enqueuedAt: ContinuousClock.Instant? {
            switch self {
            case .command(_, let enqueuedAt, _), .pipeline(_, let enqueuedAt, _): return enqueuedAt
            case .probe: return nil
            }
        }

        func fail(_ error: RedisError) {
            switch self {
            case .command(_, _, let continuation): continuation.resume(throwing: error)
            case .pipeline(_, _, let continuation): continuation.resume(throwing: error)
            case .probe: break
            }
        }
    }

    private let machine: ConditionLock<StateMachine<Job>>
    private let configuration: RedisConfiguration
    private let logger: Logger
    private let onStateChange: @Sendable (RedisConnectionState) -> Void
    private let onBroken: @Sendable () -> Void

    /// Starts the connection's thread, which connects at once.
    ///
    /// - Parameters:
    ///   - onStateChange: called on the connection's thread, outside the lock, after each change.
    ///   - onBroken: called when an established connection is found broken, so the pool can
    ///     check its other connections.
    init(
        configuration: RedisConfiguration,
        name: String,
        logger: Logger,
        onStateChange: @escaping @Sendable (RedisConnectionState) -> Void,
        onBroken: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.onStateChange = onStateChange
        self.onBroken = onBroken
        self.machine = ConditionLock(
            StateMachine(
                backoff: ReconnectBackoff(minimum: configuration.minimumReconnectDelay, maximum: configuration.maximumReconnectDelay),
                healthCheckInterval: configuration.healthCheckInterval
            )
        )
        let thread = Thread { [self] in self.run() }
        thread.name = name
        thread.start()
    }

    var state: RedisConnectionState {
        self.machine.withLock { $0.publicState }
    }

    var acceptsJobs: Bool {
        self.machine.withLock { $0.acceptsJobs }
    }

    /// Queues `job`, or fails it at once if the connection is down or closed.
    func submit(_ job: Job) {
        if let error = self.machine.withLock({ $0.enqueue(job) }) {
            job.fail(error)
        }
    }

    /// Stops the thread after its current job; queued jobs fail with ``RedisError/closed``.
    func close() {
        self.machine.withLock { $0.close() }
    }

    // MARK: The connection's thread

    private func run() {
        var context: HiredisContext?
        var reported = self.state
        while true {
            let action = self.machine.waitFor { $0.nextAction(now: .now) }
            switch action {
            case .exit(let jobs):
                context = nil
                for job in jobs { job.fail(.closed) }
                self.onStateChange(.closed)
                return
            case .wait:
                // `waitFor` only returns `.proceed`; waiting happened inside it.
                continue
            case .connect:
                context = nil
                do {
                    context = try self.connect()
                    self.machine.withLock { $0.connectSucceeded(now: .now) }
                    self.logger.info("Connected to Redis", metadata: ["deja.redis.host": "\(self.configuration.host):\(self.configuration.port)"])
                } catch {
                    let waiting = self.machine.withLock { $0.connectFailed(now: .now, unitRandom: .random(in: 0..<1)) }
                    for job in waiting { job.fail(error) }
                    self.logger.debug("Redis connection attempt failed", metadata: ["deja.redis.error": "\(error)"])
                }
            case .healthCheck:
                self.execute(.probe, on: &context)
            case .run(let job):
                self.execute(job, on: &context)
            }
            let now = self.state
            if now != reported {
                reported = now
                self.onStateChange(now)
            }
        }
    }

    private func connect() throws(RedisError) -> HiredisContext {
        let context = try HiredisContext.connect(
            host: self.configuration.host,
            port: self.configuration.port,
            connectTimeout: self.configuration.connectTimeout,
            ioTimeout: self.configuration.connectTimeout,
            maxReplyBytes: self.configuration.maxReplyBytes
        )
        try Self.handshake(context, configuration: self.configuration)
        // Handshake replies may be slow on a cold server; commands get the tighter bound.
        try context.setTimeout(self.configuration.commandTimeout)
        return context
    }

    /// Sends `AUTH` and `SELECT` as the configuration asks; an error reply fails the connection.
    static func handshake(_ context: HiredisContext, configuration: RedisConfiguration) throws(RedisError) {
        var commands: [[[UInt8]]] = []
        if let password = configuration.password {
            let user = configuration.username.map { [Array($0.utf8)] } ?? []
            commands.append([Array("AUTH".utf8)] + user + [Array(password.utf8)])
        }
        if configuration.database != 0 {
            commands.append([Array("SELECT".utf8), Array(String(configuration.database).utf8)])
        }
        for command in commands {
            if case .error(let message) = try context.command(command) {
                throw RedisError.connectionFailed.with(detail: message)
            }
        }
    }

    private func execute(_ job: Job, on context: inout HiredisContext?) {
        guard let connection = context else {
            job.fail(.notConnected)
            return
        }
        if let enqueuedAt = job.enqueuedAt, enqueuedAt.duration(to: .now) > self.configuration.commandTimeout {
            // The caller has waited its whole budget behind other commands; running it now
            // would only make it later. The connection itself is fine.
            job.fail(RedisError.timeout.with(detail: "waited too long behind other commands"))
            return
        }
        do throws(RedisError) {
            switch job {
            case .command(let arguments, _, let continuation):
                let reply = try connection.command(arguments)
                if case .error(let message) = reply {
                    continuation.resume(throwing: RedisError.server(message))
                } else {
                    continuation.resume(returning: reply)
                }
            case .pipeline(let commands, _, let continuation):
                continuation.resume(returning: try connection.pipeline(commands))
            case .probe:
                _ = try connection.command([Array("PING".utf8)])
            }
            self.machine.withLock { $0.jobSucceeded(now: .now) }
        } catch {
            // hiredis leaves a context unusable after any I/O or protocol error.
            context = nil
            job.fail(error)
            let queued = self.machine.withLock { $0.connectionBroke(now: .now, unitRandom: .random(in: 0..<1)) }
            for queuedJob in queued { queuedJob.fail(.notConnected) }
            self.logger.debug("Redis connection broke", metadata: ["deja.redis.error": "\(error)"])
            self.onBroken()
        }
    }
}
