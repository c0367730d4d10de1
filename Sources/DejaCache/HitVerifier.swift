/// The last gate before a semantic candidate serves: cosine similarity alone cannot tell a
/// paraphrase from a near-miss ("Celsius to Fahrenheit" vs "Fahrenheit to Celsius" score 0.997),
/// so every candidate must also pass a verifier, or the lookup is a miss.
public protocol HitVerifier: Sendable {
    /// Nil when `candidate`'s answer may serve `query`; otherwise the reason it may not (a short,
    /// stable label such as "slots" or "polarity", counted in the cache statistics).
    func rejection(query: String, candidate: String) async -> VerifierRejection?
}

/// Why a verifier refused a candidate: a stable label for counters and a detail for logs.
public struct VerifierRejection: Sendable, Hashable, CustomStringConvertible {
    public var check: String
    public var detail: String

    public init(check: String, detail: String) {
        self.check = check
        self.detail = detail
    }

    public var description: String { "\(check): \(detail)" }
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
