import Synchronization

/// An LRU memo of text → vector in front of another embedder.
///
/// Use it where the same texts recur (retries, popular prompts): a hit costs a dictionary lookup
/// under a mutex instead of an encoder pass. Bounded by entry count (`capacity`) and by
/// approximate bytes (`byteBudget`: each entry's text, vector and bookkeeping), whichever binds
/// first: with 384-float vectors an entry is about 1.7 KB plus its text, so 10,000 one-line texts
/// are roughly 17 MB, while a memo of 160 KB prompts stops at the budget. A text too large for
/// the whole budget is not memoized.
///
/// Only the texts missing from the memo are sent to the base embedder, once each even when a call
/// repeats a text, in one call. The lock is never held across that call, so two concurrent calls
/// missing the same text may both compute it (the results are identical). Errors from the base
/// embedder propagate and nothing is stored. Limits and empty-string handling are the base's; the
/// base's input limit applies to the distinct texts that missed.
public final class MemoizingEmbedder: Embedder {
    /// The wrapped embedder.
    public let base: any Embedder
    /// The most entries kept; the least recently used is evicted first.
    public let capacity: Int
    /// The most approximate bytes kept (see ``approximateBytes(text:dimension:)``); the least
    /// recently used entries are evicted first.
    public let byteBudget: Int

    /// 64 MiB: about 38,000 one-line texts, or 400 texts of 160 KB.
    public static let defaultByteBudget = 64 << 20

    private let state: Mutex<LRUCache>
    private let counters: Mutex<(hits: Int, misses: Int)>

    /// The base's name: memoizing does not change the vectors.
    public var name: String { base.name }
    /// The base's dimension.
    public var dimension: Int { base.dimension }

    /// Wraps `base`, keeping at most `capacity` (> 0) vectors in at most `byteBudget` (> 0)
    /// approximate bytes.
    public init(_ base: any Embedder, capacity: Int = 10_000, byteBudget: Int = MemoizingEmbedder.defaultByteBudget) {
        precondition(capacity > 0, "capacity must be positive")
        precondition(byteBudget > 0, "byteBudget must be positive")
        self.base = base
        self.capacity = capacity
        self.byteBudget = byteBudget
        self.state = Mutex(LRUCache(capacity: capacity, byteBudget: byteBudget))
        self.counters = Mutex((0, 0))
    }

    /// Lookups answered from the memo and lookups passed to the base, since creation.
    public var statistics: (hits: Int, misses: Int) {
        counters.withLock { $0 }
    }

    /// The number of texts currently memoized.
    public var count: Int {
        state.withLock { $0.count }
    }

    /// The approximate bytes currently memoized (at most ``byteBudget``).
    public var byteCount: Int {
        state.withLock { $0.bytes }
    }

    /// What memoizing `text` with a vector of `dimension` floats costs, approximately: the text's
    /// UTF-8 bytes (with a string header when not stored inline), the vector's floats and array
    /// header, and about 100 bytes of map slot and list links.
    public static func approximateBytes(text: String, dimension: Int) -> Int {
        let utf8 = text.utf8.count
        return (utf8 <= 15 ? 0 : 32 + utf8) + 32 + dimension * MemoryLayout<Float>.stride + LRUCache.entryOverhead
    }

    /// Answers memoized texts from the memo and sends the distinct others to the base in one call.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        var results = [[Float]?](repeating: nil, count: texts.count)
        let found = state.withLock { cache in texts.map { cache.value(for: $0) } }
        var missing: [String] = []
        var missingIndex: [String: Int] = [:]
        for (index, value) in found.enumerated() {
            if let value {
                results[index] = value
            } else if missingIndex[texts[index]] == nil {
                missingIndex[texts[index]] = missing.count
                missing.append(texts[index])
            }
        }
        let hits = found.count { $0 != nil }
        counters.withLock {
            $0.hits += hits
            $0.misses += texts.count - hits
        }
        guard !missing.isEmpty else { return results.map { $0! } }

        let computed = try await base.embed(missing)
        state.withLock { cache in
            for (text, vector) in zip(missing, computed) { cache.insert(vector, for: text) }
        }
        for index in results.indices where results[index] == nil {
            results[index] = computed[missingIndex[texts[index]]!]
        }
        return results.map { $0! }
    }

    /// Forgets every memoized vector.
    public func removeAll() {
        state.withLock { $0 = LRUCache(capacity: capacity, byteBudget: byteBudget) }
    }
}

/// A fixed-capacity LRU map from text to vector: a dictionary of slot indices plus an intrusive
/// doubly linked list over parallel arrays, so lookups and insertions are O(1) and evicted slots
/// are reused. Bounded by entries and by approximate bytes.
struct LRUCache {
    /// Per entry besides text and vector, about 100 bytes: a dictionary slot (16-byte key, 4-byte
    /// index, a quarter spare, metadata: about 30) and the parallel arrays (key 16, vector
    /// reference 8, links 8, size 8), plus the free list and some slack.
    static let entryOverhead = 100

    private var slots: [String: Int32] = [:]
    private var keys: [String] = []
    private var values: [[Float]] = []
    private var sizes: [Int] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var free: [Int32] = []
    private var head: Int32 = -1  // most recently used
    private var tail: Int32 = -1  // least recently used
    let capacity: Int
    let byteBudget: Int
    private(set) var bytes = 0

    init(capacity: Int, byteBudget: Int = .max) {
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    var count: Int { slots.count }

    mutating func value(for key: String) -> [Float]? {
        guard let slot = slots[key] else { return nil }
        moveToFront(slot)
        return values[Int(slot)]
    }

    mutating func insert(_ value: [Float], for key: String) {
        let size = MemoizingEmbedder.approximateBytes(text: key, dimension: value.count)
        if let slot = slots[key] {
            bytes += size - sizes[Int(slot)]
            values[Int(slot)] = value
            sizes[Int(slot)] = size
            moveToFront(slot)
            evict(keeping: slot)
            return
        }
        guard size <= byteBudget else { return }
        while slots.count >= capacity || bytes + size > byteBudget, tail >= 0 {
            remove(tail)
        }
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            keys[Int(slot)] = key
            values[Int(slot)] = value
            sizes[Int(slot)] = size
        } else {
            slot = Int32(keys.count)
            keys.append(key)
            values.append(value)
            sizes.append(size)
            previous.append(-1)
            next.append(-1)
        }
        slots[key] = slot
        bytes += size
        pushFront(slot)
    }

    /// Evicts least recently used entries other than `slot` while over the byte budget.
    private mutating func evict(keeping slot: Int32) {
        while bytes > byteBudget, tail >= 0, tail != slot { remove(tail) }
    }

    /// Forgets the entry in `slot` and frees its text and vector.
    private mutating func remove(_ slot: Int32) {
        unlink(slot)
        slots[keys[Int(slot)]] = nil
        bytes -= sizes[Int(slot)]
        keys[Int(slot)] = ""
        values[Int(slot)] = []
        sizes[Int(slot)] = 0
        free.append(slot)
    }

    private mutating func moveToFront(_ slot: Int32) {
        guard head != slot else { return }
        unlink(slot)
        pushFront(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let before = previous[Int(slot)]
        let after = next[Int(slot)]
        if before >= 0 { next[Int(before)] = after } else { head = after }
        if after >= 0 { previous[Int(after)] = before } else { tail = before }
        previous[Int(slot)] = -1
        next[Int(slot)] = -1
    }

    private mutating func pushFront(_ slot: Int32) {
        previous[Int(slot)] = -1
        next[Int(slot)] = head
        if head >= 0 { previous[Int(head)] = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}
