import Logging

extension RedisSubscriber {
    /// How long the thread sleeps in `poll` before looking for new subscriptions or shutdown.
    /// 50 ms keeps a new subscription's delay short while costing about 20 wake-ups a second.
    private static let pollMilliseconds: Int32 = 50

    /// The subscriber's thread: connect, keep the subscriptions in step with the streams, read
    /// messages; on any error drop the connection and start over after a backoff delay.
    func run() {
        let backoff = ReconnectBackoff(minimum: self.configuration.minimumReconnectDelay, maximum: self.configuration.maximumReconnectDelay)
        var attempt = 0
        while true {
            do throws(RedisError) {
                let context = try HiredisContext.connect(
                    host: self.configuration.host,
                    port: self.configuration.port,
                    connectTimeout: self.configuration.connectTimeout,
                    ioTimeout: self.configuration.connectTimeout,
                    maxReplyBytes: self.configuration.maxReplyBytes
                )
                try RedisConnection.handshake(context, configuration: self.configuration)
                attempt = 0
                self.logger.info("Redis subscriber connected")
                try self.serve(context)
                // `serve` returns only on shutdown.
                self.finish()
                return
            } catch {
                self.logger.debug("Redis subscriber connection failed", metadata: ["deja.redis.error": "\(error)"])
            }
            self.shared.withLock { $0.confirmedChannels = [] }
            if self.shared.withLock({ $0.isClosed }) {
                self.finish()
                return
            }
            self.broadcaster.update(.disconnected)
            let retryAt = ContinuousClock.now + backoff.delay(attempt: attempt, unitRandom: .random(in: 0..<1))
            attempt += 1
            let closed = self.shared.waitFor { shared -> ConditionLock<Shared>.Decision<Bool> in
                if shared.isClosed { return .proceed(true) }
                return ContinuousClock.now >= retryAt ? .proceed(false) : .wait(until: retryAt)
            }
            if closed {
                self.finish()
                return
            }
        }
    }

    /// Runs one connection until it fails (throws) or the subscriber shuts down (returns).
    private func serve(_ context: HiredisContext) throws(RedisError) {
        var subscribed = Set<String>()
        var awaitingConfirmation = Set<String>()
        while true {
            guard let wanted = self.shared.withLock({ $0.isClosed ? nil : $0.wantedChannels }) else { return }
            let toSubscribe = wanted.subtracting(subscribed)
            let toUnsubscribe = subscribed.subtracting(wanted)
            if !toSubscribe.isEmpty {
                try context.append([Array("SUBSCRIBE".utf8)] + toSubscribe.sorted().map { Array($0.utf8) })
                awaitingConfirmation.formUnion(toSubscribe)
            }
            if !toUnsubscribe.isEmpty {
                try context.append([Array("UNSUBSCRIBE".utf8)] + toUnsubscribe.sorted().map { Array($0.utf8) })
                awaitingConfirmation.subtract(toUnsubscribe)
            }
            if !toSubscribe.isEmpty || !toUnsubscribe.isEmpty {
                try context.flush()
                subscribed = wanted
            }
            // Connected once every wanted channel is confirmed (a new subscription is sent by the
            // next turn of this loop, so `subscribed` already equals `wanted` here).
            if awaitingConfirmation.isEmpty {
                self.broadcaster.update(.connected)
            }

            guard context.waitUntilReadable(milliseconds: Self.pollMilliseconds) else { continue }
            // Readable also means end of file or a socket error: reading reports those.
            try context.readAvailable()
            while let reply = try context.nextBufferedReply() {
                try self.handle(reply, awaitingConfirmation: &awaitingConfirmation)
            }
        }
    }

    private func handle(_ reply: RedisValue, awaitingConfirmation: inout Set<String>) throws(RedisError) {
        guard let parts = reply.array, parts.count == 3, let kind = parts[0].string, let channel = parts[1].string else {
            if let message = reply.errorMessage { throw RedisError.server(message) }
            throw RedisError.protocolError.with(detail: "unexpected pub/sub reply \(reply)")
        }
        switch kind {
        case "message":
            guard let payload = parts[2].bytes else { throw RedisError.protocolError.with(detail: "message without payload") }
            let message = Message(channel: channel, payload: payload)
            // Yielded outside the lock: a consumer cancelled at the same moment runs its stream's
            // termination handler while holding the stream's own lock, and that handler takes this
            // lock (to unsubscribe), so yielding under it can deadlock. Only this thread delivers,
            // so the order is kept; a stream finished meanwhile ignores the yield.
            let targets = self.shared.withLock { shared in
                shared.subscriptions.values.filter { $0.channels.contains(channel) }.map(\.continuation)
            }
            for continuation in targets { continuation.yield(message) }
        case "subscribe":
            awaitingConfirmation.remove(channel)
            self.shared.withLock { _ = $0.confirmedChannels.insert(channel) }
        case "unsubscribe":
            self.shared.withLock { _ = $0.confirmedChannels.remove(channel) }
        default:
            break
        }
    }

    /// Finishes every stream and reports the subscriber closed.
    private func finish() {
        let continuations = self.shared.withLock { shared in
            defer { shared.subscriptions = [:] }
            return shared.subscriptions.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish() }
        self.broadcaster.update(.closed)
        self.logger.debug("Redis subscriber closed")
    }
}
