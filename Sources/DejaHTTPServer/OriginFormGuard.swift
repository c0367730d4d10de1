import NIOCore
import NIOHTTP1

/// Refuses requests whose target is not origin-form (`/path?query`, or `*` for OPTIONS): an
/// absolute-form target (`http://other-host/path`) is what a proxy receives, and Deja is not one.
/// The HTTP-types conversion after the decoder would keep only its path, so the check happens
/// here, on the decoded head, with a 400 in the OpenAI error shape and the connection closed.
final class OriginFormGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var refusing = false

    static let body = #"{"error":{"message":"The request target must be a path (absolute-form URLs are not accepted; Deja is not a proxy)","type":"invalid_request_error","param":null,"code":"invalid_request_target"}}"#

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.uri.hasPrefix("/") || (head.method == .OPTIONS && head.uri == "*") {
                context.fireChannelRead(data)
                return
            }
            refusing = true
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(Self.body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .badRequest, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: Self.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context] _ in context.close(promise: nil) }
        case .body, .end:
            if !refusing { context.fireChannelRead(data) }
        }
    }
}
