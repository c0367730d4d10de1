/// Settings for a ``RedisClient`` or ``RedisSubscriber``.
///
/// The defaults suit a cache mirror: Redis is an optimisation, so a command gives up after
/// ``commandTimeout`` and a lost server is retried in the background rather than waited for.
public struct RedisConfiguration: Hashable, Sendable {
    /// Host name or IP address of the server. Default `127.0.0.1`.
    public var host: String
    /// TCP port. Default 6379.
    public var port: Int
    /// ACL user name for `AUTH username password` (Redis 6+); `nil` sends `AUTH password`.
    public var username: String?
    /// Password sent with `AUTH` after connecting; `nil` skips `AUTH`.
    public var password: String?
    /// Database index selected with `SELECT` after connecting. Default 0.
    public var database: Int
    /// Bound on establishing a TCP connection, including `AUTH` and `SELECT`. Default 1 s.
    public var connectTimeout: Duration
    /// Bound on one command's socket I/O, and on how long a command may wait behind others
    /// on its connection. Default 250 ms: a cache that waits longer than this on Redis costs
    /// more than it saves, so the caller should fail and serve from memory.
    public var commandTimeout: Duration
    /// Connections in a ``RedisClient``'s pool, each with its own thread. Default 2.
    ///
    /// Each connection runs one command (or pipeline) at a time; more connections let slow
    /// commands overlap at the cost of one parked thread each.
    public var poolSize: Int
    /// How long a pooled connection may sit idle before it sends a `PING` to check it still
    /// works. Default 1 s: this is how a restarted Redis is noticed (and reported through
    /// ``RedisClient/stateChanges()``) even when no command is running.
    public var healthCheckInterval: Duration
    /// Delay before the first reconnection attempt after a failure. Default 100 ms.
    public var minimumReconnectDelay: Duration
    /// Ceiling of the exponential reconnection backoff. Default 5 s.
    public var maximumReconnectDelay: Duration
    /// Most bytes one reply may occupy while it is being read. Default 64 MiB.
    ///
    /// Whoever can write to Redis can store a value of up to 512 MB; a reply larger than this
    /// fails its command with ``RedisError/protocolError`` and drops the connection (which then
    /// reconnects) instead of buffering it. Bounds what one reply costs in memory; callers that
    /// read data other clients wrote should also check sizes first (`HSTRLEN`, `STRLEN`).
    public var maxReplyBytes: Int

    /// Creates a configuration; every argument has the default documented on its property.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .milliseconds(250),
        poolSize: Int = 2,
        healthCheckInterval: Duration = .seconds(1),
        minimumReconnectDelay: Duration = .milliseconds(100),
        maximumReconnectDelay: Duration = .seconds(5),
        maxReplyBytes: Int = 64 << 20
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.poolSize = poolSize
        self.healthCheckInterval = healthCheckInterval
        self.minimumReconnectDelay = minimumReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
        self.maxReplyBytes = maxReplyBytes
    }
}
