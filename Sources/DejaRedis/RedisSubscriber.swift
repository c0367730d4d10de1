import Foundation
import Logging

/// Receives Redis pub/sub messages on a dedicated connection and thread.
///
/// A subscribed Redis connection can run nothing but (un)subscribe commands, so the subscriber
/// keeps its own, apart from ``RedisClient``'s pool. If Redis goes away it reconnects with
/// jittered backoff and subscribes again to every channel still wanted. Messages published
/// while it was disconnected are lost (pub/sub has no history), so watch ``stateChanges()``:
/// a ``RedisConnectionState/connected`` after ``RedisConnectionState/disconnected`` means the
/// subscriptions are back and the caller should resynchronise from Redis.
///
/// Call ``shutdown()`` when done; its thread keeps the subscriber alive until then.
public final class RedisSubscriber: Sendable {
    /// One message received on a subscribed channel.
    public struct Message: Hashable, Sendable {
        /// The channel it was published on.
        public var channel: String
        /// The published bytes, unchanged.
        public var payload: [UInt8]

        /// Creates a message; the subscriber makes these, tests compare against them.
        public init(channel: String, payload: [UInt8]) {
            self.channel = channel
            self.payload = payload
        }
    }

    struct Subscription: Sendable {
        var channels: Set<String>
        var continuation: AsyncStream<Message>.Continuation
    }

    struct Shared: Sendable {
        var subscriptions: [Int: Subscription] = [:]
        var nextID = 0
        var isClosed = false
        /// Channels Redis has confirmed on the current connection (empty while disconnected).
        var confirmedChannels: Set<String> = []

        var wantedChannels: Set<String> {
            self.subscriptions.values.reduce(into: Set()) { $0.formUnion($1.channels) }
        }
    }

    /// The configuration the subscriber was created with (its pool size is not used).
    public let configuration: RedisConfiguration
    let shared = ConditionLock(Shared())
    let broadcaster = ConnectionStateBroadcaster(.connecting)
    let logger: Logger

    /// Starts the subscriber's thread, which connects at once; returns at once.
    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "deja.redis.connection"] = "subscriber"
        self.logger = logger
        let thread = Thread { [self] in self.run() }
        thread.name = "deja.redis.subscriber"
        thread.start()
    }

    /// The subscriber's connection state; ``RedisConnectionState/connected`` once its
    /// subscriptions are confirmed by Redis.
    public var state: RedisConnectionState {
        self.broadcaster.current
    }

    /// Whether the subscriber is connected.
    public var isConnected: Bool {
        self.state == .connected
    }

    /// A stream of the subscriber's state, starting with the current one; see the type's
    /// discussion for how to use it to resynchronise.
    public func stateChanges() -> AsyncStream<RedisConnectionState> {
        self.broadcaster.makeStream()
    }

    /// Subscribes to `channels` and returns their messages, in the order Redis sent them.
    ///
    /// The subscription is sent within a few tens of milliseconds, or on the next connection if
    /// Redis is down; messages published before then are not seen. The stream ends when the
    /// subscriber shuts down; ending iteration unsubscribes from channels no other stream wants.
    ///
    /// - Parameter bufferSize: messages held for a consumer that falls behind; past it the
    ///   oldest are dropped, so a stalled consumer cannot grow memory without bound.
    public func subscribe(_ channels: [String], bufferSize: Int = 10_000) -> AsyncStream<Message> {
        precondition(!channels.isEmpty, "subscribe to at least one channel")
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = self.shared.withLock { shared -> Int? in
            guard !shared.isClosed else { return nil }
            let id = shared.nextID
            shared.nextID += 1
            shared.subscriptions[id] = Subscription(channels: Set(channels), continuation: continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.shared.withLock { _ = $0.subscriptions.removeValue(forKey: id) }
        }
        return stream
    }

    /// Waits until Redis has confirmed the subscription to every one of `channels` on the current
    /// connection, for at most `timeout`; returns whether it did. A caller that must not miss a
    /// message published after some point (a cache mirror loading the entries that exist now)
    /// waits for this before reading that point's state: ``subscribe(_:bufferSize:)`` returns
    /// before the subscription reaches Redis.
    public func waitUntilSubscribed(to channels: [String], timeout: Duration) async -> Bool {
        let wanted = Set(channels)
        let deadline = ContinuousClock.now + timeout
        while true {
            let (confirmed, closed) = self.shared.withLock { (wanted.isSubset(of: $0.confirmedChannels), $0.isClosed) }
            if confirmed { return true }
            if closed || ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Closes the connection and finishes every message stream; returns at once.
    public func shutdown() {
        self.shared.withLock { $0.isClosed = true }
    }
}
