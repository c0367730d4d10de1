public import Logging
public import NIOHTTP1
public import DejaWire

/// Per-call context an adapter needs: the request id to forward, a request-scoped logger, and
/// headers the gateway was configured to pass through to this provider.
public struct ProviderCallContext: Sendable {
    public var requestID: String
    public var logger: Logger
    /// Client headers to forward upstream (already filtered by the provider's `forward_headers`).
    public var forwardedHeaders: HTTPHeaders
    /// When the whole request must be answered by: the call's timeout is the provider's own or
    /// what is left before this, whichever is shorter.
    public var deadline: ContinuousClock.Instant?

    public init(requestID: String, logger: Logger, forwardedHeaders: HTTPHeaders = [:], deadline: ContinuousClock.Instant? = nil) {
        self.requestID = requestID
        self.logger = logger
        self.forwardedHeaders = forwardedHeaders
        self.deadline = deadline
    }
}

/// A complete upstream answer, already in the OpenAI response shape.
public struct UpstreamResponse: Sendable {
    /// OpenAI-shaped JSON bytes (`chat.completion` or an embeddings `list`).
    public var body: [UInt8]
    /// Time from sending the request to receiving the whole body.
    public var latency: Duration

    public init(body: [UInt8], latency: Duration) {
        self.body = body
        self.latency = latency
    }
}

/// One upstream LLM service reached through its own wire format. Adapters translate OpenAI
/// requests into the provider's API and the answers back into OpenAI `chat.completion` JSON or
/// `chat.completion.chunk` payloads, so everything above this protocol speaks OpenAI only.
public protocol UpstreamProvider: Sendable {
    /// The configured name, used in `provider/model` and in the `X-Provider` header.
    var name: String { get }

    /// How long a call may wait for its first byte (the provider's own timeout, before any
    /// request deadline shortens it).
    var timeout: Duration { get }

    /// Sends a non-streaming chat request; returns an OpenAI `chat.completion` body.
    func complete(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> UpstreamResponse

    /// Sends a streaming chat request; returns once the upstream accepted it (status 2xx), so that
    /// upstream errors before the first byte still become ordinary HTTP errors. Iterating yields
    /// OpenAI chunk payloads and ends after the upstream's terminator; a cut stream throws.
    /// Dropping the iterator cancels the upstream request.
    func stream(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> ChatChunkStream

    /// Sends an OpenAI embeddings request body; returns an OpenAI embeddings `list` body.
    func embeddings(_ body: JSONObject, model: String, context: ProviderCallContext) async throws -> UpstreamResponse
}

/// A stream of OpenAI `chat.completion.chunk` JSON payloads (without the `data: ` framing).
///
/// A type-erased sequence over a per-iteration state machine: adapters supply a factory whose
/// iterator pulls upstream bytes on demand, so nothing is buffered beyond one upstream read and
/// back-pressure reaches the upstream connection.
public struct ChatChunkStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private let factory: @Sendable () -> AsyncIterator

    public init(makeIterator factory: @escaping @Sendable () -> AsyncIterator) {
        self.factory = factory
    }

    /// A stream over a fixed list of payloads (replays and tests).
    public init(chunks: [[UInt8]]) {
        self.factory = {
            var index = 0
            return AsyncIterator {
                guard index < chunks.count else { return nil }
                defer { index += 1 }
                return chunks[index]
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { factory() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private let pull: () async throws -> [UInt8]?

        public init(_ pull: @escaping () async throws -> [UInt8]?) {
            self.pull = pull
        }

        public mutating func next() async throws -> [UInt8]? {
            try await pull()
        }
    }
}

extension UpstreamProvider {
    /// Providers without a timeout of their own (test doubles): a minute, the gateway's default.
    public var timeout: Duration { .seconds(60) }
}
