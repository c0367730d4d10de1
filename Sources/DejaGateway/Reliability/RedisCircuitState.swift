import Crypto
import DejaRedis
import DejaReliability
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Circuits shared by every instance on one Redis: an opening or a probe's verdict is published
/// on `deja:circuits` (HMAC-SHA256-signed with `REDIS_HMAC_KEY`, like mirrored entries, so whoever
/// can write to Redis cannot open or close circuits), and the one probe of a circuit is claimed
/// with `SET NX PX`, so that after a cooldown exactly one instance probes and all follow its
/// verdict.
///
/// Fails open: when Redis cannot be reached, each instance decides alone (its own circuits and
/// probes), as without Redis.
final class RedisCircuitState: SharedCircuitState, Service {
    static let channel = "deja:circuits"
    static let probePrefix = "deja:circuit-probe:"
    /// An open circuit's last announcement, kept (with the circuit's remaining cooldown as its
    /// TTL) so that an instance that starts later learns it.
    static let statePrefix = "deja:circuit:"

    private let client: RedisClient
    private let subscriber: RedisSubscriber
    private let key: SymmetricKey
    /// Tells this instance's messages apart from the others'.
    private let instance = UUID().uuidString
    private let logger: Logger
    /// Set once the executor exists (it owns the breakers the announcements update).
    private let breakers = Mutex<CircuitBreakers?>(nil)
    private let clock: any ReliabilityClock

    init(configuration: RedisConfiguration, hmacKey: String, clock: any ReliabilityClock = SystemReliabilityClock(), logger: Logger) {
        self.client = RedisClient(configuration: configuration, logger: logger)
        self.subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        self.key = SymmetricKey(data: Array(hmacKey.utf8))
        self.clock = clock
        self.logger = logger
    }

    /// The breakers that other instances' announcements update.
    func attach(_ breakers: CircuitBreakers) {
        self.breakers.withLock { $0 = breakers }
    }

    // MARK: SharedCircuitState

    func opened(provider: String, model: String, untilWallClock: Double) {
        let message = message(["open", provider, model, String(Int64(untilWallClock * 1000))])
        let ttlMs = max(1, Int((untilWallClock - clock.wallClockSeconds) * 1000))
        send(message, then: ["SET", RedisArgument(Self.statePrefix + provider + "/" + model), RedisArgument(message), "PX", RedisArgument(ttlMs)])
    }

    func closed(provider: String, model: String) {
        send(message(["close", provider, model, "0"]), then: ["DEL", RedisArgument(Self.statePrefix + provider + "/" + model)])
    }

    func claimProbe(provider: String, model: String, lease: Duration) async -> Bool {
        let ms = max(1, Int(lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000))
        do {
            let reply = try await client.send(["SET", RedisArgument(Self.probePrefix + provider + "/" + model), RedisArgument(instance), "NX", "PX", RedisArgument(ms)])
            return reply != .null
        } catch {
            logger.debug("Circuit probe claim failed; probing locally", metadata: ["deja.redis.error": "\(error)"])
            return true
        }
    }

    // MARK: Messages

    /// `v1 \t instance \t kind \t provider \t model \t until-ms \t hex(hmac of the rest)`; tabs
    /// cannot occur in provider or model names.
    /// Publishes `message`, then records the circuit's state with `command` (off the caller's path).
    private func send(_ message: [UInt8], then command: [RedisArgument]) {
        let client = self.client
        let logger = self.logger
        Task {
            do {
                _ = try await client.publish(Self.channel, message: message)
                _ = try await client.send(command)
            } catch {
                logger.debug("Circuit announcement not published", metadata: ["deja.redis.error": "\(error)"])
            }
        }
    }

    /// Applies the open circuits other instances recorded (at start, after subscribing, so that
    /// nothing announced meanwhile is missed). At most 1,000 circuits are read.
    func loadRecordedCircuits() async {
        guard let breakers = breakers.withLock({ $0 }) else { return }
        do {
            for key in try await client.scanAll(match: Self.statePrefix + "*", limit: 1000) {
                guard let bytes = try await client.get(key), let announcement = parse(bytes) else { continue }
                breakers.apply(announcement, now: clock.now, wallClockSeconds: clock.wallClockSeconds)
            }
        } catch {
            logger.debug("Recorded circuits not loaded", metadata: ["deja.redis.error": "\(error)"])
        }
    }

    /// A signed message of this instance.
    func message(_ fields: [String]) -> [UInt8] {
        let body = (["v1", instance] + fields).joined(separator: "\t")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: key)
        return Array((body + "\t" + mac.map { String(format: "%02x", $0) }.joined()).utf8)
    }

    /// Another instance's announcement, or nil for one of this instance's own, a forged or a
    /// malformed message.
    func parse(_ payload: [UInt8]) -> CircuitAnnouncement? {
        guard payload.count <= 2048, let text = String(validating: payload, as: UTF8.self) else { return nil }
        let fields = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 7, fields[0] == "v1", fields[1] != instance else { return nil }
        let body = fields[0..<6].joined(separator: "\t")
        guard fields[6].utf8.count == 64, let mac = Hex.bytes(fields[6]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(body.utf8), using: key)
        else { return nil }
        let (provider, model) = (fields[3], fields[4])
        guard !provider.isEmpty, provider.utf8.count <= 64, !model.isEmpty, model.utf8.count <= 256 else { return nil }
        switch fields[2] {
        case "open":
            guard let ms = Int64(fields[5]), ms > 0 else { return nil }
            return CircuitAnnouncement(provider: provider, model: model, change: .opened(untilWallClock: Double(ms) / 1000))
        case "close":
            return CircuitAnnouncement(provider: provider, model: model, change: .closed)
        default:
            return nil
        }
    }

    // MARK: Service

    /// Applies other instances' announcements until the gateway stops.
    func run() async throws {
        let messages = subscriber.subscribe([Self.channel], bufferSize: 1024)
        await loadRecordedCircuits()
        await cancelWhenGracefulShutdown {
            for await message in messages {
                guard let announcement = self.parse(message.payload), let breakers = self.breakers.withLock({ $0 }) else { continue }
                breakers.apply(announcement, now: self.clock.now, wallClockSeconds: self.clock.wallClockSeconds)
            }
        }
        shutdown()
    }

    func shutdown() {
        subscriber.shutdown()
        client.shutdown()
    }
}
