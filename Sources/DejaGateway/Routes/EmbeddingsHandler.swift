import DejaProviders
import Hummingbird
import HTTPTypes
import NIOCore

/// `POST /v1/embeddings`: validated, then forwarded to the provider that serves the model.
struct EmbeddingsHandler: Sendable {
    let registry: ProviderRegistry
    let maxBodyBytes: Int

    func handle(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let bytes = try await request.collectBody(limit: maxBodyBytes)
        let body = try Self.validate(bytes.readableBytesView)
        let model = body["model"]!.stringValue!
        guard let route = registry.resolve(model) else { throw GatewayError.unknownModel(model) }
        let call = ProviderCallContext(
            requestID: context.requestID, logger: context.logger,
            forwardedHeaders: ChatCompletionsHandler.forwardedHeaders(request.headers, prefixes: route.settings.forwardHeaders))
        let upstream: UpstreamResponse
        do {
            upstream = try await route.provider.embeddings(body, model: route.upstreamModel, context: call)
            registry.health.recordSuccess(route.settings.name)
        } catch let error as ProviderError {
            registry.health.recordFailure(route.settings.name, error)
            throw error.gatewayError
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.xProvider] = route.settings.name
        headers[.xModel] = route.upstreamModel
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: upstream.body)))
    }

    /// Checks the OpenAI embeddings request shape: `model` string, `input` a non-empty string or a
    /// non-empty array of strings (or of token arrays), `encoding_format` float or base64.
    static func validate(_ bytes: some Collection<UInt8>) throws -> JSONObject {
        guard !bytes.isEmpty else { throw InvalidRequestError("The request body is empty; expected a JSON object", code: "invalid_json").gatewayError }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw InvalidRequestError("The request body is not valid JSON: \(error.description)", code: "invalid_json").gatewayError
        }
        guard case .object(let body) = value else {
            throw InvalidRequestError("The request body must be a JSON object, not \(value.kindName)").gatewayError
        }
        guard let model = body["model"] else { throw InvalidRequestError("Missing required parameter: 'model'", param: "model").gatewayError }
        guard let name = model.stringValue, !name.isEmpty else {
            throw InvalidRequestError("'model' must be a non-empty string", param: "model").gatewayError
        }
        guard let input = body["input"] else { throw InvalidRequestError("Missing required parameter: 'input'", param: "input").gatewayError }
        switch input {
        case .string: break
        case .array(let items) where !items.isEmpty:
            let allStrings = items.allSatisfy { $0.stringValue != nil }
            let allNumbers = items.allSatisfy { if case .number = $0 { return true } else { return false } }
            let allTokenArrays = items.allSatisfy { $0.arrayValue?.allSatisfy({ if case .number = $0 { return true } else { return false } }) ?? false }
            guard allStrings || allNumbers || allTokenArrays else {
                throw InvalidRequestError("'input' must be a string, an array of strings, or token arrays", param: "input").gatewayError
            }
        case .array: throw InvalidRequestError("'input' must not be empty", param: "input").gatewayError
        default: throw InvalidRequestError("'input' must be a string or an array of strings, not \(input.kindName)", param: "input").gatewayError
        }
        if let format = body["encoding_format"], !format.isNull {
            guard let f = format.stringValue, f == "float" || f == "base64" else {
                throw InvalidRequestError("'encoding_format' must be \"float\" or \"base64\"", param: "encoding_format").gatewayError
            }
        }
        return body
    }
}
