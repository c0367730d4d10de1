import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A raw-TCP HTTP/1.1 server for client tests: it reads each request up to its body and answers
/// from a script chosen by the request path, byte for byte, so tests can send what a real server
/// rarely does (resets, garbage, silence, read-until-close bodies). It counts connections.
final class ScriptedServer: Sendable {
    /// What to do with a request.
    enum Action: Sendable {
        /// Write these bytes.
        case write([UInt8])
        /// Wait, then continue.
        case wait(milliseconds: Int64)
        /// Close the connection.
        case close
    }

    typealias Script = @Sendable (_ path: String, _ body: [UInt8]) -> [Action]

    let channel: any Channel
    let accepted = Atomic<Int>(0)
    let closed = Atomic<Int>(0)
    let requests = Atomic<Int>(0)

    var port: Int { channel.localAddress!.port! }

    /// Starts the server; with `tls`, connections speak TLS first.
    init(tls: NIOSSLContext? = nil, script: @escaping Script) async throws {
        let box = CountersBox()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                box.server?.accepted.add(1, ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in box.server?.closed.add(1, ordering: .relaxed) }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedConnection(script: script, onRequest: { box.server?.requests.add(1, ordering: .relaxed) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        box.set(self)
    }

    func stop() async {
        try? await channel.close()
    }

    /// Lets the child initialiser reach the counters of the server it belongs to.
    final class CountersBox: Sendable {
        private let storage = Mutex<ScriptedServer?>(nil)
        var server: ScriptedServer? { storage.withLock { $0 } }
        func set(_ server: ScriptedServer) { storage.withLock { $0 = server } }
    }

    /// A complete response with a Content-Length.
    static func response(status: String = "200 OK", headers: [String] = [], body: String) -> [UInt8] {
        var text = "HTTP/1.1 \(status)\r\ncontent-length: \(body.utf8.count)\r\n"
        for header in headers { text += header + "\r\n" }
        text += "\r\n" + body
        return Array(text.utf8)
    }
}

private final class ScriptedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let script: ScriptedServer.Script
    let onRequest: @Sendable () -> Void
    var buffer = ByteBuffer()
    var busy = false

    init(script: @escaping ScriptedServer.Script, onRequest: @escaping @Sendable () -> Void) {
        self.script = script
        self.onRequest = onRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        processNext(context: context)
    }

    private func processNext(context: ChannelHandlerContext) {
        guard !busy else { return }
        let bytes = Array(buffer.readableBytesView)
        guard let headEnd = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        var length = 0
        for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
            length = Int(String(line.split(separator: ":")[1].filter { $0 != " " })) ?? 0
        }
        guard bytes.count >= headEnd.upperBound + length else { return }
        let body = Array(bytes[headEnd.upperBound..<(headEnd.upperBound + length)])
        buffer.moveReaderIndex(forwardBy: headEnd.upperBound + length)
        busy = true
        onRequest()
        run(script(path, body)[...], context: context)
    }

    private func run(_ actions: ArraySlice<ScriptedServer.Action>, context: ChannelHandlerContext) {
        guard let action = actions.first else {
            busy = false
            processNext(context: context)
            return
        }
        let rest = actions.dropFirst()
        switch action {
        case .write(let bytes):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            run(rest, context: context)
        case .wait(let milliseconds):
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) {
                self.run(rest, context: context)
            }
        case .close:
            context.close(promise: nil)
        }
    }
}
