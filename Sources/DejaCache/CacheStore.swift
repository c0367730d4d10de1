import DejaIndex
import Synchronization

/// The in-memory cache: entries by id, an exact-key map, one adaptive vector index per
/// namespace, LRU order and byte accounting, all behind one lock. Vector searches run outside the
/// lock on the namespace's own thread-safe index; the lock only guards the maps.
///
/// Memory bounds, applied on every insert:
/// - an entry whose `payloadBytes` exceed `maxEntryBytes`, or whose `byteSize` exceeds the
///   per-scope or global byte budget on its own, is not stored (counted in `oversizeSkipped`);
/// - each scope (tenant or shared scope) holds at most `perScopeMaxEntries` entries and
///   `perScopeMaxBytes` bytes: inserting into a scope at its quota evicts that scope's own least
///   recently used entries, never another scope's;
/// - when the whole cache is over `maxEntries` or `maxBytes`, entries are evicted from the scope
///   holding the most bytes (its least recently used first), so a heavy scope pays before a light
///   one and no scope can push another out entirely while it holds more itself. With one scope
///   this is plain LRU. Picking that scope scans the scopes (only when the cache is full).
final class CacheStore: Sendable {
    struct Namespace {
        let index: AdaptiveIndex
        var ids: Set<UInt64> = []
        var model: String
        var scope: String
    }

    /// One scope's recency order and byte total (its entry count is `lru.count`).
    struct ScopeUsage {
        var lru = LRUList()
        var bytes = 0
    }

    struct State {
        var entries: [UInt64: CacheEntry] = [:]
        var byExact: [CacheKey: UInt64] = [:]
        var namespaces: [CacheKey: Namespace] = [:]
        var scopes: [String: ScopeUsage] = [:]
        var bytes = 0
        var evictions = 0
        var expirations = 0
        var oversizeSkipped = 0
    }

    let dimension: Int
    let maxEntries: Int
    let maxBytes: Int
    let perScopeMaxEntries: Int
    let perScopeMaxBytes: Int
    let maxEntryBytes: Int
    let indexConfiguration: AdaptiveIndex.Configuration
    private let state = Mutex(State())

    /// Quotas default to the global limits (no per-scope bound) and the entry cap to none.
    init(
        dimension: Int, maxEntries: Int, maxBytes: Int, promotionThreshold: Int, perScopeMaxEntries: Int? = nil,
        perScopeMaxBytes: Int? = nil, maxEntryBytes: Int = .max
    ) {
        self.dimension = dimension
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
        self.perScopeMaxEntries = max(1, min(perScopeMaxEntries ?? maxEntries, maxEntries))
        self.perScopeMaxBytes = max(1, min(perScopeMaxBytes ?? maxBytes, maxBytes))
        self.maxEntryBytes = maxEntryBytes
        self.indexConfiguration = AdaptiveIndex.Configuration(promotionThreshold: promotionThreshold)
    }

    /// Whether an entry of this size may be stored at all (it fits the entry cap, and on its own
    /// the per-scope and global byte budgets).
    func admits(payloadBytes: Int, byteSize: Int) -> Bool {
        payloadBytes <= maxEntryBytes && byteSize <= perScopeMaxBytes
    }

    /// Counts an answer that was not stored because it is too large.
    func recordOversize() {
        state.withLock { $0.oversizeSkipped += 1 }
    }

    /// The live entry with this exact key, touched as most recently used; expired entries are
    /// dropped, never returned.
    func exactHit(_ key: CacheKey, now: Double) -> CacheEntry? {
        let (entry, expired) = state.withLock { state -> (CacheEntry?, (UInt64, AdaptiveIndex)?) in
            guard let id = state.byExact[key], let entry = state.entries[id] else { return (nil, nil) }
            if entry.expiresAt <= now {
                let index = Self.removeLocked(id, from: &state)
                state.expirations += 1
                return (nil, index.map { (id, $0) })
            }
            state.scopes[entry.scope]?.lru.touch(id)
            return (entry, nil)
        }
        if let (id, index) = expired { index.remove(id: id) }
        return entry
    }

    /// The namespace's index when it holds entries.
    func index(for namespace: CacheKey) -> AdaptiveIndex? {
        state.withLock { state in
            guard let ns = state.namespaces[namespace], !ns.ids.isEmpty else { return nil }
            return ns.index
        }
    }

    /// Live entries for candidate ids of a namespace, in the given order; expired ones are dropped.
    func liveEntries(_ ids: [UInt64], namespace: CacheKey, now: Double) -> [CacheEntry] {
        var stale: [(UInt64, AdaptiveIndex)] = []
        let entries = state.withLock { state -> [CacheEntry] in
            var result: [CacheEntry] = []
            for id in ids {
                guard let entry = state.entries[id], entry.namespace == namespace else { continue }
                if entry.expiresAt <= now {
                    if let index = Self.removeLocked(id, from: &state) { stale.append((id, index)) }
                    state.expirations += 1
                    continue
                }
                result.append(entry)
            }
            return result
        }
        for (id, index) in stale { index.remove(id: id) }
        return entries
    }

    func touch(_ id: UInt64) {
        state.withLock { state in
            guard let scope = state.entries[id]?.scope else { return }
            state.scopes[scope]?.lru.touch(id)
        }
    }

    func entry(_ id: UInt64) -> CacheEntry? {
        state.withLock { $0.entries[id] }
    }

    /// Inserts an entry (replacing one with the same exact key or id), then evicts: the entry's
    /// own scope's least recently used entries while the scope is over its quota, then the least
    /// recently used entries of the heaviest scope while the cache is over its budget (see the
    /// type's comment). Returns the evicted ids. An entry that `admits` refuses is not stored
    /// (counted; nothing is evicted for it) and the result is empty.
    ///
    /// Bookkeeping happens under the lock, vector work after it. A search that runs in between
    /// may miss the new vector or see an id that is already gone; both are harmless because
    /// candidates are always re-checked against the entry map.
    @discardableResult
    func insert(_ entry: CacheEntry) throws -> [UInt64] {
        guard admits(payloadBytes: entry.payloadBytes, byteSize: entry.byteSize) else {
            recordOversize()
            return []
        }
        var removed: [(UInt64, AdaptiveIndex)] = []
        let (index, evicted) = try state.withLock { state throws -> (AdaptiveIndex, [UInt64]) in
            if let old = state.byExact[entry.exactKey], let i = Self.removeLocked(old, from: &state) { removed.append((old, i)) }
            if let i = Self.removeLocked(entry.id, from: &state) { removed.append((entry.id, i)) }
            if state.namespaces[entry.namespace] == nil {
                let index = try AdaptiveIndex(dimension: dimension, configuration: indexConfiguration)
                state.namespaces[entry.namespace] = Namespace(index: index, model: entry.model, scope: entry.scope)
            }
            state.namespaces[entry.namespace]!.ids.insert(entry.id)
            state.entries[entry.id] = entry
            state.byExact[entry.exactKey] = entry.id
            let size = entry.byteSize
            state.scopes[entry.scope, default: ScopeUsage()].lru.insertAtHead(entry.id)
            state.scopes[entry.scope]!.bytes += size
            state.bytes += size
            var evicted: [UInt64] = []
            // The scope's own quota: only its own entries go.
            while let oldest = overQuotaVictim(in: state, scope: entry.scope, sparing: entry.id) {
                if let i = Self.removeLocked(oldest, from: &state) { removed.append((oldest, i)) }
                state.evictions += 1
                evicted.append(oldest)
            }
            // The global budget: the heaviest scope gives way first.
            while state.entries.count > maxEntries || state.bytes > maxBytes, let victim = Self.heaviestScopeVictim(in: state, sparing: entry.id) {
                if let i = Self.removeLocked(victim, from: &state) { removed.append((victim, i)) }
                state.evictions += 1
                evicted.append(victim)
            }
            return (state.namespaces[entry.namespace]!.index, evicted)
        }
        for (id, i) in removed where id != entry.id || i !== index { i.remove(id: id) }
        do {
            try index.upsert(id: entry.id, vector: entry.embedding)
        } catch {
            _ = remove { $0.id == entry.id }
            throw error
        }
        return evicted
    }

    /// Removes entries matching `predicate`; returns them.
    @discardableResult
    func remove(where predicate: (CacheEntry) -> Bool) -> [CacheEntry] {
        var removed: [(UInt64, AdaptiveIndex)] = []
        let entries = state.withLock { state -> [CacheEntry] in
            let matching = state.entries.values.filter(predicate)
            for entry in matching {
                if let i = Self.removeLocked(entry.id, from: &state) { removed.append((entry.id, i)) }
            }
            return matching
        }
        for (id, i) in removed { i.remove(id: id) }
        return entries
    }

    /// Drops every expired entry; returns how many.
    func sweepExpired(now: Double) -> Int {
        let expired = remove { $0.expiresAt <= now }
        state.withLock { $0.expirations += expired.count }
        return expired.count
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Bytes held (`CacheEntry.byteSize` summed).
    var bytes: Int { state.withLock { $0.bytes } }

    /// Entries and bytes held by one scope.
    func usage(scope: String) -> (entries: Int, bytes: Int) {
        state.withLock { state in
            guard let usage = state.scopes[scope] else { return (0, 0) }
            return (usage.lru.count, usage.bytes)
        }
    }

    /// Answers not stored because they were too large.
    var oversizeSkipped: Int { state.withLock { $0.oversizeSkipped } }

    struct Snapshot {
        var entries: Int
        var bytes: Int
        var evictions: Int
        var expirations: Int
        var namespaces: [(key: CacheKey, count: Int, model: String, kind: String)]
        var oversizeSkipped = 0
    }

    func snapshot() -> Snapshot {
        state.withLock { state in
            Snapshot(
                entries: state.entries.count, bytes: state.bytes, evictions: state.evictions, expirations: state.expirations,
                namespaces: state.namespaces.map { key, ns in
                    let kind: String
                    switch ns.index.stage {
                    case .flat: kind = "flat"
                    case .promoting: kind = "flat (promoting to hnsw)"
                    case .hnsw: kind = "hnsw"
                    }
                    return (key, ns.ids.count, ns.model, kind)
                }, oversizeSkipped: state.oversizeSkipped)
        }
    }

    func allEntries() -> [CacheEntry] { state.withLock { Array($0.entries.values) } }

    func allIndexes() -> [AdaptiveIndex] { state.withLock { $0.namespaces.values.map(\.index) } }

    /// Removes an entry's bookkeeping under the lock; returns its index so the caller removes the
    /// vector after unlocking.
    private static func removeLocked(_ id: UInt64, from state: inout State) -> AdaptiveIndex? {
        guard let entry = state.entries.removeValue(forKey: id) else { return nil }
        if state.byExact[entry.exactKey] == id { state.byExact[entry.exactKey] = nil }
        let size = entry.byteSize
        // Mutated in place through the subscript (no copy of the scope's list).
        state.scopes[entry.scope]?.lru.remove(id)
        state.scopes[entry.scope]?.bytes -= size
        if state.scopes[entry.scope]?.lru.count == 0 { state.scopes[entry.scope] = nil }
        state.bytes -= size
        guard var ns = state.namespaces[entry.namespace] else { return nil }
        ns.ids.remove(id)
        if ns.ids.isEmpty {
            state.namespaces[entry.namespace] = nil
        } else {
            state.namespaces[entry.namespace] = ns
        }
        return ns.index
    }

    /// The least recently used entry of `scope` while the scope is over its quota, never `spared`
    /// (the entry being inserted). Returns only the id, so no copy of the scope's list outlives the
    /// call (the caller then mutates the list in place).
    private func overQuotaVictim(in state: State, scope: String, sparing spared: UInt64) -> UInt64? {
        guard let usage = state.scopes[scope], usage.lru.count > perScopeMaxEntries || usage.bytes > perScopeMaxBytes,
            let oldest = usage.lru.tail, oldest != spared
        else { return nil }
        return oldest
    }

    /// The least recently used entry of the scope holding the most bytes (ties: the most entries),
    /// never `spared`; nil when no other entry is left. The spared entry was just inserted at its
    /// scope's head, so it is that scope's tail only when it is the scope's sole entry.
    private static func heaviestScopeVictim(in state: State, sparing spared: UInt64) -> UInt64? {
        var best: (bytes: Int, count: Int, victim: UInt64)?
        for usage in state.scopes.values {
            guard let victim = usage.lru.tail, victim != spared else { continue }
            if let b = best, (b.bytes, b.count) >= (usage.bytes, usage.lru.count) { continue }
            best = (usage.bytes, usage.lru.count, victim)
        }
        return best?.victim
    }
}
