import Foundation

/// An approximate cosine-similarity index: a Hierarchical Navigable Small World graph
/// (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
/// Hierarchical Navigable Small World graphs", 2016/2018), laid out like hnswlib.
///
/// A search descends greedily through the sparse upper levels and then runs a best-first search
/// of width `efSearch` on level 0, so it computes a few hundred to a few thousand inner products
/// whatever the index size. On 100,000 clustered 384-d vectors that is about 0.1 ms per query at
/// recall@10 ≈ 0.996 (`efSearch` 32), against ~7 ms for a flat scan. Insertion costs a search of
/// width `efConstruction` per level plus neighbour selection, 0.5–0.7 ms per vector on one core at
/// that size; batch inserts use several threads.
///
/// Memory is `4·dimension + 4·(2M + 1)` bytes per vector for the vectors and level-0 links, plus
/// ~40 bytes for upper levels, the id map and per-node fields.
///
/// Removal leaves a tombstone: the node still routes searches but is never returned. The next
/// insert takes the slot over (``Configuration/reuseDeletedSlots``, on by default), the way hnswlib
/// does with `replace_deleted`: every former neighbour of the slot first re-selects its links from
/// the old neighbourhood with the heuristic, so the neighbourhood stays connected without the slot,
/// then the slot is linked at the new vector's position by the normal insert search. Under
/// remove/add churn at constant size the graph so keeps its size (`Tests/DejaIndexTests/ChurnTests`).
/// A reuse costs several ordinary inserts (the repair scores the slot's two-hop neighbourhood and
/// runs the heuristic once per former neighbour): measured 2.0 ms against 0.39 ms at 50k × 384 and
/// 0.7 ms against 0.09 ms at 20k × 64, single-threaded (`Benchmarks/index/RESULTS.md`, "Slot reuse
/// under churn"), and reuses in a batch insert run one at a time. Tombstones that are not reused
/// (more removals than inserts, or reuse switched off) are reclaimed once they exceed
/// ``Configuration/compactionThreshold`` of the slots: the graph is rebuilt from the live entries
/// (``compact()``).
///
/// ## Concurrency
///
/// The graph sits behind a reader/writer lock (writer-preferring `pthread_rwlock`). Searches take
/// the read side and run fully in parallel, each with its own pooled visited set; `add`, `upsert`,
/// `remove` and `compact` take the write side, so a search waits for at most one mutation.
/// Slot reuse happens inside an insert, so under the write lock too, and before any parallel
/// linking worker starts: it rewrites many nodes' lists, and nothing else runs in the graph then.
/// Batch inserts (``add(ids:vectors:)``) link nodes on ``Configuration/buildThreads`` threads with
/// hnswlib's scheme inside the write lock: one spin lock per node, a global lock only while the
/// top level grows (build figures in `Benchmarks/index/RESULTS.md`).
///
/// hnswlib's other option, single inserts running beside lock-free searches, was not adopted: in
/// Swift it needs every link read on the search path to be an atomic load and the storage sized up
/// front (a concurrent resize would move memory under readers). It was not built, so it is not
/// measured here. What was measured is the cost of the chosen scheme: one insert holds the write
/// lock for 0.5–1 ms at 100k × 384 with `efConstruction` 200 (single-thread build time / count),
/// the time of a few searches. A batch insert holds the write lock for the whole batch, so large
/// loads that must not pause searches go through ``AdaptiveIndex``, which builds off to the side.
public final class HNSWIndex: VectorIndex {
    /// The graph's parameters. The defaults are hnswlib's recommended values for 100–1,000-d
    /// embeddings at recall ≥ 0.95.
    public struct Configuration: Hashable, Sendable {
        /// Neighbours per node on upper levels (level 0 keeps up to `2·M`). Higher `M` raises recall
        /// on hard data at the cost of memory (`8·M` bytes per vector) and insert time. Default 16.
        public var m: Int
        /// Search width while inserting. Higher builds a better graph, linearly slower. Default 200.
        public var efConstruction: Int
        /// Search width for queries (raised to `k` when smaller). The recall/speed knob. Default 64.
        public var efSearch: Int
        /// Seed of the level generator; the same seed, inserts and `buildThreads == 1` give the
        /// same graph. Default 0x5EED.
        public var seed: UInt64
        /// Fraction of slots that may be tombstones before removal triggers ``HNSWIndex/compact()``.
        /// Default 0.25.
        public var compactionThreshold: Double
        /// Threads that link nodes in ``HNSWIndex/add(ids:vectors:)`` and ``HNSWIndex/compact()``.
        /// Default: the active processor count.
        public var buildThreads: Int
        /// Whether inserts take over tombstoned slots (repairing the links around them) instead of
        /// growing the graph. Default `true`. With `false`, tombstones are reclaimed only by
        /// ``HNSWIndex/compact()``. A runtime setting: it is not stored in the index file, and an
        /// index read from a file starts with the default.
        public var reuseDeletedSlots: Bool

        /// Creates a configuration; every parameter has the default documented on its property.
        public init(
            m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 0x5EED,
            compactionThreshold: Double = 0.25, buildThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
            reuseDeletedSlots: Bool = true
        ) {
            self.m = m
            self.efConstruction = efConstruction
            self.efSearch = efSearch
            self.seed = seed
            self.compactionThreshold = compactionThreshold
            self.buildThreads = buildThreads
            self.reuseDeletedSlots = reuseDeletedSlots
        }

        func validate() throws(IndexError) {
            guard (2...256).contains(self.m), self.efConstruction >= 1, self.efSearch >= 1, self.buildThreads >= 1,
                self.compactionThreshold > 0, self.compactionThreshold <= 1
            else { throw .invalidConfiguration }
        }
    }

    /// The number of components of every vector.
    public let dimension: Int
    /// The parameters the index was created with.
    public let configuration: Configuration
    let graph: ReadWriteLocked<HNSWGraph>
    let scratchPool: ScratchPool

    /// Slots below which removal never triggers compaction: rebuilding a tiny graph gains nothing.
    static let minimumSlotsForCompaction = 64

    /// Creates an empty index for vectors of `dimension` components.
    public convenience init(dimension: Int, configuration: Configuration = Configuration()) throws(IndexError) {
        try VectorNormalization.checkDimension(dimension)
        try configuration.validate()
        self.init(dimension: dimension, configuration: configuration, graph: Self.makeGraph(dimension, configuration, capacity: 16))
    }

    init(dimension: Int, configuration: Configuration, graph: HNSWGraph) {
        self.dimension = dimension
        self.configuration = configuration
        self.graph = ReadWriteLocked(graph)
        self.scratchPool = ScratchPool(neighbourCapacity: 2 * configuration.m + 1)
    }

    static func makeGraph(_ dimension: Int, _ configuration: Configuration, capacity: Int) -> HNSWGraph {
        HNSWGraph(
            dimension: dimension, m: configuration.m, efConstruction: configuration.efConstruction,
            seed: configuration.seed, capacity: capacity
        )
    }

    public var count: Int {
        self.graph.withReadLock { $0.liveCount }
    }

    /// Bytes allocated by the graph (vectors, links, per-node fields, id map), including spare capacity.
    public var allocatedBytes: Int {
        self.graph.withReadLock { $0.allocatedBytes }
    }

    public func contains(id: UInt64) -> Bool {
        self.graph.withReadLock { $0.slotOfID[id] != nil }
    }

    public func add(id: UInt64, vector: [Float]) throws(IndexError) {
        try self.add(ids: [id], vectors: [vector])
    }

    /// Adds many vectors at once, linking them on ``Configuration/buildThreads`` threads.
    ///
    /// All-or-nothing: every vector is checked, and ids checked against the index and each other,
    /// before any is inserted. The fastest way to build an index.
    public func add(ids: [UInt64], vectors: [[Float]]) throws(IndexError) {
        guard ids.count == vectors.count else { throw .invalidConfiguration }
        guard !ids.isEmpty else { return }
        let units = try self.normalizedRows(vectors)
        try self.graph.withWriteLock { (graph) throws(IndexError) in
            var seen = Set<UInt64>(minimumCapacity: ids.count)
            for id in ids {
                guard graph.slotOfID[id] == nil, seen.insert(id).inserted else { throw .duplicateID }
            }
            units.withUnsafeBufferPointer { units in
                graph.insert(
                    ids: ids, units: units.baseAddress!, threads: self.configuration.buildThreads, scratchPool: self.scratchPool,
                    reuseSlots: self.configuration.reuseDeletedSlots
                )
            }
        }
    }

    /// Inserts rows that are already unit length and whose ids are new (promotion from a flat index).
    func insertNormalized(ids: [UInt64], units: [Float]) {
        guard !ids.isEmpty else { return }
        self.graph.withWriteLock { graph in
            units.withUnsafeBufferPointer { units in
                graph.insert(
                    ids: ids, units: units.baseAddress!, threads: self.configuration.buildThreads, scratchPool: self.scratchPool,
                    reuseSlots: self.configuration.reuseDeletedSlots
                )
            }
        }
    }

    public func upsert(id: UInt64, vector: [Float]) throws(IndexError) {
        let units = try self.normalizedRows([vector])
        self.graph.withWriteLock { graph in
            if graph.slotOfID[id] != nil { _ = self.tombstone(id, in: &graph, allowCompaction: false) }
            units.withUnsafeBufferPointer { units in
                // With reuse on, the slot just tombstoned is the last freed, so the entry keeps its slot.
                graph.insert(
                    ids: [id], units: units.baseAddress!, threads: 1, scratchPool: self.scratchPool,
                    reuseSlots: self.configuration.reuseDeletedSlots
                )
            }
        }
    }

    @discardableResult
    public func remove(id: UInt64) -> Bool {
        self.graph.withWriteLock { graph in
            self.tombstone(id, in: &graph, allowCompaction: true)
        }
    }

    public func removeAll() {
        self.graph.withWriteLock { graph in
            graph = Self.makeGraph(self.dimension, self.configuration, capacity: 16)
        }
    }

    /// Rebuilds the graph from the live entries, dropping tombstones and reclaiming their memory.
    ///
    /// Costs a full build (seconds per 100,000 vectors) under the write lock, so searches wait;
    /// removal calls it automatically past ``Configuration/compactionThreshold``.
    public func compact() {
        self.graph.withWriteLock { graph in
            graph = self.rebuilt(graph)
        }
    }

    public func search(_ query: [Float], k: Int, minSimilarity: Float) throws(IndexError) -> [SearchResult] {
        try self.search(query, k: k, minSimilarity: minSimilarity, ef: self.configuration.efSearch)
    }

    /// Searches with an explicit beam width `ef` instead of ``Configuration/efSearch``.
    public func search(_ query: [Float], k: Int, minSimilarity: Float = -.infinity, ef: Int) throws(IndexError) -> [SearchResult] {
        try VectorNormalization.checkK(k)
        guard ef >= 1 else { throw .invalidConfiguration }
        let unit = try VectorNormalization.normalized(query, dimension: self.dimension)
        return self.graph.withReadLock { graph in
            self.scratchPool.withScratch { scratch in
                unit.withUnsafeBufferPointer { unit in
                    graph.search(query: unit.baseAddress!, k: k, ef: ef, minSimilarity: minSimilarity, scratch: scratch)
                }
            }
        }
    }

    public func search(batch queries: [[Float]], k: Int, minSimilarity: Float) throws(IndexError) -> [[SearchResult]] {
        // Graph searches share no work across queries, so a batch is a loop under one read lock.
        try VectorNormalization.checkK(k)
        let units = try self.normalizedRows(queries)
        let ef = self.configuration.efSearch
        return self.graph.withReadLock { graph in
            self.scratchPool.withScratch { scratch in
                units.withUnsafeBufferPointer { units in
                    (0..<queries.count).map { i in
                        graph.search(
                            query: units.baseAddress! + i * self.dimension, k: k, ef: ef, minSimilarity: minSimilarity, scratch: scratch
                        )
                    }
                }
            }
        }
    }

    // MARK: Helpers

    private func normalizedRows(_ vectors: [[Float]]) throws(IndexError) -> [Float] {
        var units = [Float](repeating: 0, count: vectors.count * self.dimension)
        try units.withUnsafeMutableBufferPointer { (buffer) throws(IndexError) in
            for (i, vector) in vectors.enumerated() {
                try VectorNormalization.normalize(vector, dimension: self.dimension, into: buffer.baseAddress! + i * self.dimension)
            }
        }
        return units
    }

    /// Tombstones `id`'s node; returns whether it was present.
    private func tombstone(_ id: UInt64, in graph: inout HNSWGraph, allowCompaction: Bool) -> Bool {
        guard let slot = graph.slotOfID.removeValue(forKey: id) else { return false }
        graph.deleted[Int(slot)] = true
        graph.freeSlots.append(slot)
        if graph.liveCount == 0 {
            graph = Self.makeGraph(self.dimension, self.configuration, capacity: 16)
        } else if allowCompaction, graph.nodeCount >= Self.minimumSlotsForCompaction,
            Double(graph.tombstoneCount) > self.configuration.compactionThreshold * Double(graph.nodeCount)
        {
            graph = self.rebuilt(graph)
        }
        return true
    }

    /// A new graph holding `graph`'s live entries in slot order.
    private func rebuilt(_ graph: HNSWGraph) -> HNSWGraph {
        let fresh = Self.makeGraph(self.dimension, self.configuration, capacity: graph.liveCount)
        fresh.rng = graph.rng
        var ids: [UInt64] = []
        var units: [Float] = []
        ids.reserveCapacity(graph.liveCount)
        units.reserveCapacity(graph.liveCount * self.dimension)
        for slot in 0..<graph.nodeCount where !graph.deleted[slot] {
            ids.append(graph.labels[slot])
            units.append(contentsOf: UnsafeBufferPointer(start: graph.vector(UInt32(slot)), count: self.dimension))
        }
        guard !ids.isEmpty else { return fresh }
        units.withUnsafeBufferPointer { units in
            fresh.insert(ids: ids, units: units.baseAddress!, threads: self.configuration.buildThreads, scratchPool: self.scratchPool)
        }
        return fresh
    }
}
