public import DejaRedis
public import Logging
import DejaProviders
import Synchronization

/// Mirrors cache entries to Redis and keeps peer gateway instances in step.
///
/// Layout (docs/REDIS.md): each entry is a hash `deja:cache:entry:<id>` with native `EXPIRE`;
/// inserts and removals are published on `deja:cache:events`. Writes leave the request path
/// through a bounded queue — when it is full the write is dropped and counted, never waited for.
/// On start, and whenever Redis comes back after an outage, the mirror resynchronises: it loads
/// entries it does not have and writes the ones Redis lacks.
public final class CacheMirror: Sendable {
    public static let entryPrefix = "deja:cache:entry:"
    public static let channel = "deja:cache:events"

    let cache: SemanticCache
    let client: RedisClient
    let subscriber: RedisSubscriber
    let logger: Logger
    let instanceID: String
    private let queue: AsyncStream<[UInt8]>.Continuation
    private let queueStream: AsyncStream<[UInt8]>
    private let tasks = Mutex<[Task<Void, Never>]>([])
    public let queueCapacity: Int

    let writes = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let restored = Atomic<Int>(0)
    let peerEvents = Atomic<Int>(0)
    let resyncs = Atomic<Int>(0)

    public init(cache: SemanticCache, configuration: RedisConfiguration, logger: Logger, queueCapacity: Int = 10_000) {
        self.cache = cache
        self.logger = logger
        self.client = RedisClient(configuration: configuration, logger: logger)
        self.subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        self.instanceID = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        self.queueCapacity = queueCapacity
        (queueStream, queue) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingOldest(queueCapacity))
    }

    /// Redis failures seen (commands that failed, entries that could not be read).
    public var errorCount: Int { errors.load(ordering: .relaxed) }

    /// Starts the writer, the subscriber and the resynchronisation loop; returns after the first
    /// attempt to load existing entries (Redis being down is not an error: the gateway serves from
    /// memory and resynchronises when Redis returns).
    public func start() async {
        await resynchronise(initial: true)
        let writer = Task { [self] in
            for await id in queueStream {
                await self.write(entryID: id)
            }
        }
        let events = subscriber.subscribe([Self.channel])
        let listener = Task { [self] in
            for await message in events {
                await self.apply(message.payload)
            }
        }
        let states = client.stateChanges()
        let watcher = Task { [self] in
            var wasDown = false
            for await state in states {
                switch state {
                case .disconnected: wasDown = true
                case .connected where wasDown:
                    wasDown = false
                    await self.resynchronise(initial: false)
                default: break
                }
            }
        }
        tasks.withLock { $0 = [writer, listener, watcher] }
    }

    public func shutdown() {
        queue.finish()
        for task in tasks.withLock({ $0 }) { task.cancel() }
        client.shutdown()
        subscriber.shutdown()
    }

    /// Queues an entry for mirroring (non-blocking; a full queue drops and counts the write).
    public func entryStored(_ entry: CacheEntry) {
        if case .dropped = queue.yield(Self.encodeID(entry.id)) { dropped.add(1, ordering: .relaxed) }
    }

    /// Deletes removed entries from Redis and tells the peers.
    public func invalidated(_ ids: [UInt64], invalidation: SemanticCache.Invalidation) {
        guard !ids.isEmpty else { return }
        let client = self.client
        let instanceID = self.instanceID
        Task { [self] in
            do {
                var commands: [[RedisArgument]] = []
                for chunk in stride(from: 0, to: ids.count, by: 500) {
                    let slice = ids[chunk..<min(ids.count, chunk + 500)]
                    commands.append([RedisArgument("DEL")] + slice.map { RedisArgument(Self.entryPrefix + String($0)) })
                }
                var event = JSONObject()
                event.append("origin", .string(instanceID))
                event.append("op", .string("remove"))
                event.append("ids", .array(ids.map { .string(String($0)) }))
                commands.append(["PUBLISH", RedisArgument(Self.channel), RedisArgument(JSONWriter.serialize(.object(event)))])
                _ = try await client.pipeline(commands)
            } catch {
                self.errors.add(1, ordering: .relaxed)
            }
        }
    }

    // MARK: - Writing

    private static func encodeID(_ id: UInt64) -> [UInt8] { Array(String(id).utf8) }

    private func write(entryID raw: [UInt8]) async {
        guard let id = UInt64(String(decoding: raw, as: UTF8.self)), let entry = cache.entry(id: id) else { return }
        do {
            _ = try await client.pipeline(commands(for: entry, publish: true))
            writes.add(1, ordering: .relaxed)
        } catch {
            errors.add(1, ordering: .relaxed)
            logger.debug("Redis mirror write failed", metadata: ["deja.error": .string("\(error)")])
        }
    }

    func commands(for entry: CacheEntry, publish: Bool) -> [[RedisArgument]] {
        let key = Self.entryPrefix + String(entry.id)
        let ttl = max(1, Int((entry.expiresAt - wallClockSeconds()).rounded(.up)))
        var embedding = [UInt8]()
        embedding.reserveCapacity(entry.embedding.count * 4)
        for v in entry.embedding {
            let bits = v.bitPattern.littleEndian
            embedding.append(UInt8(truncatingIfNeeded: bits))
            embedding.append(UInt8(truncatingIfNeeded: bits >> 8))
            embedding.append(UInt8(truncatingIfNeeded: bits >> 16))
            embedding.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        var hset: [RedisArgument] = ["HSET", RedisArgument(key)]
        let fields: [(String, [UInt8])] = [
            ("v", Array("1".utf8)), ("ns", Array(entry.namespace.description.utf8)), ("exact", Array(entry.exactKey.description.utf8)),
            ("scope", Array(entry.scope.utf8)), ("model", Array(entry.model.utf8)), ("query", Array(entry.queryText.utf8)),
            ("emb", embedding), ("completion", entry.completion.json), ("created", Array(String(entry.createdAt).utf8)),
            ("expires", Array(String(entry.expiresAt).utf8)), ("latency_ms", Array(String(entry.originalLatencyMs).utf8)),
        ]
        for (name, value) in fields {
            hset.append(RedisArgument(name))
            hset.append(RedisArgument(value))
        }
        var commands: [[RedisArgument]] = [hset, ["EXPIRE", RedisArgument(key), RedisArgument(ttl)]]
        if publish {
            var event = JSONObject()
            event.append("origin", .string(instanceID))
            event.append("op", .string("insert"))
            event.append("id", .string(String(entry.id)))
            commands.append(["PUBLISH", RedisArgument(Self.channel), RedisArgument(JSONWriter.serialize(.object(event)))])
        }
        return commands
    }

    // MARK: - Reading

    static func decode(id: UInt64, fields: [String: [UInt8]]) -> CacheEntry? {
        func text(_ name: String) -> String? { fields[name].map { String(decoding: $0, as: UTF8.self) } }
        guard text("v") == "1", let ns = text("ns").flatMap(CacheKey.init(hex:)), let exact = text("exact").flatMap(CacheKey.init(hex:)),
            let scope = text("scope"), let model = text("model"), let query = text("query"), let emb = fields["emb"], emb.count % 4 == 0,
            let completionBytes = fields["completion"], let completion = StoredCompletion(json: completionBytes),
            let created = text("created").flatMap(Double.init), let expires = text("expires").flatMap(Double.init)
        else { return nil }
        var vector = [Float](repeating: 0, count: emb.count / 4)
        for i in 0..<vector.count {
            let b = UInt32(emb[i * 4]) | UInt32(emb[i * 4 + 1]) << 8 | UInt32(emb[i * 4 + 2]) << 16 | UInt32(emb[i * 4 + 3]) << 24
            vector[i] = Float(bitPattern: b)
        }
        return CacheEntry(
            id: id, namespace: ns, exactKey: exact, scope: scope, model: model, queryText: query, embedding: vector, createdAt: created,
            expiresAt: expires, originalLatencyMs: text("latency_ms").flatMap(Double.init) ?? 0, completion: completion)
    }

    /// Loads every entry Redis has that this instance lacks, and writes back the local entries
    /// Redis lacks (those stored while it was down).
    func resynchronise(initial: Bool) async {
        do {
            let keys = try await client.scanAll(match: Self.entryPrefix + "*", count: 500)
            var remoteIDs = Set<UInt64>()
            var loaded = 0
            for key in keys {
                guard let id = UInt64(key.dropFirst(Self.entryPrefix.count)) else { continue }
                remoteIDs.insert(id)
                if cache.entry(id: id) != nil { continue }
                let fields = try await client.hgetall(key)
                if let entry = Self.decode(id: id, fields: fields) {
                    try? cache.restore(entry)
                    loaded += 1
                }
            }
            var pushed = 0
            for entry in cache.allEntries() where !remoteIDs.contains(entry.id) {
                _ = try await client.pipeline(commands(for: entry, publish: false))
                pushed += 1
            }
            restored.add(loaded, ordering: .relaxed)
            resyncs.add(1, ordering: .relaxed)
            logger.info(
                initial ? "Cache rebuilt from Redis" : "Cache resynchronised with Redis",
                metadata: ["deja.cache.loaded": .stringConvertible(loaded), "deja.cache.pushed": .stringConvertible(pushed)])
        } catch {
            errors.add(1, ordering: .relaxed)
            logger.warning("Redis unavailable; serving from memory", metadata: ["deja.error": .string("\(error)")])
        }
    }

    /// Applies a peer's published event.
    func apply(_ payload: [UInt8]) async {
        guard let event = (try? JSONParser.parse(payload))?.objectValue, event["origin"]?.stringValue != instanceID else { return }
        peerEvents.add(1, ordering: .relaxed)
        switch event["op"]?.stringValue {
        case "insert":
            guard let id = event["id"]?.stringValue.flatMap(UInt64.init), cache.entry(id: id) == nil else { return }
            do {
                let fields = try await client.hgetall(Self.entryPrefix + String(id))
                if let entry = Self.decode(id: id, fields: fields) { try? cache.restore(entry) }
            } catch {
                errors.add(1, ordering: .relaxed)
            }
        case "remove":
            let ids = Set((event["ids"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(UInt64.init) })
            _ = cache.removeLocally(ids)
        default:
            break
        }
    }

    /// The mirror's state for `/api/cache/stats`.
    public func statusJSON() -> JSONValue {
        var o = JSONObject()
        o.append("enabled", .bool(true))
        o.append("state", .string("\(client.state)"))
        o.append("writes", .int(writes.load(ordering: .relaxed)))
        o.append("dropped_writes", .int(dropped.load(ordering: .relaxed)))
        o.append("errors", .int(errors.load(ordering: .relaxed)))
        o.append("restored_entries", .int(restored.load(ordering: .relaxed)))
        o.append("peer_events", .int(peerEvents.load(ordering: .relaxed)))
        o.append("resyncs", .int(resyncs.load(ordering: .relaxed)))
        return .object(o)
    }
}

extension SemanticCache {
    /// Every live entry (resynchronisation).
    func allEntries() -> [CacheEntry] { store.allEntries() }

    /// Removes entries by id without publishing (used when a peer announced the removal).
    func removeLocally(_ ids: Set<UInt64>) -> Int {
        store.remove { ids.contains($0.id) }.count
    }
}
