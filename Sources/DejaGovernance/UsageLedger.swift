/// One request as the usage ledger records it. Prompt text is kept only when the tenant opted in
/// and prompt redaction is off.
public struct UsageRecord: Sendable, Equatable {
    /// Seconds since 1970 (UTC) when the request arrived.
    public var time: Double
    public var requestID: String
    /// The issued key's id, or `static:<tenant>` for a configured key; nil for anonymous callers.
    public var keyID: String?
    public var tenant: String?
    public var requestedModel: String
    /// The model that answered (the cached answer's model for a hit); empty when none did.
    public var model: String
    public var provider: String
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedTokens: Int
    public var costUSD: Double
    /// What a cache hit saved: the cost of the stored answer at its model's price.
    public var savedUSD: Double
    /// What routing saved: the cost at the strongest candidate's price minus the real cost.
    public var routingSavedUSD: Double
    public var latencyMs: Double
    public var ttftMs: Double?
    /// `hit_exact`, `hit_semantic`, `miss`, `bypass` or `none` (no cache).
    public var cacheStatus: String
    public var routingStrategy: String?
    public var retries: Int
    public var fallback: Bool
    public var status: Int
    public var prompt: String?

    public init(
        time: Double, requestID: String, keyID: String?, tenant: String?, requestedModel: String, model: String, provider: String,
        inputTokens: Int = 0, outputTokens: Int = 0, cachedTokens: Int = 0, costUSD: Double = 0, savedUSD: Double = 0,
        routingSavedUSD: Double = 0, latencyMs: Double, ttftMs: Double? = nil, cacheStatus: String, routingStrategy: String? = nil,
        retries: Int = 0, fallback: Bool = false, status: Int, prompt: String? = nil
    ) {
        self.time = time
        self.requestID = requestID
        self.keyID = keyID
        self.tenant = tenant
        self.requestedModel = requestedModel
        self.model = model
        self.provider = provider
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedTokens = cachedTokens
        self.costUSD = costUSD
        self.savedUSD = savedUSD
        self.routingSavedUSD = routingSavedUSD
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.cacheStatus = cacheStatus
        self.routingStrategy = routingStrategy
        self.retries = retries
        self.fallback = fallback
        self.status = status
        self.prompt = prompt
    }

    public var isCacheHit: Bool { cacheStatus == "hit_exact" || cacheStatus == "hit_semantic" }
    public var isError: Bool { status >= 400 }
    /// Whole hours since 1970: the rollup bucket.
    public var hour: Int64 { Int64((time / 3600).rounded(.down)) }
}

/// Latencies in logarithmic buckets (each 25 % wider than the last, from 0.1 ms to past 5 min):
/// mergeable across rows and instances, so hourly rollups keep percentiles. A percentile is
/// read as its bucket's geometric midpoint, within ±12 % of the true value.
public struct LatencyHistogram: Sendable, Equatable {
    public static let bucketCount = 68
    static let base = 0.1
    static let growth = 1.25
    static let logGrowth = 0.22314355131420976  // ln 1.25

    public var counts: [Int64]

    public init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    public init?(counts: [Int64]) {
        guard counts.count == Self.bucketCount else { return nil }
        self.counts = counts
    }

    public static func bucket(_ milliseconds: Double) -> Int {
        guard milliseconds > base, milliseconds.isFinite else { return 0 }
        return min(Int((log(milliseconds / base) / logGrowth).rounded(.up)), bucketCount - 1)
    }

    public mutating func record(_ milliseconds: Double) { counts[Self.bucket(milliseconds)] += 1 }

    public mutating func merge(_ other: LatencyHistogram) {
        for i in 0..<Self.bucketCount { counts[i] += other.counts[i] }
    }

    public var total: Int64 { counts.reduce(0, +) }

    /// The `q`-quantile (0…1) in milliseconds, nil when empty.
    public func quantile(_ q: Double) -> Double? {
        let n = total
        guard n > 0 else { return nil }
        let rank = max(1, Int64((q * Double(n)).rounded(.up)))
        var seen: Int64 = 0
        for (i, c) in counts.enumerated() {
            seen += c
            if seen >= rank {
                if i == 0 { return Self.base }
                let upper = Self.base * pow(Self.growth, Double(i))
                return upper / Self.growth.squareRoot()
            }
        }
        return nil
    }
}

/// One hour of one (key, tenant, model, provider)'s requests, summed.
public struct UsageRollup: Sendable, Equatable {
    public var hour: Int64
    public var keyID: String
    public var tenant: String
    public var model: String
    public var provider: String
    public var totals: UsageTotals

    public init(hour: Int64, keyID: String, tenant: String, model: String, provider: String, totals: UsageTotals = UsageTotals()) {
        self.hour = hour
        self.keyID = keyID
        self.tenant = tenant
        self.model = model
        self.provider = provider
        self.totals = totals
    }

    /// The rollup key of a record (`""` stands for "none").
    public static func key(of r: UsageRecord) -> RollupKey {
        RollupKey(hour: r.hour, keyID: r.keyID ?? "", tenant: r.tenant ?? "", model: r.model, provider: r.provider)
    }

    /// Rows summed by rollup key (what a store upserts for a batch).
    public static func summarize(_ records: [UsageRecord]) -> [UsageRollup] {
        var table: [RollupKey: UsageTotals] = [:]
        for r in records { table[key(of: r), default: UsageTotals()].add(r) }
        return table.map { UsageRollup(hour: $0.key.hour, keyID: $0.key.keyID, tenant: $0.key.tenant, model: $0.key.model, provider: $0.key.provider, totals: $0.value) }
            .sorted { ($0.hour, $0.keyID, $0.model, $0.provider) < ($1.hour, $1.keyID, $1.model, $1.provider) }
    }
}

public struct RollupKey: Hashable, Sendable {
    public var hour: Int64
    public var keyID: String
    public var tenant: String
    public var model: String
    public var provider: String
}

/// Sums over requests.
public struct UsageTotals: Sendable, Equatable {
    public var requests: Int64 = 0
    public var errors: Int64 = 0
    public var cacheHits: Int64 = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cachedTokens: Int64 = 0
    public var costUSD: Double = 0
    public var savedUSD: Double = 0
    public var routingSavedUSD: Double = 0
    public var latency = LatencyHistogram()
    public var ttft = LatencyHistogram()

    public init() {}

    public mutating func add(_ r: UsageRecord) {
        requests += 1
        if r.isError { errors += 1 }
        if r.isCacheHit { cacheHits += 1 }
        inputTokens += Int64(r.inputTokens)
        outputTokens += Int64(r.outputTokens)
        cachedTokens += Int64(r.cachedTokens)
        costUSD += r.costUSD
        savedUSD += r.savedUSD
        routingSavedUSD += r.routingSavedUSD
        latency.record(r.latencyMs)
        if let t = r.ttftMs { ttft.record(t) }
    }

    public mutating func merge(_ o: UsageTotals) {
        requests += o.requests
        errors += o.errors
        cacheHits += o.cacheHits
        inputTokens += o.inputTokens
        outputTokens += o.outputTokens
        cachedTokens += o.cachedTokens
        costUSD += o.costUSD
        savedUSD += o.savedUSD
        routingSavedUSD += o.routingSavedUSD
        latency.merge(o.latency)
        ttft.merge(o.ttft)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
