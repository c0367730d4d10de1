/// A similarity paired with a slot (a row of ``FlatIndex`` or a node of ``HNSWIndex``).
struct Scored {
    var similarity: Float
    var slot: UInt32
}

/// A binary heap of ``Scored`` whose root is the lowest similarity.
///
/// Used both as a bounded top-k selector (keep the `k` best, evict the root) and, with negated
/// similarities, as a best-first candidate queue. Storage is reused across searches: `removeAll`
/// keeps the capacity.
struct MinHeap {
    private(set) var storage: [Scored] = []

    var count: Int { self.storage.count }
    var isEmpty: Bool { self.storage.isEmpty }
    /// The lowest similarity; only valid when not empty.
    var min: Scored { self.storage[0] }

    mutating func removeAll() {
        self.storage.removeAll(keepingCapacity: true)
    }

    mutating func reserveCapacity(_ capacity: Int) {
        self.storage.reserveCapacity(capacity)
    }

    mutating func push(_ element: Scored) {
        self.storage.append(element)
        var child = self.storage.count - 1
        self.storage.withUnsafeMutableBufferPointer { heap in
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].similarity < heap[parent].similarity else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }
    }

    @discardableResult
    mutating func popMin() -> Scored {
        let last = self.storage.removeLast()
        guard !self.storage.isEmpty else { return last }
        let top = self.storage[0]
        self.storage[0] = last
        self.siftDown()
        return top
    }

    /// Replaces the root (the lowest) with `element`; cheaper than `popMin` + `push`.
    mutating func replaceMin(with element: Scored) {
        self.storage[0] = element
        self.siftDown()
    }

    /// Offers `element` to a heap that keeps the `limit` highest similarities.
    @inline(__always)
    mutating func offer(_ element: Scored, limit: Int) {
        if self.storage.count < limit {
            self.push(element)
        } else if element.similarity > self.storage[0].similarity {
            self.replaceMin(with: element)
        }
    }

    private mutating func siftDown() {
        self.storage.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                let right = left + 1
                let child = right < count && heap[right].similarity < heap[left].similarity ? right : left
                guard heap[child].similarity < heap[parent].similarity else { break }
                heap.swapAt(child, parent)
                parent = child
            }
        }
    }

    /// The contents ordered from highest to lowest similarity (ties by lower slot first).
    func sortedDescending() -> [Scored] {
        self.storage.sorted { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.slot < $1.slot }
    }
}

/// The heap of ``MinHeap`` over memory a ``SearchScratch`` owns, for the HNSW search loop.
///
/// `MinHeap`'s array checks uniqueness and bounds on every push and pop; this one does neither.
/// It is a plain value holding a pointer: the scratch allocates it once and frees it in its
/// `deinit`, and a search copies it into a local, works on the copy and stores it back (growth
/// may move the storage), so exactly one copy is live at a time.
struct ScoredHeap {
    private(set) var base: UnsafeMutablePointer<Scored>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        self.base = .allocate(capacity: self.capacity)
    }

    /// Frees the storage; the heap must not be used afterwards.
    func deallocate() {
        self.base.deallocate()
    }

    var isEmpty: Bool { self.count == 0 }
    /// The lowest similarity; only valid when not empty.
    var min: Scored {
        @inline(__always) get { self.base[0] }
    }

    @inline(__always)
    mutating func removeAll() {
        self.count = 0
    }

    @inline(__always)
    mutating func push(_ element: Scored) {
        if self.count == self.capacity { self.grow() }
        let heap = self.base
        var child = self.count
        self.count &+= 1
        while child > 0 {
            let parent = (child &- 1) >> 1
            let above = heap[parent]
            guard element.similarity < above.similarity else { break }
            heap[child] = above
            child = parent
        }
        heap[child] = element
    }

    @inline(__always)
    @discardableResult
    mutating func popMin() -> Scored {
        let top = self.base[0]
        self.count &-= 1
        if self.count > 0 { self.siftDown(self.base[self.count]) }
        return top
    }

    /// Offers `element` to a heap that keeps the `limit` highest similarities.
    @inline(__always)
    mutating func offer(_ element: Scored, limit: Int) {
        if self.count < limit {
            self.push(element)
        } else if element.similarity > self.base[0].similarity {
            self.siftDown(element)
        }
    }

    /// Puts `element` at the root and sifts it down to its place.
    @inline(__always)
    private mutating func siftDown(_ element: Scored) {
        let heap = self.base
        let count = self.count
        var parent = 0
        while true {
            let left = 2 &* parent &+ 1
            guard left < count else { break }
            let right = left &+ 1
            let child = right < count && heap[right].similarity < heap[left].similarity ? right : left
            let below = heap[child]
            guard below.similarity < element.similarity else { break }
            heap[parent] = below
            parent = child
        }
        heap[parent] = element
    }

    private mutating func grow() {
        let fresh = UnsafeMutablePointer<Scored>.allocate(capacity: 2 * self.capacity)
        fresh.moveInitialize(from: self.base, count: self.count)
        self.base.deallocate()
        self.base = fresh
        self.capacity *= 2
    }

    /// The contents ordered from highest to lowest similarity (ties by lower slot first).
    func sortedDescending() -> [Scored] {
        UnsafeBufferPointer(start: self.base, count: self.count)
            .sorted { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.slot < $1.slot }
    }
}
