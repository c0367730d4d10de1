import DejaCache
import DejaObservability
import DejaProviders
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

/// Records every upstream attempt's latency (`llm_gateway_provider_latency_seconds`) and failure
/// (`llm_gateway_upstream_errors_total`), every retry (`llm_gateway_upstream_retries_total`) and
/// every circuit change (`llm_gateway_circuit_breaker_state`), under bounded labels.
struct UpstreamMetricsObserver: UpstreamObserver {
    let metrics: GatewayMetrics
    let registry: ProviderRegistry

    func attemptFinished(_ attempt: Attempt) {
        let provider = registry.metricsProvider(attempt.provider)
        metrics.recordProviderLatency(
            provider: provider, model: registry.metricsModel(provider: attempt.provider, upstream: attempt.model), duration: attempt.duration)
        if case .failed(let error) = attempt.outcome {
            metrics.recordUpstreamError(provider: provider, errorClass: Self.errorClass(error))
        }
    }

    func retrying(provider: String, model: String, delay: Duration) {
        metrics.recordRetry(provider: registry.metricsProvider(provider))
    }

    func circuitChanged(provider: String, model: String, state: CircuitBreakers.State) {
        metrics.setCircuitBreakerState(
            provider: registry.metricsProvider(provider), model: registry.metricsModel(provider: provider, upstream: model), value: state.gaugeValue)
    }

    /// The `error_class` label of a failed attempt (one of `GatewayMetrics.errorClasses`).
    static func errorClass(_ error: ProviderError) -> String {
        if error.isTimeout { return "timeout" }
        if error.isConnectionFailure { return "connection_failed" }
        if error.isStreamInterrupted { return "stream_interrupted" }
        if error.isMalformedResponse { return "malformed_response" }
        if error.isInvalidRequest { return "invalid_request" }
        if error.isUnsupported { return "unsupported" }
        switch error.upstreamStatus ?? 502 {
        case 401, 403: return "credentials"
        case 429: return "rate_limited"
        case 400..<500: return "client_error"
        default: return "server_error"
        }
    }
}
