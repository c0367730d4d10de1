public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTPTypesHTTP1

extension HTTPServerBuilder {
    /// An HTTP/1.1 server whose connection tasks run on their own channel's event loop.
    ///
    /// Hummingbird starts every connection's task from the accept loop, so without a preference
    /// all connections' work would run wherever that loop's task runs, and every read and write
    /// of a connection accepted onto another loop would cross threads. Pinning each connection
    /// task to its channel's loop spreads the work over all loops and removes those hops.
    public static func loopAffineHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            LoopAffineChildChannel(base: HTTP1Channel(responder: responder, configuration: configuration), counter: nil)
        }
    }

    /// The loop-affine HTTP/1.1 server held to `limits`: a connection limit, header, body, idle
    /// and write timeouts, and a bound on the request head's size.
    public static func loopAffineHTTP1(limits: ServerLimits) -> HTTPServerBuilder {
        var configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionTimeoutHandler(limits: limits)],
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes, maxHeaderFieldCount: 256))
        configuration.idleTimeout = nil  // ConnectionTimeoutHandler owns every timeout
        let http1 = configuration
        let counter = ConnectionCounter(limit: limits.maxConnections)
        return .init { responder in
            LoopAffineChildChannel(base: HTTP1Channel(responder: responder, configuration: http1), counter: counter)
        }
    }
}

/// Runs a child channel's handler with its channel's event loop as the preferred task executor,
/// after admitting the connection against the server's connection limit.
struct LoopAffineChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let counter: ConnectionCounter?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        if let counter, !counter.admit(channel) {
            logger.warning("Connection refused: the server's connection limit is reached", metadata: ["deja.connections.limit": .stringConvertible(counter.limit)])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
        }
        guard counter != nil else { return base.setup(channel: channel, logger: logger) }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(OriginFormGuard(), position: .before(try operations.handler(type: HTTP1ToHTTPServerCodec.self)))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// A connection was refused because the server already holds its maximum.
struct ConnectionLimitReached: Error {}
