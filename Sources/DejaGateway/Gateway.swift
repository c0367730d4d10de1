import AsyncHTTPClient
public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The Deja HTTP application: owns the shared upstream `HTTPClient`, the provider registry and
/// the router. `run()` serves until SIGINT/SIGTERM; `start()` serves in the background (tests,
/// embedding Deja in another process) and reports the bound port.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let logger: Logger
    let httpClient: HTTPClient
    let registry: ProviderRegistry

    public init(configuration: GatewayConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.decompression = .disabled
        clientConfiguration.timeout.connect = .seconds(10)
        clientConfiguration.timeout.read = .milliseconds(Int64(configuration.requestTimeoutMs))
        // The default of 8 connections per host would cap throughput under load; idle ones are
        // reused, so a generous soft limit costs nothing when traffic is light.
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        self.httpClient = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: clientConfiguration)
        self.registry = ProviderRegistry(configuration: configuration, httpClient: httpClient, logger: logger)
    }

    /// Routes and their methods (also used to answer 405 for a wrong method).
    static let routeMethods: [String: [String]] = [
        "/v1/chat/completions": ["POST"],
        "/v1/embeddings": ["POST"],
        "/v1/models": ["GET"],
        "/health": ["GET"],
        "/health/live": ["GET"],
        "/health/ready": ["GET"],
    ]

    /// The router with every route and middleware.
    public func makeRouter() -> Router<DejaRequestContext> {
        let router = Router(context: DejaRequestContext.self)
        router.add(
            middleware: CORSMiddleware(
                allowOrigin: configuration.corsAllowedOrigins.contains("*") ? .all : .custom(configuration.corsAllowedOrigins.joined(separator: ", ")),
                allowHeaders: [.accept, .authorization, .contentType, .origin, .xRequestID, .init("X-Idempotency-Key")!, .cacheControl],
                allowMethods: [.get, .post, .options],
                maxAge: .seconds(600)))
        router.add(middleware: EdgeMiddleware(routeMethods: Self.routeMethods))
        let chat = ChatCompletionsHandler(registry: registry, maxBodyBytes: configuration.maxBodyBytes)
        let embeddings = EmbeddingsHandler(registry: registry, maxBodyBytes: configuration.maxBodyBytes)
        let info = InfoHandlers(registry: registry, demo: configuration.demo)
        router.post("/v1/chat/completions") { try await chat.handle($0, context: $1) }
        router.post("/v1/embeddings") { try await embeddings.handle($0, context: $1) }
        router.get("/v1/models") { info.models($0, context: $1) }
        router.get("/health") { info.health($0, context: $1) }
        router.get("/health/live") { info.live($0, context: $1) }
        router.get("/health/ready") { info.ready($0, context: $1) }

        let passthrough = PassthroughHandler(
            registry: registry, httpClient: httpClient, maxBodyBytes: configuration.maxBodyBytes,
            timeout: .milliseconds(Int64(configuration.requestTimeoutMs)))
        let prefixes: [(String, PassthroughHandler.Family)] = [
            ("/openai/v1/**", .openai), ("/anthropic/v1/**", .anthropic), ("/gemini/v1beta/**", .gemini), ("/gemini/v1/**", .gemini),
        ]
        for (path, family) in prefixes {
            for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
                router.on(RouterPath(path), method: method) { try await passthrough.handle(family, $0, context: $1) }
            }
        }
        return router
    }

    func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "deja"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger)
    }

    /// Serves until SIGINT/SIGTERM, then drains and shuts the upstream client down.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = makeApplication(onRunning: onRunning)
        do {
            try await app.runService()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    /// Starts serving in the background and returns once listening.
    public func start() async throws -> RunningGateway {
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = makeApplication { port in portContinuation.yield(port) }
        let task = Task {
            defer { portContinuation.finish() }
            try await app.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = try await task.value
            throw GatewayStartError(message: "the gateway stopped before it was listening")
        }
        return RunningGateway(port: port, task: task, httpClient: httpClient)
    }
}

/// The gateway could not start listening.
public struct GatewayStartError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A gateway serving in the background.
public final class RunningGateway: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    private let httpClient: HTTPClient

    init(port: Int, task: Task<Void, any Error>, httpClient: HTTPClient) {
        self.port = port
        self.task = task
        self.httpClient = httpClient
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops serving and releases the upstream client.
    public func shutdown() async {
        task.cancel()
        _ = try? await task.value
        try? await httpClient.shutdown()
    }
}
