import DejaCache
import DejaObservability

/// Feeds the cache's timings into the Prometheus histograms and counters.
struct MetricsObserver: CacheObserver {
    let metrics: GatewayMetrics

    func lookupFinished(_ duration: Duration, outcome: CacheLookupOutcome) {
        switch outcome {
        case .exactHit: metrics.recordLookup(duration, outcome: .exactHit)
        case .semanticHit: metrics.recordLookup(duration, outcome: .semanticHit)
        case .miss: metrics.recordLookup(duration, outcome: .miss)
        }
    }

    func embeddingFinished(_ duration: Duration) {
        metrics.recordEmbedding(duration)
    }
}
