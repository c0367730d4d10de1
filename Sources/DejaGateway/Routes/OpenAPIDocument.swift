import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /openapi.yaml`: the repository's `openapi.yaml`, compiled into the binary so the served
/// description is always the one of the running build.
enum OpenAPIDocument {
    static let buffer = ByteBuffer(bytes: PackageResources.openapi_yaml)

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }
}
