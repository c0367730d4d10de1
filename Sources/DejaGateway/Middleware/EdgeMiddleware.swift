import Hummingbird
import HTTPTypes
import DejaObservability
import Logging
import NIOCore
import Tracing

/// The outermost Deja middleware: establishes the request id, stamps `X-Request-Id` and
/// `X-Response-Time` on every response, and turns every error into an OpenAI-shaped response.
/// Anything that is not a `GatewayError` is logged and answered with a generic 500 whose message
/// never echoes internals.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = DejaRequestContext

    /// Known routes and their methods, so a wrong method is a 405, not a 404.
    let routeMethods: [String: [String]]
    let metrics: GatewayMetrics
    /// The server span of every request (`{METHOD} {route}`), in the client's trace when it sent one.
    let tracer: any Tracer
    /// `Access-Control-Expose-Headers` on responses to cross-origin requests.
    var exposedHeaders = Self.exposedHeaders

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.startTime = .now
        context.requestID = Self.requestID(from: request)
        if let header = request.headers[.traceparent], let trace = TraceContext(traceparent: header) { context.trace = trace }
        let route = Self.metricsRoute(request.uri.path)
        let method = Self.metricsMethod(request.method)
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let span = tracer.startSpan("\(method) \(route)", context: parent, ofKind: .server)
        if span.isRecording {
            span.attributes["http.request.method"] = method
            span.attributes["http.route"] = route
            span.attributes["deja.request_id"] = context.requestID
        }
        // A tracer that took part in the client's trace names it; else the gateway's own id does.
        let traceID = Self.traceID(of: span.context, tracer: tracer) ?? context.trace.traceID
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        context.logger[metadataKey: "trace_id"] = .string(traceID)
        let log = RequestLog(requestID: context.requestID, traceID: traceID, logger: context.logger, metrics: metrics, span: span)
        context.log = log
        var response: Response
        do {
            response = try await ServiceContext.$current.withValue(span.context) { [context] in try await next(request, context) }
        } catch let error as GatewayError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            response = try notFound(request).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let gatewayError = GatewayError(status: error.status, message: error.status.reasonPhrase)
            response = try gatewayError.response(from: request, context: context)
        } catch {
            context.logger.error("Unhandled error", metadata: ["deja.error": .string("\(error)")])
            response = try GatewayError(status: .internalServerError, message: "Internal gateway error (request \(context.requestID))")
                .response(from: request, context: context)
        }
        if request.headers[.origin] != nil {
            // Browsers only let scripts read these on the actual response (not the preflight).
            response.headers[.accessControlExposeHeaders] = exposedHeaders
        }
        let elapsed = ContinuousClock.now - context.startTime
        response.headers[.xRequestID] = context.requestID
        response.headers[.xResponseTime] = Self.formatDuration(elapsed)
        metrics.recordRequest(route: route, method: method, status: response.status.code, duration: elapsed)
        let headers = response.headers
        log.headSent(RequestLog.Head(
            route: route, method: method, status: response.status.code,
            latencyMs: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
            provider: headers[.xProvider], model: headers[.xModel], cache: headers[.xCache], similarity: headers[.xCacheSimilarity]))
        return response
    }

    private func notFound(_ request: Request) -> GatewayError {
        let path = request.uri.path
        if let methods = routeMethods[path] ?? routeMethods[metricsRoute(path)], !methods.contains(request.method.rawValue) {
            return .methodNotAllowed(request.method.rawValue, path, allowed: methods)
        }
        return .notFound(path)
    }

    /// The gateway's own response headers scripts may read (the error-class header is added from
    /// the configuration).
    static let exposedHeaders = "X-Request-Id, X-Response-Time, X-Provider, X-Model, X-Cache, X-Cache-Similarity, X-Cached, X-Virtual-Model, X-Routing-Strategy, Retry-After"

    /// A bounded route label: known routes as they are, pass-through by prefix, anything else
    /// "other" (so a client cannot create unbounded label values).
    func metricsRoute(_ path: String) -> String { Self.metricsRoute(path, known: routeMethods) }

    static func metricsRoute(_ path: String, known: [String: [String]] = Gateway.routeMethods) -> String {
        if known[path] != nil { return path }
        // A model id may hold a slash (`provider/model`).
        if path.hasPrefix("/v1/models/"), path.utf8.count > 11 { return "/v1/models/{model}" }
        for (prefix, template) in [("/api/admin/keys/", "/api/admin/keys/{id}"), ("/api/admin/tenants/", "/api/admin/tenants/{name}")]
        where path.hasPrefix(prefix) && path.utf8.count > prefix.utf8.count && !path.dropFirst(prefix.count).contains("/") {
            return template
        }
        if path.hasPrefix("/api/cache/shadow/"), path.hasSuffix("/label") {
            let id = path.dropFirst("/api/cache/shadow/".count).dropLast("/label".count)
            if !id.isEmpty, !id.contains("/") { return "/api/cache/shadow/{id}/label" }
        }
        for prefix in ["/openai/v1/", "/anthropic/v1/", "/gemini/v1beta/", "/gemini/v1/"] where path.hasPrefix(prefix) { return prefix + "*" }
        return "other"
    }

    /// The W3C trace id of a span's context, read from the `traceparent` the tracer would send
    /// (nil for a tracer that does not propagate W3C context, such as the no-op one).
    static func traceID(of context: ServiceContext, tracer: any Tracer) -> String? {
        var carrier: [String: String] = [:]
        tracer.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"].flatMap { TraceContext(traceparent: $0)?.traceID }
    }

    /// A bounded method label: the methods the gateway serves, else `other`.
    static func metricsMethod(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .post, .put, .patch, .delete, .head, .options: method.rawValue
        default: "other"
        }
    }

    /// The client's id when it is short and printable (so it is safe to log and echo), else a new one.
    static func requestID(from request: Request) -> String {
        if let id = request.headers[.xRequestID], !id.isEmpty, id.utf8.count <= 128,
            id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return id
        }
        return RequestIDGenerator.next()
    }

    /// Milliseconds with microsecond precision, e.g. "0.142ms".
    static func formatDuration(_ duration: Duration) -> String {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let whole = micros / 1000
        let frac = micros % 1000
        let fracText = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
        return "\(whole).\(fracText)ms"
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
    static let xResponseTime = Self("X-Response-Time")!
    static let xProvider = Self("X-Provider")!
    static let xModel = Self("X-Model")!
    static let xCache = Self("X-Cache")!
    static let xCached = Self("X-Cached")!
    static let xCacheSimilarity = Self("X-Cache-Similarity")!
    static let traceparent = Self("traceparent")!
}

/// Reads a tracer's propagation headers (`traceparent`, `tracestate`) from a request.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}

/// Collects a tracer's propagation headers.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
