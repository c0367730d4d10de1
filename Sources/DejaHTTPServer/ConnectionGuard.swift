public import NIOCore
public import NIOHTTPTypes
import Synchronization

/// Counts a server's open connections and refuses those beyond `ServerLimits.maxConnections`.
public final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    /// Connections open now.
    public var current: Int { open.load(ordering: .relaxed) }

    /// Takes a slot for `channel` and releases it when the channel closes; false (and no slot
    /// taken) when the limit is reached.
    public func admit(_ channel: any Channel) -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        channel.closeFuture.whenComplete { [self] _ in open.wrappingSubtract(1, ordering: .relaxed) }
        return true
    }
}

/// Closes a connection whose client is too slow: its request head does not complete within the
/// header (first request) or idle (later requests) timeout, its body does not complete within the
/// body timeout, or a response write cannot progress for the write timeout because the client
/// stopped reading. Sits after the HTTP decoder, so it sees whole request heads.
///
/// All state is touched on the channel's event loop only (NIO handler rules).
public final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    /// Why a connection was closed (for tests and logs).
    public enum Expiry: Sendable, Equatable { case header, body, write }

    private let limits: ServerLimits
    private let onExpiry: @Sendable (Expiry) -> Void
    private var requestsStarted = 0
    private var responsesEnded = 0
    /// When the current read phase (header, body or idle) expires; nil while none is running.
    private var readDeadline: NIODeadline?
    private var readExpiry: Expiry = .header
    /// The one scheduled read timer and when it fires. Re-arming only moves `readDeadline`; the
    /// timer is rescheduled when it fires early or when a new deadline comes before it, so a
    /// keep-alive request costs two clock reads instead of two timer schedules and cancels.
    private var readTimer: Scheduled<Void>?
    private var readTimerFiresAt: NIODeadline = .distantPast
    private var writeTimer: Scheduled<Void>?

    public init(limits: ServerLimits, onExpiry: @escaping @Sendable (Expiry) -> Void = { _ in }) {
        self.limits = limits
        self.onExpiry = onExpiry
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armRead(context, after: limits.headerTimeout, expiry: .header) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        armRead(context, after: limits.headerTimeout, expiry: .header)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsStarted += 1
            armRead(context, after: limits.bodyTimeout, expiry: .body)
        case .body:
            break
        case .end:
            readDeadline = nil
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesEnded += 1
            if responsesEnded >= requestsStarted { armRead(context, after: limits.idleTimeout, expiry: .header) }
        }
        context.write(data, promise: promise)
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeTimer?.cancel()
            writeTimer = nil
        } else if writeTimer == nil {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            writeTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(limits.writeTimeout))) {
                let (handler, context) = loopBound.value
                handler.expire(context, .write)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    private func armRead(_ context: ChannelHandlerContext, after duration: Duration, expiry: Expiry) {
        let deadline = context.eventLoop.now + .nanoseconds(Self.nanoseconds(duration))
        readDeadline = deadline
        readExpiry = expiry
        if readTimer == nil || deadline < readTimerFiresAt { scheduleReadTimer(context, at: deadline) }
    }

    private func scheduleReadTimer(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        readTimer?.cancel()
        readTimerFiresAt = deadline
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        readTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.readTimerFired(context)
        }
    }

    private func readTimerFired(_ context: ChannelHandlerContext) {
        readTimer = nil
        guard let deadline = readDeadline else { return }  // no read phase running: stay unarmed
        if context.eventLoop.now >= deadline {
            expire(context, readExpiry)
        } else {
            scheduleReadTimer(context, at: deadline)  // the phase was re-armed since: wait on
        }
    }

    private func expire(_ context: ChannelHandlerContext, _ expiry: Expiry) {
        cancelTimers()
        onExpiry(expiry)
        context.close(promise: nil)
    }

    private func cancelTimers() {
        readDeadline = nil
        readTimer?.cancel()
        readTimer = nil
        writeTimer?.cancel()
        writeTimer = nil
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
