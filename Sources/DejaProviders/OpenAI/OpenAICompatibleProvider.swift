public import DejaHTTPClient
import Logging
import NIOCore
import NIOHTTP1
public import DejaWire

/// An adapter for every server that speaks the OpenAI chat-completions API: OpenAI, Groq,
/// Together, Ollama, vLLM, and any `base_url`. Requests go out as the client sent them (only
/// `model` is rewritten); answers come back unchanged, streamed event by event.
public struct OpenAICompatibleProvider: UpstreamProvider {
    /// How to reach one OpenAI-compatible server. The base URL includes its version segment,
    /// e.g. `https://api.openai.com/v1`; the key goes out as `Authorization: Bearer …`.
    public struct Configuration: EndpointConfiguration {
        public var endpoint: ProviderEndpoint

        public init(
            name: String, baseURL: String, apiKey: String? = nil, timeout: TimeAmount = .seconds(60),
            maxResponseBytes: Int = 32 << 20, extraHeaders: [(String, String)] = []
        ) {
            self.endpoint = ProviderEndpoint(
                name: name, baseURL: baseURL, apiKey: apiKey, timeout: timeout, maxResponseBytes: maxResponseBytes,
                extraHeaders: extraHeaders)
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

    private func headers(_ context: ProviderCallContext, streaming: Bool) -> HTTPHeaders {
        var headers = context.forwardedHeaders
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        headers.replaceOrAdd(name: "accept", value: streaming ? "text/event-stream" : "application/json")
        headers.replaceOrAdd(name: "x-request-id", value: context.requestID)
        configuration.endpoint.authorize(&headers, keyHeader: "authorization", keyPrefix: "Bearer ")
        return headers
    }

    public func complete(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        var body = request.upstreamBody(model: model)
        body["stream"] = nil
        body["stream_options"] = nil
        let start = ContinuousClock.now
        let bytes = try await http.send(
            url: configuration.baseURL + "/chat/completions", deadline: context.deadline, headers: headers(context, streaming: false),
            body: JSONWriter.serialize(.object(body)), maxBytes: configuration.maxResponseBytes,
            errorParser: OpenAIErrorBody.parse)
        return UpstreamResponse(body: bytes, latency: ContinuousClock.now - start)
    }

    public func stream(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> ChatChunkStream {
        var body = request.upstreamBody(model: model)
        body["stream"] = .bool(true)
        let response = try await http.open(
            url: configuration.baseURL + "/chat/completions", deadline: context.deadline, headers: headers(context, streaming: true),
            body: JSONWriter.serialize(.object(body)), errorParser: OpenAIErrorBody.parse)
        let provider = configuration.name
        return ChatChunkStream {
            let events = SSEEventReader(body: response.body, provider: provider)
            return Self.chunkIterator(nextEvent: { try await events.next() }, provider: provider)
        }
    }

    /// The chunk iterator over a source of upstream events: relays each well-formed chunk, ends at
    /// `[DONE]`, and throws `streamInterrupted` for an error event or a stream cut before `[DONE]`,
    /// `malformedResponse` for an event that is not a JSON object.
    static func chunkIterator(nextEvent: @escaping () async throws -> SSEEvent?, provider: String) -> ChatChunkStream.AsyncIterator {
        var finished = false
        return ChatChunkStream.AsyncIterator {
            guard !finished else { return nil }
            let event: SSEEvent?
            do {
                event = try await nextEvent()
            } catch {
                finished = true
                throw error
            }
            guard let event else {
                finished = true
                throw ProviderError.streamInterrupted(provider: provider, detail: "the stream ended without [DONE]")
            }
            if event.isDoneSentinel {
                finished = true
                return nil
            }
            if let error = OpenAIErrorBody.parse(event.data) {
                finished = true
                throw ProviderError.streamInterrupted(provider: provider, detail: error.message)
            }
            // Relay only well-formed chunks: a client must never receive half a JSON object.
            // Validation is a single pass over a few hundred bytes per token.
            guard case .object? = try? JSONParser.parse(event.data) else {
                finished = true
                throw ProviderError.malformedResponse(provider: provider, detail: "a stream event is not a JSON object")
            }
            return event.data
        }
    }

    public func embeddings(_ body: JSONObject, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        var body = body
        body["model"] = .string(model)
        let start = ContinuousClock.now
        let bytes = try await http.send(
            url: configuration.baseURL + "/embeddings", deadline: context.deadline, headers: headers(context, streaming: false),
            body: JSONWriter.serialize(.object(body)), maxBytes: configuration.maxResponseBytes,
            errorParser: OpenAIErrorBody.parse)
        return UpstreamResponse(body: bytes, latency: ContinuousClock.now - start)
    }
}
