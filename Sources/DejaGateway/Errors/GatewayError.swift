import DejaProviders
public import Hummingbird
import HTTPTypes
import NIOCore
import DejaWire

/// An error rendered in the OpenAI shape `{"error":{"message","type","param","code"}}` with a
/// fitting status. Every failure the client sees goes through this type.
public struct GatewayError: Error, Sendable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    public var headers: HTTPFields

    public init(
        status: HTTPResponse.Status, message: String, type: String? = nil, param: String? = nil, code: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.message = message
        self.type = type ?? Self.defaultType(for: status)
        self.param = param
        self.code = code
        self.headers = headers
    }

    static func defaultType(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        case 502, 504: "upstream_error"
        case 503: "provider_degraded"
        default: "server_error"
        }
    }

    /// The JSON error body.
    public var body: [UInt8] {
        var error = JSONObject()
        error.append("message", .string(message))
        error.append("type", .string(type))
        error.append("param", param.map(JSONValue.string) ?? .null)
        error.append("code", code.map(JSONValue.string) ?? .null)
        return JSONWriter.serialize(.object(JSONObject(["error": .object(error)])))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Common errors

    static func notFound(_ path: String) -> GatewayError {
        GatewayError(status: .notFound, message: "Unknown route '\(path)'; the README lists the endpoints", code: "unknown_route")
    }

    static func methodNotAllowed(_ method: String, _ path: String, allowed: [String]) -> GatewayError {
        var headers = HTTPFields()
        headers[.allow] = allowed.joined(separator: ", ")
        return GatewayError(
            status: .methodNotAllowed, message: "Method \(method) is not allowed on '\(path)'; use \(allowed.joined(separator: " or "))",
            type: "invalid_request_error", code: "method_not_allowed", headers: headers)
    }

    static func bodyTooLarge(limit: Int) -> GatewayError {
        GatewayError(
            status: .contentTooLarge, message: "The request body exceeds the limit of \(limit) bytes (MAX_BODY_BYTES)",
            type: "invalid_request_error", code: "request_too_large")
    }

    static func unknownModel(_ model: String) -> GatewayError {
        GatewayError(
            status: .notFound, message: "The model '\(model)' does not exist or is not served by any configured provider",
            type: "invalid_request_error", param: "model", code: "model_not_found")
    }
}

// The mapping lives here, at the edge; DejaProviders names no HTTP status.
extension InvalidRequestError {
    var gatewayError: GatewayError {
        GatewayError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }
}
