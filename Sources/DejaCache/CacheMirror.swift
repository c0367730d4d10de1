public import DejaRedis
public import Logging
import DejaEmbedding
import Synchronization
public import DejaWire

/// Mirrors cache entries to Redis and keeps peer gateway instances in step.
///
/// Layout (docs/REDIS.md): each entry is a hash `deja:cache:entry:<id>` with native `EXPIRE`,
/// authenticated with HMAC-SHA256 (``CacheMirrorCodec``); invalidations leave tombstones
/// (`deja:cache:tomb:<id>`) and barriers (`deja:cache:invalidations`); inserts and removals are
/// announced on `deja:cache:events`. Writes leave the request path through a bounded queue —
/// when it is full the write is dropped and counted, never waited for. On start, and whenever
/// Redis comes back after an outage, the mirror resynchronises: it applies the invalidations it
/// queued meanwhile, drops local entries invalidated elsewhere, loads the valid entries it does
/// not have and writes back the ones Redis lacks.
///
/// Trust: nothing read from Redis is used before it is authenticated and range-checked, and a
/// pub/sub message is only a hint — an insert makes the mirror fetch and verify the entry; a
/// remove only removes entries Redis holds a tombstone for.
public final class CacheMirror: Sendable {
    public static let entryPrefix = "deja:cache:entry:"
    public static let tombstonePrefix = "deja:cache:tomb:"
    public static let invalidationsKey = "deja:cache:invalidations"
    public static let channel = "deja:cache:events"
    static let scanPattern = "deja:cache:*"

    /// Bounds and hooks; the defaults suit production.
    public struct Options: Sendable {
        /// Entry writes waiting for Redis; past it a write is dropped and counted. Default 10,000.
        public var queueCapacity = 10_000
        /// Invalidated ids waiting for Redis to come back; past it the oldest are dropped
        /// (counted; their local tombstones still stand). Default 10,000.
        public var pendingInvalidationCapacity = 10_000
        /// Invalidated ids remembered in memory. Default 100,000.
        public var tombstoneCapacity = 100_000
        /// A `remove` message with more ids is ignored (this mirror sends at most 500). Default 1,000.
        public var maxIDsPerEvent = 1_000
        /// A pub/sub message longer than this is ignored. Default 64 KiB.
        public var maxEventBytes = 64 << 10
        /// Invalidation barriers read from Redis (the newest first). Default 10,000.
        public var maxBarriers = 10_000
        /// Keys of `deja:cache:*` one resynchronisation scans before giving up. Default 4,000,000.
        public var maxScannedKeys = 4_000_000
        /// Entries probed per pipeline when loading. Default 100.
        public var fetchBatch = 100
        /// Bounds on entries read from (and written to) Redis.
        public var limits = CacheMirrorCodec.Limits()
        /// Wall-clock seconds since 1970 (injected by tests).
        public var clock: @Sendable () -> Double = { wallClockSeconds() }

        public init() {}
    }

    let cache: SemanticCache
    let client: RedisClient
    let subscriber: RedisSubscriber
    let logger: Logger
    let instanceID: String
    let codec: CacheMirrorCodec
    let options: Options
    /// The longest EXPIRE ever set: the configuration's maximum TTL, in whole seconds.
    let maxTTLSeconds: Int
    public var queueCapacity: Int { options.queueCapacity }

    private let queue: AsyncStream<UInt64>.Continuation
    private let queueStream: AsyncStream<UInt64>
    private let invalidationKicks: AsyncStream<Void>.Continuation
    private let invalidationKickStream: AsyncStream<Void>
    private let resyncKicks: AsyncStream<Void>.Continuation
    private let resyncKickStream: AsyncStream<Void>
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let ledger: Mutex<InvalidationLedger>
    private let rejections = Mutex<[CacheMirrorCodec.Rejection: Int]>([:])
    private let warningGate = Mutex<(last: Double, suppressed: Int)>((-.infinity, 0))

    let writes = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let restored = Atomic<Int>(0)
    let peerEvents = Atomic<Int>(0)
    let resyncs = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
    let skippedInvalidated = Atomic<Int>(0)
    let ignoredEvents = Atomic<Int>(0)
    let unmirrored = Atomic<Int>(0)

    /// Fails when `hmacKey` is missing or shorter than 32 bytes (the message names
    /// `REDIS_HMAC_KEY` and how to make one).
    public init(
        cache: SemanticCache, configuration: RedisConfiguration, hmacKey: String?, logger: Logger, options: Options = Options()
    ) throws(CacheMirrorError) {
        var limits = options.limits
        limits.maxCompletionBytes = max(0, min(limits.maxCompletionBytes, cache.configuration.maxBytes))
        self.codec = try CacheMirrorCodec(
            hmacKey: hmacKey ?? "", dimension: cache.embedder.dimension, maxTTLSeconds: cache.configuration.ttlBounds.upperBound,
            limits: limits)
        self.maxTTLSeconds = Int(min(codec.maxTTLSeconds, 10 * 365 * 86_400).rounded(.up))
        self.cache = cache
        self.logger = logger
        self.options = options
        self.client = RedisClient(configuration: configuration, logger: logger)
        self.subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        self.instanceID = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        self.ledger = Mutex(InvalidationLedger(tombstoneCapacity: options.tombstoneCapacity, pendingCapacity: options.pendingInvalidationCapacity))
        (queueStream, queue) = AsyncStream<UInt64>.makeStream(bufferingPolicy: .bufferingOldest(max(options.queueCapacity, 1)))
        (invalidationKickStream, invalidationKicks) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        (resyncKickStream, resyncKicks) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Why a Redis mirror cannot run as configured (nil when it can, or when no URL is set): an
    /// unusable `REDIS_URL` (`rediss://` included) or a missing or short `REDIS_HMAC_KEY`.
    /// Configuration loading calls this so that the gateway fails closed at start-up.
    public static func configurationProblem(redisURL: String?, hmacKey: String?) -> String? {
        guard let redisURL else { return nil }
        do {
            _ = try RedisConfiguration(url: redisURL)
        } catch {
            return "REDIS_URL (or cache.redis_url): \(error)"
        }
        return CacheMirrorCodec.keyProblem(hmacKey)
    }

    /// Redis failures seen (commands that failed, entries that could not be read).
    public var errorCount: Int { errors.load(ordering: .relaxed) }

    /// Whether the mirror's Redis connection is up.
    public var isConnected: Bool { client.isConnected }

    /// Starts the writer, the subscriber and the resynchronisation loop; returns after the first
    /// attempt to load existing entries (Redis being down is not an error: the gateway serves from
    /// memory and resynchronises when Redis returns).
    public func start() async {
        // Subscribe first, and wait (bounded) for Redis to confirm it, so that nothing published
        // during or after the initial load is missed: `subscribe` returns before the SUBSCRIBE
        // reaches Redis. When Redis is down the wait ends at the connect timeout, and the state
        // watchers below resynchronise once the subscriber is connected.
        let events = subscriber.subscribe([Self.channel])
        _ = await subscriber.waitUntilSubscribed(to: [Self.channel], timeout: subscriber.configuration.connectTimeout)
        let initialSucceeded = await resynchronise(initial: true)
        let writer = Task { [self] in
            for await id in queueStream {
                await self.write(entryID: id)
            }
        }
        let listener = Task { [self] in
            for await message in events {
                await self.apply(message.payload)
            }
        }
        // Either connection coming back means messages may have been missed: resynchronise, and
        // apply the invalidations queued while Redis was unreachable.
        let watchers = [client.stateChanges(), subscriber.stateChanges()].map { states in
            Task { [self] in
                var wasDown = false
                for await state in states {
                    switch state {
                    case .disconnected: wasDown = true
                    case .connected where wasDown:
                        wasDown = false
                        self.invalidationKicks.yield()
                        self.resyncKicks.yield()
                    default: break
                    }
                }
            }
        }
        let resyncer = Task { [self] in
            var failures = initialSucceeded ? 0 : 1
            for await _ in resyncKickStream {
                if failures > 0 {
                    // A resynchronisation that keeps failing (e.g. a reply over the size bound
                    // drops the connection every time) must not become a busy loop.
                    try? await Task.sleep(for: .seconds(1 << min(failures - 1, 6)))
                    if Task.isCancelled { return }
                }
                if await self.resynchronise(initial: false) {
                    failures = 0
                } else {
                    failures += 1
                    if self.client.isConnected { self.resyncKicks.yield() }
                }
            }
        }
        let invalidator = Task { [self] in
            for await _ in invalidationKickStream {
                while !(await self.flushPendingInvalidations()), self.client.isConnected, !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        tasks.withLock { $0 = [writer, listener, resyncer, invalidator] + watchers }
    }

    /// Stops taking writes, lets the writer mirror what is queued (up to `limit`), then shuts
    /// down: entries stored by the last requests before a graceful stop reach Redis.
    public func shutdownGracefully(within limit: Duration) async {
        queue.finish()
        if let writer = tasks.withLock({ $0.first }) {
            let timer = Task {
                try? await Task.sleep(for: limit)
                writer.cancel()
            }
            await writer.value
            timer.cancel()
        }
        shutdown()
    }

    public func shutdown() {
        queue.finish()
        invalidationKicks.finish()
        resyncKicks.finish()
        for task in tasks.withLock({ $0 }) { task.cancel() }
        client.shutdown()
        subscriber.shutdown()
    }

    /// Queues an entry for mirroring (non-blocking; a full queue drops and counts the write).
    public func entryStored(_ entry: CacheEntry) {
        if case .dropped = queue.yield(entry.id) { dropped.add(1, ordering: .relaxed) }
    }

    // MARK: - Invalidation

    /// Records that entries were invalidated (they are already gone from the local cache) and
    /// applies it to Redis: the hashes are deleted and tombstoned, an `all`/`namespace`/`model`
    /// invalidation also writes a barrier, and peers are told. While Redis is unreachable the
    /// work is queued (bounded) and applied on reconnect; the local tombstones and barrier stop
    /// this instance from restoring or writing back an invalidated entry meanwhile.
    public func invalidated(_ ids: [UInt64], invalidation: SemanticCache.Invalidation) {
        let now = options.clock()
        let barrier: String?
        switch invalidation {
        case .all: barrier = "all"
        case .namespace(let key): barrier = "ns:" + key.description
        case .model(let model): barrier = model.isEmpty || model.utf8.count > codec.limits.maxNameBytes ? nil : "model:" + model
        case .entry, .query: barrier = nil
        }
        guard !ids.isEmpty || barrier != nil else { return }
        let expiry = now + codec.maxTTLSeconds
        let barriers = ledger.withLock { ledger in
            for id in ids { ledger.addTombstone(id, until: expiry) }
            if let barrier { ledger.barriers.merge(member: barrier, time: now, maxModelBytes: codec.limits.maxNameBytes) }
            ledger.enqueue(ids: ids, barrier: barrier, at: now)
            return ledger.barriers
        }
        // A restore racing with the caller's removal may have put an entry back: take it out
        // again now that the tombstones are recorded (restores check them after inserting).
        cache.removeLocally(Set(ids))
        if barrier != nil { cache.removeLocally { barriers.covers($0, skew: 0) } }
        invalidationKicks.yield()
    }

    /// Applies queued invalidations to Redis, oldest first; false when Redis failed (the rest
    /// stays queued).
    func flushPendingInvalidations() async -> Bool {
        let barriers = ledger.withLock { $0.pendingBarriers }
        if !barriers.isEmpty {
            do {
                try await writeBarriers(barriers)
                ledger.withLock { $0.barriersWritten(barriers) }
            } catch {
                errors.add(1, ordering: .relaxed)
                logger.debug("Redis mirror: invalidation barrier not written yet", metadata: ["deja.error": .string("\(error)")])
                return false
            }
        }
        while let next = ledger.withLock({ $0.pending.first }) {
            do {
                try await applyInvalidation(next.ids, at: next.at)
                ledger.withLock { $0.completed(next.sequence) }
            } catch {
                errors.add(1, ordering: .relaxed)
                logger.debug("Redis mirror: invalidation queued until Redis is reachable", metadata: ["deja.error": .string("\(error)")])
                return false
            }
        }
        return true
    }

    private func writeBarriers(_ barriers: [String: Double]) async throws {
        let floor = options.clock() - codec.maxTTLSeconds - codec.limits.clockSkewSeconds
        var commands: [[RedisArgument]] = barriers.map { member, time in
            ["ZADD", RedisArgument(Self.invalidationsKey), "GT", RedisArgument(String(time)), RedisArgument(member)]
        }
        commands.append(["ZREMRANGEBYSCORE", RedisArgument(Self.invalidationsKey), "-inf", RedisArgument("(" + String(floor))])
        commands.append(removeEvent([], barrier: true))
        let replies = try await client.pipeline(commands)
        if replies.contains(where: { $0.errorMessage != nil }) {
            // Not a sorted set (someone overwrote it) or Redis older than 6.2 (no ZADD GT).
            warn("Redis mirror: could not record an invalidation barrier in \(Self.invalidationsKey) (Redis 6.2 or later is required)")
        }
    }

    private func applyInvalidation(_ ids: [UInt64], at: Double) async throws {
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            // Tombstones live as long as the entries would have: the hash's remaining TTL, or
            // the maximum TTL when it is gone or has none.
            let ttls = try await client.pipeline(chunk.map { ["TTL", RedisArgument(Self.entryKey($0))] })
            var commands: [[RedisArgument]] = [["DEL"] + chunk.map { RedisArgument(Self.entryKey($0)) }]
            for (index, id) in chunk.enumerated() {
                var ttl = maxTTLSeconds
                if index < ttls.count, case .integer(let seconds) = ttls[index], seconds > 0 { ttl = min(seconds, maxTTLSeconds) }
                commands.append(["SET", RedisArgument(Self.tombstoneKey(id)), RedisArgument(String(at)), "EX", RedisArgument(ttl)])
            }
            commands.append(removeEvent(chunk, barrier: false))
            _ = try await client.pipeline(commands)
        }
    }

    private func removeEvent(_ ids: [UInt64], barrier: Bool) -> [RedisArgument] {
        var event = JSONObject()
        event.append("origin", .string(instanceID))
        event.append("op", .string("remove"))
        event.append("ids", .array(ids.map { .string(String($0)) }))
        if barrier { event.append("barrier", .bool(true)) }
        return ["PUBLISH", RedisArgument(Self.channel), RedisArgument(JSONWriter.serialize(.object(event)))]
    }

    /// Whether an invalidation known here covers `entry`.
    private func isInvalidated(_ entry: CacheEntry, now: Double) -> Bool {
        ledger.withLock { $0.isTombstoned(entry.id, now: now) || $0.barriers.covers(entry, skew: codec.limits.clockSkewSeconds) }
    }

    private enum RestoreOutcome { case restored, invalidated, notStored }

    /// Restores a verified entry unless an invalidation covers it. Checks again after inserting,
    /// so an invalidation recorded in between cannot be undone by this restore.
    private func restoreIfCurrent(_ entry: CacheEntry, now: Double) -> RestoreOutcome {
        if isInvalidated(entry, now: now) { return .invalidated }
        do {
            try cache.restore(entry, now: now)
        } catch {
            return .notStored
        }
        if isInvalidated(entry, now: now) {
            cache.removeLocally([entry.id])
            return .invalidated
        }
        return cache.entry(id: entry.id) == nil ? .notStored : .restored
    }

    // MARK: - Writing

    static func entryKey(_ id: UInt64) -> String { entryPrefix + String(id) }
    static func tombstoneKey(_ id: UInt64) -> String { tombstonePrefix + String(id) }

    private func write(entryID id: UInt64) async {
        guard let entry = cache.entry(id: id) else { return }
        let now = options.clock()
        guard !ledger.withLock({ $0.isTombstoned(id, now: now) }) else { return }
        guard codec.isMirrorable(entry) else {
            unmirrored.add(1, ordering: .relaxed)
            return
        }
        do {
            _ = try await client.pipeline(commands(for: entry, publish: true, now: now))
            writes.add(1, ordering: .relaxed)
        } catch {
            errors.add(1, ordering: .relaxed)
            logger.debug("Redis mirror write failed", metadata: ["deja.error": .string("\(error)")])
        }
    }

    func commands(for entry: CacheEntry, publish: Bool, now: Double) -> [[RedisArgument]] {
        let key = RedisArgument(Self.entryKey(entry.id))
        var hset: [RedisArgument] = ["HSET", key]
        for (name, value) in codec.fields(for: entry) {
            hset.append(RedisArgument(name))
            hset.append(RedisArgument(value))
        }
        // DEL first: a hash left with stray fields would be refused by every reader.
        var commands: [[RedisArgument]] = [
            ["DEL", key], hset, ["EXPIRE", key, RedisArgument(Self.expireSeconds(entry.expiresAt - now, cap: maxTTLSeconds))],
        ]
        if publish {
            var event = JSONObject()
            event.append("origin", .string(instanceID))
            event.append("op", .string("insert"))
            event.append("id", .string(String(entry.id)))
            commands.append(["PUBLISH", RedisArgument(Self.channel), RedisArgument(JSONWriter.serialize(.object(event)))])
        }
        return commands
    }

    /// Whole seconds for `EXPIRE`, in 1...cap, for any input (never traps on NaN or huge values).
    static func expireSeconds(_ seconds: Double, cap: Int) -> Int {
        guard seconds.isFinite else { return cap }
        if seconds <= 1 { return 1 }
        if seconds >= Double(cap) { return cap }
        return Int(seconds.rounded(.up))
    }

    // MARK: - Reading

    enum Fetched {
        case entry(CacheEntry)
        case rejected(CacheMirrorCodec.Rejection)
        /// Not in Redis (any more).
        case absent
        /// Redis holds a tombstone for the id.
        case tombstoned
    }

    /// Reads and verifies entries. Field sizes are checked with `HSTRLEN` before anything is
    /// read, so an oversized field is refused without being transferred.
    func fetch(_ ids: [UInt64], now: Double) async throws -> [(UInt64, Fetched)] {
        let fields = CacheMirrorCodec.allFields
        let perID = fields.count + 2
        var probe: [[RedisArgument]] = []
        probe.reserveCapacity(ids.count * perID)
        for id in ids {
            let key = RedisArgument(Self.entryKey(id))
            probe.append(["HLEN", key])
            for field in fields { probe.append(["HSTRLEN", key, RedisArgument(field)]) }
            probe.append(["EXISTS", RedisArgument(Self.tombstoneKey(id))])
        }
        let sizes = try await client.pipeline(probe)
        guard sizes.count == probe.count else { throw CacheMirrorError("Redis answered \(sizes.count) of \(probe.count) commands") }

        var results: [(UInt64, Fetched)] = []
        var readable: [(id: UInt64, bytes: Int)] = []
        for (index, id) in ids.enumerated() {
            let base = index * perID
            if case .integer(let tombstone) = sizes[base + perID - 1], tombstone > 0 {
                results.append((id, .tombstoned))
                continue
            }
            // An error reply here is WRONGTYPE: the key is not a hash.
            guard case .integer(let count) = sizes[base] else {
                results.append((id, .rejected(.layout)))
                continue
            }
            if count <= 0 {
                results.append((id, .absent))
                continue
            }
            var lengths: [Int] = []
            for offset in 1...fields.count {
                guard case .integer(let length) = sizes[base + offset], length >= 0 else { break }
                lengths.append(length)
            }
            if lengths.count != fields.count {
                results.append((id, .rejected(.layout)))
            } else if lengths[fields.count - 1] == 0 {
                results.append((id, .rejected(.mac)))
            } else if count != fields.count {
                results.append((id, .rejected(.layout)))
            } else if zip(fields, lengths).contains(where: { $1 > codec.maxBytes(of: $0) }) {
                results.append((id, .rejected(.size)))
            } else {
                readable.append((id, lengths.reduce(0) { $0 &+ $1 }))
            }
        }

        // Read in pipelines of at most ~8 MiB of field data.
        var start = 0
        while start < readable.count {
            var end = start
            var bytes = 0
            while end < readable.count, end == start || bytes + readable[end].bytes <= 8 << 20 {
                bytes += readable[end].bytes
                end += 1
            }
            let group = readable[start..<end].map(\.id)
            start = end
            let replies = try await client.pipeline(
                group.map { [RedisArgument("HMGET"), RedisArgument(Self.entryKey($0))] + fields.map { RedisArgument($0) } })
            for (offset, id) in group.enumerated() {
                guard offset < replies.count, let values = replies[offset].array, values.count == fields.count else {
                    results.append((id, .rejected(.layout)))
                    continue
                }
                var map: [String: [UInt8]] = [:]
                for (field, value) in zip(fields, values) {
                    if let bytes = value.bytes { map[field] = bytes }
                }
                if map.isEmpty {
                    results.append((id, .absent))  // deleted between the two round trips
                    continue
                }
                switch codec.decode(id: id, fields: map, now: now) {
                case .success(let entry): results.append((id, .entry(entry)))
                case .failure(let reason): results.append((id, .rejected(reason)))
                }
            }
        }
        return results
    }

    /// Reads the invalidation barriers Redis holds into the local ones.
    func refreshBarriers(now: Double) async throws {
        let floor = now - codec.maxTTLSeconds - codec.limits.clockSkewSeconds
        let reply: RedisValue
        do {
            reply = try await client.send([
                "ZREVRANGEBYSCORE", RedisArgument(Self.invalidationsKey), "+inf", RedisArgument("(" + String(floor)), "WITHSCORES", "LIMIT", "0",
                RedisArgument(options.maxBarriers),
            ])
        } catch let error as RedisError where error.serverMessage != nil {
            warn("Redis mirror: \(Self.invalidationsKey) is not a sorted set; the invalidation barriers in Redis are ignored")
            return
        }
        guard let items = reply.array, items.count % 2 == 0 else {
            warn("Redis mirror: unexpected reply for \(Self.invalidationsKey); the invalidation barriers in Redis are ignored")
            return
        }
        var malformed = 0
        ledger.withLock { ledger in
            for index in stride(from: 0, to: items.count, by: 2) {
                guard let memberBytes = items[index].bytes, memberBytes.count <= 512,
                    let member = String(validating: memberBytes, as: UTF8.self),
                    let score = items[index + 1].bytes.flatMap(CacheMirrorCodec.number),
                    ledger.barriers.merge(member: member, time: score, maxModelBytes: codec.limits.maxNameBytes)
                else {
                    malformed += 1
                    continue
                }
            }
            ledger.barriers.prune(before: floor)
        }
        if malformed > 0 { warn("Redis mirror: ignored \(malformed) malformed invalidation barrier(s)") }
    }

    /// Drops local entries that a barrier covers, remembering their ids; returns how many.
    @discardableResult
    private func dropBarredLocalEntries() -> Int {
        let skew = codec.limits.clockSkewSeconds
        let barriers = ledger.withLock { $0.barriers }
        guard !barriers.isEmpty else { return 0 }
        let removed = cache.removeLocally { barriers.covers($0, skew: skew) }
        if !removed.isEmpty {
            ledger.withLock { ledger in
                for entry in removed { ledger.addTombstone(entry.id, until: entry.expiresAt) }
            }
            skippedInvalidated.add(removed.count, ordering: .relaxed)
        }
        return removed.count
    }

    /// Brings this instance and Redis in step (see the type's discussion); false when Redis
    /// failed (nothing is lost: the next reconnect or retry tries again).
    @discardableResult
    func resynchronise(initial: Bool) async -> Bool {
        let now = options.clock()
        let skew = codec.limits.clockSkewSeconds
        do {
            try await refreshBarriers(now: now)

            var remote = Set<UInt64>()
            var tombstones = Set<UInt64>()
            var badKeys = Set<String>()
            var scanned = 0
            for try await key in client.scan(match: Self.scanPattern, count: 500) {
                scanned += 1
                guard scanned <= options.maxScannedKeys else {
                    throw CacheMirrorError("more than \(options.maxScannedKeys) keys match \(Self.scanPattern)")
                }
                if key.hasPrefix(Self.entryPrefix) {
                    if let id = CacheMirrorCodec.parseID(key.dropFirst(Self.entryPrefix.count)) {
                        remote.insert(id)
                    } else if badKeys.count < 10_000 {
                        badKeys.insert(key)
                    }
                } else if key.hasPrefix(Self.tombstonePrefix), let id = CacheMirrorCodec.parseID(key.dropFirst(Self.tombstonePrefix.count)) {
                    tombstones.insert(id)
                }
            }
            for _ in badKeys { recordRejection(.id, id: nil) }

            // Local entries invalidated elsewhere (maybe while this instance could not hear it).
            let local = cache.allEntries()
            let invalidatedHere = ledger.withLock { ledger -> Set<UInt64> in
                ledger.pruneTombstones(now: now)
                ledger.barriers.prune(before: now - codec.maxTTLSeconds - skew)
                var invalid = Set<UInt64>()
                for entry in local where tombstones.contains(entry.id) || ledger.isTombstoned(entry.id, now: now) || ledger.barriers.covers(entry, skew: skew) {
                    invalid.insert(entry.id)
                    ledger.addTombstone(entry.id, until: entry.expiresAt)
                }
                return invalid
            }
            if !invalidatedHere.isEmpty {
                cache.removeLocally(invalidatedHere)
                skippedInvalidated.add(invalidatedHere.count, ordering: .relaxed)
            }

            // Load the valid entries this instance lacks.
            let localIDs = Set(local.map(\.id))
            let wanted = ledger.withLock { ledger in
                remote.filter { !localIDs.contains($0) && !tombstones.contains($0) && !ledger.isTombstoned($0, now: now) }
            }
            var loaded = 0
            var barred: [UInt64] = []
            let batch = max(options.fetchBatch, 1)
            let wantedList = Array(wanted)
            for start in stride(from: 0, to: wantedList.count, by: batch) {
                let ids = Array(wantedList[start..<min(wantedList.count, start + batch)])
                for (id, outcome) in try await fetch(ids, now: now) {
                    switch outcome {
                    case .entry(let entry):
                        switch restoreIfCurrent(entry, now: now) {
                        case .restored: loaded += 1
                        case .invalidated:
                            barred.append(id)
                            skippedInvalidated.add(1, ordering: .relaxed)
                        case .notStored: break
                        }
                    case .rejected(let reason): recordRejection(reason, id: id)
                    case .absent, .tombstoned: break
                    }
                }
            }
            // Authentic entries an invalidation covers have no business in Redis either.
            for start in stride(from: 0, to: barred.count, by: 500) {
                _ = try await client.pipeline([["DEL"] + barred[start..<min(barred.count, start + 500)].map { RedisArgument(Self.entryKey($0)) }])
            }

            // Write back the entries Redis lacks (stored while it was unreachable, or all of them
            // after it restarted empty) — unless they were invalidated meanwhile.
            var pushed = 0
            let missing = local.filter { !invalidatedHere.contains($0.id) && !remote.contains($0.id) && $0.expiresAt > now }
            for start in stride(from: 0, to: missing.count, by: 100) {
                let group = Array(missing[start..<min(missing.count, start + 100)])
                let exists = try await client.pipeline(group.map { ["EXISTS", RedisArgument(Self.tombstoneKey($0.id))] })
                var commands: [[RedisArgument]] = []
                var invalid = Set<UInt64>()
                for (offset, entry) in group.enumerated() {
                    let tombstoned = offset < exists.count && (exists[offset].int ?? 0) > 0
                    if tombstoned || isInvalidated(entry, now: now) {
                        invalid.insert(entry.id)
                        ledger.withLock { $0.addTombstone(entry.id, until: entry.expiresAt) }
                        continue
                    }
                    guard codec.isMirrorable(entry) else { continue }
                    commands += self.commands(for: entry, publish: false, now: now)
                    pushed += 1
                }
                if !invalid.isEmpty {
                    skippedInvalidated.add(cache.removeLocally(invalid), ordering: .relaxed)
                }
                if !commands.isEmpty { _ = try await client.pipeline(commands) }
            }

            restored.add(loaded, ordering: .relaxed)
            resyncs.add(1, ordering: .relaxed)
            logger.info(
                initial ? "Cache rebuilt from Redis" : "Cache resynchronised with Redis",
                metadata: [
                    "deja.cache.loaded": .stringConvertible(loaded), "deja.cache.pushed": .stringConvertible(pushed),
                    "deja.cache.invalidated": .stringConvertible(invalidatedHere.count + barred.count),
                ])
            return true
        } catch {
            errors.add(1, ordering: .relaxed)
            logger.warning("Redis unavailable; serving from memory", metadata: ["deja.error": .string("\(error)")])
            return false
        }
    }

    /// Applies a peer's published event. Events are hints and are not trusted: an insert makes
    /// this instance fetch and verify the entry; a remove only removes entries whose tombstone
    /// Redis holds, and a barrier flag only makes it re-read the barriers from Redis.
    func apply(_ payload: [UInt8]) async {
        guard payload.count <= options.maxEventBytes, let event = (try? JSONParser.parse(payload))?.objectValue else {
            ignoredEvents.add(1, ordering: .relaxed)
            return
        }
        guard event["origin"]?.stringValue != instanceID else { return }
        peerEvents.add(1, ordering: .relaxed)
        let now = options.clock()
        switch event["op"]?.stringValue {
        case "insert":
            guard let id = event["id"]?.stringValue.flatMap(CacheMirrorCodec.parseID) else {
                ignoredEvents.add(1, ordering: .relaxed)
                return
            }
            guard cache.entry(id: id) == nil, !ledger.withLock({ $0.isTombstoned(id, now: now) }) else { return }
            do {
                for (_, outcome) in try await fetch([id], now: now) {
                    switch outcome {
                    case .entry(let entry):
                        if case .invalidated = restoreIfCurrent(entry, now: now) { skippedInvalidated.add(1, ordering: .relaxed) }
                    case .rejected(let reason): recordRejection(reason, id: id)
                    case .absent, .tombstoned: break
                    }
                }
            } catch {
                errors.add(1, ordering: .relaxed)
            }
        case "remove":
            let list = event["ids"]?.arrayValue ?? []
            guard list.count <= options.maxIDsPerEvent else {
                ignoredEvents.add(1, ordering: .relaxed)
                return
            }
            let ids = Array(Set(list.compactMap { $0.stringValue.flatMap(CacheMirrorCodec.parseID) }))
            do {
                if !ids.isEmpty {
                    let replies = try await client.pipeline(ids.map { ["EXISTS", RedisArgument(Self.tombstoneKey($0))] })
                    var confirmed = Set<UInt64>()
                    for (offset, id) in ids.enumerated() where offset < replies.count && (replies[offset].int ?? 0) > 0 {
                        confirmed.insert(id)
                    }
                    if !confirmed.isEmpty {
                        let expiries = confirmed.map { (id: $0, expiry: cache.entry(id: $0)?.expiresAt ?? now + codec.maxTTLSeconds) }
                        ledger.withLock { ledger in
                            for item in expiries { ledger.addTombstone(item.id, until: item.expiry) }
                        }
                        cache.removeLocally(confirmed)
                    }
                }
                if event["barrier"]?.boolValue == true {
                    try await refreshBarriers(now: now)
                    dropBarredLocalEntries()
                }
            } catch {
                errors.add(1, ordering: .relaxed)
            }
        default:
            ignoredEvents.add(1, ordering: .relaxed)
        }
    }

    // MARK: - Reporting

    /// Counts a refused entry and logs it (rate-limited, never with entry content).
    private func recordRejection(_ reason: CacheMirrorCodec.Rejection, id: UInt64?) {
        rejected.add(1, ordering: .relaxed)
        rejections.withLock { $0[reason, default: 0] += 1 }
        var metadata: Logger.Metadata = ["deja.cache.reason": .string(reason.rawValue)]
        if let id { metadata["deja.cache.entry_id"] = .string(String(id)) }
        warn("Ignored a cache entry from Redis that failed validation", metadata: metadata)
    }

    /// A warning, at most one a second (a hostile Redis could otherwise flood the log).
    private func warn(_ message: Logger.Message, metadata: Logger.Metadata = [:]) {
        let now = options.clock()
        let suppressed = warningGate.withLock { gate -> Int? in
            guard !(now - gate.last < 1) else {
                gate.suppressed += 1
                return nil
            }
            defer { gate = (now, 0) }
            return gate.suppressed
        }
        guard let suppressed else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["deja.suppressed_warnings"] = .stringConvertible(suppressed) }
        logger.warning(message, metadata: metadata)
    }

    /// The mirror's state for `/api/cache/stats`.
    public func statusJSON() -> JSONValue {
        let (pendingIDs, pendingBarriers, droppedInvalidations) = ledger.withLock { ($0.pendingIDs, $0.pendingBarriers.count, $0.dropped) }
        var o = JSONObject()
        o.append("enabled", .bool(true))
        o.append("state", .string("\(client.state)"))
        o.append("writes", .int(writes.load(ordering: .relaxed)))
        o.append("dropped_writes", .int(dropped.load(ordering: .relaxed)))
        o.append("unmirrored_entries", .int(unmirrored.load(ordering: .relaxed)))
        o.append("errors", .int(errors.load(ordering: .relaxed)))
        o.append("restored_entries", .int(restored.load(ordering: .relaxed)))
        o.append("rejected_entries", .int(rejected.load(ordering: .relaxed)))
        let counts = rejections.withLock { $0 }
        var reasons = JSONObject()
        for reason in CacheMirrorCodec.Rejection.allCases where counts[reason, default: 0] > 0 {
            reasons.append(reason.rawValue, .int(counts[reason, default: 0]))
        }
        o.append("rejections", .object(reasons))
        o.append("invalidated_skipped", .int(skippedInvalidated.load(ordering: .relaxed)))
        o.append("pending_invalidations", .int(pendingIDs + pendingBarriers))
        o.append("dropped_invalidations", .int(droppedInvalidations))
        o.append("peer_events", .int(peerEvents.load(ordering: .relaxed)))
        o.append("ignored_events", .int(ignoredEvents.load(ordering: .relaxed)))
        o.append("resyncs", .int(resyncs.load(ordering: .relaxed)))
        return .object(o)
    }
}
