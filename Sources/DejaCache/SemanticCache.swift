public import DejaEmbedding
import DejaIndex
import DejaVerifier
import DequeModule
public import Logging
import Synchronization
public import Tracing

/// The semantic cache: exact lookup, then semantic search in the request's namespace, then the
/// verifier; storing, TTL and LRU eviction, statistics and invalidation. It knows nothing of HTTP.
public final class SemanticCache: Sendable {
    public let configuration: CacheConfiguration
    public let embedder: any Embedder
    let verifier: (any HitVerifier)?
    let store: CacheStore
    let counters = CacheCounters()
    let logger: Logger
    let observer: (any CacheObserver)?
    /// Spans for each lookup and its steps (embed, search, verify).
    let tracer: any Tracer
    private let served = Mutex<(map: [String: ServedRecord], order: Deque<String>, bytes: Int)>(([:], [], 0))
    let feedbackState = Mutex(FeedbackState())
    /// What shadow-mode lookups would have served (see ``CacheConfiguration/Mode/shadow``).
    public let shadowLog: ShadowLog

    public init(
        configuration: CacheConfiguration, embedder: any Embedder, verifier: (any HitVerifier)?, logger: Logger,
        observer: (any CacheObserver)? = nil, tracer: any Tracer = NoOpTracer()
    ) {
        self.tracer = tracer
        self.observer = observer
        self.configuration = configuration
        self.embedder = embedder
        self.verifier = verifier
        self.logger = logger
        self.shadowLog = ShadowLog(maximumEntries: configuration.shadowLogEntries, maximumBytes: configuration.shadowLogBytes)
        self.store = CacheStore(
            dimension: embedder.dimension, maxEntries: configuration.maxEntries, maxBytes: configuration.maxBytes,
            promotionThreshold: configuration.indexPromotionThreshold, perScopeMaxEntries: configuration.effectivePerScopeMaxEntries,
            perScopeMaxBytes: configuration.effectivePerScopeMaxBytes, maxEntryBytes: configuration.maxEntryBytes)
    }

    /// The outcome of a lookup.
    public enum Lookup: Sendable {
        case exact(CacheEntry)
        case semantic(CacheEntry, similarity: Float)
        /// No usable entry. `embedding` is the query's vector when the lookup computed it (so a
        /// later store need not embed again).
        case miss(embedding: [Float]?)
    }

    /// Looks a request up. Never throws: an embedding failure is a miss (logged), not an error.
    /// In `shadow` mode a verified semantic candidate is not served: it is written to
    /// ``shadowLog`` (as is the best refused candidate when none passes) and the lookup is a miss.
    public func lookup(
        _ fingerprint: RequestFingerprint, threshold: Double, mode: CacheConfiguration.Mode = .serve, now: Double = wallClockSeconds()
    ) async -> Lookup {
        let start = ContinuousClock.now
        let span = tracer.startSpan("deja.cache.lookup", context: ServiceContext.current ?? .topLevel)
        defer { span.end() }
        let shadow = mode == .shadow
        let result = await ServiceContext.$current.withValue(span.context) { await search(fingerprint, threshold: threshold, shadow: shadow, now: now) }
        if span.isRecording {
            switch result {
            case .exact: span.attributes["deja.cache.result"] = "exact"
            case .semantic(_, let similarity):
                span.attributes["deja.cache.result"] = "semantic"
                span.attributes["deja.cache.similarity"] = Double(similarity)
            case .miss: span.attributes["deja.cache.result"] = "miss"
            }
        }
        let duration = ContinuousClock.now - start
        counters.recordLookup(duration)
        switch result {
        case .exact:
            counters.exactHits.add(1, ordering: .relaxed)
            observer?.lookupFinished(duration, outcome: .exactHit)
        case .semantic:
            counters.semanticHits.add(1, ordering: .relaxed)
            observer?.lookupFinished(duration, outcome: .semanticHit)
        case .miss:
            counters.misses.add(1, ordering: .relaxed)
            observer?.lookupFinished(duration, outcome: .miss)
        }
        return result
    }

    private func search(_ fingerprint: RequestFingerprint, threshold: Double, shadow: Bool, now: Double) async -> Lookup {
        if let entry = store.exactHit(fingerprint.exactKey, now: now) {
            if shadow { shadowLog.countLookup(exactHit: true) }
            return .exact(entry)
        }
        let result = await semanticSearch(fingerprint, threshold: threshold, shadow: shadow, now: now)
        if shadow, case .miss(let embedding) = result.lookup, !result.logged {
            shadowLog.countLookup(exactHit: false)
            return .miss(embedding: embedding)
        }
        return result.lookup
    }

    /// The semantic part of a lookup; `logged` is true when it wrote a shadow record.
    private func semanticSearch(_ fingerprint: RequestFingerprint, threshold: Double, shadow: Bool, now: Double) async -> (lookup: Lookup, logged: Bool) {
        guard let index = store.index(for: fingerprint.namespace) else {
            return (.miss(embedding: nil), false)
        }
        let embedding: [Float]
        do {
            embedding = try await tracer.withSpan("deja.cache.embed") { _ in try await timedEmbedding(fingerprint.queryText) }
        } catch {
            logger.warning("Embedding failed; treating the lookup as a miss", metadata: ["deja.error": .string("\(error)")])
            return (.miss(embedding: nil), false)
        }
        let threshold = effectiveThreshold(threshold, namespace: fingerprint.namespace)
        let candidates: [SearchResult]
        do {
            candidates = try tracer.withSpan("deja.cache.search") { span in
                let found = try index.search(embedding, k: configuration.candidatesPerLookup, minSimilarity: Float(threshold))
                span.attributes["deja.cache.candidates"] = found.count
                span.attributes["deja.cache.threshold"] = threshold
                return found
            }
        } catch {
            return (.miss(embedding: embedding), false)
        }
        guard !candidates.isEmpty else { return (.miss(embedding: embedding), false) }
        return await tracer.withSpan("deja.cache.verify") { span in
            await verify(candidates, fingerprint: fingerprint, threshold: threshold, embedding: embedding, shadow: shadow, now: now, span: span)
        }
    }

    /// The verifier's pass over the semantic candidates, best first: the first that passes is the
    /// hit. In shadow mode the hit, or else the best refused candidate, is logged instead.
    private func verify(
        _ candidates: [SearchResult], fingerprint: RequestFingerprint, threshold: Double, embedding: [Float], shadow: Bool, now: Double,
        span: any Span
    ) async -> (lookup: Lookup, logged: Bool) {
        let entries = store.liveEntries(candidates.map(\.id), namespace: fingerprint.namespace, now: now)
        var firstRefused: (entry: CacheEntry, similarity: Float, check: String)?
        for entry in entries {
            let similarity = candidates.first { $0.id == entry.id }?.similarity ?? 0
            if isNegativePair(namespace: fingerprint.namespace, cached: entry.queryText, asked: fingerprint.queryText) {
                counters.recordRejection("feedback")
                span.addEvent(SpanEvent(name: "rejected", attributes: ["deja.cache.reason": "feedback"]))
                if firstRefused == nil { firstRefused = (entry, similarity, "feedback") }
                continue
            }
            if let verifier,
                let rejection = await verifier.rejection(
                    query: fingerprint.queryText, candidate: entry.queryText, threshold: threshold, similarity: Double(similarity))
            {
                counters.recordRejection(rejection.check)
                span.addEvent(SpanEvent(name: "rejected", attributes: ["deja.cache.reason": .string(rejection.check)]))
                logger.debug(
                    "Semantic candidate rejected",
                    metadata: ["deja.cache.similarity": .stringConvertible(similarity), "deja.cache.reason": .string(rejection.check)])
                if firstRefused == nil { firstRefused = (entry, similarity, rejection.check) }
                continue
            }
            if shadow {
                shadowLog.record(
                    scope: fingerprint.scope, entry: entry, askedQuestion: fingerprint.queryText, similarity: similarity, rejectedBy: nil, now: now)
                span.addEvent(SpanEvent(name: "shadow", attributes: ["deja.cache.similarity": .double(Double(similarity))]))
                return (.miss(embedding: embedding), true)
            }
            store.touch(entry.id)
            return (.semantic(entry, similarity: similarity), false)
        }
        if shadow, let refused = firstRefused {
            shadowLog.record(
                scope: fingerprint.scope, entry: refused.entry, askedQuestion: fingerprint.queryText, similarity: refused.similarity,
                rejectedBy: refused.check, now: now)
            return (.miss(embedding: embedding), true)
        }
        return (.miss(embedding: embedding), false)
    }

    /// Stores a completed answer. `embedding` may be passed from the lookup; otherwise the query
    /// text is embedded now. Returns the new entry, or nil when the answer is not storable (an
    /// answer over `maxEntryBytes` is counted in `oversizeEntriesSkipped` and not embedded).
    @discardableResult
    public func store(
        _ fingerprint: RequestFingerprint, completion: StoredCompletion, model: String, embedding: [Float]?, ttlSeconds: Double?,
        originalLatencyMs: Double, now: Double? = nil
    ) async -> CacheEntry? {
        guard configuration.storedFinishReasons.contains(completion.finishReason ?? "") else { return nil }
        // The vector and bookkeeping have a fixed size; check the rest before any embedding work.
        let payload = CacheEntry.payloadBytes(completion: completion, queryText: fingerprint.queryText)
        guard store.admits(payloadBytes: payload, byteSize: CacheEntry.byteSize(payloadBytes: payload, dimension: store.dimension)) else {
            store.recordOversize()
            return nil
        }
        let vector: [Float]
        if let embedding {
            vector = embedding
        } else {
            do {
                vector = try await timedEmbedding(fingerprint.queryText)
            } catch {
                logger.warning("Embedding failed; the answer is not cached", metadata: ["deja.error": .string("\(error)")])
                return nil
            }
        }
        // The lifetime starts once the entry exists (embedding may have taken a while).
        let now = now ?? wallClockSeconds()
        let ttl = min(max(ttlSeconds ?? configuration.ttlSeconds, configuration.ttlBounds.lowerBound), configuration.ttlBounds.upperBound)
        let entry = CacheEntry(
            id: UInt64.random(in: 1...(UInt64.max >> 1)), namespace: fingerprint.namespace, exactKey: fingerprint.exactKey,
            scope: fingerprint.scope, model: model, queryText: fingerprint.queryText, embedding: vector, createdAt: now,
            expiresAt: now + ttl, originalLatencyMs: originalLatencyMs, completion: completion)
        do {
            try store.insert(entry)
        } catch {
            logger.warning("Cache insert failed", metadata: ["deja.error": .string("\(error)")])
            return nil
        }
        return entry
    }

    /// Inserts an entry that already exists elsewhere (a Redis mirror or a peer instance).
    public func restore(_ entry: CacheEntry, now: Double = wallClockSeconds()) throws {
        guard entry.expiresAt > now, entry.embedding.count == store.dimension else { return }
        try store.insert(entry)
    }

    private func timedEmbedding(_ text: String) async throws -> [Float] {
        let start = ContinuousClock.now
        defer {
            let duration = ContinuousClock.now - start
            counters.recordEmbedding(duration)
            observer?.embeddingFinished(duration)
        }
        return try await embedder.embed(text)
    }

    /// Counts a request that did not take part in caching.
    public func recordBypass() { counters.bypasses.add(1, ordering: .relaxed) }

    /// Counts a request answered by another request's upstream call.
    public func recordCoalesced() { counters.coalesced.add(1, ordering: .relaxed) }

    /// Entries held in memory.
    public var entryCount: Int { store.count }

    /// Bytes held in memory (`CacheEntry.byteSize` summed).
    public var byteCount: Int { store.bytes }

    /// Entries and bytes one scope holds (tests, diagnostics).
    public func usage(scope: String) -> (entries: Int, bytes: Int) { store.usage(scope: scope) }

    /// Answers that were served but not stored because they exceeded `maxEntryBytes` (or, on
    /// their own, a byte budget).
    public var oversizeEntriesSkipped: Int { store.oversizeSkipped }

    public func entry(id: UInt64) -> CacheEntry? { store.entry(id) }

    /// Remembers which entry a returned completion id came from (fresh answers that were stored,
    /// and hits), so feedback on a completion can find its entry. Bounded in count and bytes: the
    /// oldest go first. Questions longer than `maxServedQueryBytes` are not kept (feedback on them
    /// still evicts the entry, but remembers no negative pair), so hits on huge prompts cannot fill
    /// memory.
    public func recordServed(completionID: String, entry: CacheEntry, query: String) {
        let keepText = query.utf8.count <= Self.maxServedQueryBytes && entry.queryText.utf8.count <= Self.maxServedQueryBytes
        let record = ServedRecord(
            entryID: entry.id, scope: entry.scope, namespace: entry.namespace, query: keepText ? query : "",
            entryQuery: keepText ? entry.queryText : "")
        let size = Self.servedSize(completionID, record)
        served.withLock { served in
            if let previous = served.map[completionID] {
                served.bytes -= Self.servedSize(completionID, previous)
            } else {
                served.order.append(completionID)
            }
            served.map[completionID] = record
            served.bytes += size
            while served.order.count > Self.maxServed || served.bytes > Self.maxServedBytes, let oldest = served.order.popFirst() {
                if let removed = served.map.removeValue(forKey: oldest) { served.bytes -= Self.servedSize(oldest, removed) }
            }
        }
    }

    func servedRecord(_ completionID: String) -> ServedRecord? {
        served.withLock { $0.map[completionID] }
    }

    /// Bytes the served-completions memo holds now (tests, diagnostics).
    public var servedMemoBytes: Int { served.withLock { $0.bytes } }

    private static func servedSize(_ id: String, _ record: ServedRecord) -> Int {
        id.utf8.count + record.scope.utf8.count + record.query.utf8.count + record.entryQuery.utf8.count + 128
    }

    static let maxServed = 100_000
    /// Byte budget of the served-completions memo.
    public static let maxServedBytes = 32 << 20
    /// Longest question whose text the memo keeps for feedback's negative pairs.
    static let maxServedQueryBytes = 4096

    /// Drops expired entries (also done lazily on lookup); returns how many.
    @discardableResult
    public func sweepExpired(now: Double = wallClockSeconds()) -> Int { store.sweepExpired(now: now) }
}

/// Seconds since 1970, from the system clock (entry expiry is wall-clock time so that it survives
/// a restart through Redis).
public func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
