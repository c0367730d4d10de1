import NIOCore
import NIOHTTP1
import NIOSSL

/// The last handler of an upstream connection's pipeline: writes one request at a time, turns
/// the decoded response into what the exchange's caller waits for, enforces the idle timeout,
/// applies the body consumer's back-pressure to reads, and parks the connection in its event
/// loop's pool when the response ended cleanly on a keep-alive connection.
///
/// Everything here runs on the connection's event loop.
final class UpstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let key: PoolKey
    private let pool: LoopPool
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    private var readHeldBack = false
    private var keepAlive = true
    /// False once the connection is closing or cannot carry another exchange.
    private(set) var isUsable = true
    /// When the connection was last parked idle (for the pool's sweep).
    var idleSince = NIODeadline.now()

    init(key: PoolKey, pool: LoopPool) {
        self.key = key
        self.pool = pool
    }

    var isActive: Bool { isUsable && (context?.channel.isActive ?? false) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Exchanges

    /// Starts `exchange` on this idle connection.
    func begin(_ exchange: Exchange) {
        guard let context, isUsable, self.exchange == nil else {
            exchange.fail(.connectionClosed)
            return
        }
        self.exchange = exchange
        exchange.lastActivity = .now()
        armTimer(exchange, in: exchange.timeout)

        let request = exchange.request
        var headers = request.headers
        headers.replaceOrAdd(name: "host", value: request.url.hostHeader)
        headers.remove(name: "transfer-encoding")
        if let body = request.body {
            headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        } else if request.method == .POST || request.method == .PUT || request.method == .PATCH {
            headers.replaceOrAdd(name: "content-length", value: "0")
        } else {
            headers.remove(name: "content-length")
        }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.url.target, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = request.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The body consumer wants more: read again if a read was held back.
    func resume(_ exchange: Exchange) {
        guard self.exchange === exchange, exchange.paused else { return }
        exchange.paused = false
        exchange.lastActivity = .now()
        if readHeldBack, let context {
            readHeldBack = false
            context.read()
        }
    }

    /// Fails `exchange` (if still running on this connection) and closes the connection: its
    /// state is unknown, so it is never reused.
    func abort(_ exchange: Exchange, _ error: UpstreamClientError) {
        guard !exchange.finished else { return }
        exchange.fail(error)
        if self.exchange === exchange { self.exchange = nil }
        close()
    }

    /// Closes the connection (used by the pool for idle connections, too).
    func close() {
        isUsable = false
        context?.close(promise: nil)
    }

    private func complete(_ exchange: Exchange) {
        guard exchange.markFinished() else { return }
        self.exchange = nil
        if readHeldBack, let context {
            readHeldBack = false
            context.read()
        }
        if keepAlive && isActive {
            pool.park(self)
        } else {
            close()
        }
    }

    private func armTimer(_ exchange: Exchange, in delay: TimeAmount) {
        guard let loop = context?.eventLoop else { return }
        exchange.timer = loop.assumeIsolated().scheduleTask(in: delay) { [self] in
            self.timerFired(exchange)
        }
    }

    /// One timer per exchange, re-armed only when it fires: reads just stamp `lastActivity`.
    private func timerFired(_ exchange: Exchange) {
        guard self.exchange === exchange, !exchange.finished else { return }
        if exchange.paused {
            armTimer(exchange, in: exchange.timeout)
            return
        }
        let silent = NIODeadline.now() - exchange.lastActivity
        if silent >= exchange.timeout {
            abort(exchange, .readTimeout)
        } else {
            armTimer(exchange, in: exchange.timeout - silent)
        }
    }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // Bytes nobody asked for: the connection is out of step; never reuse it.
            close()
            return
        }
        exchange.lastActivity = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code >= 100 && head.status.code < 200 && head.status != .switchingProtocols { return }
            exchange.head = head
            keepAlive = head.isKeepAlive
            switch exchange.mode {
            case .collect(let limit, _):
                let expected = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 4096
                exchange.collected = context.channel.allocator.buffer(capacity: max(0, min(limit, expected)))
            case .stream(let promise):
                let delegate = BodyDelegate(
                    handler: NIOLoopBound(self, eventLoop: context.eventLoop),
                    exchange: NIOLoopBound(exchange, eventLoop: context.eventLoop))
                let sequence = UpstreamBody.Producer.makeSequence(
                    backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16), finishOnDeinit: true, delegate: delegate)
                exchange.source = sequence.source
                promise.succeed(StreamingResponse(status: head.status, headers: head.headers, body: UpstreamBody(producer: sequence.sequence)))
            }
        case .body(var buffer):
            guard let head = exchange.head else {
                abort(exchange, .protocolError("body before the response head"))
                return
            }
            switch exchange.mode {
            case .collect(let limit, let promise):
                let room = limit - exchange.collected.readableBytes
                if buffer.readableBytes > room {
                    if room > 0, let slice = buffer.readSlice(length: room) { exchange.collected.writeImmutableBuffer(slice) }
                    // The rest is not read: the connection cannot be reused.
                    keepAlive = false
                    complete(exchange)
                    promise.succeed(CollectedResponse(status: head.status, headers: head.headers, body: exchange.collected, truncated: true))
                    return
                }
                exchange.collected.writeBuffer(&buffer)
            case .stream:
                switch exchange.source?.yield(buffer) {
                case .stopProducing:
                    exchange.paused = true
                case .dropped:
                    abort(exchange, .cancelled)
                case .produceMore, nil:
                    break
                }
            }
        case .end:
            guard let head = exchange.head else {
                abort(exchange, .protocolError("response ended before its head"))
                return
            }
            complete(exchange)
            switch exchange.mode {
            case .collect(_, let promise):
                promise.succeed(CollectedResponse(status: head.status, headers: head.headers, body: exchange.collected, truncated: false))
            case .stream:
                exchange.source?.finish()
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if let exchange, exchange.paused {
            readHeldBack = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isUsable = false
        if let exchange { abort(exchange, .connectionClosed) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let mapped: UpstreamClientError
        switch error {
        case let error as HTTPParserError:
            mapped = .protocolError("\(error)")
        case let error as NIOSSLError:
            mapped = .connectFailed("TLS: \(error)")
        case is IOError:
            mapped = .connectionClosed
        default:
            mapped = .connectFailed("\(error)")
        }
        if let exchange {
            abort(exchange, mapped)
        } else {
            close()
        }
    }
}
