import DejaIndex
import Synchronization

/// The in-memory cache: entries by id, an exact-key map, one adaptive vector index per
/// namespace, LRU order and byte accounting, all behind one lock. Vector searches run outside the
/// lock on the namespace's own thread-safe index; the lock only guards the maps.
final class CacheStore: Sendable {
    struct Namespace {
        let index: AdaptiveIndex
        var ids: Set<UInt64> = []
        var model: String
        var scope: String
    }

    struct State {
        var entries: [UInt64: CacheEntry] = [:]
        var byExact: [CacheKey: UInt64] = [:]
        var namespaces: [CacheKey: Namespace] = [:]
        var lru = LRUList()
        var bytes = 0
        var evictions = 0
        var expirations = 0
    }

    let dimension: Int
    let maxEntries: Int
    let maxBytes: Int
    let indexConfiguration: AdaptiveIndex.Configuration
    private let state = Mutex(State())

    init(dimension: Int, maxEntries: Int, maxBytes: Int, promotionThreshold: Int) {
        self.dimension = dimension
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.indexConfiguration = AdaptiveIndex.Configuration(promotionThreshold: promotionThreshold)
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
            state.lru.touch(id)
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
        state.withLock { $0.lru.touch(id) }
    }

    func entry(_ id: UInt64) -> CacheEntry? {
        state.withLock { $0.entries[id] }
    }

    /// Inserts an entry (replacing one with the same exact key or id), then evicts the least
    /// recently used entries while over the entry or byte budget. Returns the evicted ids.
    ///
    /// Bookkeeping happens under the lock, vector work after it. A search that runs in between
    /// may miss the new vector or see an id that is already gone; both are harmless because
    /// candidates are always re-checked against the entry map.
    @discardableResult
    func insert(_ entry: CacheEntry) throws -> [UInt64] {
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
            state.lru.insertAtHead(entry.id)
            state.bytes += entry.byteSize
            var evicted: [UInt64] = []
            while state.entries.count > maxEntries || state.bytes > maxBytes, let oldest = state.lru.tail, oldest != entry.id {
                if let i = Self.removeLocked(oldest, from: &state) { removed.append((oldest, i)) }
                state.evictions += 1
                evicted.append(oldest)
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

    struct Snapshot {
        var entries: Int
        var bytes: Int
        var evictions: Int
        var expirations: Int
        var namespaces: [(key: CacheKey, count: Int, model: String, kind: String)]
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
                })
        }
    }

    func allEntries() -> [CacheEntry] { state.withLock { Array($0.entries.values) } }

    func allIndexes() -> [AdaptiveIndex] { state.withLock { $0.namespaces.values.map(\.index) } }

    /// Removes an entry's bookkeeping under the lock; returns its index so the caller removes the
    /// vector after unlocking.
    private static func removeLocked(_ id: UInt64, from state: inout State) -> AdaptiveIndex? {
        guard let entry = state.entries.removeValue(forKey: id) else { return nil }
        if state.byExact[entry.exactKey] == id { state.byExact[entry.exactKey] = nil }
        state.lru.remove(id)
        state.bytes -= entry.byteSize
        guard var ns = state.namespaces[entry.namespace] else { return nil }
        ns.ids.remove(id)
        if ns.ids.isEmpty {
            state.namespaces[entry.namespace] = nil
        } else {
            state.namespaces[entry.namespace] = ns
        }
        return ns.index
    }
}
