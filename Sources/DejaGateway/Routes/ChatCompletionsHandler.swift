import DejaCache
import DejaEmbedding
import DejaObservability
import Foundation
import DejaProviders
import DejaReliability
import DejaRouting
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Tracing
import DejaWire

/// `POST /v1/chat/completions`, read top to bottom: parse → plan → cache controls →
/// cache lookup / coalesced flight → execute upstream → render.
///
/// A pinned model's plan comes from the registry; a virtual model's (`auto`, `cheap`, …) from the
/// router, after the cache lookup so that the learned head reads the embedding the lookup made.
/// The executor is the only code that calls a provider; the cache front does not care how the
/// plan was made.
struct ChatCompletionsHandler: Sendable {
    let registry: ProviderRegistry
    let routing: ModelRouting
    let metrics: GatewayMetrics?
    let executor: UpstreamExecutor
    let maxBodyBytes: Int
    let front: CacheFront?
    let idempotency: IdempotencyStore
    let reliability: ReliabilitySettings
    let errors: UpstreamErrorRenderer
    let governance: Governance
    /// The request's GenAI span (`chat {model}`) and the routing span under it.
    var tracer: any Tracer = NoOpTracer()
    /// Whether the chat span carries the prompt (`gen_ai.input.messages`, bounded).
    var captureContent = false

    func handle(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let prepared: Prepared
        do {
            prepared = try await prepare(request, context: context)
        } catch {
            // Refused before admission (a bad body, an unknown or forbidden model, a limit): still
            // one row in the usage ledger. Admitted requests write their own.
            governance.recordRefusal(status: Self.status(of: error), context: context)
            throw error
        }
        let (chat, target, account, limitHeaders, body) = (prepared.chat, prepared.target, prepared.account, prepared.limitHeaders, prepared.body)
        var context = context
        context.account = account
        // The GenAI span of the whole request; it ends with the account (for a stream, at its end).
        let span = tracer.startSpan("chat \(chat.model)", context: ServiceContext.current ?? .topLevel)
        if span.isRecording {
            span.attributes["gen_ai.operation.name"] = "chat"
            span.attributes["gen_ai.request.model"] = chat.model
            if chat.stream { span.attributes["deja.stream"] = true }
            if let maxTokens = chat.body["max_completion_tokens"]?.intValue ?? chat.body["max_tokens"]?.intValue { span.attributes["gen_ai.request.max_tokens"] = maxTokens }
            if let temperature = chat.body["temperature"]?.doubleValue { span.attributes["gen_ai.request.temperature"] = temperature }
            if captureContent, let messages = chat.body["messages"] {
                span.attributes["gen_ai.input.messages"] = String(decoding: messages.serialized.prefix(16_384), as: UTF8.self)
            }
        }
        account.attach(span)
        var response: Response
        do {
            response = try await ServiceContext.$current.withValue(span.context) { [context] in
                if let key = request.headers[HTTPField.Name("X-Idempotency-Key")!], !key.isEmpty {
                    return try await Idempotency.run(store: idempotency, key: key, tenant: context.identity.key, body: body) { [context] in
                        try await respond(request, chat: chat, target: target, context: context)
                    }
                }
                return try await respond(request, chat: chat, target: target, context: context)
            }
        } catch {
            account.finish(status: Self.status(of: error), cache: "none", provider: "", model: "", retries: 0, fallback: false, strategy: nil)
            throw error
        }
        // A streamed answer finishes its account when the stream ends; anything else (an
        // idempotent replay among them) now.
        if !account.isStreaming {
            account.finish(status: Int(response.status.code), cache: "none", provider: "", model: "", retries: 0, fallback: false, strategy: nil)
        }
        for field in limitHeaders { response.headers[field.name] = field.value }
        return response
    }

    /// A parsed, planned and admitted request.
    struct Prepared {
        let chat: ChatRequest
        let target: Target
        let account: RequestAccount
        let limitHeaders: HTTPFields
        let body: ByteBuffer
    }

    static func status(of error: any Error) -> Int {
        if let e = error as? GatewayError { return Int(e.status.code) }
        if let e = error as? any HTTPResponseError { return Int(e.status.code) }
        return 500
    }

    /// Parse → target (a pinned plan now, a virtual model resolved after the cache lookup) →
    /// admission (allowed models, per-model and token rate limits).
    private func prepare(_ request: Request, context: DejaRequestContext) async throws -> Prepared {
        let body = try await request.collectBody(limit: maxBodyBytes)
        let chat: ChatRequest
        do {
            chat = try ChatRequest.parse(body.readableBytesView)
        } catch {
            throw error.gatewayError
        }
        let target: Target
        if let virtual = routing.virtualModel(named: chat.model) {
            let overrides = try Self.routingOverrides(request, chat: chat)
            let policy = routing.policy
            let strategy = policy.strategyName(for: virtual, override: overrides.strategy)
            guard policy.strategies[strategy] != nil else {
                throw GatewayError(
                    status: .badRequest, message: "Unknown routing strategy \(strategy) (known: \(policy.strategies.keys.sorted().joined(separator: ", ")))",
                    param: "x-routing-strategy", code: "invalid_routing_strategy")
            }
            target = .routed(virtual, overrides, strategy: strategy)
        } else {
            guard let plan = registry.resolve(chat.model) else { throw GatewayError.unknownModel(chat.model) }
            target = .pinned(plan)
        }
        var qualified: String?
        if case .pinned(let plan) = target { qualified = plan.primary.qualifiedName }
        let (account, limitHeaders) = try await governance.admitChat(chat, bodyBytes: body.readableBytes, qualifiedModel: qualified, context: context)
        return Prepared(chat: chat, target: target, account: account, limitHeaders: limitHeaders, body: body)
    }

    /// Reserves the plan's worst case in the caller's budgets (429 `budget_exceeded` when spent).
    private func reserve(_ plan: ExecutionPlan, chat: ChatRequest, context: DejaRequestContext) async throws {
        guard let account = context.account else { return }
        let worst = governance.worstCase(plan, chat: chat, estimatedInput: account.estimatedInputTokens, routing: routing)
        try await account.reserve(usd: worst.usd, tokens: worst.tokens)
    }

    /// Who answers: a model the client named, or a virtual model the router resolves.
    enum Target: Sendable {
        case pinned(ExecutionPlan)
        case routed(VirtualModel, ModelRouter.Overrides, strategy: String)

        /// The cache namespace: the resolved `provider/model`, or the virtual model and its
        /// strategy (so a repeat hits whichever model answered first).
        var namespace: String {
            switch self {
            case .pinned(let plan): plan.primary.qualifiedName
            case .routed(let virtual, _, let strategy): "route:\(virtual.name)@\(strategy)"
            }
        }

        /// The model name per-model cache thresholds are looked up under.
        var thresholdModel: String {
            switch self {
            case .pinned(let plan): plan.primary.model
            case .routed(let virtual, _, _): virtual.name
            }
        }
    }

    /// `x-routing-strategy` and `x-prefer-provider`, from the body (which wins) or the headers.
    static func routingOverrides(_ request: Request, chat: ChatRequest) throws -> ModelRouter.Overrides {
        func value(_ member: String) throws -> String? {
            if let v = chat.body[member] {
                guard let text = v.stringValue, !text.isEmpty, text.utf8.count <= 64 else {
                    throw GatewayError(status: .badRequest, message: "\(member) must be a non-empty string of at most 64 bytes", param: member, code: "invalid_value")
                }
                return text
            }
            guard let text = request.headers[HTTPField.Name(member)!] else { return nil }
            guard !text.isEmpty, text.utf8.count <= 64 else {
                throw GatewayError(status: .badRequest, message: "\(member) must be a non-empty string of at most 64 bytes", param: member, code: "invalid_value")
            }
            return text
        }
        return ModelRouter.Overrides(strategy: try value("x-routing-strategy"), preferProvider: try value("x-prefer-provider"))
    }

    /// The plan for a target: a pinned one as it is; a routed one decided now, with the
    /// embedding the cache made (or one made here when the cache did not embed the query).
    /// Returns the vector to store with the answer: the cache's, or the one made here when it
    /// is the cache's model.
    private func plan(
        _ target: Target, chat: ChatRequest, embedding: [Float]?, queryText: String?, context: DejaRequestContext
    ) async throws -> (ExecutionPlan, RoutingDecision?, [Float]?) {
        switch target {
        case .pinned(let plan):
            return (plan, nil, embedding)
        case .routed(let virtual, let overrides, _):
            var vector = routing.sharesCacheEmbedder ? embedding : nil
            if vector == nil, routing.classifier.head != nil, let embedder = routing.embedder,
                let text = queryText ?? PromptFeatures.finalUserText(chat), !text.isEmpty
            {
                do {
                    vector = try await embedder.embed(text)
                } catch {
                    context.logger.debug("Routing without the learned score: the query could not be embedded", metadata: ["error": "\(error)"])
                }
            }
            let decision: RoutingDecision
            let decided = tracer.withSpan("deja.routing") { span in
                let result = Result { () throws(RoutingError) in try routing.decide(virtual, chat: chat, embedding: vector, overrides: overrides) }
                if case .success(let decision) = result {
                    span.attributes["deja.routing.virtual_model"] = decision.virtualModel
                    span.attributes["deja.routing.strategy"] = decision.strategy
                    span.attributes["deja.routing.chosen"] = decision.chosen.model.id
                    span.attributes["deja.routing.family"] = decision.classification.family.rawValue
                }
                return result
            }
            do {
                decision = try decided.get()
            } catch {
                switch error {
                case .noCapableModel:
                    throw GatewayError(status: .badRequest, message: error.description, param: "model", code: "no_capable_model")
                case .unknownStrategy:
                    // The policy changed under the request (an admin removed the strategy).
                    throw GatewayError(status: .badRequest, message: error.description, param: "x-routing-strategy", code: "invalid_routing_strategy")
                }
            }
            context.logger.debug(
                "Routed",
                metadata: [
                    "deja.routing.virtual_model": .string(decision.virtualModel), "deja.routing.strategy": .string(decision.strategy),
                    "deja.routing.chosen": .string(decision.chosen.model.id), "deja.routing.score": .stringConvertible(decision.chosen.score),
                    "deja.routing.family": .string(decision.classification.family.rawValue),
                    "deja.routing.complexity": .string(decision.classification.complexity.rawValue),
                    "deja.routing.strong_score": .string(decision.classification.strongScore.map { String($0) } ?? "none"),
                    "deja.routing.runners_up": .string(decision.ranked.dropFirst().prefix(3).map(\.model.id).joined(separator: ",")),
                ])
            // Routing savings are measured against the strongest model the router weighed.
            let family = decision.classification.family
            if let strongest = decision.ranked.max(by: { ($0.model.quality[family] ?? 0) < ($1.model.quality[family] ?? 0) }) {
                context.account?.setRoutingBaseline(strongest.model.price)
            }
            guard let plan = routing.plan(decision, requestedModel: chat.model) else {
                throw GatewayError.unknownModel(chat.model)
            }
            return (plan, decision, routing.sharesCacheEmbedder ? vector : embedding)
        }
    }

    private func respond(_ request: Request, chat: ChatRequest, target: Target, context: DejaRequestContext) async throws -> Response {
        guard let front, front.configuration.enabled else {
            let (plan, decision, _) = try await plan(target, chat: chat, embedding: nil, queryText: nil, context: context)
            try await reserve(plan, chat: chat, context: context)
            let call = try UpstreamCallContext(request, plan: plan, context: context, reliability: reliability, clock: executor.clock)
            return try await execute(chat, plan: plan, decision: decision, call: call, context: context)
        }
        // Cache controls.
        let namespace = target.namespace
        let fingerprint = RequestFingerprint(request: chat, scope: governance.cacheScope(context.identity, front.configuration), resolvedModel: namespace)
        let controls = try CacheControls(
            request: request, chat: chat, queryText: fingerprint.queryText, configuration: front.configuration, resolvedModel: namespace,
            upstreamModel: target.thresholdModel)
        if let reason = fingerprint.bypassReason ?? controls.bypassReason {
            front.cache.recordBypass()
            context.logger.debug("Cache bypass", metadata: ["deja.cache.reason": .string(reason)])
            let (plan, decision, _) = try await plan(target, chat: chat, embedding: nil, queryText: fingerprint.queryText, context: context)
            try await reserve(plan, chat: chat, context: context)
            let call = try UpstreamCallContext(request, plan: plan, context: context, reliability: reliability, clock: executor.clock)
            // Only a time-sensitive question's bypass has a lifetime to report (none: 0 s).
            let lifetime = fingerprint.bypassReason == nil && controls.lifetime?.seconds == 0 ? controls.lifetime : nil
            return try await execute(chat, plan: plan, decision: decision, call: call, context: context, lifetime: lifetime)
        }
        // Cache lookup.
        var embedding: [Float]?
        if controls.skipLookup {
            front.cache.recordBypass()
        } else {
            let mode = front.configuration.mode(tenant: context.identity.tenantName, resolvedModel: namespace, upstreamModel: target.thresholdModel)
            switch await front.cache.lookup(fingerprint, threshold: controls.threshold, mode: mode) {
            case .exact(let entry):
                return hit(entry, similarity: nil, query: fingerprint.queryText, chat: chat, target: target, front: front, context: context)
            case .semantic(let entry, let similarity):
                return hit(entry, similarity: similarity, query: fingerprint.queryText, chat: chat, target: target, front: front, context: context)
            case .miss(let vector):
                embedding = vector
            }
        }
        let (plan, decision, vector) = try await plan(target, chat: chat, embedding: embedding, queryText: fingerprint.queryText, context: context)
        embedding = vector
        try await reserve(plan, chat: chat, context: context)
        let call = try UpstreamCallContext(request, plan: plan, context: context, reliability: reliability, clock: executor.clock)
        // Execute, shared with identical requests in flight.
        let work = CacheFront.upstreamWork(
            cache: front.cache, mirror: front.mirror, chat: chat, plan: plan, executor: executor, call: call, fingerprint: fingerprint,
            embedding: embedding, store: !controls.skipStore, storeFallbackAnswers: reliability.cacheFallbackAnswers, ttlSeconds: controls.ttlSeconds)
        let events: AsyncStream<FlightEvent>
        var leader = true
        if controls.skipLookup {
            events = front.coalescer.solo(work: work)
        } else {
            let joined = front.coalescer.join(key: fingerprint.exactKey, work: work)
            if !joined.leader {
                front.cache.recordCoalesced()
                front.metrics?.recordCoalesced()
            }
            leader = joined.leader
            events = joined.events
        }
        return try await fromFlight(
            events, chat: chat, plan: plan, decision: decision, cache: controls.missStatus, leader: leader, lifetime: controls.lifetime, context: context)
    }

    // MARK: - Upstream without the cache

    private func execute(
        _ chat: ChatRequest, plan: ExecutionPlan, decision: RoutingDecision?, call: UpstreamCallContext, context: DejaRequestContext,
        lifetime: CacheLifetime? = nil
    ) async throws -> Response {
        if chat.stream {
            let executed: Executed<ChatChunkStream>
            do {
                // Usage is asked for so that the call can be costed; a client that did not ask
                // does not get the usage chunk.
                executed = try await executor.stream(chat.requestingUsage(), plan: plan, context: call)
            } catch {
                throw errors.gatewayError(error)
            }
            let chunks = executed.value
            let errors = self.errors
            let (handler, provider, model, includeUsage) = (self, executed.answeredBy.providerName, executed.answeredBy.model, chat.includeUsage)
            let streamReport = report(executed, cache: .bypass, decision: decision)
            let account = context.account
            account?.beginStream()
            return SSE.response(headers: streamReport.headers) { writer in
                var status = 200
                defer { handler.finishStream(account, report: streamReport, status: status) }
                do {
                    for try await chunk in chunks {
                        // Only a chunk that mentions usage is parsed (the last one, normally).
                        if Self.mentionsUsage(chunk), let object = try? JSONParser.parse(chunk).objectValue, let usage = object["usage"], !usage.isNull {
                            _ = handler.cost(provider: provider, model: model, usage: usage, account: account)
                            if object["choices"]?.arrayValue?.isEmpty == true, !includeUsage { continue }
                        }
                        account?.noteChunk()
                        try await SSE.write(chunk, to: &writer)
                    }
                    try await SSE.writeDone(to: &writer)
                } catch let error as ProviderError {
                    // Bytes may already be with the client: never retried; an error event, then [DONE].
                    let gatewayError = errors.gatewayError(error)
                    status = Int(gatewayError.status.code)
                    try await SSE.write(gatewayError.body, to: &writer)
                    try await SSE.writeDone(to: &writer)
                }
            }
        }
        let executed: Executed<UpstreamResponse>
        do {
            executed = try await executor.complete(chat, plan: plan, context: call)
        } catch {
            throw errors.gatewayError(error)
        }
        var report = report(executed, cache: .bypass, decision: decision)
        report.upstreamLatency = executed.latency
        report.lifetime = lifetime
        report.costUSD = cost(
            provider: report.provider, model: report.model, usage: (try? JSONParser.parse(executed.value.body))?.objectValue?["usage"], account: context.account)
        return json(executed.value.body, report: report, context: context)
    }

    private func report<Value>(_ executed: Executed<Value>, cache: CacheStatus, decision: RoutingDecision?) -> GatewayReport {
        var report = GatewayReport(provider: executed.answeredBy.providerName, model: executed.answeredBy.model, cache: cache)
        report.fallbackUsed = executed.fallbackUsed
        report.attempts = executed.attempts.count
        report.routing = decision.map { RoutingReport($0, servedBy: routing) }
        return report
    }

    /// The cost of an answered call from its OpenAI-shaped usage object (nil without a price or
    /// usage); counted in `llm_gateway_cost_usd_total` and the token counters, and settled in the
    /// request's budgets. `paid` is false for a request that shared another's call (coalesced):
    /// it spends nothing and counts the cost as saved.
    private func cost(provider: String, model: String, usage: JSONValue?, account: RequestAccount?, paid: Bool = true) -> Double? {
        let tokens = usage?.objectValue.map { TokenUsage(openAI: $0) }
        let usd = tokens.flatMap { routing.cost(provider: provider, upstream: model, usage: $0) }
        guard paid else {
            account?.hit(savedUSD: usd ?? 0)
            return usd
        }
        // Tokens and cost reach the metrics when the account finishes (`UsageMetrics`).
        if let account {
            if let tokens {
                account.settle(usage: tokens, costUSD: usd)
            } else {
                // No usage reported: the estimate, at the answering model's price.
                let estimate = account.estimatedUsage
                account.settle(usage: estimate, costUSD: routing.cost(provider: provider, upstream: model, usage: estimate))
            }
        }
        return usd
    }

    /// Ends a streamed answer's account: a stream that reported no usage is settled from the
    /// request's estimate and the chunks sent, at the answering model's price.
    func finishStream(_ account: RequestAccount?, report: GatewayReport, status: Int, leader: Bool = true) {
        guard let account else { return }
        // A follower of a shared call did not make it: whatever happened, it pays nothing.
        if !leader, !account.isSettled { account.hit(savedUSD: 0) }
        if !account.isSettled {
            let estimate = account.estimatedUsage
            account.settle(usage: estimate, costUSD: routing.cost(provider: report.provider, upstream: report.model, usage: estimate))
        }
        account.finish(
            status: status, cache: report.cache.ledgerName, provider: report.provider, model: report.model, retries: max(0, (report.attempts ?? 1) - 1),
            fallback: report.fallbackUsed, strategy: report.routing?.strategy)
    }

    // MARK: - Cache hits

    private func hit(
        _ entry: CacheEntry, similarity: Float?, query: String, chat: ChatRequest, target: Target, front: CacheFront, context: DejaRequestContext
    ) -> Response {
        let id = Self.newCompletionID()
        let created = Int(wallClockSeconds())
        front.cache.recordServed(completionID: id, entry: entry, query: query)
        var report = GatewayReport(hit: entry.model, cache: similarity == nil ? .hitExact : .hitSemantic)
        report.similarity = similarity
        report.costUSD = 0
        if case .routed(let virtual, _, let strategy) = target { report.routing = RoutingReport(cachedFor: virtual.name, strategy: strategy) }
        // Nothing is spent; what the stored answer cost is saved.
        let saved = entry.completion.usage?.objectValue.flatMap { routing.cost(provider: report.provider, upstream: report.model, usage: TokenUsage(openAI: $0)) } ?? 0
        context.account?.hit(savedUSD: saved)
        context.account?.finish(
            status: 200, cache: report.cache.ledgerName, provider: report.provider, model: report.model, retries: 0, fallback: false, strategy: report.routing?.strategy)
        if chat.stream {
            let chunks = entry.completion.replayChunks(id: id, created: created, includeUsage: chat.includeUsage)
            return SSE.response(headers: report.headers) { writer in
                for chunk in chunks { try await SSE.write(chunk, to: &writer) }
                try await SSE.writeDone(to: &writer)
            }
        }
        report.latency = ContinuousClock.now - context.startTime
        report.cacheEntryID = entry.id
        report.latencySavedMs = entry.originalLatencyMs
        let body = entry.completion.render(id: id, created: created, gateway: report.json)
        var fields = report.headers
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: - Misses: answers from a (possibly shared) upstream call

    private func fromFlight(
        _ events: AsyncStream<FlightEvent>, chat: ChatRequest, plan: ExecutionPlan, decision: RoutingDecision?, cache: CacheStatus, leader: Bool,
        lifetime: CacheLifetime?, context: DejaRequestContext
    ) async throws -> Response {
        let account = context.account
        let box = EventIteratorBox(events.makeAsyncIterator())
        var report = GatewayReport(provider: plan.primary.providerName, model: plan.primary.model, cache: cache)
        report.attempts = 1
        report.routing = decision.map { RoutingReport($0, servedBy: routing) }
        report.lifetime = lifetime
        // Who answered comes first; a JSON answer waits past the chunks for the completion.
        var first = await box.next()
        while let event = first {
            if case .origin(let origin) = event {
                report.provider = origin.provider
                report.model = origin.model
                report.attempts = origin.attempts
                report.fallbackUsed = origin.fallbackUsed
                first = await box.next()
            } else if !chat.stream, event.isStreamPart {
                first = await box.next()
            } else {
                break
            }
        }
        let errors = self.errors
        switch first {
        case .failed(let error)?:
            throw errors.gatewayError(error)
        case .completed(let outcome)?:
            if chat.stream {
                _ = cost(provider: report.provider, model: report.model, usage: outcome.usage, account: account, paid: leader)
                // The shared call was not streaming: replay its answer as a stream.
                guard let stored = StoredCompletion(json: outcome.completion) else {
                    throw ProviderError.malformedResponse(provider: report.provider, detail: "not a chat completion").gatewayError
                }
                // A follower's answer is its own: a fresh id, not the leader's.
                let id = leader ? Self.completionID(outcome.completion) ?? Self.newCompletionID() : Self.newCompletionID()
                let chunks = stored.replayChunks(id: id, created: Int(wallClockSeconds()), includeUsage: chat.includeUsage)
                account?.finish(
                    status: 200, cache: report.cache.ledgerName, provider: report.provider, model: report.model, retries: max(0, (report.attempts ?? 1) - 1),
                    fallback: report.fallbackUsed, strategy: report.routing?.strategy)
                return SSE.response(headers: report.headers) { writer in
                    for chunk in chunks { try await SSE.write(chunk, to: &writer) }
                    try await SSE.writeDone(to: &writer)
                }
            }
            report.upstreamLatency = outcome.latency
            report.costUSD = cost(provider: report.provider, model: report.model, usage: outcome.usage, account: account, paid: leader)
            let body = leader ? outcome.completion : CompletionIDRewriter(leaderBody: outcome.completion)?.rewrite(outcome.completion) ?? outcome.completion
            return json(body, report: report, context: context)
        case .chunk(let payload)?:
            let includeUsage = chat.includeUsage
            let (handler, provider, model, streamReport) = (self, report.provider, report.model, report)
            account?.beginStream()
            // A follower's chunks carry an id of its own (the leader's chunks share one id).
            let rewriter = leader ? nil : CompletionIDRewriter(leaderBody: payload)
            return SSE.response(headers: report.headers) { writer in
                var status = 200
                defer { handler.finishStream(account, report: streamReport, status: status, leader: leader) }
                account?.noteChunk()
                try await SSE.write(rewriter?.rewrite(payload) ?? payload, to: &writer)
                while let event = await box.next() {
                    switch event {
                    case .origin:
                        continue
                    case .chunk(let payload):
                        account?.noteChunk()
                        try await SSE.write(rewriter?.rewrite(payload) ?? payload, to: &writer)
                    case .usage(let payload):
                        if includeUsage { try await SSE.write(rewriter?.rewrite(payload) ?? payload, to: &writer) }
                    case .completed(let outcome):
                        _ = handler.cost(provider: provider, model: model, usage: outcome.usage, account: account, paid: leader)
                        try await SSE.writeDone(to: &writer)
                        return
                    case .failed(let error):
                        // Bytes are with the client: never retried; an error event, then [DONE].
                        let gatewayError = errors.gatewayError(error)
                        status = Int(gatewayError.status.code)
                        try await SSE.write(gatewayError.body, to: &writer)
                        try await SSE.writeDone(to: &writer)
                        return
                    }
                }
            }
        case .origin?, .usage?, nil:
            throw GatewayError(status: .badGateway, message: "The upstream call ended without an answer", type: "upstream_error")
        }
    }

    // MARK: - Rendering

    /// The upstream's completion with the `x-gateway` object spliced in. The executor has already
    /// checked that the body is a JSON object.
    private func json(_ body: [UInt8], report: GatewayReport, context: DejaRequestContext) -> Response {
        var report = report
        report.latency = ContinuousClock.now - context.startTime
        context.account?.finish(
            status: 200, cache: report.cache.ledgerName, provider: report.provider, model: report.model, retries: max(0, (report.attempts ?? 1) - 1),
            fallback: report.fallbackUsed, strategy: report.routing?.strategy)
        let spliced = Self.splice(body, gateway: report.json) ?? body
        var fields = report.headers
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: spliced)))
    }

    /// Whether a stream chunk's bytes contain `"usage"` (a byte search; most chunks do not).
    static func mentionsUsage(_ chunk: [UInt8]) -> Bool {
        let needle = Array(#""usage""#.utf8)
        guard chunk.count >= needle.count else { return false }
        var i = chunk.count - needle.count
        // The usage member comes last in OpenAI's chunks: search from the end.
        while i >= 0 {
            if chunk[i] == needle[0], chunk[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i -= 1
        }
        return false
    }

    /// The `id` of a completion body (a quick parse; cold path, once per stored answer).
    /// A completion id of the gateway's own (cache hits, coalesced followers).
    static func newCompletionID() -> String { "chatcmpl-deja" + RequestIDGenerator.next().dropFirst(4) }

    static func completionID(_ completion: [UInt8]) -> String? {
        (try? JSONParser.parse(completion))?.objectValue?["id"]?.stringValue
    }

    /// Appends `"x-gateway": {…}` as the last member of the upstream's JSON object without
    /// re-serialising it (the upstream's bytes stay as they were). Nil when the body is not an object.
    static func splice(_ body: [UInt8], gateway: [UInt8]) -> [UInt8]? {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        var end = body.count - 1
        while end >= 0, isSpace(body[end]) { end -= 1 }
        var start = 0
        while start < body.count, isSpace(body[start]) { start += 1 }
        guard end > start, body[start] == UInt8(ascii: "{"), body[end] == UInt8(ascii: "}") else { return nil }
        var inner = end - 1
        while inner > start, isSpace(body[inner]) { inner -= 1 }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + gateway.count + 16)
        out.append(contentsOf: body[0..<end])
        if inner != start { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: #""x-gateway":"#.utf8)
        out.append(contentsOf: gateway)
        out.append(contentsOf: body[end...])
        return out
    }

    /// The client headers any candidate of the plan may forward (by lower-case name prefix);
    /// none are collected when no provider forwards any.
    static func clientHeaders(_ fields: HTTPFields, for plan: ExecutionPlan) -> [(name: String, value: String)] {
        guard plan.candidates.contains(where: { !$0.forwardHeaderPrefixes.isEmpty }) else { return [] }
        // Credentials (the gateway key, `x-budget-key`) never go upstream, whatever prefix is forwarded.
        return fields.compactMap {
            CredentialFamily.credentialHeaders.contains($0.name.canonicalName.lowercased()) ? nil : (name: $0.name.canonicalName, value: $0.value)
        }
    }
}

extension FlightEvent {
    /// A chunk or the usage chunk of a streaming call.
    var isStreamPart: Bool {
        switch self {
        case .chunk, .usage: true
        default: false
        }
    }
}

/// Carries a flight subscription's iterator from the handler, which reads the first event to pick
/// the status, into the response body writer, which reads the rest.
///
/// `@unchecked Sendable` is safe because the two users never overlap: the handler stops using the
/// box before it returns the `Response`, and only then does Hummingbird run the body writer.
final class EventIteratorBox: @unchecked Sendable {
    private var iterator: AsyncStream<FlightEvent>.Iterator

    init(_ iterator: AsyncStream<FlightEvent>.Iterator) {
        self.iterator = iterator
    }

    func next() async -> FlightEvent? {
        await iterator.next()
    }
}
