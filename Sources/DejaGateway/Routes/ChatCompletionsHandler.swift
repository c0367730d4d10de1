import DejaCache
import DejaObservability
import Foundation
import DejaProviders
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// `POST /v1/chat/completions`: validate, resolve the model, then the cache front — exact lookup,
/// semantic lookup, verification — and on a miss one coalesced upstream call whose answer is
/// stored; answers go out as JSON or as server-sent events.
///
/// Routing and fallback (a later stage) replace `registry.resolve` with an ordered candidate list;
/// the cache front is independent of how the provider was chosen.
struct ChatCompletionsHandler: Sendable {
    let registry: ProviderRegistry
    let maxBodyBytes: Int
    let front: CacheFront?
    let idempotency: IdempotencyStore

    func handle(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let body = try await request.collectBody(limit: maxBodyBytes)
        let chat: ChatRequest
        do {
            chat = try ChatRequest.parse(body.readableBytesView)
        } catch {
            throw error.gatewayError
        }
        guard let route = registry.resolve(chat.model) else { throw GatewayError.unknownModel(chat.model) }
        if let key = request.headers[HTTPField.Name("X-Idempotency-Key")!], !key.isEmpty {
            return try await Idempotency.run(store: idempotency, key: key, tenant: context.identity.key, body: body) {
                try await respond(request, chat: chat, route: route, context: context)
            }
        }
        return try await respond(request, chat: chat, route: route, context: context)
    }

    private func respond(_ request: Request, chat: ChatRequest, route: ModelRoute, context: DejaRequestContext) async throws -> Response {
        let call = ProviderCallContext(
            requestID: context.requestID, logger: context.logger,
            forwardedHeaders: Self.forwardedHeaders(request.headers, prefixes: route.settings.forwardHeaders))
        guard let front, front.configuration.enabled else {
            return try await direct(chat, route: route, call: call, context: context)
        }
        let resolvedModel = "\(route.settings.name)/\(route.upstreamModel)"
        let controls = try CacheControls(
            request: request, chat: chat, configuration: front.configuration, resolvedModel: resolvedModel, upstreamModel: route.upstreamModel)
        let fingerprint = RequestFingerprint(
            request: chat, scope: context.identity.cacheScope(front.configuration), resolvedModel: resolvedModel)
        if let reason = fingerprint.bypassReason ?? controls.bypassReason {
            front.cache.recordBypass()
            context.logger.debug("Cache bypass", metadata: ["deja.cache.reason": .string(reason)])
            return try await direct(chat, route: route, call: call, context: context)
        }
        var embedding: [Float]?
        if !controls.skipLookup {
            switch await front.cache.lookup(fingerprint, threshold: controls.threshold) {
            case .exact(let entry):
                return hit(entry, similarity: nil, query: fingerprint.queryText, chat: chat, front: front, context: context)
            case .semantic(let entry, let similarity):
                return hit(entry, similarity: similarity, query: fingerprint.queryText, chat: chat, front: front, context: context)
            case .miss(let vector):
                embedding = vector
            }
        } else {
            front.cache.recordBypass()
        }
        let work = CacheFront.upstreamWork(
            cache: front.cache, mirror: front.mirror, chat: chat, route: route, call: call, health: registry.health, fingerprint: fingerprint,
            embedding: embedding, store: !controls.skipStore, ttlSeconds: controls.ttlSeconds)
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
        let status = controls.skipLookup ? "BYPASS" : "MISS"
        return try await fromFlight(events, chat: chat, route: route, cacheStatus: status, front: front, context: context)
    }

    // MARK: - Upstream without the cache

    private func direct(_ chat: ChatRequest, route: ModelRoute, call: ProviderCallContext, context: DejaRequestContext) async throws -> Response {
        if chat.stream {
            let chunks: ChatChunkStream
            do {
                chunks = try await route.provider.stream(chat, model: route.upstreamModel, context: call)
            } catch let error as ProviderError {
                registry.health.recordFailure(route.settings.name, error)
                throw error.gatewayError
            }
            let registry = self.registry
            let providerName = route.settings.name
            return SSE.response(headers: headers(route, cache: "BYPASS")) { writer in
                do {
                    for try await chunk in chunks { try await SSE.write(chunk, to: &writer) }
                    registry.health.recordSuccess(providerName)
                    try await SSE.writeDone(to: &writer)
                } catch let error as ProviderError {
                    registry.health.recordFailure(providerName, error)
                    try await SSE.write(error.gatewayError.body, to: &writer)
                }
            }
        }
        let upstream: UpstreamResponse
        do {
            upstream = try await route.provider.complete(chat, model: route.upstreamModel, context: call)
            registry.health.recordSuccess(route.settings.name)
        } catch let error as ProviderError {
            registry.health.recordFailure(route.settings.name, error)
            throw error.gatewayError
        }
        return try json(upstream.body, route: route, upstreamLatency: upstream.latency, cache: "BYPASS", context: context)
    }

    // MARK: - Cache hits

    private func hit(
        _ entry: CacheEntry, similarity: Float?, query: String, chat: ChatRequest, front: CacheFront, context: DejaRequestContext
    ) -> Response {
        let status = similarity == nil ? "HIT-EXACT" : "HIT-SEMANTIC"
        let id = "chatcmpl-deja" + RequestIDGenerator.next().dropFirst(4)
        let created = Int(wallClockSeconds())
        front.cache.recordServed(completionID: id, entry: entry, query: query)
        let (providerName, model) = Self.split(entry.model)
        var fields = HTTPFields()
        fields[.xProvider] = providerName
        fields[.xModel] = model
        fields[.xCache] = status
        fields[.xCached] = "true"
        if let similarity { fields[.xCacheSimilarity] = String(format: "%.4f", similarity) }
        if chat.stream {
            let chunks = entry.completion.replayChunks(id: id, created: created, includeUsage: chat.includeUsage)
            return SSE.response(headers: fields) { writer in
                for chunk in chunks { try await SSE.write(chunk, to: &writer) }
                try await SSE.writeDone(to: &writer)
            }
        }
        var gateway = JSONObject()
        gateway.append("provider", .string(providerName))
        gateway.append("model", .string(model))
        gateway.append("latency_ms", .double(Self.milliseconds(ContinuousClock.now - context.startTime)))
        gateway.append("cache", .string(status))
        gateway.append("cache_hit", .bool(true))
        gateway.append("similarity", similarity.map { .double((Double($0) * 10_000).rounded() / 10_000) } ?? .double(1))
        gateway.append("cache_entry_id", .string(String(entry.id)))
        gateway.append("latency_saved_ms", .double(entry.originalLatencyMs))
        gateway.append("fallback_used", .bool(false))
        let body = entry.completion.render(id: id, created: created, gateway: JSONWriter.serialize(.object(gateway)))
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: - Misses: answers from a (possibly shared) upstream call

    private func fromFlight(
        _ events: AsyncStream<FlightEvent>, chat: ChatRequest, route: ModelRoute, cacheStatus: String, front: CacheFront,
        context: DejaRequestContext
    ) async throws -> Response {
        let box = EventIteratorBox(events.makeAsyncIterator())
        var first = await box.next()
        if !chat.stream {
            while case .chunk? = first { first = await box.next() }
            while case .usage? = first { first = await box.next() }
        }
        switch first {
        case .failed(let error)?:
            throw (error as? ProviderError)?.gatewayError ?? GatewayError(status: .badGateway, message: "The upstream call failed")
        case .completed(let outcome)?:
            if chat.stream {
                // The shared call was not streaming: replay its answer as a stream.
                guard let stored = StoredCompletion(json: outcome.completion) else {
                    throw ProviderError.malformedResponse(provider: route.settings.name, detail: "not a chat completion").gatewayError
                }
                let chunks = stored.replayChunks(
                    id: Self.completionID(outcome.completion) ?? "chatcmpl-deja", created: Int(wallClockSeconds()), includeUsage: chat.includeUsage)
                return SSE.response(headers: headers(route, cache: cacheStatus)) { writer in
                    for chunk in chunks { try await SSE.write(chunk, to: &writer) }
                    try await SSE.writeDone(to: &writer)
                }
            }
            return try json(outcome.completion, route: route, upstreamLatency: outcome.latency, cache: cacheStatus, context: context)
        case .chunk(let payload)?:
            let includeUsage = chat.includeUsage
            return SSE.response(headers: headers(route, cache: cacheStatus)) { writer in
                try await SSE.write(payload, to: &writer)
                while let event = await box.next() {
                    switch event {
                    case .chunk(let payload):
                        try await SSE.write(payload, to: &writer)
                    case .usage(let payload):
                        if includeUsage { try await SSE.write(payload, to: &writer) }
                    case .completed:
                        try await SSE.writeDone(to: &writer)
                        return
                    case .failed(let error):
                        let body = (error as? ProviderError)?.gatewayError.body ?? GatewayError(status: .badGateway, message: "The upstream call failed").body
                        try await SSE.write(body, to: &writer)
                        return
                    }
                }
            }
        case .usage?, nil:
            throw GatewayError(status: .badGateway, message: "The upstream call ended without an answer", type: "upstream_error")
        }
    }

    // MARK: - Rendering

    private func headers(_ route: ModelRoute, cache: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.xProvider] = route.settings.name
        headers[.xModel] = route.upstreamModel
        headers[.xCache] = cache
        headers[.xCached] = "false"
        return headers
    }

    private func json(_ body: [UInt8], route: ModelRoute, upstreamLatency: Duration, cache: String, context: DejaRequestContext) throws -> Response {
        var gateway = JSONObject()
        gateway.append("provider", .string(route.settings.name))
        gateway.append("model", .string(route.upstreamModel))
        gateway.append("latency_ms", .double(Self.milliseconds(ContinuousClock.now - context.startTime)))
        gateway.append("upstream_latency_ms", .double(Self.milliseconds(upstreamLatency)))
        gateway.append("cache", .string(cache))
        gateway.append("cache_hit", .bool(false))
        gateway.append("fallback_used", .bool(false))
        guard let spliced = Self.splice(body, gateway: JSONWriter.serialize(.object(gateway))) else {
            registry.health.recordFailure(route.settings.name, .malformedResponse(provider: route.settings.name, detail: "not a JSON object"))
            throw ProviderError.malformedResponse(provider: route.settings.name, detail: "the completion is not a JSON object").gatewayError
        }
        var fields = headers(route, cache: cache)
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: spliced)))
    }

    static func split(_ resolvedModel: String) -> (provider: String, model: String) {
        guard let slash = resolvedModel.firstIndex(of: "/") else { return ("", resolvedModel) }
        return (String(resolvedModel[..<slash]), String(resolvedModel[resolvedModel.index(after: slash)...]))
    }

    /// The `id` of a completion body (a quick parse; cold path, once per stored answer).
    static func completionID(_ completion: [UInt8]) -> String? {
        (try? JSONParser.parse(completion))?.objectValue?["id"]?.stringValue
    }

    static func milliseconds(_ d: Duration) -> Double {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return (ms * 1000).rounded() / 1000
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

    /// The client headers this provider is configured to receive (by lower-case name prefix).
    static func forwardedHeaders(_ fields: HTTPFields, prefixes: [String]) -> HTTPHeaders {
        guard !prefixes.isEmpty else { return [:] }
        var headers = HTTPHeaders()
        for field in fields {
            let name = field.name.canonicalName
            if prefixes.contains(where: { name.hasPrefix($0) }) { headers.add(name: name, value: field.value) }
        }
        return headers
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
