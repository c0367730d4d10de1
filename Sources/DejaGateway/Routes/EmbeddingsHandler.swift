import DejaEmbedding
import DejaProviders
import DejaReliability
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import DejaWire

/// `POST /v1/embeddings`: validated, then forwarded to the provider that serves the model.
struct EmbeddingsHandler: Sendable {
    let registry: ProviderRegistry
    let executor: UpstreamExecutor
    let reliability: ReliabilitySettings
    let errors: UpstreamErrorRenderer
    let maxBodyBytes: Int
    /// The in-process all-MiniLM-L6-v2, when its files are installed.
    let local: MiniLMEmbedder?
    let limits: LocalEmbeddingLimits
    /// Shared by every local embeddings request: bounds how much of the encoder they hold at once.
    let encoderShare: AsyncSemaphore

    /// The largest `dimensions` a request may ask for.
    static let maximumDimensions = 8_192

    /// Model names answered in process.
    static let localModels: Set<String> = ["all-MiniLM-L6-v2", "local", "sentence-transformers/all-MiniLM-L6-v2"]

    func handle(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let bytes = try await request.collectBody(limit: maxBodyBytes)
        let (body, model) = try Self.validate(bytes.readableBytesView)
        if let grant = context.grant, !grant.allows(model: model) {
            throw GatewayError(status: .forbidden, message: "This key may not use the model '\(model)'", type: "permission_error", param: "model", code: "model_not_allowed")
        }
        if Self.localModels.contains(model) {
            return try await embedLocally(body, model: model)
        }
        guard let plan = registry.resolve(model) else { throw GatewayError.unknownModel(model) }
        var call = try UpstreamCallContext(request, plan: plan, context: context, reliability: reliability, clock: executor.clock)
        call.operation = "embeddings"
        let executed: Executed<UpstreamResponse>
        do {
            executed = try await executor.embeddings(body, plan: plan, context: call)
        } catch {
            throw errors.gatewayError(error)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.xProvider] = executed.answeredBy.providerName
        headers[.xModel] = executed.answeredBy.model
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: executed.value.body)))
    }

    /// Answers in process with the native model, in the OpenAI response shape.
    private func embedLocally(_ body: JSONObject, model: String) async throws -> Response {
        guard let local else {
            throw GatewayError(
                status: .notFound,
                message: "The local model '\(model)' is not installed; run scripts/install-model.sh (or make model) to fetch it into .models/all-MiniLM-L6-v2",
                param: "model", code: "model_not_found")
        }
        if let d = body["dimensions"]?.intValue, d != local.dimension {
            throw GatewayError(
                status: .badRequest, message: "The local model '\(model)' returns \(local.dimension)-dimensional vectors; it cannot shorten them ('dimensions': \(d))",
                param: "dimensions", code: "unsupported_dimensions")
        }
        let texts: [String]
        switch body["input"] {
        case .string(let s)?: texts = [s]
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): texts = items.compactMap(\.stringValue)
        default:
            throw GatewayError(status: .badRequest, message: "The local model takes a string or an array of strings as 'input', not token arrays", param: "input")
        }
        guard texts.count <= local.configuration.maxInputsPerCall else {
            throw GatewayError(
                status: .badRequest, message: "At most \(local.configuration.maxInputsPerCall) inputs per request for the local model, got \(texts.count)",
                param: "input")
        }
        var tokenCounts: [Int] = []
        tokenCounts.reserveCapacity(texts.count)
        var totalTokens = 0
        for text in texts {
            let count = local.tokenCount(text)
            tokenCounts.append(count)
            totalTokens += count
            guard totalTokens <= limits.maxTokensPerRequest else {
                throw GatewayError(
                    status: .badRequest,
                    message: "The inputs exceed the local model's budget of \(limits.maxTokensPerRequest) tokens per request (each input counts up to 256 tokens); split the request",
                    param: "input", code: "too_many_tokens")
            }
        }
        // Encoded in batches, each holding a share of the encoder, so that cache lookups' own
        // passes run between them.
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(start + max(1, limits.batchSize), texts.count)
            let batch = Array(texts[start..<end])
            vectors += try await encoderShare.withPermit { try await local.embed(batch) }
            start = end
        }
        let base64 = body["encoding_format"]?.stringValue == "base64"
        var data: [JSONValue] = []
        data.reserveCapacity(vectors.count)
        var tokens = 0
        for (i, vector) in vectors.enumerated() {
            tokens += tokenCounts[i]
            let embedding: JSONValue
            if base64 {
                var raw = [UInt8]()
                raw.reserveCapacity(vector.count * 4)
                for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
                embedding = .string(Data(raw).base64EncodedString())
            } else {
                embedding = .array(vector.map { .number("\($0)") })
            }
            data.append(.object(JSONObject(["object": .string("embedding"), "index": .int(i), "embedding": embedding])))
        }
        var object = JSONObject()
        object.append("object", .string("list"))
        object.append("data", .array(data))
        object.append("model", .string("all-MiniLM-L6-v2"))
        object.append("usage", .object(JSONObject(["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)])))
        var headers = HTTPFields()
        headers[.xProvider] = "local"
        headers[.xModel] = "all-MiniLM-L6-v2"
        return .json(.object(object), headers: headers)
    }

    /// Checks the OpenAI embeddings request shape: `model` string, `input` a non-empty string or a
    /// non-empty array of strings (or of token arrays), `encoding_format` float or base64.
    static func validate(_ bytes: some Collection<UInt8>) throws -> (JSONObject, model: String) {
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
        do {
            try ModelName.validate(name)
        } catch {
            throw error.gatewayError
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
        if let dimensions = body["dimensions"], !dimensions.isNull {
            // No embedding model has more (OpenAI's largest has 3,072): a bound before any upstream
            // or the simulator sizes a vector from it.
            guard let d = dimensions.intValue, (1...Self.maximumDimensions).contains(d) else {
                throw InvalidRequestError("'dimensions' must be a whole number between 1 and \(Self.maximumDimensions)", param: "dimensions").gatewayError
            }
        }
        if let format = body["encoding_format"], !format.isNull {
            guard let f = format.stringValue, f == "float" || f == "base64" else {
                throw InvalidRequestError("'encoding_format' must be \"float\" or \"base64\"", param: "encoding_format").gatewayError
            }
        }
        return (body, name)
    }
}
