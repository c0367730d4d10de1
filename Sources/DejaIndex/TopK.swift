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
