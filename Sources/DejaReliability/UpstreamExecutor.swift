public import DejaProviders
public import Logging
import NIOHTTP1
public import DejaWire

/// The per-request facts every attempt needs: the request id to forward, the request's logger
/// and the client's headers (each candidate forwards only those its provider is configured for).
public struct UpstreamCallContext: Sendable {
    public var requestID: String
    public var logger: Logger
    /// The client's request headers, names in lower case.
    public var clientHeaders: [(name: String, value: String)]

    public init(requestID: String, logger: Logger, clientHeaders: [(name: String, value: String)] = []) {
        self.requestID = requestID
        self.logger = logger
        self.clientHeaders = clientHeaders
    }

    /// The adapter's context for one candidate: the client headers its provider may receive.
    func providerContext(for candidate: Candidate) -> ProviderCallContext {
        var forwarded = HTTPHeaders()
        if !candidate.forwardHeaderPrefixes.isEmpty {
            for (name, value) in clientHeaders where candidate.forwardHeaderPrefixes.contains(where: { name.hasPrefix($0) }) {
                forwarded.add(name: name, value: value)
            }
        }
        return ProviderCallContext(requestID: requestID, logger: logger, forwardedHeaders: forwarded)
    }
}

/// The only code that calls a provider. Chat (cached and direct), embeddings and pass-through all
/// go through it, so health bookkeeping, the provider-latency metric and failure classification
/// happen in one place — and retries, breakers, fallback, spans and cost attach here.
///
/// Today it makes one attempt on the plan's first candidate; the answer comes back with who gave
/// it and the attempts made.
public struct UpstreamExecutor: Sendable {
    /// What each provider's recent calls did (read by `/health`).
    public let health: ProviderHealth
    private let observer: (any UpstreamObserver)?

    public init(health: ProviderHealth, observer: (any UpstreamObserver)?) {
        self.health = health
        self.observer = observer
    }

    /// A non-streaming chat completion: an OpenAI `chat.completion` body, checked to be a JSON
    /// object (the gateway splices its `x-gateway` member into it).
    public func complete(_ request: ChatRequest, plan: ExecutionPlan, context: UpstreamCallContext) async throws -> Executed<UpstreamResponse> {
        let candidate = plan.primary
        return try await attempt(candidate, context: context) { call in
            let response = try await candidate.provider.complete(request, model: candidate.model, context: call)
            guard Self.looksLikeJSONObject(response.body) else {
                throw ProviderError.malformedResponse(provider: candidate.providerName, detail: "the completion is not a JSON object")
            }
            return response
        }
    }

    /// Embeddings for an OpenAI embeddings request body: an OpenAI `list` body.
    public func embeddings(_ body: JSONObject, plan: ExecutionPlan, context: UpstreamCallContext) async throws -> Executed<UpstreamResponse> {
        let candidate = plan.primary
        return try await attempt(candidate, context: context) { call in
            try await candidate.provider.embeddings(body, model: candidate.model, context: call)
        }
    }

    /// A streaming chat completion, returned once the upstream accepted it. The stream's end
    /// (or its failure) is recorded when the caller reaches it; dropping the iterator cancels
    /// the upstream request.
    public func stream(_ request: ChatRequest, plan: ExecutionPlan, context: UpstreamCallContext) async throws -> Executed<ChatChunkStream> {
        let candidate = plan.primary
        let start = ContinuousClock.now
        let chunks: ChatChunkStream
        do {
            chunks = try await candidate.provider.stream(request, model: candidate.model, context: context.providerContext(for: candidate))
        } catch {
            let failure = Self.providerError(error, provider: candidate.providerName)
            finish(candidate.providerName, model: candidate.model, start: start, outcome: .failed(failure))
            throw failure
        }
        let accepted = ContinuousClock.now - start
        let watched = ChatChunkStream(makeIterator: { [self] in
            var base = chunks.makeAsyncIterator()
            var finished = false
            return ChatChunkStream.AsyncIterator {
                guard !finished else { return nil }
                do {
                    if let payload = try await base.next() { return payload }
                    finished = true
                    finish(candidate.providerName, model: candidate.model, start: start, outcome: .succeeded)
                    return nil
                } catch {
                    finished = true
                    let failure = Self.providerError(error, provider: candidate.providerName)
                    finish(candidate.providerName, model: candidate.model, start: start, outcome: .failed(failure))
                    throw failure
                }
            }
        })
        let attempt = Attempt(provider: candidate.providerName, model: candidate.model, duration: accepted, outcome: .succeeded)
        return Executed(value: watched, answeredBy: candidate, attempts: [attempt], fallbackUsed: false, latency: accepted)
    }

    /// A call the gateway relays without an adapter (the native pass-through routes): `send`
    /// performs it; a thrown error counts as the provider's failure, and `isFailure` says which
    /// answers do (e.g. a relayed 5xx).
    public func relay<Value: Sendable>(
        provider: String, isFailure: (Value) -> ProviderError? = { _ in nil }, _ send: () async throws -> Value
    ) async throws -> Value {
        let start = ContinuousClock.now
        let value: Value
        do {
            value = try await send()
        } catch {
            finish(provider, model: "", start: start, outcome: .failed(Self.providerError(error, provider: provider)))
            throw error
        }
        finish(provider, model: "", start: start, outcome: isFailure(value).map { .failed($0) } ?? .succeeded)
        return value
    }

    // MARK: - One attempt

    private func attempt(
        _ candidate: Candidate, context: UpstreamCallContext, _ call: (ProviderCallContext) async throws -> UpstreamResponse
    ) async throws -> Executed<UpstreamResponse> {
        let start = ContinuousClock.now
        do {
            let response = try await call(context.providerContext(for: candidate))
            let attempt = finish(candidate.providerName, model: candidate.model, start: start, outcome: .succeeded)
            return Executed(value: response, answeredBy: candidate, attempts: [attempt], fallbackUsed: false, latency: response.latency)
        } catch {
            let failure = Self.providerError(error, provider: candidate.providerName)
            finish(candidate.providerName, model: candidate.model, start: start, outcome: .failed(failure))
            throw failure
        }
    }

    /// Records an attempt's end. An attempt cut short because its client left (the task was
    /// cancelled) says nothing about the provider and is not recorded.
    @discardableResult
    private func finish(_ provider: String, model: String, start: ContinuousClock.Instant, outcome: Attempt.Outcome) -> Attempt {
        let now = ContinuousClock.now
        let attempt = Attempt(provider: provider, model: model, duration: now - start, outcome: outcome)
        if case .failed = outcome, Task.isCancelled { return attempt }
        switch outcome {
        case .succeeded: health.recordSuccess(provider, at: now)
        case .failed(let error): health.recordFailure(provider, error, at: now)
        }
        observer?.attemptFinished(attempt)
        return attempt
    }

    /// Whether the first and last non-space bytes are `{` and `}` (a cheap check; the adapters
    /// have already parsed the body).
    static func looksLikeJSONObject(_ body: [UInt8]) -> Bool {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        guard let first = body.firstIndex(where: { !isSpace($0) }), let last = body.lastIndex(where: { !isSpace($0) }), first < last else { return false }
        return body[first] == UInt8(ascii: "{") && body[last] == UInt8(ascii: "}")
    }

    /// Every failure leaves the executor as a `ProviderError`; anything else an adapter threw
    /// (it should not) is a connection failure of that provider.
    static func providerError(_ error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError { return .connectionFailed(provider: provider, detail: "the request was cancelled") }
        return .connectionFailed(provider: provider, detail: "\(error)")
    }
}
