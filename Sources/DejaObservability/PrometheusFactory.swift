import CoreMetrics
import Prometheus

/// What `/metrics` says about one metric family: its help text and, for histograms, its buckets.
public struct MetricDescription: Sendable {
    public let help: String
    public let buckets: [Duration]

    public init(help: String, buckets: [Duration] = []) {
        self.help = help
        self.buckets = buckets
    }
}

/// A swift-metrics factory over one Prometheus registry that knows the gateway's metric families.
///
/// swift-prometheus's own factory registers every family with an empty help text and one bucket
/// layout for all histograms; `promtool check metrics` refuses families without help, and LLM
/// latencies (seconds) and cache lookups (microseconds) need different buckets. This factory
/// looks both up by the metric's label in `descriptions` (families it does not know get a generic
/// help text and the LLM buckets), so everything recorded through the swift-metrics facade —
/// the gateway's own metrics and any library's — renders as valid, documented exposition.
public struct PrometheusFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    public let descriptions: [String: MetricDescription]

    public init(registry: PrometheusCollectorRegistry, descriptions: [String: MetricDescription]) {
        self.registry = registry
        self.descriptions = descriptions
    }

    private func help(_ label: String) -> String {
        descriptions[label]?.help ?? "\(label) (recorded through swift-metrics)"
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(label))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(label))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(name: label, labels: dimensions, help: help(label)) }
        let buckets = (descriptions[label]?.buckets ?? MetricBuckets.llm).map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        return registry.makeValueHistogram(name: label, labels: dimensions, buckets: buckets, help: help(label))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(name: label, labels: dimensions, help: help(label))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = descriptions[label]?.buckets ?? MetricBuckets.llm
        return registry.makeDurationHistogram(name: label, labels: dimensions, buckets: buckets.isEmpty ? MetricBuckets.llm : buckets, help: help(label))
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

/// Histogram bucket layouts.
public enum MetricBuckets {
    /// Upstream calls and time to first token: 5 ms … 120 s.
    public static let llm: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(60), .seconds(120),
    ]
    /// Whole HTTP requests: cache hits answer in well under a millisecond, upstream calls take
    /// seconds, so the LLM layout with three sub-5 ms buckets in front.
    public static let request: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2)] + llm
    /// Cache lookups and query embeddings: 50 µs … 50 ms.
    public static let lookup: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
    ]
}
