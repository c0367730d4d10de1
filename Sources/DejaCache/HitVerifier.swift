public import DejaVerifier

/// The last gate before a semantic candidate serves: cosine similarity alone cannot tell a
/// paraphrase from a near-miss ("Celsius to Fahrenheit" vs "Fahrenheit to Celsius" score 0.997),
/// so every candidate must also pass a verifier, or the lookup is a miss.
public protocol HitVerifier: Sendable {
    /// Nil when `candidate`'s answer may serve `query`; otherwise the reason it may not: the
    /// verdict's `check` is a short, stable label ("slots", "polarity", …) counted in the cache
    /// statistics, its `detail` goes to the logs. `threshold` is the cosine threshold the
    /// candidate was found at (each threshold has its preset's bounds); `similarity` is the
    /// candidate's own cosine, at or above it.
    func rejection(query: String, candidate: String, threshold: Double, similarity: Double) async -> Verdict?
}

extension HitVerifier {
    /// The rejection of a candidate taken to lie right at `threshold`.
    public func rejection(query: String, candidate: String, threshold: Double) async -> Verdict? {
        await rejection(query: query, candidate: candidate, threshold: threshold, similarity: threshold)
    }
}

/// Receives the cache's timings as they happen (the gateway feeds them to Prometheus histograms).
public protocol CacheObserver: Sendable {
    func lookupFinished(_ duration: Duration, outcome: CacheLookupOutcome)
    func embeddingFinished(_ duration: Duration)
}

/// How a lookup ended, for metrics.
public enum CacheLookupOutcome: Sendable {
    case exactHit, semanticHit, miss
}
