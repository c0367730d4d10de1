import DequeModule

/// What the mirror remembers about invalidations, so that no resynchronisation, peer message or
/// write-back brings an invalidated entry back (docs/REDIS.md, "Invalidations").
///
/// - Tombstones: ids invalidated here or learned from Redis, until the entry would have expired.
///   Redis holds the same as `deja:cache:tomb:<id>` keys; the local copy keeps protecting this
///   instance if those keys are lost (Redis restarted empty, or someone deleted them).
/// - Barriers: "every entry (of this namespace / model) created up to time T is invalid", from
///   `all`, `namespace` and `model` invalidations. Redis holds them in the sorted set
///   `deja:cache:invalidations`; they cover entries the invalidating instance never saw, such as
///   those a partitioned instance stored meanwhile.
/// - Pending: invalidations not yet applied to Redis (it was unreachable); applied in order on
///   reconnect. Bounded: past the bound the oldest ids are dropped (and counted), though their
///   local tombstones still stand.
struct InvalidationLedger {
    struct Pending {
        var sequence: Int
        var ids: [UInt64]
        var at: Double
    }

    struct Barriers {
        var all: Double?
        var namespaces: [CacheKey: Double] = [:]
        var models: [String: Double] = [:]

        var isEmpty: Bool { all == nil && namespaces.isEmpty && models.isEmpty }

        /// Records `member` (as stored in Redis) at `time`, keeping the later of two times.
        /// Returns false when the member is malformed.
        @discardableResult
        mutating func merge(member: String, time: Double, maxModelBytes: Int) -> Bool {
            guard time.isFinite else { return false }
            if member == "all" {
                all = max(all ?? time, time)
            } else if member.hasPrefix("ns:"), let key = CacheMirrorCodec.cacheKey(Array(member.utf8.dropFirst(3))) {
                namespaces[key] = max(namespaces[key] ?? time, time)
            } else if member.hasPrefix("model:"), member.utf8.count > 6, member.utf8.count - 6 <= maxModelBytes {
                let model = String(member.dropFirst(6))
                models[model] = max(models[model] ?? time, time)
            } else {
                return false
            }
            return true
        }

        /// Whether a barrier covers `entry`: it was created no later than `skew` after a matching
        /// invalidation.
        func covers(_ entry: CacheEntry, skew: Double) -> Bool {
            if let t = all, entry.createdAt <= t + skew { return true }
            if let t = namespaces[entry.namespace], entry.createdAt <= t + skew { return true }
            guard !models.isEmpty else { return false }
            // `SemanticCache.modelMatches`: the whole `provider/model`, or any part after a "/".
            var candidate = Substring(entry.model)
            while true {
                if let t = models[String(candidate)], entry.createdAt <= t + skew { return true }
                guard let slash = candidate.firstIndex(of: "/") else { return false }
                candidate = candidate[candidate.index(after: slash)...]
            }
        }

        /// Forgets barriers older than every entry that could still be alive.
        mutating func prune(before floor: Double) {
            if let t = all, t < floor { all = nil }
            namespaces = namespaces.filter { $0.value >= floor }
            models = models.filter { $0.value >= floor }
        }
    }

    let tombstoneCapacity: Int
    let pendingCapacity: Int
    private(set) var tombstones: [UInt64: Double] = [:]
    private var tombstoneOrder = Deque<UInt64>()
    var barriers = Barriers()
    /// Id invalidations not yet applied to Redis, oldest first.
    private(set) var pending = Deque<Pending>()
    private(set) var pendingIDs = 0
    /// Barriers not yet written to Redis: member → time.
    private(set) var pendingBarriers: [String: Double] = [:]
    private var nextSequence = 0
    /// Ids (and barriers) dropped from the pending queue to keep it bounded.
    private(set) var dropped = 0

    init(tombstoneCapacity: Int, pendingCapacity: Int) {
        self.tombstoneCapacity = max(tombstoneCapacity, 1)
        self.pendingCapacity = max(pendingCapacity, 1)
    }

    /// Remembers that `id` is invalid until `expiry` (when the entry would have expired anyway).
    mutating func addTombstone(_ id: UInt64, until expiry: Double) {
        if let old = tombstones[id] {
            tombstones[id] = max(old, expiry)
            return
        }
        tombstones[id] = expiry
        tombstoneOrder.append(id)
        while tombstones.count > tombstoneCapacity, let oldest = tombstoneOrder.popFirst() {
            tombstones[oldest] = nil
        }
        // The order list may hold ids already pruned; keep it from growing past twice the map.
        if tombstoneOrder.count > 2 * tombstoneCapacity {
            tombstoneOrder = Deque(tombstoneOrder.filter { tombstones[$0] != nil })
        }
    }

    func isTombstoned(_ id: UInt64, now: Double) -> Bool {
        guard let expiry = tombstones[id] else { return false }
        return expiry > now
    }

    mutating func pruneTombstones(now: Double) {
        tombstones = tombstones.filter { $0.value > now }
        tombstoneOrder = Deque(tombstoneOrder.filter { tombstones[$0] != nil })
    }

    /// Queues an invalidation for Redis, dropping the oldest queued ids past the bound.
    mutating func enqueue(ids: [UInt64], barrier: String?, at: Double) {
        if let barrier {
            pendingBarriers[barrier] = max(pendingBarriers[barrier] ?? at, at)
            if pendingBarriers.count > pendingCapacity, let oldest = pendingBarriers.min(by: { $0.value < $1.value }) {
                pendingBarriers[oldest.key] = nil
                dropped += 1
            }
        }
        guard !ids.isEmpty else { return }
        var ids = ids
        if ids.count > pendingCapacity {
            dropped += ids.count - pendingCapacity
            ids = Array(ids.suffix(pendingCapacity))
        }
        while pendingIDs + ids.count > pendingCapacity, var oldest = pending.popFirst() {
            let excess = pendingIDs + ids.count - pendingCapacity
            if oldest.ids.count <= excess {
                pendingIDs -= oldest.ids.count
                dropped += oldest.ids.count
                continue
            }
            oldest.ids.removeFirst(excess)
            pendingIDs -= excess
            dropped += excess
            pending.prepend(oldest)
        }
        pending.append(Pending(sequence: nextSequence, ids: ids, at: at))
        nextSequence += 1
        pendingIDs += ids.count
    }

    /// Removes the first pending invalidation once applied (if it is still `sequence`).
    mutating func completed(_ sequence: Int) {
        guard let first = pending.first, first.sequence == sequence else { return }
        pending.removeFirst()
        pendingIDs -= first.ids.count
    }

    /// Forgets pending barriers once written, unless a later invalidation replaced them meanwhile.
    mutating func barriersWritten(_ written: [String: Double]) {
        for (member, time) in written where (pendingBarriers[member] ?? .infinity) <= time {
            pendingBarriers[member] = nil
        }
    }
}
