import CDistance
import Foundation
import Synchronization

/// The storage of an ``HNSWIndex``: fixed-stride arrays indexed by `UInt32` node slot.
///
/// Layout (hnswlib's, with vectors in their own block):
/// - `vectors`: `capacity × dimension` unit vectors.
/// - `links0`: `capacity × (1 + M0)` words; per node a neighbour count then up to `M0` ids.
/// - `upperLinks`: one pool of `(1 + M)`-word lists for levels ≥ 1. A node of level `L` owns
///   `L` consecutive lists starting at `upperOffset[node]`. Few nodes have upper levels
///   (a fraction `1/M` per level), so the pool is small.
/// - per node: caller id (`labels`), level, tombstone flag and a one-word spin lock.
///
/// There are no per-node objects and no dictionaries on the search path; `slotOfID` maps caller
/// ids to slots for `add`/`remove` only.
final class HNSWGraph: @unchecked Sendable {
    // Safe as Sendable: the owning `HNSWIndex` keeps the graph in a `ReadWriteLocked`; searches
    // run under its read lock and only read, every mutation runs under its write lock. The one
    // exception is a parallel batch insert (`HNSWGraph+Insert.swift`), which runs under the write
    // lock but on several threads: those threads write only link lists, each under the node's spin
    // lock, and read the entry point only under `globalLock`. Everything else they read (vectors,
    // levels, offsets) was written before the workers started. Slot reuse, which rewrites many
    // nodes' lists, runs under the write lock before any worker starts, on the calling thread.
    let dimension: Int
    let m: Int
    let m0: Int
    let efConstruction: Int
    let levelMultiplier: Double
    var rng: SplitMix64

    private(set) var capacity: Int
    /// Slots in use, live or tombstoned.
    var nodeCount: Int = 0

    var vectors: UnsafeMutablePointer<Float>
    var links0: UnsafeMutablePointer<UInt32>
    var labels: UnsafeMutablePointer<UInt64>
    var levels: UnsafeMutablePointer<UInt8>
    var deleted: UnsafeMutablePointer<Bool>
    var upperOffset: UnsafeMutablePointer<UInt32>
    var nodeLocks: UnsafeMutablePointer<Atomic<UInt32>>

    var upperLinks: UnsafeMutablePointer<UInt32>
    var upperCount: Int = 0
    private(set) var upperCapacity: Int

    /// The node every search starts from: one of the nodes on the top level.
    var entryPoint: UInt32 = HNSWGraph.noNode
    var maxLevel: Int = -1
    /// Guards `entryPoint` and `maxLevel` during a parallel insert.
    let globalLock = Atomic<UInt32>(0)

    var slotOfID: [UInt64: UInt32] = [:]
    /// Tombstoned slots, most recently freed last: taken over by inserts when slot reuse is on
    /// (`HNSWGraph+Reuse.swift`), otherwise reclaimed when `compact()` rebuilds the graph.
    var freeSlots: [UInt32] = []

    static let noNode = UInt32.max
    /// Levels are capped so the level byte and the upper-link offsets stay small; with M = 16 a
    /// level above 15 has probability 16⁻¹⁶.
    static let maximumLevel = 15

    var linkStride0: Int { 1 + self.m0 }
    var linkStrideUpper: Int { 1 + self.m }
    var liveCount: Int { self.slotOfID.count }
    var tombstoneCount: Int { self.nodeCount - self.slotOfID.count }

    init(dimension: Int, m: Int, efConstruction: Int, seed: UInt64, capacity: Int) {
        self.dimension = dimension
        self.m = m
        self.m0 = 2 * m
        self.efConstruction = efConstruction
        self.levelMultiplier = 1 / log(Double(m))
        self.rng = SplitMix64(seed: seed)
        self.capacity = max(capacity, 16)
        self.vectors = LargeAllocation.allocate(Float.self, count: self.capacity * dimension)
        self.links0 = LargeAllocation.allocate(UInt32.self, count: self.capacity * (1 + 2 * m))
        self.labels = .allocate(capacity: self.capacity)
        self.levels = .allocate(capacity: self.capacity)
        self.deleted = .allocate(capacity: self.capacity)
        self.upperOffset = .allocate(capacity: self.capacity)
        self.nodeLocks = .allocate(capacity: self.capacity)
        for i in 0..<self.capacity { (self.nodeLocks + i).initialize(to: Atomic(0)) }
        self.upperCapacity = max(self.capacity / m * (1 + m), 64)
        self.upperLinks = .allocate(capacity: self.upperCapacity)
    }

    deinit {
        LargeAllocation.free(self.vectors)
        LargeAllocation.free(self.links0)
        self.labels.deallocate()
        self.levels.deallocate()
        self.deleted.deallocate()
        self.upperOffset.deallocate()
        self.nodeLocks.deinitialize(count: self.capacity)
        self.nodeLocks.deallocate()
        self.upperLinks.deallocate()
    }

    // MARK: Node access

    @inline(__always)
    func vector(_ node: UInt32) -> UnsafeMutablePointer<Float> {
        self.vectors + Int(node) * self.dimension
    }

    /// The neighbour list of `node` at `level`: word 0 is the count, then the ids.
    /// The caller guarantees `levels[node] >= level`.
    @inline(__always)
    func links(_ node: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
        if level == 0 {
            return self.links0 + Int(node) * self.linkStride0
        }
        return self.upperLinks + Int(self.upperOffset[Int(node)]) + (level - 1) * self.linkStrideUpper
    }

    /// Inner product with a stored vector through the C kernel (AVX2/FMA when available): called
    /// millions of times per build, it avoids `cblas_sdot`'s per-call dispatch.
    @inline(__always)
    func similarity(_ a: UnsafePointer<Float>, _ node: UInt32) -> Float {
        deja_dot_f32(a, self.vector(node), self.dimension)
    }

    /// Similarities of `query` with the `count` nodes in `nodes`, into `out`: one kernel call that
    /// prefetches every vector before the first product.
    @inline(__always)
    func similarities(_ query: UnsafePointer<Float>, _ nodes: UnsafePointer<UInt32>, count: Int, into out: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        deja_dot_gather_f32(query, self.vectors, self.dimension, nodes, count, self.dimension, out)
    }

    /// Starts loading the first line of a node's neighbour list at `level`.
    @inline(__always)
    func prefetchLinks(_ node: UInt32, level: Int) {
        guard level == 0 else { return }
        deja_prefetch_line(self.links0 + Int(node) * self.linkStride0)
    }

    @inline(__always)
    func lock(_ node: UInt32) {
        Self.acquire(self.nodeLocks[Int(node)])
    }

    @inline(__always)
    func unlock(_ node: UInt32) {
        self.nodeLocks[Int(node)].store(0, ordering: .releasing)
    }

    @inline(__always)
    static func acquire(_ lock: borrowing Atomic<UInt32>) {
        // Critical sections are a copy of at most M0 + 1 words or one neighbour-list shrink, so
        // spinning beats parking; yielding keeps a preempted holder from stalling a 2-core box.
        var spins = 0
        while !lock.compareExchange(expected: 0, desired: 1, successOrdering: .acquiring, failureOrdering: .relaxed).exchanged {
            spins += 1
            if spins > 64 {
                sched_yield()
                spins = 0
            }
        }
    }

    /// Draws a level: `⌊-ln(U) · mL⌋` with `mL = 1 / ln(M)` (Malkov & Yashunin, section 4).
    func drawLevel() -> Int {
        min(Int(-log(self.rng.nextUnitInterval()) * self.levelMultiplier), Self.maximumLevel)
    }

    // MARK: Growth (write lock only, never during a parallel insert)

    /// Makes room for `additional` more nodes, doubling capacity as needed.
    func reserve(additionalNodes additional: Int) {
        let needed = self.nodeCount + additional
        guard needed > self.capacity else { return }
        let newCapacity = max(needed, 2 * self.capacity)
        func grow<T>(_ pointer: inout UnsafeMutablePointer<T>, stride: Int) {
            let fresh = UnsafeMutablePointer<T>.allocate(capacity: newCapacity * stride)
            fresh.moveInitialize(from: pointer, count: self.nodeCount * stride)
            pointer.deallocate()
            pointer = fresh
        }
        func growLarge<T>(_ pointer: inout UnsafeMutablePointer<T>, stride: Int) {
            let fresh = LargeAllocation.allocate(T.self, count: newCapacity * stride)
            fresh.moveInitialize(from: pointer, count: self.nodeCount * stride)
            LargeAllocation.free(pointer)
            pointer = fresh
        }
        growLarge(&self.vectors, stride: self.dimension)
        growLarge(&self.links0, stride: self.linkStride0)
        grow(&self.labels, stride: 1)
        grow(&self.levels, stride: 1)
        grow(&self.deleted, stride: 1)
        grow(&self.upperOffset, stride: 1)
        // Every lock is free under the write lock, so fresh unlocked ones replace them.
        self.nodeLocks.deinitialize(count: self.capacity)
        self.nodeLocks.deallocate()
        self.nodeLocks = .allocate(capacity: newCapacity)
        for i in 0..<newCapacity { (self.nodeLocks + i).initialize(to: Atomic(0)) }
        self.capacity = newCapacity
    }

    /// Reserves `words` more words of upper-level link storage.
    func reserve(upperWords words: Int) {
        let needed = self.upperCount + words
        guard needed > self.upperCapacity else { return }
        let newCapacity = max(needed, 2 * self.upperCapacity)
        let fresh = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
        fresh.moveInitialize(from: self.upperLinks, count: self.upperCount)
        self.upperLinks.deallocate()
        self.upperLinks = fresh
        self.upperCapacity = newCapacity
    }

    /// Bytes allocated for this graph, including unused capacity and an estimate of the id map.
    var allocatedBytes: Int {
        let perNode = self.dimension * 4 + self.linkStride0 * 4 + 8 + 1 + 1 + 4 + 4
        // A Swift dictionary entry is the 8-byte key and 4-byte value plus ~1 bit of metadata, at a
        // maximum load factor of 3/4.
        let map = self.slotOfID.capacity * 12 + self.slotOfID.capacity / 8
        return self.capacity * perNode + self.upperCapacity * 4 + map + self.freeSlots.capacity * 4
    }
}
