public import NIOCore
import NIOHTTP1
public import NIOPosix
public import NIOSSL
import Synchronization

/// A small HTTP/1.1 client for calling upstream providers.
///
/// Why not a general-purpose client: a gateway's upstream call sits on every request's hot
/// path. This client keeps a pool of keep-alive connections per event loop and runs each
/// request on the event loop the calling task already runs on (Deja installs NIO's event loops
/// as the Swift concurrency executor), so taking a connection, writing, reading and parking it
/// again involve no locks, no pool state machine and no thread hops.
///
/// Requests carry a whole body with `Content-Length`; responses are either collected (with a
/// byte limit) or streamed with back-pressure. A request fails with `UpstreamClientError` when
/// the upstream is silent for longer than the request's timeout, closes early, or the calling
/// task is cancelled (which closes the connection, so the upstream sees the abort).
public final class UpstreamClient: Sendable {
    /// Connection handling.
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount
        /// Idle keep-alive connections are closed after this long.
        public var idleConnectionTimeout: TimeAmount
        /// Most idle connections kept per destination and event loop.
        public var maxIdleConnectionsPerHost: Int
        /// TLS settings for `https` destinations (system trust roots by default).
        public var tls: TLSConfiguration

        public init(
            connectTimeout: TimeAmount = .seconds(10), idleConnectionTimeout: TimeAmount = .seconds(60),
            maxIdleConnectionsPerHost: Int = 512, tls: TLSConfiguration = .makeClientConfiguration()
        ) {
            self.connectTimeout = connectTimeout
            self.idleConnectionTimeout = idleConnectionTimeout
            self.maxIdleConnectionsPerHost = maxIdleConnectionsPerHost
            self.tls = tls
        }
    }

    private struct LoopState: Sendable {
        let loop: any EventLoop
        let pool: NIOLoopBoundBox<LoopPool>
    }

    private let configuration: Configuration
    private let loops: [ObjectIdentifier: LoopState]
    private let orderedLoops: [LoopState]
    private let sweeps: Mutex<[RepeatedTask]>
    private let shutDown = Atomic<Bool>(false)
    private let sslContextCache: Mutex<NIOSSLContext?> = Mutex(nil)

    /// Creates a client whose connections live on `group`'s event loops.
    public init(eventLoopGroup: MultiThreadedEventLoopGroup = .singleton, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        var loops: [ObjectIdentifier: LoopState] = [:]
        var orderedLoops: [LoopState] = []
        var sweeps: [RepeatedTask] = []
        let sweepEvery = TimeAmount.nanoseconds(max(configuration.idleConnectionTimeout.nanoseconds / 4, 1_000_000_000))
        for loop in eventLoopGroup.makeIterator() {
            let pool = NIOLoopBoundBox.makeBoxSendingValue(
                LoopPool(maxIdlePerKey: configuration.maxIdleConnectionsPerHost, idleTimeout: configuration.idleConnectionTimeout),
                eventLoop: loop)
            loops[ObjectIdentifier(loop)] = LoopState(loop: loop, pool: pool)
            orderedLoops.append(LoopState(loop: loop, pool: pool))
            sweeps.append(loop.scheduleRepeatedTask(initialDelay: sweepEvery, delay: sweepEvery) { _ in pool.value.sweep() })
        }
        self.loops = loops
        self.orderedLoops = orderedLoops
        self.sweeps = Mutex(sweeps)
    }

    /// Closes idle connections and refuses new requests; requests in flight finish and their
    /// connections close instead of being parked. Also runs when the client is released.
    public func shutdown() {
        guard !shutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let tasks = sweeps.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task.cancel() }
        for state in loops.values {
            let pool = state.pool
            state.loop.execute { pool.value.shutDown() }
        }
    }

    deinit {
        shutdown()
    }

    /// Sends `request` and reads the whole response body, keeping at most `limit` bytes (see
    /// `CollectedResponse.truncated`). `timeout` bounds each silence from the upstream.
    public func collect(_ request: UpstreamRequest, limit: Int, timeout: TimeAmount) async throws(UpstreamClientError) -> CollectedResponse {
        try await run(request, timeout: timeout) { loop in
            .collect(limit: limit, promise: loop.makePromise(of: CollectedResponse.self))
        } result: { mode in
            guard case .collect(_, let promise) = mode else { preconditionFailure() }
            return promise.futureResult
        }
    }

    /// Sends `request` and returns at the response head; the body streams.
    public func stream(_ request: UpstreamRequest, timeout: TimeAmount) async throws(UpstreamClientError) -> StreamingResponse {
        try await run(request, timeout: timeout) { loop in
            .stream(promise: loop.makePromise(of: StreamingResponse.self))
        } result: { mode in
            guard case .stream(let promise) = mode else { preconditionFailure() }
            return promise.futureResult
        }
    }

    private func run<Response: Sendable>(
        _ request: UpstreamRequest, timeout: TimeAmount,
        mode makeMode: @escaping @Sendable (any EventLoop) -> ExchangeMode,
        result: @escaping @Sendable (ExchangeMode) -> EventLoopFuture<Response>
    ) async throws(UpstreamClientError) -> Response {
        guard !shutDown.load(ordering: .relaxed) else { throw .shutdown }
        // A cancellation handler installed on an already cancelled task runs before the exchange
        // exists and could not stop it.
        guard !Task.isCancelled else { throw .cancelled }
        // Stay on the caller's event loop when it is one of ours. Callers elsewhere (the
        // cooperative pool) always use the same loop per destination, so their connections are
        // reused rather than spread over every loop's pool.
        let state: LoopState
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let mine = loops[ObjectIdentifier(current)] {
            state = mine
        } else {
            state = orderedLoops[Int(UInt(bitPattern: request.url.poolKey.hashValue) % UInt(orderedLoops.count))]
        }
        let loop = state.loop
        let handle = NIOLoopBoundBox<Exchange?>.makeEmptyBox(valueType: Exchange.self, eventLoop: loop)
        let start: @Sendable () -> EventLoopFuture<Response> = { [self] in
            let exchange = Exchange(request: request, mode: makeMode(loop), timeout: timeout)
            handle.value = exchange
            self.begin(exchange, on: state)
            return result(exchange.mode)
        }
        do {
            return try await withTaskCancellationHandler {
                let future = loop.inEventLoop ? start() : loop.flatSubmit(start)
                return try await future.get()
            } onCancel: {
                loop.execute {
                    guard let exchange = handle.value else { return }
                    if let connection = exchange.connection {
                        connection.abort(exchange, .cancelled)
                    } else {
                        exchange.fail(.cancelled)
                    }
                }
            }
        } catch let error as UpstreamClientError {
            throw error
        } catch {
            throw .connectFailed("\(error)")
        }
    }

    /// On `state.loop`: runs `exchange` on a parked connection, or on a new one.
    private func begin(_ exchange: Exchange, on state: LoopState) {
        let pool = state.pool.value
        let key = exchange.request.url.poolKey
        if let connection = pool.take(key) {
            exchange.connection = connection
            connection.begin(exchange)
            return
        }
        if pool.isShutDown {
            exchange.fail(.shutdown)
            return
        }
        let tls: NIOSSLContext?
        do {
            tls = key.scheme == .https ? try makeSSLContext() : nil
        } catch {
            exchange.fail(.connectFailed("TLS configuration: \(error)"))
            return
        }
        let loop = state.loop
        let boundPool = NIOLoopBound(pool, eventLoop: loop)
        let host = key.host
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    let sync = channel.pipeline.syncOperations
                    if let tls {
                        let serverName = host.isIPAddress ? nil : host
                        try sync.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try sync.addHTTPClientHandlers(leftOverBytesStrategy: .fireError)
                    try sync.addHandler(UpstreamConnectionHandler(key: key, pool: boundPool.value))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let boundExchange = NIOLoopBound(exchange, eventLoop: loop)
        bootstrap.connect(host: key.host, port: key.port).assumeIsolated().whenComplete { result in
            let exchange = boundExchange.value
            switch result {
            case .success(let channel):
                guard !exchange.finished,
                    let connection = try? channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
                else {
                    channel.close(promise: nil)
                    return
                }
                exchange.connection = connection
                connection.begin(exchange)
            case .failure(let error):
                exchange.fail(Self.connectError(error))
            }
        }
    }

    private static func connectError(_ error: any Error) -> UpstreamClientError {
        if let error = error as? ChannelError, case .connectTimeout = error { return .connectTimeout }
        return .connectFailed("\(error)")
    }

    /// The TLS context, made on first use (loading trust roots is not free).
    private func makeSSLContext() throws -> NIOSSLContext {
        let result: Result<NIOSSLContext, any Error> = sslContextCache.withLock { cached in
            if let cached { return .success(cached) }
            do {
                let made = try NIOSSLContext(configuration: configuration.tls)
                cached = made
                return .success(made)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension String {
    /// True for IPv4 and IPv6 literals (no SNI is sent for those).
    fileprivate var isIPAddress: Bool {
        if contains(":") { return true }
        return !isEmpty && utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
    }
}
