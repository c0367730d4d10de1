import DejaGovernance
import DejaObservability

/// Records a finished chat request's usage in the metrics: tokens by kind, cost and time to first
/// token per provider and catalogue model, and what the cache and routing saved.
struct UsageMetrics: Sendable {
    let metrics: GatewayMetrics
    let registry: ProviderRegistry

    func record(_ usage: UsageRecord) {
        metrics.recordSavings(usd: usage.savedUSD)
        metrics.recordRoutingSavings(usd: usage.routingSavedUSD)
        // A hit or a refusal called nobody: no tokens, cost or first token to attribute.
        guard !usage.provider.isEmpty, !usage.cacheStatus.hasPrefix("hit") else { return }
        let provider = registry.metricsProvider(usage.provider)
        let model = registry.metricsModel(provider: usage.provider, upstream: usage.model)
        metrics.recordTokens(provider: provider, model: model, input: usage.inputTokens, output: usage.outputTokens, cached: usage.cachedTokens)
        metrics.recordCost(provider: provider, model: model, usd: usage.costUSD)
        if let ttft = usage.ttftMs, ttft >= 0, ttft.isFinite {
            metrics.recordTimeToFirstToken(provider: provider, model: model, duration: .nanoseconds(Int64(ttft * 1_000_000)))
        }
    }
}
