import DejaCache
import ServiceLifecycle

/// Sweeps expired entries out of the cache and the idempotency store at a fixed interval, as a
/// service that runs beside the HTTP server and stops with it.
///
/// Expired entries never serve (lookups check expiry); the sweep only returns their memory.
struct ExpirySweeper: Service {
    /// Waits until the next sweep is due; throws when the service is cancelled.
    let wait: @Sendable () async throws -> Void
    let sweep: @Sendable () -> Void

    init(every interval: Duration, sweep: @escaping @Sendable () -> Void) {
        self.init(wait: { try await Task.sleep(for: interval) }, sweep: sweep)
    }

    /// `wait` is injectable so that tests drive the sweeps without sleeping.
    init(wait: @escaping @Sendable () async throws -> Void, sweep: @escaping @Sendable () -> Void) {
        self.wait = wait
        self.sweep = sweep
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await wait()
                } catch {
                    return
                }
                sweep()
            }
        }
    }
}

/// Keeps the Redis mirror's connections up while the gateway serves and closes them when it
/// stops. The mirror is started (its initial restore from Redis done) before the server listens,
/// so the first request already sees the shared cache.
struct CacheMirrorService: Service {
    let mirror: CacheMirror

    func run() async throws {
        // Returns on graceful shutdown; throws when the group is cancelled. Either way the
        // mirror's connections close.
        try? await gracefulShutdown()
        mirror.shutdown()
    }
}
