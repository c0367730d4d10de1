public import DejaEmbedding
import DejaHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// An embedder backed by any OpenAI-compatible `POST /v1/embeddings` service.
///
/// Texts are sent in requests of at most ``Configuration/maxBatchSize`` inputs, one request after
/// another, and the vectors come back in input order (the response's `index` fields are honoured,
/// whatever order the service lists them in). Each request has its own timeout and its response
/// body is read up to ``Configuration/maxResponseBytes``.
///
/// Errors: a non-2xx status or a transport failure throws ``EmbeddingError/remoteRequestFailed``
/// (with ``EmbeddingError/statusCode`` when there was a response); a body that does not decode,
/// lacks an index, or has vectors of the wrong length throws
/// ``EmbeddingError/invalidRemoteResponse``.
///
/// Limits: at most ``Configuration/maxInputsPerCall`` texts per call (more throws
/// ``EmbeddingError/tooManyInputs``). Empty strings are sent as they are; some services (OpenAI
/// among them) reject them, and that rejection surfaces as ``EmbeddingError/remoteRequestFailed``.
public struct RemoteEmbedder: Embedder {
    /// Where and how to call the service.
    public struct Configuration: Sendable {
        /// The API root up to and including the version, for example `https://api.openai.com/v1`;
        /// requests go to `<baseURL>/embeddings`.
        public var baseURL: String
        /// Sent as `Authorization: Bearer <apiKey>` when set.
        public var apiKey: String?
        /// The `model` field of each request.
        public var model: String
        /// The length of the vectors the model returns; responses of another length are rejected.
        public var dimension: Int
        /// Most inputs in one request. Default 256.
        public var maxBatchSize: Int
        /// Most texts accepted by one `embed` call. Default 2,048.
        public var maxInputsPerCall: Int
        /// Timeout of each request. Default 30 s.
        public var timeout: TimeAmount
        /// Largest response body read. Default 64 MiB (2,048 vectors of 1,536 floats as JSON text
        /// fit with room to spare).
        public var maxResponseBytes: Int

        /// Creates a configuration; the optional parameters default to the values documented on their properties.
        public init(
            baseURL: String,
            apiKey: String? = nil,
            model: String,
            dimension: Int,
            maxBatchSize: Int = 256,
            maxInputsPerCall: Int = 2048,
            timeout: TimeAmount = .seconds(30),
            maxResponseBytes: Int = 64 << 20
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.dimension = dimension
            self.maxBatchSize = maxBatchSize
            self.maxInputsPerCall = maxInputsPerCall
            self.timeout = timeout
            self.maxResponseBytes = maxResponseBytes
        }
    }

    /// The settings of this embedder.
    public let configuration: Configuration
    private let client: UpstreamClient
    private let logger: Logger

    /// `remote:<model>`.
    public var name: String { "remote:\(configuration.model)" }
    /// ``Configuration/dimension``.
    public var dimension: Int { configuration.dimension }

    /// Creates an embedder that sends requests through `client`, which the caller owns and
    /// shuts down.
    public init(configuration: Configuration, client: UpstreamClient, logger: Logger = Logger(label: "deja.embedding.remote"))
        throws
    {
        guard configuration.maxBatchSize >= 1, configuration.maxInputsPerCall >= 1, configuration.dimension >= 1 else {
            throw EmbeddingError.invalidConfiguration.with(detail: "batch size, input limit and dimension must be positive")
        }
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    /// The URL requests are posted to.
    public var endpoint: String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/embeddings"
    }

    /// Embeds `texts` in requests of at most ``Configuration/maxBatchSize`` inputs, in order.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard texts.count <= configuration.maxInputsPerCall else {
            throw EmbeddingError.tooManyInputs.with(detail: "\(texts.count) texts, limit \(configuration.maxInputsPerCall)")
        }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(start + configuration.maxBatchSize, texts.count)
            vectors += try await request(Array(texts[start..<end]))
            start = end
        }
        return vectors
    }

    private func request(_ inputs: [String]) async throws -> [[Float]] {
        var headers: HTTPHeaders = ["content-type": "application/json"]
        if let apiKey = configuration.apiKey {
            headers.add(name: "authorization", value: "Bearer \(apiKey)")
        }
        let body: ByteBuffer
        let status: UInt
        do {
            let url = try UpstreamURL(endpoint)
            let payload = ByteBuffer(data: try Self.encodeRequest(model: configuration.model, inputs: inputs))
            let response = try await client.collect(
                UpstreamRequest(method: .POST, url: url, headers: headers, body: payload),
                limit: configuration.maxResponseBytes, timeout: configuration.timeout)
            guard !response.truncated else {
                throw EmbeddingError.remoteRequestFailed.with(detail: "\(endpoint): response larger than \(configuration.maxResponseBytes) bytes")
            }
            status = response.status.code
            body = response.body
        } catch let error as EmbeddingError {
            throw error
        } catch {
            logger.debug("embeddings request failed", metadata: ["deja.embedding.error": "\(error)"])
            throw EmbeddingError.remoteRequestFailed.with(detail: "\(endpoint): \(error)")
        }
        guard (200..<300).contains(status) else {
            throw EmbeddingError.remoteRequestFailed.with(detail: endpoint, statusCode: Int(status))
        }
        return try Self.decodeResponse(Data(buffer: body), count: inputs.count, dimension: configuration.dimension)
    }
}
