public import HummingbirdCore
public import Logging
public import NIOCore

extension HTTPServerBuilder {
    /// An HTTP/1.1 server whose connection tasks run on their own channel's event loop.
    ///
    /// Hummingbird starts every connection's task from the accept loop, so without a preference
    /// all connections' work would run wherever that loop's task runs, and every read and write
    /// of a connection accepted onto another loop would cross threads. Pinning each connection
    /// task to its channel's loop spreads the work over all loops and removes those hops.
    public static func loopAffineHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            LoopAffineChildChannel(base: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// Runs a child channel's handler with its channel's event loop as the preferred task executor.
struct LoopAffineChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}
