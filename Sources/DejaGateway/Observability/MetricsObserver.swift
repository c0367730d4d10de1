import DejaCache
import DejaObservability
import DejaReliability

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

/// Records every upstream attempt's latency (`llm_gateway_provider_latency_seconds`), every retry
/// (`llm_gateway_upstream_retries_total`) and every circuit change
/// (`llm_gateway_circuit_breaker_state`).
struct UpstreamMetricsObserver: UpstreamObserver {
    let metrics: GatewayMetrics

    func attemptFinished(_ attempt: Attempt) {
        metrics.recordProviderLatency(provider: attempt.provider, duration: attempt.duration)
    }

    func retrying(provider: String, model: String, delay: Duration) {
        metrics.recordRetry(provider: provider)
    }

    func circuitChanged(provider: String, model: String, state: CircuitBreakers.State) {
        metrics.setCircuitBreakerState(provider: provider, model: model, value: state.gaugeValue)
    }
}
