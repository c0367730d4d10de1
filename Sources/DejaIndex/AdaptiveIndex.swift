public import Foundation

/// An index that starts as a ``FlatIndex`` and promotes itself to an ``HNSWIndex`` once it holds
/// ``Configuration/promotionThreshold`` vectors.
///
/// Small namespaces stay exact and cheap to mutate; large ones get sub-linear search. Promotion
/// builds the graph on a background thread from a snapshot of the flat index. Meanwhile searches
/// keep being answered by the flat index, and mutations are applied to it and recorded. The
/// builder replays the recorded mutations into the graph and, once it finds the record empty
/// (checked under the same lock that mutations take), swaps the graph in. No entry is lost and no
/// search waits for the build. The index never demotes itself.
public final class AdaptiveIndex: VectorIndex {
    /// When to promote, and the graph parameters to promote to.
    public struct Configuration: Hashable, Sendable {
        /// Entry count at which the index becomes an HNSW graph. Default 2,048: below it a flat
        /// scan of 384-d vectors takes under ~0.1 ms, about what a graph search costs.
        public var promotionThreshold: Int
        /// Parameters of the graph built at promotion.
        public var hnsw: HNSWIndex.Configuration

        public init(promotionThreshold: Int = 2048, hnsw: HNSWIndex.Configuration = HNSWIndex.Configuration()) {
            self.promotionThreshold = promotionThreshold
            self.hnsw = hnsw
        }
    }

    /// Which structure currently answers searches.
    public enum Stage: Hashable, Sendable {
        /// Exact search over a flat matrix.
        case flat
        /// Still flat; a graph is being built in the background.
        case promoting
        /// Approximate search over an HNSW graph.
        case hnsw
    }

    private enum Mutation: Sendable {
        case upsert(UInt64, [Float])
        case remove(UInt64)
        case removeAll
    }

    private struct State: Sendable {
        var flat: FlatIndex?
        var graph: HNSWIndex?
        var stage: Stage
        /// Mutations made while promoting, to replay into the graph.
        var pending: [Mutation] = []
    }

    /// The number of components of every vector.
    public let dimension: Int
    /// When the index promotes and what it promotes to.
    public let configuration: Configuration
    private let state: Locked<State>
    private let promotion = DispatchGroup()

    /// Creates an empty, flat index.
    public init(dimension: Int, configuration: Configuration = Configuration()) throws(IndexError) {
        try configuration.hnsw.validate()
        guard configuration.promotionThreshold >= 1 else { throw .invalidConfiguration }
        self.dimension = dimension
        self.configuration = configuration
        self.state = Locked(State(flat: try FlatIndex(dimension: dimension), graph: nil, stage: .flat))
    }

    init(flat: FlatIndex, configuration: Configuration) {
        self.dimension = flat.dimension
        self.configuration = configuration
        self.state = Locked(State(flat: flat, graph: nil, stage: .flat))
        self.promoteIfNeeded()
    }

    init(graph: HNSWIndex, configuration: Configuration) {
        self.dimension = graph.dimension
        self.configuration = configuration
        self.state = Locked(State(flat: nil, graph: graph, stage: .hnsw))
    }

    /// The structure answering searches right now.
    public var stage: Stage {
        self.state.withLock { $0.stage }
    }

    /// Blocks until a promotion in progress, if any, has swapped the graph in.
    public func waitForPromotion() {
        self.promotion.wait()
    }

    /// The index that currently answers searches.
    private var current: any VectorIndex {
        self.state.withLock { state in
            if let graph = state.graph { return graph }
            return state.flat!
        }
    }

    public var count: Int { self.current.count }

    public func contains(id: UInt64) -> Bool { self.current.contains(id: id) }

    public func search(_ query: [Float], k: Int, minSimilarity: Float) throws(IndexError) -> [SearchResult] {
        try self.current.search(query, k: k, minSimilarity: minSimilarity)
    }

    public func search(batch queries: [[Float]], k: Int, minSimilarity: Float) throws(IndexError) -> [[SearchResult]] {
        try self.current.search(batch: queries, k: k, minSimilarity: minSimilarity)
    }

    public func add(id: UInt64, vector: [Float]) throws(IndexError) {
        try self.mutate(.upsert(id, vector)) { (index) throws(IndexError) in try index.add(id: id, vector: vector) }
        self.promoteIfNeeded()
    }

    public func upsert(id: UInt64, vector: [Float]) throws(IndexError) {
        try self.mutate(.upsert(id, vector)) { (index) throws(IndexError) in try index.upsert(id: id, vector: vector) }
        self.promoteIfNeeded()
    }

    @discardableResult
    public func remove(id: UInt64) -> Bool {
        var removed = false
        self.mutate(.remove(id)) { index in removed = index.remove(id: id) }
        return removed
    }

    public func removeAll() {
        self.mutate(.removeAll) { index in index.removeAll() }
    }

    /// Applies a mutation to the current index. While flat (or promoting) it runs under the state
    /// lock, so the pending record is in the same order as the flat index's history; once the
    /// graph is in, the graph's own lock is enough.
    private func mutate<Failure: Error>(_ mutation: Mutation, _ apply: (any VectorIndex) throws(Failure) -> Void) throws(Failure) {
        let graph: HNSWIndex? = try self.state.withLock { (state) throws(Failure) -> HNSWIndex? in
            if let graph = state.graph { return graph }
            try apply(state.flat!)
            if state.stage == .promoting { state.pending.append(mutation) }
            return nil
        }
        if let graph { try apply(graph) }
    }

    private func promoteIfNeeded() {
        let snapshot: (ids: [UInt64], vectors: [Float])? = self.state.withLock { state in
            guard state.stage == .flat, let flat = state.flat, flat.count >= self.configuration.promotionThreshold else { return nil }
            state.stage = .promoting
            state.pending = []
            return flat.snapshot()
        }
        guard let snapshot else { return }
        self.promotion.enter()
        let thread = Thread { [self] in
            self.promote(from: snapshot)
            self.promotion.leave()
        }
        thread.name = "deja.index.promotion"
        thread.start()
    }

    private func promote(from snapshot: (ids: [UInt64], vectors: [Float])) {
        // The configuration was validated in `init`, so creating the graph cannot fail.
        let graph = try! HNSWIndex(dimension: self.dimension, configuration: self.configuration.hnsw)
        graph.insertNormalized(ids: snapshot.ids, units: snapshot.vectors)
        while true {
            let batch: [Mutation]? = self.state.withLock { state in
                guard !state.pending.isEmpty else {
                    state.graph = graph
                    state.flat = nil
                    state.stage = .hnsw
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
            guard let batch else { return }
            for mutation in batch {
                switch mutation {
                case .upsert(let id, let vector):
                    // Already accepted by the flat index, so the vector is valid.
                    try? graph.upsert(id: id, vector: vector)
                case .remove(let id):
                    graph.remove(id: id)
                case .removeAll:
                    graph.removeAll()
                }
            }
        }
    }
}

extension AdaptiveIndex {
    /// Writes the current structure (the flat index while promoting) to `url`.
    public func write(to url: URL) throws(IndexError) {
        let (flat, graph) = self.state.withLock { ($0.flat, $0.graph) }
        if let graph {
            try graph.write(to: url)
        } else {
            try flat!.write(to: url)
        }
    }

    /// Reads a file written by ``write(to:)``, ``FlatIndex/write(to:)`` or ``HNSWIndex/write(to:)``.
    /// A flat index at or past the threshold starts promoting at once.
    public static func read(from url: URL, configuration: Configuration = Configuration()) throws(IndexError) -> AdaptiveIndex {
        let bytes = try IndexFile.readBytes(from: url)
        do {
            return AdaptiveIndex(flat: try FlatIndex.deserialize(bytes), configuration: configuration)
        } catch where error == .wrongIndexKind {
            return AdaptiveIndex(graph: try HNSWIndex.deserialize(bytes), configuration: configuration)
        }
    }
}
