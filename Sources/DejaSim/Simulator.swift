import Foundation
import HTTPTypes
import DejaHTTPServer
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An in-process upstream LLM server speaking the OpenAI, Anthropic and Gemini wire formats.
public final class Simulator: Sendable {
    public let configuration: SimulatorConfiguration
    /// The bound port.
    public let port: Int
    let state: SimulatorState
    private let task: Mutex<Task<Void, Never>?>
    private let group: Mutex<ServiceGroup?>
    private let stopped: Mutex<[CheckedContinuation<Void, Never>]?>

    /// The base URL of the simulator, e.g. `http://127.0.0.1:8080`.
    public var baseURL: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

    private init(configuration: SimulatorConfiguration, port: Int, state: SimulatorState) {
        self.configuration = configuration
        self.port = port
        self.state = state
        self.task = Mutex(nil)
        self.group = Mutex(nil)
        self.stopped = Mutex([])
    }

    /// Starts a simulator and returns once it is listening.
    public static func start(_ configuration: SimulatorConfiguration = SimulatorConfiguration()) async throws
        -> Simulator
    {
        var logger = Logger(label: "deja-sim")
        logger.logLevel = configuration.logLevel
        let state = SimulatorState(seed: configuration.seed, recordLimit: configuration.recordedRequestLimit)
        let responder = SimulatorResponder(configuration: configuration, state: state)
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let app = Application(
            responder: responder,
            server: .loopAffineHTTP1(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )
        let box = Mutex<Simulator?>(nil)
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        let runTask = Task {
            do {
                try await serviceGroup.run()
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
            box.withLock { $0 }?.markStopped()
        }
        var port: Int?
        for await event in events {
            switch event {
            case .success(let p): port = p
            case .failure(let error): throw error
            }
            break
        }
        guard let port else { throw SimulatorError.didNotStart }
        let simulator = Simulator(configuration: configuration, port: port, state: state)
        simulator.task.withLock { $0 = runTask }
        simulator.group.withLock { $0 = serviceGroup }
        box.withLock { $0 = simulator }
        return simulator
    }

    private func markStopped() {
        let waiters = stopped.withLock { list -> [CheckedContinuation<Void, Never>] in
            let w = list ?? []
            list = nil
            return w
        }
        for w in waiters { w.resume() }
    }

    /// The counters since start or the last `reset()`.
    public func stats() -> SimulatorStats { state.stats() }

    /// The last requests received (oldest first), bodies byte for byte.
    public func recordedRequests() -> [RecordedRequest] { state.recorded() }

    /// Zeroes the counters and forgets recorded requests and fail-times attempts.
    public func reset() { state.reset() }

    /// Stops listening and lets responses in progress finish; streams still running after
    /// two seconds are cut.
    public func shutdown() async {
        guard let t = task.withLock({ $0 }) else { return }
        await group.withLock { $0 }?.triggerGracefulShutdown()
        let timeout = Task {
            try await Task.sleep(for: .seconds(2))
            t.cancel()
        }
        await t.value
        timeout.cancel()
    }

    /// Returns once the server has stopped.
    public func waitUntilStopped() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = stopped.withLock { list -> Bool in
                if list == nil { return true }
                list!.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }
}

public enum SimulatorError: Error, Sendable {
    case didNotStart
}

/// Request context that keeps the connection's channel, so a handler can drop the connection.
struct SimContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    var maxUploadSize: Int { 64 * 1024 * 1024 }
}

/// The three wire formats.
enum Provider: Sendable {
    case openAI, anthropic, gemini
}

/// Fault-injection and behaviour headers of one request.
struct Faults: Sendable {
    var latencyMs = 0
    var ttftMs = 0
    var tokenMs = 0
    var status: Int?
    var retryAfter: String?
    var failTimes: Int?
    var failKey: String?
    var drop = false
    var malformed = false
    var truncateAfter: Int?
    var tokens: Int?
    var parallelTools: Int?
}

/// A request with its body read.
struct SimRequest: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let query: String?
    let headers: HTTPFields
    let body: [UInt8]
    let faults: Faults

    func header(_ name: String) -> String? {
        guard let n = HTTPField.Name(name) else { return nil }
        return headers[n]
    }

    func queryItem(_ name: String) -> String? {
        guard let query else { return nil }
        for item in query.split(separator: "&") {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv.first.map(String.init) == name {
                let v = kv.count > 1 ? String(kv[1]) : ""
                return v.removingPercentEncoding ?? v
            }
        }
        return nil
    }

    /// The body parsed as a JSON object, or nil.
    func jsonObject() -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) as? [String: Any]
    }
}

private func truthy(_ s: String?) -> Bool {
    guard let s = s?.lowercased() else { return false }
    return !(s == "0" || s == "false" || s == "no" || s == "off")
}

extension Faults {
    init(_ h: HTTPFields) {
        func get(_ name: String) -> String? { HTTPField.Name(name).flatMap { h[$0] } }
        func int(_ name: String) -> Int? { get(name).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        latencyMs = int("x-sim-latency-ms") ?? 0
        ttftMs = int("x-sim-ttft-ms") ?? 0
        tokenMs = int("x-sim-token-ms") ?? 0
        status = int("x-sim-status")
        retryAfter = get("x-sim-retry-after")
        failTimes = int("x-sim-fail-times")
        failKey = get("x-sim-fail-key")
        drop = truthy(get("x-sim-drop"))
        malformed = truthy(get("x-sim-malformed"))
        truncateAfter = int("x-sim-truncate-stream")
        tokens = int("x-sim-tokens")
        parallelTools = int("x-sim-parallel-tools")
    }
}

extension Faults {
    /// One fault of the chaos mix (`kind` in 0..<7).
    mutating func applyChaos(kind: Int) {
        switch kind {
        case 0:
            status = 429
            retryAfter = "1"
        case 1: status = 500
        case 2: status = 503
        case 3: status = 529
        case 4: drop = true
        case 5: truncateAfter = 2
        default: latencyMs += 2000
        }
    }
}

/// Thrown from a stream body to cut the connection.
struct StreamCut: Error {}

/// Dispatches every request by path.
struct SimulatorResponder: HTTPResponder {
    typealias Context = SimContext
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    func respond(to request: Request, context: SimContext) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/sim/") || path == "/sim" {
            return simRoute(request, path: path)
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = Array(buffer: buffer)
        let query = request.uri.query
        state.record(
            method: request.method.rawValue, path: path, query: query,
            headers: request.headers.map { RecordedRequest.Header(name: $0.name.rawName, value: $0.value) },
            body: bytes
        )
        state.increment(.totalRequests)
        state.increment(.inFlight)
        var faults = Faults(request.headers)
        if configuration.chaosRate > 0 {
            let draw = state.nextUnit()
            if draw < configuration.chaosRate { faults.applyChaos(kind: Int(draw / configuration.chaosRate * 7)) }
        }
        let req = SimRequest(method: request.method, path: path, query: query, headers: request.headers, body: bytes, faults: faults)
        let outcome = await route(req, context: context)
        if !outcome.streaming { state.decrement(.inFlight) }
        return outcome.response
    }

    /// A response, and whether its body is a stream (which then decrements `inFlight` itself).
    struct Outcome {
        var response: Response
        var streaming = false
    }

    private func route(_ req: SimRequest, context: SimContext) async -> Outcome {
        let path = req.path
        let post = req.method == .post
        let get = req.method == .get
        if post && path == "/v1/chat/completions" {
            return await openAIChat(req, context: context)
        }
        if post && path == "/v1/embeddings" {
            return Outcome(response: await openAIEmbeddings(req, context: context))
        }
        if post && path == "/v1/messages" {
            return await anthropicMessages(req, context: context)
        }
        if get && (path == "/v1/models" || path == "/v1/models/") {
            return Outcome(response: await listModels(req, context: context))
        }
        if path.hasPrefix("/v1beta/models") || path.hasPrefix("/v1/models/") {
            if let outcome = await geminiRoute(req, context: context) { return outcome }
        }
        state.increment(.notFound)
        return Outcome(response: notFound(req))
    }

    private func notFound(_ req: SimRequest) -> Response {
        if req.path.hasPrefix("/v1beta/") {
            return errorResponse(.gemini, status: 404, message: "Requested entity was not found.", req: req)
        }
        if req.header("anthropic-version") != nil {
            return errorResponse(.anthropic, status: 404, message: "Not Found", req: req)
        }
        return errorResponse(
            .openAI, status: 404,
            message: "Invalid URL (\(req.method.rawValue) \(req.path))", req: req, code: .null
        )
    }

    // MARK: - Common request gate

    /// Applies, in order: `x-sim-drop`, latency, API key check, injected errors. Returns the
    /// response to send instead of the normal answer, if any.
    func preflight(_ provider: Provider, _ req: SimRequest, context: SimContext, sse: Bool = false) async -> Response? {
        let f = req.faults
        if f.drop {
            state.increment(.connectionsDropped)
            context.channel.close(mode: .all, promise: nil)
            return Response(status: .ok)
        }
        let delay = configuration.latencyMs + f.latencyMs
        if delay > 0 {
            try? await Task.sleep(for: .milliseconds(delay))
        }
        if let denied = checkKey(provider, req, sse: sse) { return denied }
        if let status = f.status, status >= 400, f.failTimes == nil {
            state.increment(.errorsInjected)
            return errorResponse(provider, status: status, req: req, sse: sse)
        }
        if let times = f.failTimes, times > 0 {
            let key = f.failKey ?? String(fnv1a(Array(req.method.rawValue.utf8) + Array(req.path.utf8) + req.body), radix: 16)
            if state.attempt(key) <= times {
                state.increment(.errorsInjected)
                return errorResponse(provider, status: f.status.flatMap { $0 >= 400 ? $0 : nil } ?? 500, req: req, sse: sse)
            }
        }
        if configuration.errorRate > 0 {
            let draw = state.nextUnit()
            if draw < configuration.errorRate {
                state.increment(.errorsInjected)
                let statuses: [Int]
                switch provider {
                case .openAI: statuses = [429, 500, 503]
                case .anthropic: statuses = [429, 500, 529]
                case .gemini: statuses = [429, 500, 503]
                }
                let pick = statuses[Int(draw / configuration.errorRate * Double(statuses.count)) % statuses.count]
                return errorResponse(provider, status: pick, req: req, sse: sse)
            }
        }
        return nil
    }

    private func checkKey(_ provider: Provider, _ req: SimRequest, sse: Bool) -> Response? {
        guard let required = configuration.requiredAPIKey else { return nil }
        var bearer: String?
        if let auth = req.header("authorization"), auth.lowercased().hasPrefix("bearer ") {
            bearer = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        switch provider {
        case .openAI:
            guard let key = bearer else {
                return errorResponse(
                    .openAI, status: 401,
                    message:
                        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
                    req: req, code: .null
                )
            }
            if key != required {
                let shown = key.count > 8 ? String(key.prefix(3)) + "*****" + String(key.suffix(4)) : "*****"
                return errorResponse(
                    .openAI, status: 401,
                    message:
                        "Incorrect API key provided: \(shown). You can find your API key at https://platform.openai.com/account/api-keys.",
                    req: req, code: .string("invalid_api_key")
                )
            }
        case .anthropic:
            guard let key = req.header("x-api-key") ?? bearer else {
                return errorResponse(.anthropic, status: 401, message: "x-api-key header is required", req: req)
            }
            if key != required {
                return errorResponse(.anthropic, status: 401, message: "invalid x-api-key", req: req)
            }
        case .gemini:
            guard let key = req.header("x-goog-api-key") ?? req.queryItem("key") else {
                return errorResponse(
                    .gemini, status: 403,
                    message:
                        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                    req: req, sse: sse
                )
            }
            if key != required {
                return geminiInvalidKey(req, sse: sse)
            }
        }
        return nil
    }

    // MARK: - Errors in each provider's shape

    func errorResponse(
        _ provider: Provider, status: Int, message: String? = nil, type: String? = nil, req: SimRequest,
        sse: Bool = false, param: String? = nil, code: JSONValue? = nil
    ) -> Response {
        var headers: [(String, String)] = []
        if status == 429 || req.faults.retryAfter != nil {
            headers.append(("retry-after", req.faults.retryAfter ?? "1"))
        }
        var body = ByteBuffer()
        let contentType: String
        switch provider {
        case .openAI:
            let (t, c, m) = openAIErrorDefaults(status)
            body.writeJSON(
                .object([
                    (
                        "error",
                        .object([
                            ("message", .string(message ?? m)),
                            ("type", .string(type ?? t)),
                            ("param", param.map { .string($0) } ?? .null),
                            ("code", code ?? c),
                        ])
                    )
                ]),
                style: .pretty(2)
            )
            body.writeStaticString("\n")
            contentType = "application/json; charset=utf-8"
            headers.append(("x-request-id", "req_" + alphanumericID(state.nextID(), count: 32).lowercased()))
        case .anthropic:
            let (t, m) = anthropicErrorDefaults(status)
            let requestID = "req_011C" + alphanumericID(state.nextID(), count: 20)
            body.writeJSON(
                .object([
                    ("type", .string("error")),
                    ("error", .object([("type", .string(type ?? t)), ("message", .string(message ?? m))])),
                    ("request_id", .string(requestID)),
                ]),
                style: .compact
            )
            contentType = "application/json"
            headers.append(("request-id", requestID))
        case .gemini:
            let (s, m) = geminiErrorDefaults(status)
            body.writeJSON(
                .object([
                    (
                        "error",
                        .object([
                            ("code", .int(status)), ("message", .string(message ?? m)), ("status", .string(type ?? s)),
                        ])
                    )
                ]),
                style: .pretty(2)
            )
            body.writeStaticString("\n")
            contentType = sse ? "text/event-stream" : "application/json; charset=UTF-8"
        }
        return makeResponse(status: status, body: body, contentType: contentType, headers: headers)
    }

    private func geminiInvalidKey(_ req: SimRequest, sse: Bool) -> Response {
        let message = "API key not valid. Please pass a valid API key."
        let body = JSONValue.object([
            (
                "error",
                .object([
                    ("code", .int(400)),
                    ("message", .string(message)),
                    ("status", .string("INVALID_ARGUMENT")),
                    (
                        "details",
                        .array([
                            .object([
                                ("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")),
                                ("reason", .string("API_KEY_INVALID")),
                                ("domain", .string("googleapis.com")),
                                ("metadata", .object([("service", .string("generativelanguage.googleapis.com"))])),
                            ]),
                            .object([
                                ("@type", .string("type.googleapis.com/google.rpc.LocalizedMessage")),
                                ("locale", .string("en-US")),
                                ("message", .string(message)),
                            ]),
                        ])
                    ),
                ])
            )
        ])
        var buffer = body.serialized(.pretty(2))
        buffer.writeStaticString("\n")
        return makeResponse(
            status: 400, body: buffer, contentType: sse ? "text/event-stream" : "application/json; charset=UTF-8")
    }

    private func openAIErrorDefaults(_ status: Int) -> (String, JSONValue, String) {
        switch status {
        case 400: return ("invalid_request_error", .null, "Invalid request.")
        case 401: return ("invalid_request_error", .string("invalid_api_key"), "Incorrect API key provided.")
        case 403: return ("invalid_request_error", .string("unsupported_country_region_territory"), "Country, region, or territory not supported")
        case 404: return ("invalid_request_error", .string("model_not_found"), "The model does not exist or you do not have access to it.")
        case 429:
            return (
                "requests", .string("rate_limit_exceeded"),
                "Rate limit reached for requests. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more."
            )
        case 503: return ("server_error", .null, "The engine is currently overloaded, please try again later.")
        case 500...: return ("server_error", .null, "The server had an error while processing your request. Sorry about that!")
        default: return ("invalid_request_error", .null, "Request failed.")
        }
    }

    private func anthropicErrorDefaults(_ status: Int) -> (String, String) {
        switch status {
        case 400: return ("invalid_request_error", "Invalid request.")
        case 401: return ("authentication_error", "invalid x-api-key")
        case 402: return ("billing_error", "Your credit balance is too low to access the Anthropic API.")
        case 403: return ("permission_error", "Your API key does not have permission to use the specified resource.")
        case 404: return ("not_found_error", "Not found.")
        case 413: return ("request_too_large", "Request exceeds the maximum allowed number of bytes.")
        case 429: return ("rate_limit_error", "This request would exceed the rate limit for your organization. Please try again later.")
        case 504: return ("timeout_error", "Request timed out.")
        case 529: return ("overloaded_error", "Overloaded")
        case 500...: return ("api_error", "Internal server error")
        default: return ("invalid_request_error", "Request failed.")
        }
    }

    private func geminiErrorDefaults(_ status: Int) -> (String, String) {
        switch status {
        case 400: return ("INVALID_ARGUMENT", "Request contains an invalid argument.")
        case 401: return ("UNAUTHENTICATED", "Request had invalid authentication credentials.")
        case 403: return ("PERMISSION_DENIED", "The caller does not have permission")
        case 404: return ("NOT_FOUND", "Requested entity was not found.")
        case 409: return ("ABORTED", "The operation was aborted.")
        case 429:
            return (
                "RESOURCE_EXHAUSTED",
                "Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
            )
        case 499: return ("CANCELLED", "The operation was cancelled.")
        case 501: return ("UNIMPLEMENTED", "Method not implemented.")
        case 503: return ("UNAVAILABLE", "The model is overloaded. Please try again later.")
        case 504: return ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")
        case 500...: return ("INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
        default: return ("FAILED_PRECONDITION", "Request failed.")
        }
    }

    // MARK: - Responses

    func makeResponse(status: Int, body: ByteBuffer, contentType: String, headers extra: [(String, String)] = [])
        -> Response
    {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        for (name, value) in extra {
            if let n = HTTPField.Name(name) { headers.append(HTTPField(name: n, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// A JSON body, cut in half when `x-sim-malformed` is set.
    func bodyResponse(_ req: SimRequest, body: ByteBuffer, contentType: String, headers: [(String, String)] = [])
        -> Response
    {
        var body = body
        if req.faults.malformed {
            body = body.getSlice(at: body.readerIndex, length: max(body.readableBytes / 2, 1)) ?? body
        }
        return makeResponse(status: 200, body: body, contentType: contentType, headers: headers)
    }

    /// A streamed body of pre-built frames, with the stream fault headers applied.
    /// `frameEnd` is the event separator, used to close a broken frame for `x-sim-malformed`.
    func streamResponse(
        _ req: SimRequest, context: SimContext, frames: [ByteBuffer], contentType: String, frameEnd: String,
        headers extra: [(String, String)] = []
    ) -> Outcome {
        var frames = frames
        let f = req.faults
        if f.malformed, !frames.isEmpty {
            let i = frames.count > 2 ? 1 : 0
            var broken = frames[i].getSlice(at: frames[i].readerIndex, length: frames[i].readableBytes / 2) ?? ByteBuffer()
            broken.writeString(frameEnd)
            frames[i] = broken
        }
        let state = self.state
        let channel = context.channel
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache"
        for (name, value) in extra {
            if let n = HTTPField.Name(name) { headers.append(HTTPField(name: n, value: value)) }
        }
        let body = ResponseBody { [frames] writer in
            defer { state.decrement(.inFlight) }
            do {
                if f.ttftMs > 0 { try await Task.sleep(for: .milliseconds(f.ttftMs)) }
                if f.tokenMs <= 0 && f.truncateAfter == nil && frames.count > 1 {
                    try await Self.write(frames[0], to: &writer, channel: channel)
                    var rest = ByteBuffer()
                    for frame in frames.dropFirst() {
                        var frame = frame
                        rest.writeBuffer(&frame)
                    }
                    try await Self.write(rest, to: &writer, channel: channel)
                } else {
                    for (i, frame) in frames.enumerated() {
                        if let n = f.truncateAfter, i >= n { break }
                        if i > 0 && f.tokenMs > 0 { try await Task.sleep(for: .milliseconds(f.tokenMs)) }
                        try await Self.write(frame, to: &writer, channel: channel)
                    }
                    if f.truncateAfter != nil {
                        // Let the frames reach the client before the connection goes.
                        try await Task.sleep(for: .milliseconds(20))
                        throw StreamCut()
                    }
                }
                try await writer.finish(nil)
                state.increment(.streamsCompleted)
            } catch is StreamCut {
                // Throwing makes the server close the connection once the frames already written
                // have gone out, without the chunked-encoding terminator.
                state.increment(.connectionsDropped)
                throw StreamCut()
            } catch {
                state.increment(.streamsAborted)
                throw error
            }
        }
        return Outcome(response: Response(status: .ok, headers: headers, body: body), streaming: true)
    }

    private static func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter, channel: any Channel)
        async throws
    {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        try await writer.write(buffer)
    }

    // MARK: - /sim

    private func simRoute(_ request: Request, path: String) -> Response {
        switch (request.method, path) {
        case (.get, "/sim/stats"):
            var body = statsJSON(state.stats()).serialized(.pretty(2))
            body.writeStaticString("\n")
            return makeResponse(status: 200, body: body, contentType: "application/json")
        case (.post, "/sim/reset"):
            state.reset()
            return makeResponse(status: 200, body: ByteBuffer(string: "{\"ok\":true}\n"), contentType: "application/json")
        case (.get, "/sim/requests"):
            let items: [JSONValue] = state.recorded().map { r in
                .object([
                    ("sequence", .int(r.sequence)),
                    ("method", .string(r.method)),
                    ("path", .string(r.path)),
                    ("query", r.query.map { .string($0) } ?? .null),
                    ("headers", .array(r.headers.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })),
                    ("body_base64", .string(Data(r.body).base64EncodedString())),
                ])
            }
            var body = JSONValue.object([("requests", .array(items))]).serialized(.pretty(2))
            body.writeStaticString("\n")
            return makeResponse(status: 200, body: body, contentType: "application/json")
        default:
            return makeResponse(
                status: 404, body: ByteBuffer(string: "{\"error\":\"not found\"}\n"), contentType: "application/json")
        }
    }

    private func statsJSON(_ s: SimulatorStats) -> JSONValue {
        .object([
            ("total_requests", .int(s.totalRequests)),
            ("in_flight", .int(s.inFlight)),
            ("errors_injected", .int(s.errorsInjected)),
            ("connections_dropped", .int(s.connectionsDropped)),
            ("streams_completed", .int(s.streamsCompleted)),
            ("streams_aborted", .int(s.streamsAborted)),
            (
                "routes",
                .object([
                    ("openai_chat", .int(s.openAIChat)),
                    ("openai_chat_stream", .int(s.openAIChatStream)),
                    ("openai_embeddings", .int(s.openAIEmbeddings)),
                    ("anthropic_messages", .int(s.anthropicMessages)),
                    ("anthropic_messages_stream", .int(s.anthropicMessagesStream)),
                    ("gemini_generate", .int(s.geminiGenerate)),
                    ("gemini_stream", .int(s.geminiStream)),
                    ("gemini_embed", .int(s.geminiEmbed)),
                    ("gemini_count_tokens", .int(s.geminiCountTokens)),
                    ("models", .int(s.models)),
                    ("not_found", .int(s.notFound)),
                ])
            ),
            (
                "providers",
                .object([
                    ("openai", .int(s.openAI)), ("anthropic", .int(s.anthropic)), ("gemini", .int(s.gemini)),
                ])
            ),
        ])
    }

    /// Unix time in seconds.
    var now: Int { Int(Date().timeIntervalSince1970) }
}
