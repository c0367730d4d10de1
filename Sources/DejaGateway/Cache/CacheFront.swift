import DejaCache
import DejaEmbedding
import DejaObservability
import DejaProviders
import DejaReliability
import Logging
import DejaWire

/// The gateway's handle on the semantic cache: the cache itself, the coalescer for identical
/// in-flight requests and the idempotency store, created once per gateway.
final class CacheFront: Sendable {
    let cache: SemanticCache
    /// Bounded by the cache configuration's `coalescing…` settings.
    let coalescer: Coalescer
    let mirror: CacheMirror?
    let metrics: GatewayMetrics?
    var configuration: CacheConfiguration { cache.configuration }

    init(cache: SemanticCache, mirror: CacheMirror?, metrics: GatewayMetrics?) {
        self.cache = cache
        self.coalescer = Coalescer(limits: Coalescer.Limits(cache.configuration))
        self.mirror = mirror
        self.metrics = metrics
    }

    /// Runs the upstream call of a flight: publishes chunks as they arrive (streaming), assembles
    /// the completion, stores it when allowed, then publishes the outcome. Every subscriber of the
    /// flight — the request that started it and those that joined — is served from here.
    static func upstreamWork(
        cache: SemanticCache, mirror: CacheMirror?, chat: ChatRequest, plan: ExecutionPlan, executor: UpstreamExecutor,
        call: UpstreamCallContext, fingerprint: RequestFingerprint, embedding: [Float]?, store: Bool, storeFallbackAnswers: Bool,
        ttlSeconds: Double?
    ) -> @Sendable (FlightPublisher) async -> Void {
        { publisher in
            defer { publisher.retire() }
            let start = ContinuousClock.now
            // When the lookup did not embed the query (an empty namespace), embed it while the
            // upstream works, so storing adds nothing to the response time.
            let pendingEmbedding: Task<[Float]?, Never>? =
                store && embedding == nil ? Task { try? await cache.embedder.embed(fingerprint.queryText) } : nil
            let providerName = plan.primary.providerName
            do {
                let completion: [UInt8]
                let answeredBy: Candidate
                let fallbackUsed: Bool
                if chat.stream {
                    var assembler = ChatStreamAssembler()
                    let executed = try await executor.stream(chat.requestingUsage(), plan: plan, context: call)
                    (answeredBy, fallbackUsed) = (executed.answeredBy, executed.fallbackUsed)
                    publisher.origin(FlightOrigin(executed))
                    for try await payload in executed.value {
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
                    let executed = try await executor.complete(chat, plan: plan, context: call)
                    (answeredBy, fallbackUsed) = (executed.answeredBy, executed.fallbackUsed)
                    publisher.origin(FlightOrigin(executed))
                    completion = executed.value.body
                }
                let latency = ContinuousClock.now - start
                // Store before answering, so a repeat that arrives right after the answer is an
                // exact hit (the flight stays joinable until it retires in any case).
                // A substitute's answer goes under the requested model's namespace only when allowed.
                // One parse serves the stored entry and the cost (its usage).
                let parsed = StoredCompletion(json: completion)
                if store, !fallbackUsed || storeFallbackAnswers, let stored = parsed {
                    let vector: [Float]?
                    if let embedding { vector = embedding } else { vector = await pendingEmbedding?.value }
                    let entry = await cache.store(
                        fingerprint, completion: stored, model: answeredBy.qualifiedName, embedding: vector,
                        ttlSeconds: ttlSeconds, originalLatencyMs: GatewayReport.milliseconds(latency))
                    if let entry {
                        mirror?.entryStored(entry)
                        if let id = ChatCompletionsHandler.completionID(completion) { cache.recordServed(completionID: id, entry: entry, query: fingerprint.queryText) }
                    }
                }
                publisher.complete(FlightOutcome(completion: completion, latency: latency, usage: parsed?.usage))
            } catch let error as ExecutionError {
                pendingEmbedding?.cancel()
                publisher.fail(error)
            } catch let error as ProviderError {
                pendingEmbedding?.cancel()
                publisher.fail(error)
            } catch {
                pendingEmbedding?.cancel()
                publisher.fail(ProviderError.connectionFailed(provider: providerName, detail: "\(error)"))
            }
        }
    }
}

extension FlightOrigin {
    /// Who answered an executed call.
    init<Value>(_ executed: Executed<Value>) {
        self.init(
            provider: executed.answeredBy.providerName, model: executed.answeredBy.model, attempts: executed.attempts.count,
            fallbackUsed: executed.fallbackUsed)
    }
}
