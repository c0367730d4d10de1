/// Whether a ``RedisClient`` or ``RedisSubscriber`` can currently reach Redis.
///
/// A ``connected`` that follows ``disconnected`` means Redis came back, possibly restarted with
/// no data and after pub/sub messages were lost: the cache resynchronises on it.
public enum RedisConnectionState: Hashable, Sendable {
    /// The first connection attempt is under way; commands wait for it (at most the connect timeout).
    case connecting
    /// At least one connection is up (for a subscriber: its subscriptions are confirmed).
    case connected
    /// No connection is up; commands fail fast with ``RedisError/notConnected`` while reconnection
    /// is retried in the background with backoff.
    case disconnected
    /// Shut down; commands fail with ``RedisError/closed``.
    case closed
}
