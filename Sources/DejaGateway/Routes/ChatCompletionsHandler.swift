import DejaCache
import DejaObservability
import Foundation
import DejaProviders
import DejaReliability
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import DejaWire

/// `POST /v1/chat/completions`, read top to bottom: parse → plan → cache controls →
/// cache lookup / coalesced flight → execute upstream → render.
///
/// The plan comes from the registry (later: the router); the executor is the only code that
/// calls a provider; the cache front does not care how the plan was made.
struct ChatCompletionsHandler: Sendable {
    let registry: ProviderRegistry
    let executor: UpstreamExecutor
    let maxBodyBytes: Int
    let front: CacheFront?
    let idempotency: IdempotencyStore
    let reliability: ReliabilitySettings
    let errors: UpstreamErrorRenderer

    func handle(_ request: Request, context: DejaRequestContext) async throws -> Response {
        // Parse.
        let body = try await request.collectBody(limit: maxBodyBytes)
        let chat: ChatRequest
        do {
            chat = try ChatRequest.parse(body.readableBytesView)
        } catch {
            throw error.gatewayError
        }
        // Plan.
        guard let plan = registry.resolve(chat.model) else { throw GatewayError.unknownModel(chat.model) }
        if let key = request.headers[HTTPField.Name("X-Idempotency-Key")!], !key.isEmpty {
            return try await Idempotency.run(store: idempotency, key: key, tenant: context.identity.key, body: body) {
                try await respond(request, chat: chat, plan: plan, context: context)
            }
        }
        return try await respond(request, chat: chat, plan: plan, context: context)
    }

    private func respond(_ request: Request, chat: ChatRequest, plan: ExecutionPlan, context: DejaRequestContext) async throws -> Response {
        let call = try UpstreamCallContext(request, plan: plan, context: context, reliability: reliability, clock: executor.clock)
        guard let front, front.configuration.enabled else {
            return try await execute(chat, plan: plan, call: call, context: context)
        }
        // Cache controls.
        let namespace = plan.primary.qualifiedName
        let controls = try CacheControls(
            request: request, chat: chat, configuration: front.configuration, resolvedModel: namespace, upstreamModel: plan.primary.model)
        let fingerprint = RequestFingerprint(request: chat, scope: context.identity.cacheScope(front.configuration), resolvedModel: namespace)
        if let reason = fingerprint.bypassReason ?? controls.bypassReason {
            front.cache.recordBypass()
            context.logger.debug("Cache bypass", metadata: ["deja.cache.reason": .string(reason)])
            return try await execute(chat, plan: plan, call: call, context: context)
        }
        // Cache lookup.
        var embedding: [Float]?
        if controls.skipLookup {
            front.cache.recordBypass()
        } else {
            switch await front.cache.lookup(fingerprint, threshold: controls.threshold) {
            case .exact(let entry):
                return hit(entry, similarity: nil, query: fingerprint.queryText, chat: chat, front: front, context: context)
            case .semantic(let entry, let similarity):
                return hit(entry, similarity: similarity, query: fingerprint.queryText, chat: chat, front: front, context: context)
            case .miss(let vector):
                embedding = vector
            }
        }
        // Execute, shared with identical requests in flight.
        let work = CacheFront.upstreamWork(
            cache: front.cache, mirror: front.mirror, chat: chat, plan: plan, executor: executor, call: call, fingerprint: fingerprint,
            embedding: embedding, store: !controls.skipStore, storeFallbackAnswers: reliability.cacheFallbackAnswers, ttlSeconds: controls.ttlSeconds)
        let events: AsyncStream<FlightEvent>
        if controls.skipLookup {
            events = front.coalescer.solo(work: work)
        } else {
            let joined = front.coalescer.join(key: fingerprint.exactKey, work: work)
            if !joined.leader {
                front.cache.recordCoalesced()
                front.metrics?.recordCoalesced()
            }
            events = joined.events
        }
        return try await fromFlight(events, chat: chat, plan: plan, cache: controls.missStatus, context: context)
    }

    // MARK: - Upstream without the cache

    private func execute(_ chat: ChatRequest, plan: ExecutionPlan, call: UpstreamCallContext, context: DejaRequestContext) async throws -> Response {
        if chat.stream {
            let executed: Executed<ChatChunkStream>
            do {
                executed = try await executor.stream(chat, plan: plan, context: call)
            } catch {
                throw errors.gatewayError(error)
            }
            let chunks = executed.value
            let errors = self.errors
            return SSE.response(headers: report(executed, cache: .bypass).headers) { writer in
                do {
                    for try await chunk in chunks { try await SSE.write(chunk, to: &writer) }
                    try await SSE.writeDone(to: &writer)
                } catch let error as ProviderError {
                    // Bytes may already be with the client: never retried; an error event, then [DONE].
                    try await SSE.write(errors.gatewayError(error).body, to: &writer)
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
        var report = report(executed, cache: .bypass)
        report.upstreamLatency = executed.latency
        return json(executed.value.body, report: report, context: context)
    }

    private func report<Value>(_ executed: Executed<Value>, cache: CacheStatus) -> GatewayReport {
        var report = GatewayReport(provider: executed.answeredBy.providerName, model: executed.answeredBy.model, cache: cache)
        report.fallbackUsed = executed.fallbackUsed
        report.attempts = executed.attempts.count
        return report
    }

    // MARK: - Cache hits

    private func hit(
        _ entry: CacheEntry, similarity: Float?, query: String, chat: ChatRequest, front: CacheFront, context: DejaRequestContext
    ) -> Response {
        let id = "chatcmpl-deja" + RequestIDGenerator.next().dropFirst(4)
        let created = Int(wallClockSeconds())
        front.cache.recordServed(completionID: id, entry: entry, query: query)
        var report = GatewayReport(hit: entry.model, cache: similarity == nil ? .hitExact : .hitSemantic)
        report.similarity = similarity
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
        _ events: AsyncStream<FlightEvent>, chat: ChatRequest, plan: ExecutionPlan, cache: CacheStatus, context: DejaRequestContext
    ) async throws -> Response {
        let box = EventIteratorBox(events.makeAsyncIterator())
        var report = GatewayReport(provider: plan.primary.providerName, model: plan.primary.model, cache: cache)
        report.attempts = 1
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
                // The shared call was not streaming: replay its answer as a stream.
                guard let stored = StoredCompletion(json: outcome.completion) else {
                    throw ProviderError.malformedResponse(provider: report.provider, detail: "not a chat completion").gatewayError
                }
                let chunks = stored.replayChunks(
                    id: Self.completionID(outcome.completion) ?? "chatcmpl-deja", created: Int(wallClockSeconds()), includeUsage: chat.includeUsage)
                return SSE.response(headers: report.headers) { writer in
                    for chunk in chunks { try await SSE.write(chunk, to: &writer) }
                    try await SSE.writeDone(to: &writer)
                }
            }
            report.upstreamLatency = outcome.latency
            return json(outcome.completion, report: report, context: context)
        case .chunk(let payload)?:
            let includeUsage = chat.includeUsage
            return SSE.response(headers: report.headers) { writer in
                try await SSE.write(payload, to: &writer)
                while let event = await box.next() {
                    switch event {
                    case .origin:
                        continue
                    case .chunk(let payload):
                        try await SSE.write(payload, to: &writer)
                    case .usage(let payload):
                        if includeUsage { try await SSE.write(payload, to: &writer) }
                    case .completed:
                        try await SSE.writeDone(to: &writer)
                        return
                    case .failed(let error):
                        // Bytes are with the client: never retried; an error event, then [DONE].
                        try await SSE.write(errors.gatewayError(error).body, to: &writer)
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
        let spliced = Self.splice(body, gateway: report.json) ?? body
        var fields = report.headers
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: spliced)))
    }

    /// The `id` of a completion body (a quick parse; cold path, once per stored answer).
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
        return fields.map { (name: $0.name.canonicalName, value: $0.value) }
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
