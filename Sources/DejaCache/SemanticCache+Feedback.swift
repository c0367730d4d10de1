import Synchronization

extension SemanticCache {
    /// What `feedback` did.
    public struct FeedbackResult: Sendable {
        /// The entry that served the completion, when it was known.
        public var entryID: UInt64?
        /// Whether that entry was removed.
        public var evicted: Bool
        /// The namespace threshold after the report (when raising is enabled).
        public var namespaceThreshold: Double?
        /// The removed entry (for mirroring the removal).
        public var removed: CacheEntry?
    }

    /// Records a client's verdict on a completion it received. `correct: false` evicts the entry
    /// that served it, remembers the (cached query, asked query) pair as a negative example so
    /// the same pair is never matched again, counts a wrong hit for the namespace and, when
    /// configured, raises that namespace's threshold. Returns nil when the completion id is
    /// unknown or belongs to another scope.
    public func feedback(completionID: String, correct: Bool, scope: String) -> FeedbackResult? {
        guard let served = servedRecord(completionID), served.scope == scope else { return nil }
        guard !correct else { return FeedbackResult(entryID: served.entryID, evicted: false, namespaceThreshold: nil, removed: nil) }
        let removed = store.remove { $0.id == served.entryID }.first
        let threshold = feedbackState.withLock { state -> Double? in
            state.wrongHits[served.namespace, default: 0] += 1
            if served.query != served.entryQuery {
                let key = NegativePair(namespace: served.namespace, cached: Self.normalized(served.entryQuery), asked: Self.normalized(served.query))
                if state.negatives.insert(key).inserted { state.negativeOrder.append(key) }
                while state.negativeOrder.count > Self.maxNegativePairs { state.negatives.remove(state.negativeOrder.removeFirst()) }
            }
            guard configuration.feedbackRaisesThreshold else { return nil }
            let current = state.namespaceThresholds[served.namespace] ?? configuration.threshold
            let raised = min(1.0, current + configuration.feedbackThresholdStep)
            state.namespaceThresholds[served.namespace] = raised
            return raised
        }
        return FeedbackResult(entryID: served.entryID, evicted: removed != nil, namespaceThreshold: threshold, removed: removed)
    }

    /// Whether a client reported this (cached query, asked query) pair as wrong in this namespace.
    func isNegativePair(namespace: CacheKey, cached: String, asked: String) -> Bool {
        feedbackState.withLock { state in
            guard !state.negatives.isEmpty else { return false }
            return state.negatives.contains(NegativePair(namespace: namespace, cached: Self.normalized(cached), asked: Self.normalized(asked)))
        }
    }

    /// The threshold for a namespace after feedback raised it (never lower than `threshold`).
    func effectiveThreshold(_ threshold: Double, namespace: CacheKey) -> Double {
        feedbackState.withLock { state in
            guard let raised = state.namespaceThresholds[namespace] else { return threshold }
            return max(threshold, raised)
        }
    }

    /// Reported wrong hits per namespace (hex key → count), most first.
    public func wrongHitCounts() -> [(namespace: String, count: Int)] {
        feedbackState.withLock { state in
            state.wrongHits.map { ($0.key.description, $0.value) }.sorted { $0.1 > $1.1 }
        }
    }

    static let maxNegativePairs = 10_000

    static func normalized(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }
}

struct NegativePair: Hashable, Sendable {
    var namespace: CacheKey
    var cached: String
    var asked: String
}

/// Feedback bookkeeping: negative pairs, wrong-hit counts and raised thresholds.
struct FeedbackState: Sendable {
    var negatives: Set<NegativePair> = []
    var negativeOrder: [NegativePair] = []
    var wrongHits: [CacheKey: Int] = [:]
    var namespaceThresholds: [CacheKey: Double] = [:]
}

/// What the cache remembers about a completion id it returned.
struct ServedRecord: Sendable {
    var entryID: UInt64
    var scope: String
    var namespace: CacheKey
    /// The query the client asked (differs from `entryQuery` for semantic hits).
    var query: String
    var entryQuery: String
}
