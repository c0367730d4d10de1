import DejaProviders
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1

/// `POST /v1/chat/completions`: validate, resolve the model, call the provider, answer as JSON or
/// relay the stream as server-sent events.
///
/// The cache front (lookup before, store after) and routing/fallback hook in here, between
/// resolution and the provider call; they are separate issues and keep this handler's shape.
struct ChatCompletionsHandler: Sendable {
    let registry: ProviderRegistry
    let maxBodyBytes: Int

    func handle(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let body = try await request.collectBody(limit: maxBodyBytes)
        let chat: ChatRequest
        do {
            chat = try ChatRequest.parse(body.readableBytesView)
        } catch {
            throw error.gatewayError
        }
        guard let route = registry.resolve(chat.model) else { throw GatewayError.unknownModel(chat.model) }
        let call = ProviderCallContext(
            requestID: context.requestID, logger: context.logger,
            forwardedHeaders: Self.forwardedHeaders(request.headers, prefixes: route.settings.forwardHeaders))
        if chat.stream {
            return try await stream(chat, route: route, call: call, context: context)
        }
        let upstream: UpstreamResponse
        do {
            upstream = try await route.provider.complete(chat, model: route.upstreamModel, context: call)
            registry.health.recordSuccess(route.settings.name)
        } catch let error as ProviderError {
            registry.health.recordFailure(route.settings.name, error)
            context.logger.debug("Upstream call failed", metadata: ["deja.provider": .string(route.settings.name), "deja.error": .string(error.description)])
            throw error.gatewayError
        }
        guard let spliced = Self.splice(upstream.body, gateway: gatewayObject(route: route, upstream: upstream, context: context)) else {
            registry.health.recordFailure(route.settings.name, .malformedResponse(provider: route.settings.name, detail: "not a JSON object"))
            throw ProviderError.malformedResponse(provider: route.settings.name, detail: "the completion is not a JSON object").gatewayError
        }
        var headers = completionHeaders(route)
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: spliced)))
    }

    private func stream(_ chat: ChatRequest, route: ModelRoute, call: ProviderCallContext, context: DejaRequestContext) async throws
        -> Response
    {
        let chunks: ChatChunkStream
        do {
            chunks = try await route.provider.stream(chat, model: route.upstreamModel, context: call)
        } catch let error as ProviderError {
            registry.health.recordFailure(route.settings.name, error)
            throw error.gatewayError
        }
        var headers = completionHeaders(route)
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let registry = self.registry
        let providerName = route.settings.name
        let logger = context.logger
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var buffer = ByteBuffer()
                do {
                    for try await chunk in chunks {
                        buffer.clear()
                        buffer.writeStaticString("data: ")
                        buffer.writeBytes(chunk)
                        buffer.writeStaticString("\n\n")
                        try await writer.write(buffer)
                    }
                    registry.health.recordSuccess(providerName)
                    buffer.clear()
                    buffer.writeStaticString("data: [DONE]\n\n")
                    try await writer.write(buffer)
                } catch let error as ProviderError {
                    // Headers are gone; the client learns of the failure from an error event.
                    registry.health.recordFailure(providerName, error)
                    logger.debug("Upstream stream failed", metadata: ["deja.error": .string(error.description)])
                    let gatewayError = error.gatewayError
                    buffer.clear()
                    buffer.writeStaticString("data: ")
                    buffer.writeBytes(gatewayError.body)
                    buffer.writeStaticString("\n\n")
                    try await writer.write(buffer)
                }
                try await writer.finish(nil)
            })
    }

    private func completionHeaders(_ route: ModelRoute) -> HTTPFields {
        var headers = HTTPFields()
        headers[.xProvider] = route.settings.name
        headers[.xModel] = route.upstreamModel
        headers[.xCache] = "BYPASS"
        headers[.xCached] = "false"
        return headers
    }

    private func gatewayObject(route: ModelRoute, upstream: UpstreamResponse, context: DejaRequestContext) -> [UInt8] {
        var object = JSONObject()
        object.append("provider", .string(route.settings.name))
        object.append("model", .string(route.upstreamModel))
        object.append("latency_ms", .double(Self.milliseconds(ContinuousClock.now - context.startTime)))
        object.append("upstream_latency_ms", .double(Self.milliseconds(upstream.latency)))
        object.append("cache", .string("BYPASS"))
        object.append("cache_hit", .bool(false))
        object.append("fallback_used", .bool(false))
        return JSONWriter.serialize(.object(object))
    }

    static func milliseconds(_ d: Duration) -> Double {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return (ms * 1000).rounded() / 1000
    }

    /// Appends `"x-gateway": {…}` as the last member of the upstream's JSON object without
    /// re-serialising it (the upstream's bytes stay as they were). Nil when the body is not an object.
    static func splice(_ body: [UInt8], gateway: [UInt8]) -> [UInt8]? {
        var end = body.count - 1
        while end >= 0, body[end] == 0x20 || body[end] == 0x0A || body[end] == 0x0D || body[end] == 0x09 { end -= 1 }
        var start = 0
        while start < body.count, body[start] == 0x20 || body[start] == 0x0A || body[start] == 0x0D || body[start] == 0x09 { start += 1 }
        guard end > start, body[start] == UInt8(ascii: "{"), body[end] == UInt8(ascii: "}") else { return nil }
        var inner = end - 1
        while inner > start, body[inner] == 0x20 || body[inner] == 0x0A || body[inner] == 0x0D || body[inner] == 0x09 { inner -= 1 }
        let empty = inner == start
        var out: [UInt8] = []
        out.reserveCapacity(body.count + gateway.count + 16)
        out.append(contentsOf: body[0..<end])
        if !empty { out.append(UInt8(ascii: ",")) }
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
