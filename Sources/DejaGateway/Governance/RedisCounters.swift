import Crypto
import DejaGovernance
import DejaRedis
import Foundation
import Logging
import Synchronization

/// The hot counters instances share through Redis: rate-limit state (GCRA, one key per limit)
/// and monthly budget reservations, each changed atomically by a Lua script, so a limit holds
/// across every instance, not per instance. Instances announce themselves in a heartbeat set;
/// the live count scales the local limits an instance falls back to while Redis cannot be
/// reached (each instance then admits its share), and a dead instance's budget reservations
/// are dropped by the next reservation that sees them.
///
/// Times in Redis are microseconds (Lua numbers are doubles: at today's epoch a microsecond
/// count keeps 0.25 µs of precision), so shared limits are exact to the microsecond, not the
/// nanosecond of the local limiter; a changed limit keeps the time owed, not the units.
final class RedisCounters: Sendable {
    let client: RedisClient
    let instance: String
    private let logger: Logger
    private let live = Mutex(1)
    private let healthy = Mutex(true)
    /// Spend settled while Redis was unreachable, per budget hash, added once it answers again.
    private let owed = Mutex([String: BudgetCharge]())

    static let instancesKey = "deja:instances"
    static let heartbeatWindowSeconds = 10.0

    init(configuration: RedisConfiguration, logger: Logger) {
        var configuration = configuration
        // A request never waits on Redis longer than this; then the local fallback decides.
        configuration.commandTimeout = .milliseconds(100)
        self.client = RedisClient(configuration: configuration, logger: logger)
        self.instance = UUID().uuidString.lowercased()
        self.logger = logger
    }

    /// Instances seen in the last heartbeat window (at least this one).
    var liveInstances: Int { live.withLock { max($0, 1) } }
    /// False after a failed call, until one succeeds.
    var isHealthy: Bool { healthy.withLock { $0 } }

    private func mark(_ ok: Bool) { healthy.withLock { $0 = ok } }

    func shutdown() { client.shutdown() }

    // MARK: - Scripts

    struct Script: Sendable {
        let source: String
        let sha: String

        init(_ source: String) {
            self.source = source
            self.sha = Insecure.SHA1.hash(data: Array(source.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// GCRA over several limits at once, all or none. KEYS: limit keys. ARGV: now (µs), then per
    /// key period (µs), count, units. Reply: {0, remaining1, reset1, …} when admitted, else
    /// {index, retry-after µs (-1: never), remaining, reset µs}.
    static let acquire = Script(
        """
        local now = tonumber(ARGV[1])
        local nexts = {}
        for i = 1, #KEYS do
          local b = 2 + (i - 1) * 3
          local period, count, units = tonumber(ARGV[b]), tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
          local t = period / count
          local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
          if tat < now then tat = now end
          local nt = tat + units * t
          local remaining = math.floor((now + period - tat) / t)
          if remaining < 0 then remaining = 0 end
          if units > count then return {i, -1, remaining, math.ceil(tat - now)} end
          if nt - period > now then return {i, math.ceil(nt - period - now), remaining, math.ceil(tat - now)} end
          nexts[i] = nt
        end
        local out = {0}
        for i = 1, #KEYS do
          local b = 2 + (i - 1) * 3
          local period, count = tonumber(ARGV[b]), tonumber(ARGV[b + 1])
          local t = period / count
          redis.call('SET', KEYS[i], string.format('%.3f', nexts[i]), 'PX', math.ceil((nexts[i] - now) / 1000) + 1)
          out[#out + 1] = math.floor((now + period - nexts[i]) / t)
          out[#out + 1] = math.ceil(nexts[i] - now)
        end
        return out
        """)

    /// Gives back (negative units) or takes more. KEYS: limit keys. ARGV: now, then per key
    /// period, count, units.
    static let adjust = Script(
        """
        local now = tonumber(ARGV[1])
        for i = 1, #KEYS do
          local b = 2 + (i - 1) * 3
          local period, count, units = tonumber(ARGV[b]), tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
          local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
          if tat < now then tat = now end
          local nt = tat + units * period / count
          if nt <= now then redis.call('DEL', KEYS[i])
          else redis.call('SET', KEYS[i], string.format('%.3f', nt), 'PX', math.ceil((nt - now) / 1000) + 1) end
        end
        return 0
        """)

    /// Reserves in every scope or none. KEYS: one hash per scope and month. ARGV: instance, now
    /// (s), usd, tokens, ttl (s), the reservation's field (`r:<instance>:<id>`), its expiry (s),
    /// then per key limit usd, limit tokens (-1: none), spend to seed a new hash with (usd,
    /// tokens). Each reservation is a field of its own (`usd:tokens:expiry`), so releasing it is
    /// an idempotent HDEL; fields past their expiry, or of an instance whose heartbeat stopped,
    /// are dropped as they are met. Reply: {0, 0} or {index, 1 (usd) | 2 (tokens)}.
    static let reserve = Script(
        """
        local inst, now = ARGV[1], tonumber(ARGV[2])
        for i = 1, #KEYS do
          local b = 8 + (i - 1) * 4
          if redis.call('HSETNX', KEYS[i], 'su', ARGV[b + 2]) == 1 then
            redis.call('HSET', KEYS[i], 'st', ARGV[b + 3])
            redis.call('EXPIRE', KEYS[i], ARGV[5])
          end
          local lu, lt = tonumber(ARGV[b]), tonumber(ARGV[b + 1])
          if lu >= 0 or lt >= 0 then
            local h = redis.call('HGETALL', KEYS[i])
            local su, st, ru, rt = 0, 0, 0, 0
            for j = 1, #h, 2 do
              local f, v = h[j], h[j + 1]
              if f == 'su' then su = tonumber(v)
              elseif f == 'st' then st = tonumber(v)
              elseif string.sub(f, 1, 2) == 'r:' then
                local owner = string.match(f, '^r:([^:]+):')
                local u, t, e = string.match(v, '^([^:]+):([^:]+):([^:]+)$')
                local beat = owner and owner ~= inst and redis.call('ZSCORE', 'deja:instances', owner)
                if not e or tonumber(e) < now or (owner ~= inst and (not beat or tonumber(beat) < now - 30)) then
                  redis.call('HDEL', KEYS[i], f)
                else
                  ru = ru + tonumber(u)
                  rt = rt + tonumber(t)
                end
              end
            end
            if lu >= 0 and su + ru >= lu then return {i, 1} end
            if lt >= 0 and st + rt >= lt then return {i, 2} end
          end
        end
        local value = ARGV[3] .. ':' .. ARGV[4] .. ':' .. ARGV[7]
        for i = 1, #KEYS do redis.call('HSET', KEYS[i], ARGV[6], value) end
        return {0, 0}
        """)

    /// Releases a reservation and adds the real cost. KEYS: the scope hashes. ARGV: the
    /// reservation's field, actual usd, actual tokens. A hash that is gone (Redis restarted or
    /// the month's key expired) is not recreated: the next reservation seeds it from the store.
    static let settle = Script(
        """
        for i = 1, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 1 then
            redis.call('HDEL', KEYS[i], ARGV[1])
            redis.call('HINCRBYFLOAT', KEYS[i], 'su', ARGV[2])
            redis.call('HINCRBY', KEYS[i], 'st', ARGV[3])
          end
        end
        return 0
        """)

    /// EVALSHA, loading the script on NOSCRIPT.
    func run(_ script: Script, keys: [String], arguments: [RedisArgument]) async throws -> RedisValue {
        let tail = [RedisArgument(keys.count)] + keys.map { RedisArgument($0) } + arguments
        do {
            let reply: RedisValue
            do {
                reply = try await client.send(["EVALSHA", RedisArgument(script.sha)] + tail)
            } catch let error as RedisError where error.serverMessage?.hasPrefix("NOSCRIPT") == true {
                reply = try await client.send(["EVAL", RedisArgument(script.source)] + tail)
            }
            mark(true)
            return reply
        } catch {
            mark(false)
            throw error
        }
    }

    // MARK: - Rate limits

    enum Admission {
        case admitted([RateDecision])
        case refused(index: Int, RateDecision)
    }

    static func micros(_ d: Duration) -> Int {
        Int(d.components.seconds) * 1_000_000 + Int(d.components.attoseconds / 1_000_000_000_000)
    }

    func acquire(_ charges: [RequestAccount.Charge], nowMicros: Int) async throws -> Admission {
        var args: [RedisArgument] = [RedisArgument(nowMicros)]
        for c in charges { args += [RedisArgument(Self.micros(c.limit.period)), RedisArgument(c.limit.count), RedisArgument(c.units)] }
        let reply = try await run(Self.acquire, keys: charges.map { "deja:rl:" + $0.key }, arguments: args)
        guard let values = reply.array?.compactMap(\.int), let first = values.first else { throw RedisError.server("unexpected GCRA reply") }
        if first == 0, values.count == 1 + 2 * charges.count {
            return .admitted(charges.indices.map { i in
                RateDecision(allowed: true, limit: charges[i].limit.count, remaining: values[1 + 2 * i], reset: .microseconds(values[2 + 2 * i]), retryAfter: nil)
            })
        }
        guard values.count == 4, first >= 1, first <= charges.count else { throw RedisError.server("unexpected GCRA reply") }
        let c = charges[first - 1]
        return .refused(
            index: first - 1,
            RateDecision(allowed: false, limit: c.limit.count, remaining: values[2], reset: .microseconds(values[3]), retryAfter: values[1] < 0 ? nil : .microseconds(values[1])))
    }

    func adjust(_ charges: [(RequestAccount.Charge, Int)], nowMicros: Int) async throws {
        guard !charges.isEmpty else { return }
        var args: [RedisArgument] = [RedisArgument(nowMicros)]
        for (c, delta) in charges { args += [RedisArgument(Self.micros(c.limit.period)), RedisArgument(c.limit.count), RedisArgument(delta)] }
        _ = try await run(Self.adjust, keys: charges.map { "deja:rl:" + $0.0.key }, arguments: args)
    }

    // MARK: - Budgets

    static func budgetKey(_ scope: String, _ month: BudgetMonth) -> String { "deja:budget:\(month):\(scope)" }

    /// The hash field of one reservation.
    func reservationField(_ id: String) -> String { "r:" + instance + ":" + id }

    /// How long a reservation may stay unsettled before any instance drops it (the longest a
    /// request may run, a stream included).
    static let reservationLifetimeSeconds = 3_600.0

    /// Reserves in Redis; nil when admitted, else the refusing scope's index and dimension.
    func reserve(
        id: String, scopes: [String], limits: [BudgetLimits?], seeds: [SpendTotals], charge: BudgetCharge, month: BudgetMonth, unixSeconds: Double
    ) async throws -> (index: Int, dimension: String)? {
        var args: [RedisArgument] = [
            RedisArgument(instance), RedisArgument(String(unixSeconds)), RedisArgument(String(charge.usd)), RedisArgument(charge.tokens),
            RedisArgument(40 * 86_400), RedisArgument(reservationField(id)), RedisArgument(String(unixSeconds + Self.reservationLifetimeSeconds)),
        ]
        for (limit, seed) in zip(limits, seeds) {
            args += [
                RedisArgument(limit?.usd.map { String($0) } ?? "-1"), RedisArgument(limit?.tokens.map { String($0) } ?? "-1"), RedisArgument(String(seed.usd)),
                RedisArgument(seed.tokens),
            ]
        }
        let reply = try await run(Self.reserve, keys: scopes.map { Self.budgetKey($0, month) }, arguments: args)
        guard let values = reply.array?.compactMap(\.int), values.count == 2 else { throw RedisError.server("unexpected reservation reply") }
        if values[0] == 0 { return nil }
        return (values[0] - 1, values[1] == 1 ? "usd" : "tokens")
    }

    /// Releases reservation `id` (if it is still there) and adds `actual`; idempotent for the release.
    func settle(id: String, scopes: [String], month: BudgetMonth, actual: BudgetCharge) async throws {
        _ = try await run(
            Self.settle, keys: scopes.map { Self.budgetKey($0, month) },
            arguments: [RedisArgument(reservationField(id)), RedisArgument(String(actual.usd)), RedisArgument(actual.tokens)])
    }

    /// Records spend that reached only this instance (a local fallback reservation).
    func owe(_ actual: BudgetCharge, scopes: [String], month: BudgetMonth) {
        guard actual.usd > 0 || actual.tokens > 0 else { return }
        owed.withLock { table in
            for scope in scopes {
                let key = Self.budgetKey(scope, month)
                let current = table[key] ?? BudgetCharge(usd: 0, tokens: 0)
                table[key] = BudgetCharge(usd: current.usd + actual.usd, tokens: current.tokens + actual.tokens)
            }
        }
    }

    /// Adds what was owed to the shared hashes that exist (a hash created meanwhile was seeded
    /// from this instance's ledger, which already counts it). Kept for the next try on failure.
    func payOwed() async {
        let pending = owed.withLock { table -> [String: BudgetCharge] in
            defer { table.removeAll() }
            return table
        }
        guard !pending.isEmpty else { return }
        for (key, charge) in pending {
            do {
                _ = try await run(Self.settle, keys: [key], arguments: ["", RedisArgument(String(charge.usd)), RedisArgument(charge.tokens)])
            } catch {
                owed.withLock { table in
                    let current = table[key] ?? BudgetCharge(usd: 0, tokens: 0)
                    table[key] = BudgetCharge(usd: current.usd + charge.usd, tokens: current.tokens + charge.tokens)
                }
                return
            }
        }
    }

    /// A scope's shared month: spent and reserved (every live instance's).
    func usage(scope: String, month: BudgetMonth) async throws -> BudgetLedger.Usage? {
        let reply = try await client.send(["HGETALL", RedisArgument(Self.budgetKey(scope, month))])
        guard let items = reply.array, !items.isEmpty else { return nil }
        var u = BudgetLedger.Usage()
        var i = 0
        while i + 1 < items.count {
            let field = items[i].string ?? ""
            let value = Double(items[i + 1].string ?? "") ?? 0
            switch field {
            case "su": u.spentUSD = value
            case "st": u.spentTokens = Int(value)
            default:
                if field.hasPrefix("r:") {
                    let parts = (items[i + 1].string ?? "").split(separator: ":")
                    if parts.count == 3 {
                        u.reservedUSD += Double(parts[0]) ?? 0
                        u.reservedTokens += Int(parts[1]) ?? 0
                    }
                }
            }
            i += 2
        }
        return u
    }

    // MARK: - Heartbeat

    /// Announces this instance and reads how many are live.
    func heartbeat(unixSeconds: Double) async {
        do {
            let replies = try await client.pipeline([
                ["ZADD", RedisArgument(Self.instancesKey), RedisArgument(String(unixSeconds)), RedisArgument(instance)],
                ["ZREMRANGEBYSCORE", RedisArgument(Self.instancesKey), "-inf", RedisArgument(String(unixSeconds - 3600))],
                ["ZCOUNT", RedisArgument(Self.instancesKey), RedisArgument(String(unixSeconds - Self.heartbeatWindowSeconds)), "+inf"],
            ])
            if let count = replies.last?.int { live.withLock { $0 = max(count, 1) } }
            mark(true)
        } catch {
            mark(false)
            logger.debug("Governance heartbeat not sent", metadata: ["deja.redis.error": .string("\(error)")])
        }
    }
}
