import NIOCore
import NIOPosix
import Synchronization

/// A raw TCP client for requests an HTTP library would refuse or rewrite (absolute-form targets,
/// `..` segments, encoded slashes, slow or partial heads).
final class RawConnection: Sendable {
    private let channel: any Channel
    private let collector: Collector

    /// Gathers what the server sends and notices when it closes the connection.
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<String>("")
        let isClosed = Mutex(false)
        let closed: EventLoopPromise<Void>

        init(closed: EventLoopPromise<Void>) {
            self.closed = closed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0 += String(buffer: buffer) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            isClosed.withLock { $0 = true }
            closed.succeed()
        }
    }

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawConnection {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let collector = Collector(closed: loop.makePromise())
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in channel.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Sends `text`, then waits until the server closes the connection or `timeout` passes;
    /// returns what was read and whether the server closed it. The connection is closed after.
    func exchange(_ text: String, timeout: Duration = .seconds(10)) async throws -> (text: String, closed: Bool) {
        send(text)
        let result = await read(until: nil, timeout: timeout)
        close()
        return result
    }

    /// Writes `text` (ignoring a connection the server already closed: some tests check that).
    func send(_ text: String) {
        if !text.isEmpty { channel.writeAndFlush(ByteBuffer(string: text), promise: nil) }
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Waits until what was read contains `marker` (when given), the server closes the connection,
    /// or `timeout` passes; returns what was read so far and whether the server closed it.
    func read(until marker: String?, timeout: Duration) async -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = collector.received.withLock { $0 }
            if collector.isClosed.withLock({ $0 }) { return (text, true) }
            if let marker, text.contains(marker) { return (text, false) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return (collector.received.withLock { $0 }, collector.isClosed.withLock { $0 })
    }

    /// Sends one request with `Connection: close` and returns the raw response.
    static func request(port: Int, _ head: String, body: String = "") async throws -> String {
        let connection = try await connect(port: port)
        var message = head
        if !message.hasSuffix("\r\n") { message += "\r\n" }
        message += "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        return try await connection.exchange(message).text
    }
}

extension String {
    /// The status code of a raw HTTP/1.1 response ("HTTP/1.1 403 Forbidden…" → 403).
    var httpStatus: Int? {
        let parts = split(separator: " ", maxSplits: 2)
        return parts.count >= 2 ? Int(parts[1]) : nil
    }
}
