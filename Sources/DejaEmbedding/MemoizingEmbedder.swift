import Synchronization

/// An LRU memo of text → vector in front of another embedder.
///
/// Use it where the same texts recur (retries, popular prompts): a hit costs a dictionary lookup
/// under a mutex instead of an encoder pass. Bounded by entry count (`capacity`); with 384-float
/// vectors each entry is about 1.6 KB plus its text, so 10,000 entries is roughly 17 MB.
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

    private let state: Mutex<LRUCache>
    private let counters: Mutex<(hits: Int, misses: Int)>

    /// The base's name: memoizing does not change the vectors.
    public var name: String { base.name }
    /// The base's dimension.
    public var dimension: Int { base.dimension }

    /// Wraps `base`, keeping at most `capacity` (> 0) vectors.
    public init(_ base: any Embedder, capacity: Int = 10_000) {
        precondition(capacity > 0, "capacity must be positive")
        self.base = base
        self.capacity = capacity
        self.state = Mutex(LRUCache(capacity: capacity))
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
        state.withLock { $0 = LRUCache(capacity: capacity) }
    }
}

/// A fixed-capacity LRU map from text to vector: a dictionary of slot indices plus an intrusive
/// doubly linked list over parallel arrays, so lookups and insertions are O(1) and evicted slots
/// are reused.
struct LRUCache {
    private var slots: [String: Int32] = [:]
    private var keys: [String] = []
    private var values: [[Float]] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var head: Int32 = -1  // most recently used
    private var tail: Int32 = -1  // least recently used
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { slots.count }

    mutating func value(for key: String) -> [Float]? {
        guard let slot = slots[key] else { return nil }
        moveToFront(slot)
        return values[Int(slot)]
    }

    mutating func insert(_ value: [Float], for key: String) {
        if let slot = slots[key] {
            values[Int(slot)] = value
            moveToFront(slot)
            return
        }
        let slot: Int32
        if keys.count < capacity {
            slot = Int32(keys.count)
            keys.append(key)
            values.append(value)
            previous.append(-1)
            next.append(-1)
        } else {
            slot = tail
            unlink(slot)
            slots[keys[Int(slot)]] = nil
            keys[Int(slot)] = key
            values[Int(slot)] = value
        }
        slots[key] = slot
        pushFront(slot)
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
