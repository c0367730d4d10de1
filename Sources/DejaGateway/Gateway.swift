import DejaVerifier
import DejaHTTPClient
import DejaHTTPServer
public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
import NIOPosix
import DejaCache
import DejaGovernance
import DejaGovernancePostgres
import DejaGovernanceSQLite
import DejaEmbedding
import DejaObservability
import DejaRedis
import DejaReliability
import DejaRouting
import Foundation
import ServiceLifecycle
import Tracing
import UnixSignals
import Synchronization

/// The Deja HTTP application: owns the shared upstream `HTTPClient`, the provider registry and
/// the router. `run()` serves until SIGINT/SIGTERM; `start()` serves in the background (tests,
/// embedding Deja in another process) and reports the bound port.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let logger: Logger
    /// Carries provider calls, pass-through requests and remote embedding calls.
    let upstreamClient: UpstreamClient
    let registry: ProviderRegistry
    /// The only caller of providers (chat, embeddings, pass-through).
    let executor: UpstreamExecutor
    /// Circuits shared with the other instances on the same Redis (nil without Redis).
    let circuitState: RedisCircuitState?
    let front: CacheFront?
    /// The catalogue, classifier and routing policy behind virtual models.
    let routing: ModelRouting
    let idempotency: IdempotencyStore
    let localEmbedder: MiniLMEmbedder?
    /// The share of the encoder `/v1/embeddings` may hold at once (the rest stays free for cache lookups).
    let encoderShare: AsyncSemaphore
    /// The Prometheus metrics served at `/metrics`.
    public let metrics = GatewayMetrics(version: BuildInfo.version)
    /// Issued keys, rate limits, budgets and the usage ledger.
    let governance: Governance
    /// Spans of requests, cache lookups, routing and upstream attempts.
    let tracer: any Tracer

    /// Builds the gateway. Throws when the configuration would expose an unauthenticated gateway
    /// (`GatewayConfiguration.checkExposure`), or when the cache is on with the native embedder
    /// and the model files are missing or damaged (the error names the folder and the install
    /// command).
    ///
    /// `tracer` records the request, cache, routing and upstream spans (the process's
    /// `InstrumentationSystem` tracer by default: a no-op until one is bootstrapped).
    public convenience init(configuration: GatewayConfiguration, logger: Logger, tracer: any Tracer = InstrumentationSystem.tracer) throws {
        try self.init(configuration: configuration, logger: logger, reliabilityClock: SystemReliabilityClock(), tracer: tracer)
    }

    /// `reliabilityClock` times retries, deadlines and circuits (tests step it instead of waiting).
    init(configuration: GatewayConfiguration, logger: Logger, reliabilityClock: any ReliabilityClock, tracer: any Tracer = NoOpTracer()) throws {
        try configuration.checkExposure()
        self.tracer = tracer
        self.configuration = configuration
        self.encoderShare = AsyncSemaphore(permits: configuration.localEmbeddings.concurrentBatches)
        self.logger = logger
        self.upstreamClient = UpstreamClient(
            configuration: .init(connectTimeout: .seconds(10), idleConnectionTimeout: .seconds(60)))
        let catalogue: ModelCatalogue
        let head: StrongModelHead?
        do {
            catalogue = try configuration.routing.resolvedCatalogue()
            head = try configuration.routing.resolvedHead()
        } catch {
            upstreamClient.shutdown()
            throw GatewayStartError(message: "routing: \(error)")
        }
        self.registry = ProviderRegistry(configuration: configuration, client: upstreamClient, logger: logger, catalogue: catalogue)
        let unresolvable = registry.unresolvableFallbacks()
        guard unresolvable.isEmpty else {
            upstreamClient.shutdown()
            throw ConfigurationError(
                "reliability.fallbacks: no enabled provider serves \(unresolvable.joined(separator: ", ")) (name a model of an enabled provider, or provider/model)")
        }
        var circuitState: RedisCircuitState?
        if let url = configuration.cacheSettings.redisURL, let hmacKey = configuration.cacheSettings.redisHMACKey {
            do {
                circuitState = RedisCircuitState(
                    configuration: try RedisConfiguration(url: url), hmacKey: hmacKey, clock: reliabilityClock, logger: logger)
            } catch {
                upstreamClient.shutdown()
                throw error
            }
        }
        self.circuitState = circuitState
        self.executor = UpstreamExecutor(
            health: ProviderHealth(names: registry.settings.map(\.name)), settings: configuration.reliability.executor,
            observer: UpstreamMetricsObserver(metrics: metrics, registry: registry), clock: reliabilityClock, shared: circuitState, tracer: tracer)
        circuitState?.attach(executor.breakers)
        self.idempotency = IdempotencyStore(configuration: configuration.cacheSettings.cache)
        let settings = configuration.cacheSettings
        let needsNative = settings.cache.enabled && settings.embedder == .native
        let native: Result<MiniLMEmbedder, any Error> =
            needsNative || FileManager.default.fileExists(atPath: EmbedderFactory.modelDirectory(settings).path)
            ? EmbedderFactory.native(settings) : .failure(GatewayStartError(message: "model not installed"))
        self.localEmbedder = try? native.get()
        if let model = localEmbedder {
            let checks = model.precisionChecks.map { String(format: "%@ %.5f", $0.precision.rawValue, $0.minimumCosine) }
            logger.info(
                "all-MiniLM-L6-v2 loaded",
                metadata: [
                    "precision": "\(model.precision.rawValue)", "configured": "\(settings.encoderPrecision.rawValue)",
                    "kernel": "\(model.precision == .fp32 ? "blas" : "\(model.kernel)")", "checks": "\(checks.joined(separator: ", "))",
                ])
        }
        if settings.cache.enabled {
            do {
                let verifier = EmbedderFactory.verifier(settings, native: try? native.get())
                if verifier != nil && !VerifierChain.hasWordNet {
                    logger.warning(
                        "WordNet is not installed (Debian's wordnet-base, or DEJA_WORDNET_DIR): the verifier knows only its curated antonyms, and near-misses with other opposites may be served")
                }
                let embedder = try EmbedderFactory.cacheEmbedder(
                    settings, native: native, verifier: verifier, client: upstreamClient, logger: logger)
                let cache = SemanticCache(
                    configuration: settings.cache, embedder: embedder, verifier: verifier, logger: logger,
                    observer: MetricsObserver(metrics: metrics), tracer: tracer)
                var mirror: CacheMirror?
                if let url = settings.redisURL {
                    mirror = try CacheMirror(cache: cache, configuration: try RedisConfiguration(url: url), hmacKey: settings.redisHMACKey, logger: logger)
                }
                self.front = CacheFront(cache: cache, mirror: mirror, metrics: metrics)
            } catch {
                upstreamClient.shutdown()
                throw error
            }
        } else {
            self.front = nil
        }
        // The head reads all-MiniLM-L6-v2 vectors: the cache's own when it embeds with that model
        // (one pass serves both), else the local model's.
        let cacheIsMiniLM = front != nil && settings.embedder == .native
        self.routing = ModelRouting(
            registry: registry, policy: configuration.routing.policy, head: head, executor: executor,
            embedder: cacheIsMiniLM ? front?.cache.embedder : localEmbedder, sharesCacheEmbedder: cacheIsMiniLM)
        var governanceSettings = configuration.governance
        if configuration.tenants.isEmpty, !configuration.isBoundToLoopback, !configuration.allowUnauthenticated, configuration.adminTokenHash != nil {
            governanceSettings.requireKeys = true
        }
        let store: any GovernanceStore
        switch governanceSettings.store {
        case .memory:
            store = InMemoryGovernanceStore()
        case .sqlite(let path):
            do {
                store = try SQLiteGovernanceStore(path: path)
            } catch {
                upstreamClient.shutdown()
                throw GatewayStartError(message: "governance store \(path): \(error)")
            }
        case .postgres(let url):
            do {
                store = try PostgresGovernanceStore(url: url, logger: logger)
            } catch {
                upstreamClient.shutdown()
                throw GatewayStartError(message: "governance store (DATABASE_URL): \(error)")
            }
        }
        var counters: RedisCounters?
        if let url = configuration.cacheSettings.redisURL {
            do {
                counters = RedisCounters(configuration: try RedisConfiguration(url: url), logger: logger)
            } catch {
                upstreamClient.shutdown()
                store.close()
                throw error
            }
        }
        self.governance = Governance(
            settings: governanceSettings, store: store, clock: reliabilityClock, metrics: metrics,
            logger: logger, shared: counters, onFinished: UsageMetrics(metrics: metrics, registry: registry).record)
    }

    /// Routes and their methods (also used to answer 405 for a wrong method).
    static let routeMethods: [String: [String]] = [
        "/v1/chat/completions": ["POST"],
        "/v1/embeddings": ["POST"],
        "/v1/models": ["GET"],
        "/health": ["GET"],
        "/health/live": ["GET"],
        "/health/ready": ["GET"],
        "/metrics": ["GET"],
        "/api/cache/stats": ["GET"],
        "/api/cache/invalidate": ["POST"],
        "/api/cache/feedback": ["POST"],
        "/api/cache/shadow": ["GET"],
        "/api/cache/shadow/export": ["GET"],
        "/api/cache/shadow/{id}/label": ["POST"],
        "/api/circuit-breakers": ["GET"],
        "/api/providers": ["GET"],
        "/api/admin/routing": ["GET", "PUT"],
        "/api/admin/keys": ["GET", "POST"],
        "/api/admin/keys/{id}": ["GET", "PATCH", "DELETE"],
        "/api/admin/tenants": ["GET"],
        "/api/admin/tenants/{name}": ["PUT", "DELETE"],
        "/v1/models/{model}": ["GET"],
        "/openapi.yaml": ["GET"],
        "/api/budget": ["GET"],
        "/api/analytics": ["GET"],
    ]

    /// The router with every route and middleware.
    ///
    /// Identity first: every client route (`/v1/*`, the pass-through prefixes, feedback) runs
    /// behind `ClientAuthenticationMiddleware`; the gateway's own API (`/api/*`), the detailed
    /// `/health` and (when configured) `/metrics` behind `AdminGuard`. CORS headers are never
    /// sent on `/api/*`.
    public func makeRouter() -> Router<DejaRequestContext> {
        let router = Router(context: DejaRequestContext.self)
        router.add(
            middleware: ClientRoutesCORS(
                base: CORSMiddleware(
                    allowOrigin: configuration.corsAllowedOrigins.contains("*") ? .all : .custom(configuration.corsAllowedOrigins.joined(separator: ", ")),
                    allowHeaders: [
                        .accept, .authorization, .contentType, .origin, .xRequestID, .init("X-Idempotency-Key")!, .cacheControl, .xAPIKey, .xGoogAPIKey,
                        .init("x-deja-deadline-ms")!, .init("x-deja-test-mode")!, .init("x-routing-strategy")!, .init("x-prefer-provider")!,
                    ],
                    allowMethods: [.get, .post, .options],
                    maxAge: .seconds(600))))
        router.add(middleware: EdgeMiddleware(
            routeMethods: Self.routeMethods, metrics: metrics, tracer: tracer,
            exposedHeaders: EdgeMiddleware.exposedHeaders + ", " + configuration.reliability.errorClassHeader))
        let keyring = ClientKeyring(keys: configuration.tenants)
        let admin = AdminGuard(tokenHash: configuration.adminTokenHash, boundToLoopback: configuration.isBoundToLoopback)
        let chat = ChatCompletionsHandler(
            registry: registry, routing: routing, metrics: metrics, executor: executor, maxBodyBytes: configuration.maxBodyBytes, front: front, idempotency: idempotency,
            reliability: configuration.reliability, errors: UpstreamErrorRenderer(configuration.reliability), governance: governance, tracer: tracer,
            captureContent: configuration.traceContent)
        let embeddings = EmbeddingsHandler(
            registry: registry, executor: executor, reliability: configuration.reliability, errors: UpstreamErrorRenderer(configuration.reliability),
            maxBodyBytes: configuration.maxBodyBytes, local: localEmbedder, limits: configuration.localEmbeddings,
            encoderShare: encoderShare)
        let info = InfoHandlers(
            registry: registry, routing: routing, health: executor.health, breakers: executor.breakers, statistics: executor.statistics, demo: configuration.demo, admin: admin,
            governance: governance, model: front != nil && configuration.cacheSettings.embedder == .native ? .loaded : .notUsed, mirror: front?.mirror)
        let v1 = router.group("/v1").add(middleware: ClientAuthenticationMiddleware(keyring: keyring, family: .openAI, governance: governance))
        v1.post("/chat/completions") { try await chat.handle($0, context: $1) }
        v1.post("/embeddings") { try await embeddings.handle($0, context: $1) }
        v1.get("/models") { info.models($0, context: $1) }
        v1.get("/models/**") { try info.model($0, context: $1) }
        if let front {
            let cacheAdmin = CacheAdminHandlers(front: front, admin: admin, idempotency: idempotency)
            let api = router.group("/api/cache")
            api.get("/stats") { try cacheAdmin.stats($0, context: $1) }
            api.post("/invalidate") { try await cacheAdmin.invalidate($0, context: $1) }
            let (governance, cacheConfiguration) = (self.governance, front.configuration)
            let shadow = ShadowHandlers(front: front, admin: admin) { governance.cacheScope(.tenant($0), cacheConfiguration) }
            api.get("/shadow") { try shadow.list($0, context: $1) }
            api.get("/shadow/export") { try shadow.export($0, context: $1) }
            api.post("/shadow/:id/label") { try await shadow.label($0, context: $1) }
            router.group("/api/cache").add(middleware: ClientAuthenticationMiddleware(keyring: keyring, family: .openAI, governance: governance))
                .post("/feedback") { try await cacheAdmin.feedback($0, context: $1) }
        }
        router.get("/api/circuit-breakers") { try info.circuitBreakers($0, context: $1) }
        router.get("/api/providers") { try info.providers($0, context: $1) }
        let routingAdmin = RoutingAdminHandlers(routing: routing, admin: admin, maxBodyBytes: configuration.maxBodyBytes)
        router.get("/api/admin/routing") { try routingAdmin.read($0, context: $1) }
        router.put("/api/admin/routing") { try await routingAdmin.update($0, context: $1) }
        let keys = GovernanceAdminHandlers(governance: governance, admin: admin, maxBodyBytes: configuration.maxBodyBytes)
        router.post("/api/admin/keys") { try await keys.createKey($0, context: $1) }
        router.get("/api/admin/keys") { try await keys.listKeys($0, context: $1) }
        router.get("/api/admin/keys/:id") { try await keys.readKey($0, context: $1) }
        router.patch("/api/admin/keys/:id") { try await keys.updateKey($0, context: $1) }
        router.delete("/api/admin/keys/:id") { try await keys.revokeKey($0, context: $1) }
        router.get("/api/admin/tenants") { try await keys.listTenants($0, context: $1) }
        router.put("/api/admin/tenants/:name") { try await keys.putTenant($0, context: $1) }
        router.delete("/api/admin/tenants/:name") { try await keys.deleteTenant($0, context: $1) }
        let budgets = BudgetHandlers(governance: governance, admin: admin, keyring: keyring)
        router.get("/api/budget") { try await budgets.budget($0, context: $1) }
        router.get("/api/analytics") { try await budgets.analytics($0, context: $1) }
        router.get("/health") { info.health($0, context: $1) }
        router.get("/health/live") { info.live($0, context: $1) }
        router.get("/health/ready") { await info.ready($0, context: $1) }
        let metricsHandler = MetricsHandler(metrics: metrics, front: front, admin: configuration.protectMetrics ? admin : nil)
        router.get("/metrics") { try metricsHandler.handle($0, context: $1) }
        router.get("/openapi.yaml") { _, _ in OpenAPIDocument.response() }

        var extraRules: [String: [PassthroughPolicy.Rule]] = [:]
        for provider in configuration.providers {
            extraRules[provider.name] = provider.passthroughAllow.compactMap(PassthroughPolicy.Rule.init)
        }
        let passthrough = PassthroughHandler(
            registry: registry, executor: executor, client: upstreamClient, policy: PassthroughPolicy(extraRules: extraRules),
            clientKeysConfigured: !keyring.isEmpty, maxBodyBytes: configuration.maxBodyBytes,
            timeout: .milliseconds(Int64(configuration.requestTimeoutMs)))
        let prefixes: [(String, PassthroughHandler.Family)] = [
            ("/openai/v1", .openai), ("/anthropic/v1", .anthropic), ("/gemini/v1beta", .gemini), ("/gemini/v1", .gemini),
        ]
        for (prefix, family) in prefixes {
            let group = router.group(RouterPath(prefix)).add(middleware: ClientAuthenticationMiddleware(keyring: keyring, family: family.credentialFamily, governance: governance, unmetered: true))
            for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
                group.on("**", method: method) { try await passthrough.handle(family, $0, context: $1) }
            }
        }
        return router
    }

    func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .loopAffineHTTP1(limits: configuration.serverLimits),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "deja"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger)
    }

    /// What the start-up banner says about governance (read once the store is loaded).
    public struct GovernanceSummary: Sendable, CustomStringConvertible {
        public let keysRequired: Bool
        public let issuedKeys: Int
        public let store: String
        public let perAddress: String
        public let shared: Bool

        public var description: String {
            "\(store) store, \(issuedKeys) issued keys, per-address limit \(perAddress)\(shared ? ", limits and budgets shared through Redis" : "")"
        }
    }

    public var governanceSummary: GovernanceSummary {
        let store: String
        switch governance.settings.store {
        case .memory: store = "in-memory (nothing persists)"
        case .sqlite(let path): store = "SQLite (\(path))"
        case .postgres: store = "PostgreSQL"
        }
        let snapshot = governance.directory.snapshot
        let active = snapshot.keys.values.filter { $0.isActive(at: governance.unixSeconds) }.count
        let limit = governance.settings.perAddress.map { "\($0.count) per \(Double($0.period.components.seconds) + Double($0.period.components.attoseconds) / 1e18) s" } ?? "off"
        return GovernanceSummary(
            keysRequired: governance.keysRequired(staticKeys: !configuration.tenants.isEmpty), issuedKeys: active, store: store, perAddress: limit,
            shared: governance.shared != nil)
    }

    /// The services that run beside the HTTP server: the expiry sweeper and, with Redis, the
    /// cache mirror. Starts the mirror first (it rebuilds the cache from Redis) so that the
    /// server, started after, serves the shared cache from its first request.
    func backgroundServices() async throws -> [any Service] {
        try await governance.load()
        let front = self.front
        let idempotency = self.idempotency
        var services: [any Service] = [
            ExpirySweeper(every: .seconds(30)) {
                _ = front?.cache.sweepExpired()
                idempotency.sweep()
            }
        ]
        if let mirror = front?.mirror {
            await mirror.start()
            services.append(CacheMirrorService(mirror: mirror))
        }
        if let circuitState { services.append(circuitState) }
        services.append(GovernanceService(governance: governance))
        return services
    }

    /// Serves until SIGINT/SIGTERM, then stops every service (server, sweeper, mirror) and shuts
    /// the upstream client down.
    ///
    /// `additionalServices` run beside the server and stop after it (a trace exporter, so the
    /// last requests' spans are sent).
    public func run(additionalServices: [any Service] = [], onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let services: [any Service]
        do {
            services = try await backgroundServices()
        } catch {
            upstreamClient.shutdown()
            governance.close()
            throw GatewayStartError(message: "governance store: \(error)")
        }
        // A group stops its services in reverse order: the server first (it stops accepting and
        // drains in-flight requests and streams), then the mirror and governance flush what those
        // requests recorded. A drain longer than the grace period is cut short.
        var groupConfiguration = ServiceGroupConfiguration(
            services: additionalServices + services + [makeApplication(onRunning: onRunning)], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(configuration.shutdownGraceMs)
        let group = ServiceGroup(configuration: groupConfiguration)
        defer {
            upstreamClient.shutdown()
            governance.close()
        }
        do {
            try await group.run()
        } catch {
            await governance.writer.flush()
            throw error
        }
        // The server has drained: what its last requests recorded is written before the store closes.
        await governance.writer.flush()
    }

    /// Starts serving in the background and returns once listening.
    public func start() async throws -> RunningGateway {
        let services: [any Service]
        do {
            services = try await backgroundServices()
        } catch {
            upstreamClient.shutdown()
            governance.close()
            throw GatewayStartError(message: "governance store: \(error)")
        }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = makeApplication { port in portContinuation.yield(port) }
        var groupConfiguration = ServiceGroupConfiguration(services: services + [app], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(configuration.shutdownGraceMs)
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            defer { portContinuation.finish() }
            do {
                try await group.run()
            } catch {
                await self.governance.writer.flush()
                throw error
            }
            // Stopped: what the last requests recorded is written.
            await self.governance.writer.flush()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = try? await task.value
            upstreamClient.shutdown()
            throw GatewayStartError(message: "the gateway stopped before it was listening")
        }
        return RunningGateway(port: port, task: task, gateway: self, group: group)
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
    public let gateway: Gateway
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    init(port: Int, task: Task<Void, any Error>, gateway: Gateway, group: ServiceGroup) {
        self.port = port
        self.task = task
        self.gateway = gateway
        self.group = group
    }

    /// What SIGTERM does: stop accepting, let in-flight requests and streams finish (within the
    /// grace period), flush the mirror and the usage ledger, then return.
    public func stopGracefully() async throws {
        defer {
            gateway.upstreamClient.shutdown()
            gateway.governance.close()
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops serving (and the services beside the server) and releases the upstream client.
    public func shutdown() async {
        task.cancel()
        _ = try? await task.value
        gateway.upstreamClient.shutdown()
        await gateway.governance.writer.flush()
        gateway.governance.close()
    }
}
