import DejaCache
import DejaObservability
import DejaProviders
import Logging

/// The gateway's handle on the semantic cache: the cache itself, the coalescer for identical
/// in-flight requests and the idempotency store, created once per gateway.
final class CacheFront: Sendable {
    let cache: SemanticCache
    let coalescer = Coalescer()
    let mirror: CacheMirror?
    let metrics: GatewayMetrics?
    var configuration: CacheConfiguration { cache.configuration }

    init(cache: SemanticCache, mirror: CacheMirror?, metrics: GatewayMetrics?) {
        self.cache = cache
        self.mirror = mirror
        self.metrics = metrics
    }

    /// Runs the upstream call of a flight: publishes chunks as they arrive (streaming), assembles
    /// the completion, stores it when allowed, then publishes the outcome. Every subscriber of the
    /// flight — the request that started it and those that joined — is served from here.
    static func upstreamWork(
        cache: SemanticCache, mirror: CacheMirror?, chat: ChatRequest, route: ModelRoute, call: ProviderCallContext, health: ProviderHealth,
        fingerprint: RequestFingerprint, embedding: [Float]?, store: Bool, ttlSeconds: Double?
    ) -> @Sendable (FlightPublisher) async -> Void {
        { publisher in
            let start = ContinuousClock.now
            let providerName = route.settings.name
            do {
                let completion: [UInt8]
                if chat.stream {
                    var assembler = ChatStreamAssembler()
                    for try await payload in try await route.provider.stream(chat.requestingUsage(), model: route.upstreamModel, context: call) {
                        guard let chunk = try? JSONParser.parse(payload).objectValue else { continue }
                        assembler.add(chunk)
                        if chunk["choices"]?.arrayValue?.isEmpty == true, chunk["usage"]?.objectValue != nil {
                            publisher.usage(payload)
                        } else {
                            publisher.chunk(payload)
                        }
                    }
                    guard let assembled = assembler.completion() else {
                        throw ProviderError.malformedResponse(provider: providerName, detail: "the stream ended without a finish reason")
                    }
                    completion = JSONWriter.serialize(.object(assembled))
                } else {
                    completion = try await route.provider.complete(chat, model: route.upstreamModel, context: call).body
                }
                health.recordSuccess(providerName)
                let latency = ContinuousClock.now - start
                var entryID: UInt64?
                if store, let stored = StoredCompletion(json: completion) {
                    let entry = await cache.store(
                        fingerprint, completion: stored, model: "\(providerName)/\(route.upstreamModel)", embedding: embedding,
                        ttlSeconds: ttlSeconds, originalLatencyMs: ChatCompletionsHandler.milliseconds(latency))
                    entryID = entry?.id
                    if let entry { mirror?.entryStored(entry) }
                }
                publisher.complete(FlightOutcome(completion: completion, latency: latency, entryID: entryID))
            } catch let error as ProviderError {
                health.recordFailure(providerName, error)
                publisher.fail(error)
            } catch {
                publisher.fail(ProviderError.connectionFailed(provider: providerName, detail: "\(error)"))
            }
        }
    }
}
