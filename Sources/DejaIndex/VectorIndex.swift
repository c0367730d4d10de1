/// One match from a ``VectorIndex`` search.
public struct SearchResult: Hashable, Sendable {
    /// The caller-chosen id the vector was added under.
    public var id: UInt64
    /// Cosine similarity to the query, in [-1, 1]; higher is closer.
    public var similarity: Float

    public init(id: UInt64, similarity: Float) {
        self.id = id
        self.similarity = similarity
    }
}

/// A set of fixed-dimension Float32 vectors, each under a stable caller-chosen `UInt64` id,
/// searchable by cosine similarity.
///
/// Vectors are L2-normalised on insert and queries on search, so similarity is the inner
/// product of unit vectors. Invalid input (wrong dimension, NaN or infinite components, a zero
/// vector, a duplicate id on `add`) throws an ``IndexError`` and leaves the index unchanged.
///
/// Implementations are thread-safe: any number of searches may run at once, and mutations may
/// be called from any thread. ``FlatIndex`` is exact and suits up to a few thousand vectors;
/// ``HNSWIndex`` is approximate and scales to millions; ``AdaptiveIndex`` starts flat and promotes
/// itself to HNSW as it grows.
public protocol VectorIndex: AnyObject, Sendable {
    /// The number of components every vector and query must have.
    var dimension: Int { get }

    /// The number of live entries.
    var count: Int { get }

    /// Adds `vector` under `id`; throws ``IndexError/duplicateID`` if `id` is present.
    func add(id: UInt64, vector: [Float]) throws(IndexError)

    /// Adds `vector` under `id`, replacing any vector already stored under it.
    func upsert(id: UInt64, vector: [Float]) throws(IndexError)

    /// Removes the entry for `id`; returns whether there was one.
    @discardableResult
    func remove(id: UInt64) -> Bool

    /// Whether an entry with `id` is present.
    func contains(id: UInt64) -> Bool

    /// Returns up to `k` entries with similarity ≥ `minSimilarity`, best first.
    func search(_ query: [Float], k: Int, minSimilarity: Float) throws(IndexError) -> [SearchResult]

    /// Searches several queries at once; element `i` of the result answers `queries[i]`.
    ///
    /// Cheaper than separate calls where the implementation can share work (``FlatIndex`` turns the
    /// batch into one matrix product).
    func search(batch queries: [[Float]], k: Int, minSimilarity: Float) throws(IndexError) -> [[SearchResult]]

    /// Removes every entry, keeping the dimension and configuration.
    func removeAll()
}

extension VectorIndex {
    /// Returns up to `k` nearest entries, best first, with no similarity threshold.
    public func search(_ query: [Float], k: Int) throws(IndexError) -> [SearchResult] {
        try self.search(query, k: k, minSimilarity: -.infinity)
    }

    /// Searches several queries with no similarity threshold.
    public func search(batch queries: [[Float]], k: Int) throws(IndexError) -> [[SearchResult]] {
        try self.search(batch: queries, k: k, minSimilarity: -.infinity)
    }
}
