import HTTPTypes
import Hummingbird
import NIOCore

/// Server-sent-event framing for OpenAI streams: `data: <payload>\n\n`, ending `data: [DONE]\n\n`.
enum SSE {
    static func response(headers: HTTPFields, _ write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await write(&writer)
                try await writer.finish(nil)
            })
    }

    static func write(_ payload: [UInt8], to writer: inout any ResponseBodyWriter) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + 8)
        buffer.writeStaticString("data: ")
        buffer.writeBytes(payload)
        buffer.writeStaticString("\n\n")
        try await writer.write(buffer)
    }

    static func writeDone(to writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ByteBuffer(staticString: "data: [DONE]\n\n"))
    }
}
