import Logging
import Synchronization

/// An async Redis client over a small pool of hiredis connections, each on its own thread.
///
/// Built for a cache mirror, where Redis is an optimisation and must never hold up a request:
/// - every command is bounded by ``RedisConfiguration/commandTimeout``;
/// - a broken connection fails its command with a ``RedisError``, then reconnects in the
///   background with jittered exponential backoff;
/// - while no connection is up, commands fail at once with ``RedisError/notConnected``
///   instead of queueing, so the caller can count the failure and serve from memory.
///
/// Watch ``stateChanges()`` to resynchronise when Redis comes back. Call ``shutdown()`` when
/// done: each connection's thread keeps the client alive until then.
///
/// ```swift
/// let redis = RedisClient(configuration: try RedisConfiguration(url: "redis://localhost:6379/0"), logger: logger)
/// try await redis.set("deja:entry:1", value: body, ttlSeconds: 3600)
/// ```
public final class RedisClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: RedisConfiguration
    private let connections: [RedisConnection]
    private let monitor: PoolMonitor
    private let nextConnection = Atomic<Int>(0)
    private let isShutDown = Atomic<Bool>(false)

    /// Creates the pool and starts connecting in the background; returns at once.
    ///
    /// Commands sent before the first connection attempt finishes wait for it (at most
    /// ``RedisConfiguration/connectTimeout``); after that, they fail fast while Redis is down.
    public init(configuration: RedisConfiguration, logger: Logger) {
        precondition(configuration.poolSize >= 1, "RedisConfiguration.poolSize must be at least 1")
        self.configuration = configuration
        let monitor = PoolMonitor(poolSize: configuration.poolSize)
        self.monitor = monitor
        var connections: [RedisConnection] = []
        for index in 0..<configuration.poolSize {
            var connectionLogger = logger
            connectionLogger[metadataKey: "deja.redis.connection"] = "\(index)"
            connections.append(
                RedisConnection(
                    configuration: configuration,
                    name: "deja.redis.\(index)",
                    logger: connectionLogger,
                    onStateChange: { state in monitor.connection(index, changedTo: state) },
                    onBroken: { monitor.connectionBroke(index) }
                )
            )
        }
        monitor.connections.withLock { $0 = connections }
        self.connections = connections
    }

    /// The pool's state: ``RedisConnectionState/connected`` while at least one connection is up.
    ///
    /// Cheap enough for a stats endpoint.
    public var state: RedisConnectionState {
        self.monitor.broadcaster.current
    }

    /// Whether at least one connection is up.
    public var isConnected: Bool {
        self.state == .connected
    }

    /// A stream of the pool's state, starting with the current one.
    ///
    /// Each call returns a new independent stream; it finishes after ``shutdown()``. A
    /// ``RedisConnectionState/connected`` following ``RedisConnectionState/disconnected`` means
    /// Redis is back (maybe restarted empty): time to resynchronise.
    public func stateChanges() -> AsyncStream<RedisConnectionState> {
        self.monitor.broadcaster.makeStream()
    }

    /// Sends one command and returns its reply.
    ///
    /// ```swift
    /// let reply = try await client.send(["HGET", "deja:entry:1", "body"])
    /// ```
    ///
    /// Task cancellation does not interrupt a command already handed to a connection; the
    /// command timeout bounds it instead.
    ///
    /// - Throws: ``RedisError/server(_:)`` for an error reply (the connection stays up);
    ///   ``RedisError/notConnected``, ``RedisError/connectionFailed``, ``RedisError/timeout``
    ///   or ``RedisError/closed`` when Redis could not be reached in time.
    public func send(_ arguments: [RedisArgument]) async throws -> RedisValue {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        let connection = try self.pickConnection()
        let bytes = arguments.map(\.bytes)
        return try await withCheckedThrowingContinuation { continuation in
            connection.submit(.command(bytes, enqueuedAt: .now, continuation))
        }
    }

    /// Sends several commands in one round trip and returns their replies in order.
    ///
    /// An error reply does not stop the others: it comes back as ``RedisValue/error(_:)`` in its
    /// slot. The whole pipeline runs on one connection, so its commands are not interleaved with
    /// other callers' commands (but it is not a transaction; wrap it in `MULTI`/`EXEC` for that).
    ///
    /// - Throws: a ``RedisError`` if the connection failed; no replies are returned then, and
    ///   any prefix of the commands may have run.
    public func pipeline(_ commands: [[RedisArgument]]) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        precondition(commands.allSatisfy { !$0.isEmpty }, "a Redis command needs at least its name")
        let connection = try self.pickConnection()
        let bytes = commands.map { $0.map(\.bytes) }
        return try await withCheckedThrowingContinuation { continuation in
            connection.submit(.pipeline(bytes, enqueuedAt: .now, continuation))
        }
    }

    /// Closes every connection; queued and later commands fail with ``RedisError/closed``.
    ///
    /// Returns at once; each connection's thread ends after finishing its current command.
    public func shutdown() {
        self.isShutDown.store(true, ordering: .relaxed)
        for connection in self.connections {
            connection.close()
        }
    }

    /// Picks the next connection that accepts commands, round robin.
    private func pickConnection() throws(RedisError) -> RedisConnection {
        guard !self.isShutDown.load(ordering: .relaxed) else { throw RedisError.closed }
        let start = self.nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<self.connections.count {
            let connection = self.connections[Int(UInt(bitPattern: start &+ offset) % UInt(self.connections.count))]
            if connection.acceptsJobs { return connection }
        }
        throw RedisError.notConnected
    }
}

/// Turns the connections' states into the pool's, and reacts when one connection breaks.
///
/// The connections report to it from their own threads.
private final class PoolMonitor: Sendable {
    let broadcaster = ConnectionStateBroadcaster(.connecting)
    private let states: Mutex<[RedisConnectionState]>
    /// Filled once, right after the connections are created (they need the monitor first).
    let connections = Mutex<[RedisConnection]>([])

    init(poolSize: Int) {
        self.states = Mutex(Array(repeating: .connecting, count: poolSize))
    }

    func connection(_ index: Int, changedTo state: RedisConnectionState) {
        let aggregate = self.states.withLock { states in
            states[index] = state
            return Self.aggregate(states)
        }
        self.broadcaster.update(aggregate)
    }

    /// One broken connection usually means Redis went away: have the others check now, so the
    /// pool stops routing commands to dead sockets and reports the outage promptly.
    func connectionBroke(_ index: Int) {
        let connections = self.connections.withLock { $0 }
        for (other, connection) in connections.enumerated() where other != index && connection.acceptsJobs {
            connection.submit(.probe)
        }
    }

    private static func aggregate(_ states: [RedisConnectionState]) -> RedisConnectionState {
        if states.contains(.connected) { return .connected }
        if states.contains(.connecting) { return .connecting }
        if states.allSatisfy({ $0 == .closed }) { return .closed }
        return .disconnected
    }
}
