public import DejaHTTPClient
import Foundation
import Logging
public import NIOCore
import NIOHTTP1
import Synchronization
public import DejaWire

/// An adapter for the Google Gemini API (`generateContent`, `streamGenerateContent?alt=sse`,
/// `batchEmbedContents`). OpenAI chat and embeddings requests are translated into Gemini requests
/// and the answers, streamed or not, back into OpenAI JSON.
public struct GeminiProvider: UpstreamProvider {
    /// How to reach the Gemini API. The base URL is the API root without a version segment,
    /// e.g. `https://generativelanguage.googleapis.com`; the key goes out as `x-goog-api-key`.
    public struct Configuration: EndpointConfiguration {
        public var endpoint: ProviderEndpoint
        /// The API version path segment.
        public var apiVersion: String

        public init(
            name: String = "gemini", baseURL: String = "https://generativelanguage.googleapis.com",
            apiVersion: String = "v1beta", apiKey: String? = nil, timeout: TimeAmount = .seconds(60),
            maxResponseBytes: Int = 32 << 20, extraHeaders: [(String, String)] = []
        ) {
            self.endpoint = ProviderEndpoint(
                name: name, baseURL: baseURL, apiKey: apiKey, timeout: timeout, maxResponseBytes: maxResponseBytes,
                extraHeaders: extraHeaders)
            self.apiVersion = apiVersion
        }
    }

    public let configuration: Configuration
    private let http: UpstreamHTTP

    public var timeout: Duration { .nanoseconds(http.timeout.nanoseconds) }

    public var name: String { configuration.name }

    public init(configuration: Configuration, client: UpstreamClient) {
        self.configuration = configuration
        self.http = UpstreamHTTP(provider: configuration.name, client: client, timeout: configuration.timeout)
    }

    /// `{baseURL}/{version}/models/{model}:{method}`; a `models/` prefix on the model is accepted.
    func url(model: String, method: String) throws(ProviderError) -> String {
        try Self.url(baseURL: configuration.baseURL, apiVersion: configuration.apiVersion, model: model, method: method, provider: name)
    }

    /// `{baseURL}/{version}/models/{model}:{method}`. A leading `models/` is dropped (the path has
    /// it already); the rest must be a valid model name (`ModelName`) and is percent-escaped as a
    /// single path segment, so `/`, `:`, `@` and `+` in it can neither add a segment nor reach the
    /// `:method` suffix, the query or the fragment.
    static func url(baseURL: String, apiVersion: String, model: String, method: String, provider: String) throws(ProviderError) -> String {
        let bare = model.hasPrefix("models/") ? String(model.dropFirst(7)) : model
        if let problem = ModelName.problem(bare) {
            throw ProviderError.invalidRequest(
                provider: provider,
                message: ModelName.message(for: problem, param: "model") + " (the model name sent to the provider '\(provider)')")
        }
        return "\(baseURL)/\(apiVersion)/models/\(ModelName.pathEscaped(bare)):\(method)"
    }

    private func headers(_ context: ProviderCallContext, streaming: Bool) -> HTTPHeaders {
        var headers = context.forwardedHeaders
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        headers.replaceOrAdd(name: "accept", value: streaming ? "text/event-stream" : "application/json")
        headers.replaceOrAdd(name: "x-request-id", value: context.requestID)
        configuration.endpoint.authorize(&headers, keyHeader: "x-goog-api-key")
        return headers
    }

    public func complete(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        let body = try Self.generateContentRequest(request, model: model, provider: name)
        let target = try url(model: model, method: "generateContent")
        let start = ContinuousClock.now
        let bytes = try await withRetryDelay { parser in
            try await http.send(
                url: target, deadline: context.deadline, headers: headers(context, streaming: false),
                body: JSONWriter.serialize(.object(body)), maxBytes: configuration.maxResponseBytes, errorParser: parser)
        }
        let completion = try Self.chatCompletion(fromResponse: bytes, model: model, created: Self.now(), provider: name)
        return UpstreamResponse(body: JSONWriter.serialize(.object(completion)), latency: ContinuousClock.now - start)
    }

    public func stream(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> ChatChunkStream {
        let body = try Self.generateContentRequest(request, model: model, provider: name)
        let target = try url(model: model, method: "streamGenerateContent") + "?alt=sse"
        let response = try await withRetryDelay { parser in
            try await http.open(
                url: target, deadline: context.deadline, headers: headers(context, streaming: true),
                body: JSONWriter.serialize(.object(body)), errorParser: parser)
        }
        let provider = name
        let includeUsage = request.includeUsage
        return ChatChunkStream {
            let events = SSEEventReader(body: response.body, provider: provider)
            return Self.chunkIterator(
                nextEvent: { try await events.next() },
                translator: GeminiStreamTranslator(provider: provider, model: model, includeUsage: includeUsage, created: Self.now()))
        }
    }

    /// The chunk iterator over a source of upstream events: relays the translator's payloads and,
    /// when the events end, its final chunks (or the `streamInterrupted` it throws).
    static func chunkIterator(
        nextEvent: @escaping () async throws -> SSEEvent?, translator initial: GeminiStreamTranslator
    ) -> ChatChunkStream.AsyncIterator {
        var translator = initial
        var pending: [[UInt8]] = []
        var done = false
        return ChatChunkStream.AsyncIterator {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                if done { return nil }
                do {
                    if let event = try await nextEvent() {
                        pending = try translator.translate(event)
                    } else {
                        done = true
                        pending = try translator.finish()
                    }
                } catch {
                    done = true
                    throw error
                }
            }
        }
    }

    public func embeddings(_ body: JSONObject, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        let request = try Self.batchEmbedRequest(body, model: model, provider: name)
        let target = try url(model: model, method: "batchEmbedContents")
        let start = ContinuousClock.now
        let bytes = try await withRetryDelay { parser in
            try await http.send(
                url: target, deadline: context.deadline, headers: headers(context, streaming: false),
                body: JSONWriter.serialize(.object(request)), maxBytes: configuration.maxResponseBytes, errorParser: parser)
        }
        let list = try Self.embeddingsList(
            fromResponse: bytes, model: model, base64: body["encoding_format"]?.stringValue == "base64", provider: name)
        return UpstreamResponse(body: JSONWriter.serialize(.object(list)), latency: ContinuousClock.now - start)
    }

    /// Runs an upstream call with the Gemini error parser; when the upstream sent no Retry-After
    /// header, the delay of a `RetryInfo` error detail (e.g. `"7s"`) is kept instead.
    private func withRetryDelay<T>(
        _ call: (@escaping @Sendable ([UInt8]) -> OpenAIErrorBody?) async throws -> T
    ) async throws -> T {
        let delay = RetryDelayBox()
        do {
            return try await call { bytes in
                if let d = GeminiErrorBody.retryDelaySeconds(bytes) { delay.value.withLock { $0 = d } }
                return GeminiErrorBody.parse(bytes)
            }
        } catch var error as ProviderError {
            if error.isUpstreamStatus, error.retryAfter == nil, let d = delay.value.withLock({ $0 }) { error.retryAfter = d }
            throw error
        }
    }

    /// Carries a retry delay out of the error parser of one call.
    private final class RetryDelayBox: Sendable {
        let value = Mutex<String?>(nil)
    }

    /// Seconds since 1970, for `created`.
    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}
