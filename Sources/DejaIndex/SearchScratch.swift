/// Per-search working memory for ``HNSWIndex``: the visited set, both heaps and a neighbour buffer.
///
/// The visited set is hnswlib's epoch-tagged array: a node is visited when its tag equals the
/// current epoch, so starting a new search is one increment, and the `UInt16` array is cleared
/// only when the epoch wraps (every 65,535 searches). At 2 bytes per node it costs 200 KB per
/// pooled scratch for 100,000 nodes.
final class SearchScratch: @unchecked Sendable {
    // Safe as Sendable: a scratch is owned by exactly one thread at a time. `ScratchPool` hands it
    // out under its mutex and takes it back when the search ends; nothing else holds a reference.
    private var tags: UnsafeMutablePointer<UInt16>
    private var tagCapacity: Int
    private var epoch: UInt16 = 0
    var candidates = ScoredHeap(capacity: 256)
    var results = ScoredHeap(capacity: 256)
    /// The `k` best nodes seen, for the narrowed beam of a thresholded search.
    var front = ScoredHeap(capacity: 16)
    /// Room for one copied neighbour list: count word plus up to `M0` ids.
    let neighbours: UnsafeMutablePointer<UInt32>
    /// The similarities of the neighbours in `neighbours`, filled by one gather call per list.
    let similarities: UnsafeMutablePointer<Float>
    let neighbourCapacity: Int

    init(nodeCapacity: Int, neighbourCapacity: Int) {
        self.tagCapacity = max(nodeCapacity, 1)
        self.tags = .allocate(capacity: self.tagCapacity)
        self.tags.initialize(repeating: 0, count: self.tagCapacity)
        self.neighbourCapacity = neighbourCapacity
        self.neighbours = .allocate(capacity: neighbourCapacity)
        self.similarities = .allocate(capacity: neighbourCapacity)
    }

    deinit {
        self.tags.deallocate()
        self.neighbours.deallocate()
        self.similarities.deallocate()
        self.candidates.deallocate()
        self.results.deallocate()
        self.front.deallocate()
    }

    /// Starts a new search over up to `nodeCount` nodes: clears the visited set and both heaps.
    func begin(nodeCount: Int) {
        if nodeCount > self.tagCapacity {
            self.tags.deallocate()
            self.tagCapacity = max(nodeCount, 2 * self.tagCapacity)
            self.tags = .allocate(capacity: self.tagCapacity)
            self.tags.initialize(repeating: 0, count: self.tagCapacity)
            self.epoch = 0
        }
        self.epoch &+= 1
        if self.epoch == 0 {
            self.tags.update(repeating: 0, count: self.tagCapacity)
            self.epoch = 1
        }
        self.candidates.removeAll()
        self.results.removeAll()
        self.front.removeAll()
    }

    /// The visited tags and the current epoch, for a search loop that keeps them in locals (a
    /// stored property of a class is re-read, and access-checked, on every use).
    var visitedState: (tags: UnsafeMutablePointer<UInt16>, epoch: UInt16) {
        (self.tags, self.epoch)
    }

    /// Marks `node` visited and returns whether it already was.
    @inline(__always)
    func visit(_ node: UInt32) -> Bool {
        let seen = self.tags[Int(node)] == self.epoch
        self.tags[Int(node)] = self.epoch
        return seen
    }
}

/// A pool of ``SearchScratch`` so searching threads reuse memory instead of allocating per query.
///
/// Only the pool's list is locked, for the moment a scratch is taken or returned, as in hnswlib's
/// `VisitedListPool`. The pool grows to the peak number of concurrent searches.
final class ScratchPool: Sendable {
    private let free = Locked<[SearchScratch]>([])
    private let neighbourCapacity: Int

    init(neighbourCapacity: Int) {
        self.neighbourCapacity = neighbourCapacity
    }

    /// Lends a scratch to `body`; each layer search inside calls ``SearchScratch/begin(nodeCount:)``.
    func withScratch<Result>(_ body: (SearchScratch) -> Result) -> Result {
        let scratch =
            self.free.withLock { $0.popLast() }
            ?? SearchScratch(nodeCapacity: 1024, neighbourCapacity: self.neighbourCapacity)
        defer { self.free.withLock { $0.append(scratch) } }
        return body(scratch)
    }

    func removeAll() {
        self.free.withLock { $0.removeAll() }
    }
}
