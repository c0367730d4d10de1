import CoreMetrics
import Prometheus
import Synchronization

/// The gateway's metrics under the contract names of DESIGN.md, recorded through the swift-metrics
/// facade into one Prometheus registry that `GET /metrics` renders.
///
/// Every label value comes from a closed set chosen by the caller (route templates, status
/// classes, configured providers, catalogue models or `other`, cache kinds, error classes), so a
/// client cannot grow the exposition. Metric objects are made once per label set and kept: a
/// facade lookup per request would cost more than the recording.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The facade factory over `registry`: bootstrap `MetricsSystem` with it so that libraries'
    /// metrics land on the same `/metrics`.
    public let factory: PrometheusFactory

    /// Every family the gateway exports, with its help text and buckets.
    public static let descriptions: [String: MetricDescription] = [
        "llm_gateway_http_requests_total": .init(help: "HTTP requests served, by route template, method and status class"),
        "llm_gateway_http_request_duration_seconds": .init(help: "Time from request to response head, by route template, method and status class", buckets: MetricBuckets.request),
        "llm_gateway_in_flight_requests": .init(help: "HTTP requests being served (streams until their end)"),
        "llm_gateway_provider_latency_seconds": .init(help: "Upstream call latency per attempt (a stream until its end)", buckets: MetricBuckets.llm),
        "llm_gateway_time_to_first_token_seconds": .init(help: "Time from request to the first streamed chunk sent to the client", buckets: MetricBuckets.llm),
        "llm_gateway_tokens_total": .init(help: "Tokens of answered upstream calls, by kind (input, output, cached_input)"),
        "llm_gateway_cost_usd_total": .init(help: "Spend on upstream calls, USD, from the catalogue's prices and the reported usage"),
        "llm_gateway_cache_hits_total": .init(help: "Cache hits by kind (exact, semantic)"),
        "llm_gateway_cache_misses_total": .init(help: "Cache lookups that found no usable entry"),
        "llm_gateway_cache_entries": .init(help: "Entries in the in-process cache"),
        "llm_gateway_cache_lookup_duration_seconds": .init(help: "Time to look a request up in the cache (exact and semantic, verification included)", buckets: MetricBuckets.lookup),
        "llm_gateway_embedding_duration_seconds": .init(help: "Time to embed one cache query", buckets: MetricBuckets.lookup),
        "llm_gateway_coalesced_requests_total": .init(help: "Requests answered by an identical in-flight request's upstream call"),
        "llm_gateway_cache_savings_usd_total": .init(help: "Spend avoided by cache hits, USD at the stored answer's model price"),
        "llm_gateway_routing_savings_usd_total": .init(help: "Spend avoided by routing, USD against the strongest candidate weighed"),
        "llm_gateway_circuit_breaker_state": .init(help: "Circuit breaker state (0 closed, 1 open, 2 half-open)"),
        "llm_gateway_upstream_retries_total": .init(help: "Upstream calls retried"),
        "llm_gateway_upstream_errors_total": .init(help: "Failed upstream attempts, by provider and error class"),
        "llm_gateway_rate_limit_exceeded_total": .init(help: "Requests refused by a rate limit or a budget, by scope"),
        "llm_gateway_budget_alerts_total": .init(help: "Budgets that passed their alert share this month"),
        "llm_gateway_governance_fallback_total": .init(help: "Rate-limit and budget decisions taken locally while Redis was unreachable"),
        "llm_gateway_redis_errors_total": .init(help: "Failed Redis operations"),
        "llm_gateway_redis_up": .init(help: "Redis reachable (1) or not (0), by component (cache_mirror, governance)"),
        "llm_gateway_instances": .init(help: "Live gateway instances seen through Redis"),
        "llm_gateway_build_info": .init(help: "Always 1; the version label says which build runs"),
    ]

    /// The families the gateway exports (what a dashboard may query).
    public static var exportedNames: [String] { descriptions.keys.sorted() }

    /// The closed list of upstream error classes (`error_class` label).
    public static let errorClasses: Set<String> = [
        "timeout", "connection_failed", "malformed_response", "stream_interrupted", "invalid_request", "unsupported",
        "rate_limited", "credentials", "client_error", "server_error",
    ]

    private let cacheLookupDuration: CoreMetrics.Timer
    private let embeddingDuration: CoreMetrics.Timer
    private let exactHits: CoreMetrics.Counter
    private let semanticHits: CoreMetrics.Counter
    private let misses: CoreMetrics.Counter
    private let coalesced: CoreMetrics.Counter
    private let redisErrors: CoreMetrics.Counter
    private let cacheEntries: Meter
    private let inFlight: Meter
    private let cacheSavings: FloatingPointCounter
    private let routingSavings: FloatingPointCounter
    private let governanceFallback: CoreMetrics.Counter

    /// Metric objects made for a label set, kept by (family, label values).
    private struct Key: Hashable {
        let family: String
        let values: [String]
    }
    private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])
    private let floatCounters = Mutex<[Key: FloatingPointCounter]>([:])
    private let timers = Mutex<[Key: CoreMetrics.Timer]>([:])
    private let meters = Mutex<[Key: Meter]>([:])

    public init(version: String = "dev") {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusFactory(registry: registry, descriptions: Self.descriptions)
        self.registry = registry
        self.factory = factory
        cacheLookupDuration = CoreMetrics.Timer(label: "llm_gateway_cache_lookup_duration_seconds", factory: factory)
        embeddingDuration = CoreMetrics.Timer(label: "llm_gateway_embedding_duration_seconds", factory: factory)
        exactHits = CoreMetrics.Counter(label: "llm_gateway_cache_hits_total", dimensions: [("kind", "exact")], factory: factory)
        semanticHits = CoreMetrics.Counter(label: "llm_gateway_cache_hits_total", dimensions: [("kind", "semantic")], factory: factory)
        misses = CoreMetrics.Counter(label: "llm_gateway_cache_misses_total", factory: factory)
        coalesced = CoreMetrics.Counter(label: "llm_gateway_coalesced_requests_total", factory: factory)
        redisErrors = CoreMetrics.Counter(label: "llm_gateway_redis_errors_total", factory: factory)
        cacheEntries = Meter(label: "llm_gateway_cache_entries", factory: factory)
        inFlight = Meter(label: "llm_gateway_in_flight_requests", factory: factory)
        cacheSavings = FloatingPointCounter(label: "llm_gateway_cache_savings_usd_total", factory: factory)
        routingSavings = FloatingPointCounter(label: "llm_gateway_routing_savings_usd_total", factory: factory)
        governanceFallback = CoreMetrics.Counter(label: "llm_gateway_governance_fallback_total", factory: factory)
        Meter(label: "llm_gateway_build_info", dimensions: [("version", version)], factory: factory).set(1)
        // Families that exist from the start, so dashboards and alerts see zeros, not gaps.
        cacheEntries.set(0)
        inFlight.set(0)
        counter("llm_gateway_rate_limit_exceeded_total", ["scope"], ["ip"]).increment(by: 0)
    }

    private func counter(_ family: String, _ names: [String], _ values: [String]) -> CoreMetrics.Counter {
        Self.cached(counters, Key(family: family, values: values)) { CoreMetrics.Counter(label: family, dimensions: Array(zip(names, values)), factory: factory) }
    }

    private func floatCounter(_ family: String, _ names: [String], _ values: [String]) -> FloatingPointCounter {
        Self.cached(floatCounters, Key(family: family, values: values)) { FloatingPointCounter(label: family, dimensions: Array(zip(names, values)), factory: factory) }
    }

    private func timer(_ family: String, _ names: [String], _ values: [String]) -> CoreMetrics.Timer {
        Self.cached(timers, Key(family: family, values: values)) { CoreMetrics.Timer(label: family, dimensions: Array(zip(names, values)), factory: factory) }
    }

    private func meter(_ family: String, _ names: [String], _ values: [String]) -> Meter {
        Self.cached(meters, Key(family: family, values: values)) { Meter(label: family, dimensions: Array(zip(names, values)), factory: factory) }
    }

    /// The metric object kept for `key`, made (once) by `make` when there is none yet.
    private static func cached<Metric>(_ cache: borrowing Mutex<[Key: Metric]>, _ key: Key, make: () -> Metric) -> Metric {
        cache.withLock { cache in
            if let known = cache[key] { return known }
            let made = make()
            cache[key] = made
            return made
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    // MARK: - HTTP

    /// `2xx`, `4xx`, …: the status label (a bounded set).
    public static func statusClass(_ status: Int) -> String {
        switch status {
        case 100..<200: "1xx"
        case 200..<300: "2xx"
        case 300..<400: "3xx"
        case 400..<500: "4xx"
        default: "5xx"
        }
    }

    /// Counts one HTTP request and its duration; `route` is a template from a closed list.
    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let values = [route, method, Self.statusClass(status)]
        counter("llm_gateway_http_requests_total", ["route", "method", "status_class"], values).increment()
        timer("llm_gateway_http_request_duration_seconds", ["route", "method", "status_class"], values).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A request started (+1) or ended (−1), streams at their end.
    public func adjustInFlight(by delta: Int) { inFlight.increment(by: Double(delta)) }

    // MARK: - Cache

    /// How a cache lookup ended.
    public enum LookupOutcome: Sendable { case exactHit, semanticHit, miss }

    public func recordLookup(_ duration: Duration, outcome: LookupOutcome) {
        cacheLookupDuration.recordNanoseconds(Self.nanoseconds(duration))
        switch outcome {
        case .exactHit: exactHits.increment()
        case .semanticHit: semanticHits.increment()
        case .miss: misses.increment()
        }
    }

    public func recordEmbedding(_ duration: Duration) { embeddingDuration.recordNanoseconds(Self.nanoseconds(duration)) }
    public func recordCoalesced() { coalesced.increment() }
    public func setCacheEntries(_ count: Int) { cacheEntries.set(count) }

    /// Counts what cache hits saved (USD at the stored answer's model price).
    public func recordSavings(usd: Double) {
        guard usd > 0, usd.isFinite else { return }
        cacheSavings.increment(by: usd)
    }

    /// Counts what routing saved against the strongest candidate it weighed.
    public func recordRoutingSavings(usd: Double) {
        guard usd > 0, usd.isFinite else { return }
        routingSavings.increment(by: usd)
    }

    // MARK: - Upstream

    /// Records one upstream attempt's latency.
    public func recordProviderLatency(provider: String, model: String, duration: Duration) {
        timer("llm_gateway_provider_latency_seconds", ["provider", "model"], [provider, model]).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Records the time from request to the first streamed chunk.
    public func recordTimeToFirstToken(provider: String, model: String, duration: Duration) {
        timer("llm_gateway_time_to_first_token_seconds", ["provider", "model"], [provider, model]).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Counts one retry of an upstream call.
    public func recordRetry(provider: String) {
        counter("llm_gateway_upstream_retries_total", ["provider"], [provider]).increment()
    }

    /// Counts one failed upstream attempt; `errorClass` from ``errorClasses``.
    public func recordUpstreamError(provider: String, errorClass: String) {
        let errorClass = Self.errorClasses.contains(errorClass) ? errorClass : "server_error"
        counter("llm_gateway_upstream_errors_total", ["provider", "error_class"], [provider, errorClass]).increment()
    }

    /// Adds an answered call's cost (USD).
    public func recordCost(provider: String, model: String, usd: Double) {
        guard usd > 0, usd.isFinite else { return }
        floatCounter("llm_gateway_cost_usd_total", ["provider", "model"], [provider, model]).increment(by: usd)
    }

    /// Adds an answered call's tokens by kind (`input`, `output`, `cached_input`).
    public func recordTokens(provider: String, model: String, input: Int, output: Int, cached: Int) {
        for (kind, count) in [("input", input), ("output", output), ("cached_input", cached)] where count > 0 {
            counter("llm_gateway_tokens_total", ["provider", "model", "kind"], [provider, model, kind]).increment(by: count)
        }
    }

    /// Sets a circuit's state: 0 closed, 1 open, 2 half-open.
    public func setCircuitBreakerState(provider: String, model: String, value: Int) {
        meter("llm_gateway_circuit_breaker_state", ["provider", "model"], [provider, model]).set(value)
    }

    // MARK: - Governance and Redis

    /// Counts a request refused by a rate limit or a budget; `scope` is from a closed list (`ip`,
    /// `key`, `tenant`, `model`, `budget_global`, `budget_tenant`, `budget_key`).
    public func recordRateLimitExceeded(scope: String) {
        counter("llm_gateway_rate_limit_exceeded_total", ["scope"], [scope]).increment()
    }

    /// Counts a budget's soft alert (once per scope and month); `scope` is `global`, `tenant` or `key`.
    public func recordBudgetAlert(scope: String) {
        counter("llm_gateway_budget_alerts_total", ["scope"], [scope]).increment()
    }

    /// Counts a governance decision taken locally because Redis did not answer in time.
    public func recordGovernanceFallback() { governanceFallback.increment() }

    /// Sets whether the shared governance counters (Redis) answer, and the live instances.
    public func setGovernanceShared(up: Bool, instances: Int) {
        setRedisUp(component: "governance", up: up)
        meter("llm_gateway_instances", [], []).set(instances)
    }

    /// Sets whether a Redis client (`cache_mirror`, `governance`) is connected.
    public func setRedisUp(component: String, up: Bool) {
        meter("llm_gateway_redis_up", ["component"], [component]).set(up ? 1 : 0)
    }

    public func addRedisErrors(_ count: Int) { if count > 0 { redisErrors.increment(by: count) } }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16384)
        registry.emit(into: &buffer)
        return buffer
    }
}
