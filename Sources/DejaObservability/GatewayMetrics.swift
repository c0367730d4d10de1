public import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, under the contract names of DESIGN.md. Metric objects are
/// created once (per label set, cached by the registry) and updated with atomics; `/metrics`
/// renders the registry into bytes.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// `llm_gateway_provider_latency_seconds` per provider (providers are few and configured).
    private let providerLatency = Mutex<[String: DurationHistogram]>([:])

    /// Seconds: 50 µs … 30 s, dense below 10 ms where cache hits and lookups live.
    static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    let cacheLookupDuration: DurationHistogram
    let embeddingDuration: DurationHistogram
    let exactHits: Counter
    let semanticHits: Counter
    let misses: Counter
    let coalesced: Counter
    let redisErrors: Counter
    let cacheEntries: Gauge

    /// How a cache lookup ended.
    public enum LookupOutcome: Sendable { case exactHit, semanticHit, miss }

    public func recordLookup(_ duration: Duration, outcome: LookupOutcome) {
        cacheLookupDuration.record(duration)
        switch outcome {
        case .exactHit: exactHits.increment()
        case .semanticHit: semanticHits.increment()
        case .miss: misses.increment()
        }
    }

    public func recordEmbedding(_ duration: Duration) { embeddingDuration.record(duration) }
    public func recordCoalesced() { coalesced.increment() }
    public func addRedisErrors(_ count: Int) { if count > 0 { redisErrors.increment(by: Int64(count)) } }
    public func setCacheEntries(_ count: Int) { cacheEntries.set(Int64(count)) }

    public init() {
        cacheLookupDuration = registry.makeDurationHistogram(
            descriptor: Self.name("llm_gateway_cache_lookup_duration", "seconds", "Time to look a request up in the cache (exact and semantic, verification included)"), buckets: Self.latencyBuckets)
        embeddingDuration = registry.makeDurationHistogram(
            descriptor: Self.name("llm_gateway_embedding_duration", "seconds", "Time to embed one cache query"), buckets: Self.latencyBuckets)
        exactHits = registry.makeCounter(descriptor: Self.name("llm_gateway_cache_hits", "total", "Cache hits"), labels: [("kind", "exact")])
        semanticHits = registry.makeCounter(descriptor: Self.name("llm_gateway_cache_hits", "total", "Cache hits"), labels: [("kind", "semantic")])
        misses = registry.makeCounter(descriptor: Self.name("llm_gateway_cache_misses", "total", "Cache lookups that found no usable entry"))
        coalesced = registry.makeCounter(
            descriptor: Self.name("llm_gateway_coalesced_requests", "total", "Requests answered by an identical request's upstream call"))
        redisErrors = registry.makeCounter(descriptor: Self.name("llm_gateway_redis_errors", "total", "Failed Redis operations"))
        cacheEntries = registry.makeGauge(descriptor: Self.name("llm_gateway_cache", "entries", "Entries in the in-process cache"))
    }

    static func name(_ base: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: base, unitName: unit, helpText: help)
    }

    /// Counts one HTTP request and its duration.
    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.name("llm_gateway_http_requests", "total", "HTTP requests served"), labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("llm_gateway_http_request_duration", "seconds", "Time from request to response head"), labels: [("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Records one upstream call's latency. The histogram of each provider is looked up in the
    /// registry once and kept (a registry lookup per call costs more than the recording).
    public func recordProviderLatency(provider: String, duration: Duration) {
        let histogram = providerLatency.withLock { cache in
            if let known = cache[provider] { return known }
            let made = registry.makeDurationHistogram(
                descriptor: Self.name("llm_gateway_provider_latency", "seconds", "Upstream provider latency"), labels: [("provider", provider)],
                buckets: Self.latencyBuckets)
            cache[provider] = made
            return made
        }
        histogram.record(duration)
    }

    /// Counts one retry of an upstream call.
    public func recordRetry(provider: String) {
        registry.makeCounter(
            descriptor: Self.name("llm_gateway_upstream_retries", "total", "Upstream calls retried"), labels: [("provider", provider)]
        ).increment()
    }

    /// Adds an answered call's cost (USD, from the catalogue's prices and the reported usage).
    public func recordCost(provider: String, model: String, usd: Double) {
        guard usd > 0, usd.isFinite else { return }
        registry.makeCounter(
            descriptor: Self.name("llm_gateway_cost_usd", "total", "Spend on upstream calls, USD"), labels: [("provider", provider), ("model", model)]
        ).increment(by: usd)
    }

    /// Adds an answered call's tokens by kind (`input`, `output`, `cached_input`).
    public func recordTokens(provider: String, model: String, input: Int, output: Int, cached: Int) {
        for (kind, count) in [("input", input), ("output", output), ("cached_input", cached)] where count > 0 {
            registry.makeCounter(
                descriptor: Self.name("llm_gateway_tokens", "total", "Tokens of answered upstream calls"),
                labels: [("provider", provider), ("model", model), ("kind", kind)]
            ).increment(by: Int64(count))
        }
    }

    /// Counts a request refused by a rate limit or a budget; `scope` is from a closed list (`ip`,
    /// `key`, `tenant`, `model`, `budget_global`, `budget_tenant`, `budget_key`).
    public func recordRateLimitExceeded(scope: String) {
        registry.makeCounter(
            descriptor: Self.name("llm_gateway_rate_limit_exceeded", "total", "Requests refused by a rate limit or a budget"), labels: [("scope", scope)]
        ).increment()
    }

    /// Counts a budget's soft alert (once per scope and month); `scope` is `global`, `tenant` or `key`.
    public func recordBudgetAlert(scope: String) {
        registry.makeCounter(
            descriptor: Self.name("llm_gateway_budget_alerts", "total", "Budgets that passed their alert share this month"), labels: [("scope", scope)]
        ).increment()
    }

    /// Counts a governance decision (rate limit or budget) taken locally because Redis did not
    /// answer in time.
    public func recordGovernanceFallback() {
        registry.makeCounter(
            descriptor: Self.name("llm_gateway_governance_fallback", "total", "Rate-limit and budget decisions taken locally while Redis was unreachable")
        ).increment()
    }

    /// Sets whether the shared governance counters (Redis) answer: 1 yes, 0 no (local fallback).
    public func setGovernanceShared(up: Bool, instances: Int) {
        registry.makeGauge(descriptor: Self.name("llm_gateway_governance_redis_up", "", "Shared rate limits and budgets reachable in Redis (1) or local fallback (0)"))
            .set(Int64(up ? 1 : 0))
        registry.makeGauge(descriptor: Self.name("llm_gateway_instances", "", "Live gateway instances seen through Redis")).set(Int64(instances))
    }

    /// Counts what cache hits saved (USD at the stored answer's model price).
    public func recordSavings(usd: Double) {
        guard usd > 0, usd.isFinite else { return }
        registry.makeCounter(descriptor: Self.name("llm_gateway_cache_savings_usd", "total", "Spend avoided by cache hits, USD")).increment(by: usd)
    }

    /// Sets a circuit's state: 0 closed, 1 open, 2 half-open.
    public func setCircuitBreakerState(provider: String, model: String, value: Int) {
        registry.makeGauge(
            descriptor: Self.name("llm_gateway_circuit_breaker_state", "", "Circuit breaker state (0 closed, 1 open, 2 half-open)"),
            labels: [("provider", provider), ("model", model)]
        ).set(Int64(value))
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }
}
