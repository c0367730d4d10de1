public import DejaHTTPClient
import Foundation
import Logging
public import NIOCore
import NIOHTTP1
public import DejaWire

/// An adapter for Anthropic's Messages API (`POST {baseURL}/v1/messages`). OpenAI chat requests
/// are translated into Messages requests and the answers, streamed or not, back into OpenAI
/// `chat.completion` JSON and `chat.completion.chunk` payloads.
public struct AnthropicProvider: UpstreamProvider {
    /// How to reach the Messages API. The base URL is the API root without a version segment,
    /// e.g. `https://api.anthropic.com`; the key goes out as `x-api-key`.
    public struct Configuration: EndpointConfiguration {
        public var endpoint: ProviderEndpoint
        /// Sent as `anthropic-version`.
        public var apiVersion: String
        /// `max_tokens` sent when the client set neither `max_tokens` nor `max_completion_tokens`
        /// (the Messages API requires one).
        public var defaultMaxTokens: Int

        public init(
            name: String = "anthropic", baseURL: String = "https://api.anthropic.com", apiKey: String? = nil,
            apiVersion: String = "2023-06-01", defaultMaxTokens: Int = 4096, timeout: TimeAmount = .seconds(60),
            maxResponseBytes: Int = 32 << 20, extraHeaders: [(String, String)] = []
        ) {
            self.endpoint = ProviderEndpoint(
                name: name, baseURL: baseURL, apiKey: apiKey, timeout: timeout, maxResponseBytes: maxResponseBytes,
                extraHeaders: extraHeaders)
            self.apiVersion = apiVersion
            self.defaultMaxTokens = defaultMaxTokens
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

    private var messagesURL: String { configuration.baseURL + "/v1/messages" }

    private func headers(_ context: ProviderCallContext, streaming: Bool) -> HTTPHeaders {
        var headers = context.forwardedHeaders
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        headers.replaceOrAdd(name: "accept", value: streaming ? "text/event-stream" : "application/json")
        headers.replaceOrAdd(name: "anthropic-version", value: configuration.apiVersion)
        headers.replaceOrAdd(name: "x-request-id", value: context.requestID)
        configuration.endpoint.authorize(&headers, keyHeader: "x-api-key")
        return headers
    }

    public func complete(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        let body = try Self.messagesRequest(
            request, model: model, defaultMaxTokens: configuration.defaultMaxTokens, stream: false, provider: name)
        let start = ContinuousClock.now
        let bytes = try await http.send(
            url: messagesURL, deadline: context.deadline, headers: headers(context, streaming: false), body: JSONWriter.serialize(.object(body)),
            maxBytes: configuration.maxResponseBytes, errorParser: AnthropicErrorBody.parse)
        let completion = try Self.chatCompletion(fromMessage: bytes, created: Self.now(), provider: name)
        return UpstreamResponse(body: JSONWriter.serialize(.object(completion)), latency: ContinuousClock.now - start)
    }

    public func stream(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> ChatChunkStream {
        let body = try Self.messagesRequest(
            request, model: model, defaultMaxTokens: configuration.defaultMaxTokens, stream: true, provider: name)
        let response = try await http.open(
            url: messagesURL, deadline: context.deadline, headers: headers(context, streaming: true), body: JSONWriter.serialize(.object(body)),
            errorParser: AnthropicErrorBody.parse)
        let provider = name
        let includeUsage = request.includeUsage
        return ChatChunkStream {
            let events = SSEEventReader(body: response.body, provider: provider)
            return Self.chunkIterator(
                nextEvent: { try await events.next() },
                translator: AnthropicStreamTranslator(provider: provider, includeUsage: includeUsage, created: Self.now()))
        }
    }

    /// The chunk iterator over a source of upstream events: relays the translator's payloads and
    /// throws `streamInterrupted` when the events end before `message_stop`.
    static func chunkIterator(
        nextEvent: @escaping () async throws -> SSEEvent?, translator initial: AnthropicStreamTranslator
    ) -> ChatChunkStream.AsyncIterator {
        var translator = initial
        var pending: [[UInt8]] = []
        var done = false
        return ChatChunkStream.AsyncIterator {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                if done || translator.isFinished { return nil }
                do {
                    guard let event = try await nextEvent() else {
                        throw ProviderError.streamInterrupted(
                            provider: translator.provider, detail: "the stream ended before message_stop")
                    }
                    pending = try translator.translate(event)
                } catch {
                    done = true
                    throw error
                }
            }
        }
    }

    public func embeddings(_ body: JSONObject, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        throw ProviderError.unsupported(provider: name, operation: "embeddings")
    }

    /// Seconds since 1970, for `created`.
    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}
