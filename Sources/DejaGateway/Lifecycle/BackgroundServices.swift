import DejaCache
import DejaGovernance
import DejaObservability
import Logging
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
        do {
            try await gracefulShutdown()
            // The server has drained (it stops first): mirror what its last requests stored.
            await mirror.shutdownGracefully(within: .seconds(5))
        } catch {
            mirror.shutdown()
        }
    }
}

/// Governance's background work: re-reads the store's revision (other instances' key changes,
/// revocations above all) every `revisionPollMs`, writes the usage ledger every `ledgerFlushMs`,
/// prunes ledger rows past retention hourly, and writes what is left when the gateway stops.
/// Uses real time: what it does is observable through the store, and tests call `refresh` and
/// `flush` directly.
struct GovernanceService: Service {
    let governance: Governance

    func run() async throws {
        let settings = governance.settings
        let governance = self.governance
        await cancelWhenGracefulShutdown {
            // Two loops, so that a slow ledger write never delays picking up a revocation.
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    let tick = Duration.milliseconds(max(10, settings.revisionPollMs))
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: tick)
                        } catch {
                            return
                        }
                        do {
                            try await governance.refresh()
                        } catch {
                            governance.logger.warning("Governance store: could not re-read keys", metadata: ["deja.error": .string("\(error)")])
                        }
                    }
                }
                if let shared = governance.shared {
                    // The heartbeat on its own: a slow store must not make this instance look dead
                    // to the others (they would drop its budget reservations).
                    group.addTask {
                        while !Task.isCancelled {
                            await shared.heartbeat(unixSeconds: governance.unixSeconds)
                            governance.metrics.setGovernanceShared(up: shared.isHealthy, instances: shared.liveInstances)
                            if shared.isHealthy { await shared.payOwed() }
                            do {
                                try await Task.sleep(for: .seconds(1))
                            } catch {
                                return
                            }
                        }
                    }
                }
                group.addTask {
                    var sincePrune = Duration.seconds(3_600)
                    let tick = Duration.milliseconds(max(10, settings.ledgerFlushMs))
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: tick)
                        } catch {
                            return
                        }
                        await governance.writer.flush()
                        sincePrune += tick
                        if sincePrune >= .seconds(3_600) {
                            sincePrune = .zero
                            let before = governance.unixSeconds - Double(settings.usageRetentionDays) * 86_400
                            _ = try? await governance.store.pruneUsage(before: before)
                        }
                    }
                }
            }
        }
        // The last rows and spend are written even when the service was cancelled (a task
        // of its own does not inherit the cancellation the store's driver would honour).
        let writer = governance.writer
        await Task { await writer.flush() }.value
    }
}
