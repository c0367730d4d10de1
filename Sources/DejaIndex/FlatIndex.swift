/// An exact cosine-similarity index: every search scores every stored vector.
///
/// Vectors live in one contiguous row-major `[Float]` matrix (capacity doubles as it grows; there
/// is no per-vector object). A search is one `sgemv` per block of rows followed by a top-k heap,
/// so its cost is a scan of `4 · dimension · count` bytes: about 1.5 KB per 384-d vector, which
/// is ~0.2 ms for 10,000 vectors and memory-bandwidth bound beyond that. Batch searches use
/// `sgemm` and read the matrix once per batch of 64 queries. Removal moves the last row into the
/// freed one, so it is O(1) and never leaves holes.
///
/// Use it for small sets (a namespace's first few thousand entries) and as the exact reference
/// against which ``HNSWIndex`` recall is measured. Searches share a read lock and run in
/// parallel; mutations take the write lock.
public final class FlatIndex: VectorIndex {
    /// The number of components of every vector.
    public let dimension: Int
    let storage: ReadWriteLocked<Storage>

    /// Rows scored per `sgemv` call: 8,192 scores (32 KB) stay in L1/L2 while the heap reads them.
    static let rowsPerBlock = 8192
    /// Queries per `sgemm` call in a batch search.
    static let queriesPerBlock = 64

    struct Storage {
        /// `ids.count × dimension` unit vectors, row-major.
        var vectors: [Float] = []
        var ids: [UInt64] = []
        var rowOfID: [UInt64: Int] = [:]
    }

    /// Creates an empty index for vectors of `dimension` components.
    public init(dimension: Int) throws(IndexError) {
        try VectorNormalization.checkDimension(dimension)
        self.dimension = dimension
        self.storage = ReadWriteLocked(Storage())
    }

    init(dimension: Int, storage: Storage) {
        self.dimension = dimension
        self.storage = ReadWriteLocked(storage)
    }

    public var count: Int {
        self.storage.withReadLock { $0.ids.count }
    }

    public func contains(id: UInt64) -> Bool {
        self.storage.withReadLock { $0.rowOfID[id] != nil }
    }

    public func add(id: UInt64, vector: [Float]) throws(IndexError) {
        let unit = try VectorNormalization.normalized(vector, dimension: self.dimension)
        try self.storage.withWriteLock { (storage) throws(IndexError) in
            guard storage.rowOfID[id] == nil else { throw .duplicateID }
            storage.append(id: id, unit: unit)
        }
    }

    public func upsert(id: UInt64, vector: [Float]) throws(IndexError) {
        let unit = try VectorNormalization.normalized(vector, dimension: self.dimension)
        let dimension = self.dimension
        self.storage.withWriteLock { storage in
            if let row = storage.rowOfID[id] {
                storage.vectors.replaceSubrange(row * dimension..<(row + 1) * dimension, with: unit)
            } else {
                storage.append(id: id, unit: unit)
            }
        }
    }

    @discardableResult
    public func remove(id: UInt64) -> Bool {
        let dimension = self.dimension
        return self.storage.withWriteLock { storage in
            guard let row = storage.rowOfID.removeValue(forKey: id) else { return false }
            let last = storage.ids.count - 1
            if row != last {
                let movedID = storage.ids[last]
                storage.ids[row] = movedID
                storage.rowOfID[movedID] = row
                storage.vectors.withUnsafeMutableBufferPointer { vectors in
                    let base = vectors.baseAddress!
                    (base + row * dimension).update(from: base + last * dimension, count: dimension)
                }
            }
            storage.ids.removeLast()
            storage.vectors.removeLast(dimension)
            return true
        }
    }

    public func removeAll() {
        self.storage.withWriteLock { $0 = Storage() }
    }

    /// Returns every live entry as `(ids, row-major unit vectors)`.
    func snapshot() -> (ids: [UInt64], vectors: [Float]) {
        self.storage.withReadLock { ($0.ids, $0.vectors) }
    }

    public func search(_ query: [Float], k: Int, minSimilarity: Float) throws(IndexError) -> [SearchResult] {
        try VectorNormalization.checkK(k)
        let unit = try VectorNormalization.normalized(query, dimension: self.dimension)
        guard k > 0 else { return [] }
        let dimension = self.dimension
        return self.storage.withReadLock { storage in
            let rows = storage.ids.count
            var heap = MinHeap()
            heap.reserveCapacity(min(k, rows) + 1)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.rowsPerBlock) { scores in
                storage.vectors.withUnsafeBufferPointer { matrix in
                    unit.withUnsafeBufferPointer { query in
                        var start = 0
                        while start < rows {
                            let blockRows = min(Self.rowsPerBlock, rows - start)
                            BLAS.matrixVector(
                                matrix.baseAddress! + start * dimension, rows: blockRows, columns: dimension,
                                x: query.baseAddress!, y: scores.baseAddress!
                            )
                            Self.select(scores: scores.baseAddress!, count: blockRows, firstRow: start, k: k, minSimilarity: minSimilarity, into: &heap)
                            start += blockRows
                        }
                    }
                }
            }
            return heap.sortedDescending().map { SearchResult(id: storage.ids[Int($0.slot)], similarity: $0.similarity) }
        }
    }

    public func search(batch queries: [[Float]], k: Int, minSimilarity: Float) throws(IndexError) -> [[SearchResult]] {
        try VectorNormalization.checkK(k)
        let dimension = self.dimension
        var units = [Float](repeating: 0, count: queries.count * dimension)
        try units.withUnsafeMutableBufferPointer { (buffer) throws(IndexError) in
            for (i, query) in queries.enumerated() {
                try VectorNormalization.normalize(query, dimension: dimension, into: buffer.baseAddress! + i * dimension)
            }
        }
        guard k > 0 else { return Array(repeating: [], count: queries.count) }
        return self.storage.withReadLock { storage in
            let rows = storage.ids.count
            var heaps = Array(repeating: MinHeap(), count: queries.count)
            let rowsPerBlock = 2048
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Self.queriesPerBlock * rowsPerBlock)
            defer { scratch.deallocate() }
            storage.vectors.withUnsafeBufferPointer { matrix in
                units.withUnsafeBufferPointer { units in
                    var firstQuery = 0
                    while firstQuery < queries.count {
                        let blockQueries = min(Self.queriesPerBlock, queries.count - firstQuery)
                        var start = 0
                        while start < rows {
                            let blockRows = min(rowsPerBlock, rows - start)
                            BLAS.matrixMatrixTransposed(
                                units.baseAddress! + firstQuery * dimension, queries: blockQueries,
                                matrix.baseAddress! + start * dimension, rows: blockRows, columns: dimension, c: scratch
                            )
                            for q in 0..<blockQueries {
                                Self.select(
                                    scores: scratch + q * blockRows, count: blockRows, firstRow: start, k: k,
                                    minSimilarity: minSimilarity, into: &heaps[firstQuery + q]
                                )
                            }
                            start += blockRows
                        }
                        firstQuery += blockQueries
                    }
                }
            }
            return heaps.map { heap in
                heap.sortedDescending().map { SearchResult(id: storage.ids[Int($0.slot)], similarity: $0.similarity) }
            }
        }
    }

    /// Offers a block of scores to a top-`k` heap, skipping those below `minSimilarity`.
    @inline(__always)
    private static func select(
        scores: UnsafePointer<Float>, count: Int, firstRow: Int, k: Int, minSimilarity: Float, into heap: inout MinHeap
    ) {
        // Until the heap holds k entries everything above the threshold enters; after that only
        // scores above the current k-th best do, which for random order is O(k log n) pushes.
        var floor = heap.count == k ? max(heap.min.similarity, minSimilarity) : minSimilarity
        for i in 0..<count {
            let score = scores[i]
            guard score >= floor else { continue }
            heap.offer(Scored(similarity: score, slot: UInt32(truncatingIfNeeded: firstRow + i)), limit: k)
            if heap.count == k { floor = max(heap.min.similarity, minSimilarity) }
        }
    }
}

extension FlatIndex.Storage {
    mutating func append(id: UInt64, unit: [Float]) {
        let needed = self.vectors.count + unit.count
        if needed > self.vectors.capacity {
            self.vectors.reserveCapacity(max(needed, 2 * self.vectors.capacity))
        }
        self.rowOfID[id] = self.ids.count
        self.ids.append(id)
        self.vectors.append(contentsOf: unit)
    }
}
