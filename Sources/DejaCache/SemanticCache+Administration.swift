import DejaEmbedding
import Synchronization
import DejaIndex

extension SemanticCache {
    /// A point-in-time view for `/api/cache/stats` and `/metrics`.
    public struct Statistics: Sendable {
        public struct NamespaceInfo: Sendable {
            public var namespace: String
            public var entries: Int
            public var model: String
            public var index: String
        }

        public var entries: Int
        public var bytes: Int
        public var namespaces: Int
        public var exactHits: Int
        public var semanticHits: Int
        public var misses: Int
        public var bypasses: Int
        public var coalesced: Int
        public var evictions: Int
        public var expirations: Int
        public var rejections: [String: Int]
        public var lookupP50: Double
        public var lookupP99: Double
        public var lookupCount: Int
        public var lookupSum: Double
        public var embeddingP50: Double
        public var embeddingP99: Double
        public var embeddingCount: Int
        public var embeddingSum: Double
        /// The largest namespaces first.
        public var topNamespaces: [NamespaceInfo]

        public var hitRatio: Double {
            let lookups = exactHits + semanticHits + misses
            return lookups == 0 ? 0 : Double(exactHits + semanticHits) / Double(lookups)
        }
    }

    public func statistics(topNamespaces limit: Int = 10) -> Statistics {
        let snapshot = store.snapshot()
        let lookup = counters.lookupPercentiles()
        let embedding = counters.embeddingPercentiles()
        let top = snapshot.namespaces.sorted { $0.count > $1.count }.prefix(limit).map {
            Statistics.NamespaceInfo(namespace: $0.key.description, entries: $0.count, model: $0.model, index: $0.kind)
        }
        return Statistics(
            entries: snapshot.entries, bytes: snapshot.bytes, namespaces: snapshot.namespaces.count,
            exactHits: counters.exactHits.load(ordering: .relaxed), semanticHits: counters.semanticHits.load(ordering: .relaxed),
            misses: counters.misses.load(ordering: .relaxed), bypasses: counters.bypasses.load(ordering: .relaxed),
            coalesced: counters.coalesced.load(ordering: .relaxed), evictions: snapshot.evictions, expirations: snapshot.expirations,
            rejections: counters.rejectionCounts(), lookupP50: lookup.p50, lookupP99: lookup.p99, lookupCount: lookup.count,
            lookupSum: lookup.sum, embeddingP50: embedding.p50, embeddingP99: embedding.p99, embeddingCount: embedding.count,
            embeddingSum: embedding.sum, topNamespaces: Array(top))
    }

    /// What to remove.
    public enum Invalidation: Sendable {
        case all
        /// Entries answered by this model (`provider/model`, or the bare model name).
        case model(String)
        case namespace(CacheKey)
        case entry(UInt64)
        /// Entries whose query is semantically close to `text` (cosine ≥ threshold), optionally
        /// only for one model.
        case query(String, model: String?, threshold: Double)
    }

    /// Removes matching entries; returns them (so a mirror can propagate the removal).
    @discardableResult
    public func invalidate(_ invalidation: Invalidation) async throws -> [CacheEntry] {
        switch invalidation {
        case .all:
            return store.remove { _ in true }
        case .model(let model):
            return store.remove { Self.modelMatches($0.model, model) }
        case .namespace(let key):
            return store.remove { $0.namespace == key }
        case .entry(let id):
            return store.remove { $0.id == id }
        case .query(let text, let model, let threshold):
            let vector = try await embedder.embed(text)
            let candidates = store.allEntries().filter { model == nil || Self.modelMatches($0.model, model!) }
            let matching = Set(candidates.filter { Self.cosine($0.embedding, vector) >= Float(threshold) }.map(\.id))
            return store.remove { matching.contains($0.id) }
        }
    }

    static func modelMatches(_ resolved: String, _ requested: String) -> Bool {
        resolved == requested || resolved.hasSuffix("/" + requested)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return -1 }
        var dot: Float = 0
        var na: Float = 0
        var nb: Float = 0
        for i in 0..<a.count {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : -1
    }
}

extension SemanticCache {
    /// Waits until no namespace index is being promoted to HNSW (benchmarks, tests).
    public func waitForIndexes() {
        for index in store.allIndexes() { index.waitForPromotion() }
    }
}
