import NIOCore
import NIOPosix

/// A raw TCP client for requests an HTTP library would refuse or rewrite (absolute-form targets,
/// `..` segments, encoded slashes, slow or partial heads).
final class RawConnection {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
    }

    static func connect(port: Int) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawConnection(channel: channel)
    }

    /// Sends `text`, then reads until the server closes the connection or `timeout` passes;
    /// returns what was read and whether the server closed it.
    func exchange(_ text: String, timeout: Duration = .seconds(10)) async throws -> (text: String, closed: Bool) {
        try await channel.executeThenClose { inbound, outbound in
            if !text.isEmpty { try await outbound.write(ByteBuffer(string: text)) }
            return try await withThrowingTaskGroup(of: (String, Bool)?.self) { group in
                group.addTask {
                    var received = ""
                    for try await buffer in inbound { received += String(buffer: buffer) }
                    return (received, true)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? ("", false)
            }
        }
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
