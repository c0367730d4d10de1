import DejaProviders
import HTTPTypes
import Hummingbird
import NIOCore
import DejaWire

extension Response {
    /// A JSON response of the gateway's own (health, models, cache API, local embeddings).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.serialize(value))))
    }
}
