import Logging

/// How a simulator instance behaves.
public struct SimulatorConfiguration: Sendable {
    /// Address to bind.
    public var host: String
    /// Port to bind; 0 picks any free port (read it back from `Simulator.port`).
    public var port: Int
    /// Delay added before every provider response, in milliseconds.
    public var latencyMs: Int
    /// Fraction (0...1) of provider requests answered with an injected error, drawn from `seed`.
    public var errorRate: Double
    /// Fraction (0...1) of provider requests given one fault drawn evenly from a mix: 429 with
    /// `Retry-After: 1`, 500, 503, 529, a dropped connection, a stream cut after two chunks, a
    /// 2-second stall (the reliability benchmark's chaos run).
    public var chaosRate: Double = 0
    /// Seed of the answer generator and of the error-rate draws.
    public var seed: UInt64
    /// Length of an answer in tokens when the request does not send `x-sim-tokens`.
    public var defaultAnswerTokens: Int
    /// The API key every provider request must carry; nil accepts any key or none.
    public var requiredAPIKey: String?
    /// Log level of the simulator's logger.
    public var logLevel: Logger.Level
    /// How many requests `recordedRequests()` and `GET /sim/requests` keep.
    public var recordedRequestLimit: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        latencyMs: Int = 0,
        errorRate: Double = 0,
        seed: UInt64 = 0,
        defaultAnswerTokens: Int = 24,
        requiredAPIKey: String? = nil,
        logLevel: Logger.Level = .warning,
        recordedRequestLimit: Int = 256
    ) {
        self.host = host
        self.port = port
        self.latencyMs = latencyMs
        self.errorRate = min(max(errorRate, 0), 1)
        self.seed = seed
        self.defaultAnswerTokens = defaultAnswerTokens
        self.requiredAPIKey = requiredAPIKey
        self.logLevel = logLevel
        self.recordedRequestLimit = recordedRequestLimit
    }
}

/// Counters of a simulator since it started or was last reset (the data of `GET /sim/stats`).
public struct SimulatorStats: Sendable, Equatable {
    /// Provider requests received (requests to `/sim/*` are not counted).
    public var totalRequests: Int
    /// Provider requests whose response has not finished yet.
    public var inFlight: Int
    /// `POST /v1/chat/completions` without streaming.
    public var openAIChat: Int
    /// `POST /v1/chat/completions` with `stream: true`.
    public var openAIChatStream: Int
    /// `POST /v1/embeddings`.
    public var openAIEmbeddings: Int
    /// `POST /v1/messages` without streaming.
    public var anthropicMessages: Int
    /// `POST /v1/messages` with `stream: true`.
    public var anthropicMessagesStream: Int
    /// `:generateContent`.
    public var geminiGenerate: Int
    /// `:streamGenerateContent` (SSE or JSON array).
    public var geminiStream: Int
    /// `:embedContent` and `:batchEmbedContents`.
    public var geminiEmbed: Int
    /// `:countTokens`.
    public var geminiCountTokens: Int
    /// Model listings (`GET /v1/models`, `GET /v1beta/models`).
    public var models: Int
    /// Requests to paths the simulator does not serve.
    public var notFound: Int
    /// Error responses caused by `x-sim-status`, `x-sim-fail-times` or the error rate.
    public var errorsInjected: Int
    /// Connections closed on purpose (`x-sim-drop`, `x-sim-truncate-stream`).
    public var connectionsDropped: Int
    /// Streams that were sent to their end.
    public var streamsCompleted: Int
    /// Streams that ended early because the client went away.
    public var streamsAborted: Int

    public init(
        totalRequests: Int = 0, inFlight: Int = 0, openAIChat: Int = 0, openAIChatStream: Int = 0,
        openAIEmbeddings: Int = 0, anthropicMessages: Int = 0, anthropicMessagesStream: Int = 0,
        geminiGenerate: Int = 0, geminiStream: Int = 0, geminiEmbed: Int = 0, geminiCountTokens: Int = 0,
        models: Int = 0, notFound: Int = 0, errorsInjected: Int = 0, connectionsDropped: Int = 0,
        streamsCompleted: Int = 0, streamsAborted: Int = 0
    ) {
        self.totalRequests = totalRequests
        self.inFlight = inFlight
        self.openAIChat = openAIChat
        self.openAIChatStream = openAIChatStream
        self.openAIEmbeddings = openAIEmbeddings
        self.anthropicMessages = anthropicMessages
        self.anthropicMessagesStream = anthropicMessagesStream
        self.geminiGenerate = geminiGenerate
        self.geminiStream = geminiStream
        self.geminiEmbed = geminiEmbed
        self.geminiCountTokens = geminiCountTokens
        self.models = models
        self.notFound = notFound
        self.errorsInjected = errorsInjected
        self.connectionsDropped = connectionsDropped
        self.streamsCompleted = streamsCompleted
        self.streamsAborted = streamsAborted
    }

    /// Requests per provider.
    public var openAI: Int { openAIChat + openAIChatStream + openAIEmbeddings }
    public var anthropic: Int { anthropicMessages + anthropicMessagesStream }
    public var gemini: Int { geminiGenerate + geminiStream + geminiEmbed + geminiCountTokens }
}

/// One request as the simulator received it.
public struct RecordedRequest: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Order of arrival, starting at 1 (not reset by `reset()`).
    public var sequence: Int
    public var method: String
    /// Path without the query.
    public var path: String
    /// Query string without `?`, or nil.
    public var query: String?
    /// Headers in the order received; names as sent.
    public var headers: [Header]
    /// The body, byte for byte.
    public var body: [UInt8]

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The body decoded as UTF-8.
    public var bodyString: String { String(decoding: body, as: UTF8.self) }
}
