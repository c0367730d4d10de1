public import DejaProviders
public import DejaWire
public import Logging
import NIOHTTP1
import Synchronization
public import Tracing

/// The per-request facts every attempt needs: the request id to forward, the request's logger,
/// the client's headers (each candidate forwards only those its provider is configured for) and
/// the request's deadline.
public struct UpstreamCallContext: Sendable {
    public var requestID: String
    public var logger: Logger
    /// The client's request headers, names in lower case.
    public var clientHeaders: [(name: String, value: String)]
    /// When the whole request must be answered by; nil for none beyond each provider's timeout.
    public var deadline: ContinuousClock.Instant?
    /// Set by a client in test mode (`X-Deja-Test-Mode`), when the gateway allows it.
    public var testMode: TestMode?
    /// The W3C `traceparent` sent to every provider (the client's trace, the gateway's span)
    /// when no tracer injects one of its own.
    public var traceparent: String?
    /// The GenAI operation (`chat`, `embeddings`, `passthrough`): the attempt spans' names.
    public var operation = "chat"
    /// Whether the client chose `deadline` (`x-deja-deadline-ms`) rather than the gateway's default.
    public var deadlineFromClient = false

    /// Failures a client may ask for to test its own handling.
    public enum TestMode: String, Sendable {
        /// Give up at once with the degraded signal, calling nobody.
        case forceDegraded = "force_degraded"
        /// Fail the first attempt with a transient error (not sent upstream), then go on as usual.
        case forceTransientRecover = "force_transient_recover"
    }

    public init(
        requestID: String, logger: Logger, clientHeaders: [(name: String, value: String)] = [], deadline: ContinuousClock.Instant? = nil,
        testMode: TestMode? = nil, traceparent: String? = nil
    ) {
        self.traceparent = traceparent
        self.requestID = requestID
        self.logger = logger
        self.clientHeaders = clientHeaders
        self.deadline = deadline
        self.testMode = testMode
    }

    /// The adapter's context for one candidate: the client headers its provider may receive.
    func providerContext(for candidate: Candidate) -> ProviderCallContext {
        var forwarded = HTTPHeaders()
        if !candidate.forwardHeaderPrefixes.isEmpty {
            for (name, value) in clientHeaders where candidate.forwardHeaderPrefixes.contains(where: { name.hasPrefix($0) }) {
                forwarded.add(name: name, value: value)
            }
        }
        if let traceparent {
            forwarded.remove(name: "traceparent")
            forwarded.remove(name: "tracestate")
            forwarded.add(name: "traceparent", value: traceparent)
        }
        return ProviderCallContext(requestID: requestID, logger: logger, forwardedHeaders: forwarded, deadline: deadline)
    }
}

/// The only code that calls a provider. Chat (cached and direct), embeddings and pass-through all
/// go through it, so health, metrics, failure classification, retries, circuit breakers and
/// fallback happen in one place (and spans and cost attach here later).
///
/// For each candidate of the plan, in order: skip it when its circuit is open; call it; on a
/// transient failure retry it (full-jitter backoff or the upstream's Retry-After, within the
/// retry budget and the deadline); on any other failure but a refused request, move on to the
/// next candidate. A refused request (400, 404, 413, 422) is relayed at once. When nobody
/// answered, a single-candidate plan relays its upstream's last error; otherwise the executor
/// gives up (``ExecutionError/gaveUp(_:)``), the gateway's own degraded signal.
public final class UpstreamExecutor: Sendable {
    /// What the executor's knobs are set to.
    public struct Settings: Sendable {
        public var retry: RetryPolicy
        public var budget: RetryBudget.Settings
        public var breakers: CircuitBreakers.Settings

        public init(retry: RetryPolicy = .init(), budget: RetryBudget.Settings = .init(), breakers: CircuitBreakers.Settings = .init()) {
            self.retry = retry
            self.budget = budget
            self.breakers = breakers
        }
    }

    /// What each provider's recent calls did (read by `/health`).
    public let health: ProviderHealth
    /// One circuit per provider and model (read by `/api/circuit-breakers`).
    public let breakers: CircuitBreakers
    /// Rolling error rates, latency and time-to-first-token per provider and model (`/api/providers`).
    public let statistics = ProviderStatistics()
    public let settings: Settings
    let budget: RetryBudget
    /// The time source of retries, deadlines and circuits (deadlines are instants on it).
    public let clock: any ReliabilityClock
    let unitRandom: @Sendable () -> Double
    private let observer: (any UpstreamObserver)?
    /// Shares circuit openings, probes and verdicts with the other instances (Redis), if any.
    private let shared: (any SharedCircuitState)?
    /// One client span per attempt (`{operation} {model}`), the trace injected into its request.
    private let tracer: any Tracer

    public init(
        health: ProviderHealth, settings: Settings = .init(), observer: (any UpstreamObserver)?, clock: any ReliabilityClock = SystemReliabilityClock(),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, shared: (any SharedCircuitState)? = nil,
        tracer: any Tracer = NoOpTracer()
    ) {
        self.tracer = tracer
        self.health = health
        self.settings = settings
        self.observer = observer
        self.clock = clock
        self.unitRandom = unitRandom
        self.shared = shared
        self.budget = RetryBudget(settings: settings.budget, origin: clock.now)
        self.breakers = CircuitBreakers(settings: settings.breakers) { provider, model, state in
            observer?.circuitChanged(provider: provider, model: model, state: state)
        }
    }

    /// Admission to call `candidate`: the local circuit's decision, and for a probe, the claim
    /// of the one probe across instances when circuits are shared.
    private func admit(_ candidate: Candidate) async -> CircuitBreakers.Admission {
        let admission = breakers.admit(provider: candidate.providerName, model: candidate.model, now: clock.now)
        guard admission == .probe, let shared else { return admission }
        let lease = settings.breakers.probeLease
        if await shared.claimProbe(provider: candidate.providerName, model: candidate.model, lease: lease) { return admission }
        // Another instance probes: wait for its verdict (announced), at most one lease.
        let retryAt = clock.now + lease
        breakers.deferProbe(provider: candidate.providerName, model: candidate.model, until: retryAt)
        return .rejected(retryAt: retryAt)
    }

    /// Tells the other instances what this instance's circuit did.
    private func announce(_ candidate: Candidate, _ before: CircuitBreakers.State?) {
        guard let shared else { return }
        let now = clock.now
        let state = breakers.state(provider: candidate.providerName, model: candidate.model)
        guard state != before else { return }
        switch state {
        case .open:
            if let until = breakers.openUntil(provider: candidate.providerName, model: candidate.model) {
                let seconds = Double((until - now).components.seconds) + Double((until - now).components.attoseconds) / 1e18
                shared.opened(provider: candidate.providerName, model: candidate.model, untilWallClock: clock.wallClockSeconds + seconds)
            }
        case .closed where before == .halfOpen || before == .open:
            shared.closed(provider: candidate.providerName, model: candidate.model)
        case .closed:
            break  // a circuit seen for the first time: nothing to tell
        case .halfOpen, nil:
            break
        }
    }

    /// A non-streaming chat completion: an OpenAI `chat.completion` body, checked to be a JSON
    /// object (the gateway splices its `x-gateway` member into it).
    public func complete(_ request: ChatRequest, plan: ExecutionPlan, context: UpstreamCallContext) async throws(ExecutionError) -> Executed<UpstreamResponse> {
        try await run(plan, context: context) { candidate, call in
            let response = try await candidate.provider.complete(request, model: candidate.model, context: call)
            guard Self.looksLikeJSONObject(response.body) else {
                throw ProviderError.malformedResponse(provider: candidate.providerName, detail: "the completion is not a JSON object")
            }
            return (response, response.latency)
        }
    }

    /// Embeddings for an OpenAI embeddings request body: an OpenAI `list` body.
    public func embeddings(_ body: JSONObject, plan: ExecutionPlan, context: UpstreamCallContext) async throws(ExecutionError) -> Executed<UpstreamResponse> {
        try await run(plan, context: context) { candidate, call in
            let response = try await candidate.provider.embeddings(body, model: candidate.model, context: call)
            return (response, response.latency)
        }
    }

    /// A streaming chat completion, returned once its first chunk arrived: a failure before that
    /// (a refused request, a cut before the first byte) is retried or sent to the next candidate
    /// like any other; once the caller has the stream, nothing is retried (its bytes may already
    /// be with the client). The stream's end or failure is recorded when the caller reaches it;
    /// dropping the iterator cancels the upstream request.
    public func stream(_ request: ChatRequest, plan: ExecutionPlan, context: UpstreamCallContext) async throws(ExecutionError) -> Executed<ChatChunkStream> {
        let started = try await run(plan, context: context, recordSuccess: false) { candidate, call in
            let start = self.clock.now
            let chunks = try await candidate.provider.stream(request, model: candidate.model, context: call)
            var iterator = chunks.makeAsyncIterator()
            let first = try await iterator.next()
            return (StartedStream(first: first, rest: iterator), self.clock.now - start)
        }
        let candidate = started.answeredBy
        let start = clock.now - started.latency
        statistics.recordFirstToken(provider: candidate.providerName, model: candidate.model, after: started.latency, at: clock.now)
        let stream = started.value
        let watched = ChatChunkStream(makeIterator: { [self] in
            guard let (first, rest) = stream.take() else { return ChatChunkStream.AsyncIterator { nil } }
            var pending = first
            var base = rest
            var finished = false
            return ChatChunkStream.AsyncIterator {
                guard !finished else { return nil }
                if let payload = pending {
                    pending = nil
                    return payload
                }
                do {
                    if let payload = try await base.next() { return payload }
                    finished = true
                    self.finish(candidate.providerName, model: candidate.model, start: start, outcome: .succeeded)
                    return nil
                } catch {
                    finished = true
                    let failure = Self.providerError(error, provider: candidate.providerName)
                    self.conclude(candidate, admission: .allowed, start: start, outcome: .failed(failure))
                    throw failure
                }
            }
        })
        return Executed(value: watched, answeredBy: candidate, attempts: started.attempts, fallbackUsed: started.fallbackUsed, latency: started.latency)
    }

    /// A call the gateway relays without an adapter (the native pass-through routes): `send`
    /// performs it once (a relayed request may not be safe to repeat); a thrown error counts as
    /// the provider's failure, and `isFailure` says which answers do (e.g. a relayed 5xx).
    public func relay<Value: Sendable>(
        provider: String, isFailure: (Value) -> ProviderError? = { _ in nil }, _ send: () async throws -> Value
    ) async throws -> Value {
        let start = clock.now
        let span = tracer.startSpan("passthrough \(provider)", context: ServiceContext.current ?? .topLevel, ofKind: .client)
        defer { span.end() }
        span.attributes["gen_ai.provider.name"] = provider
        let value: Value
        do {
            value = try await send()
        } catch {
            let failure = Self.providerError(error, provider: provider)
            span.attributes["error.type"] = "\(FailureClass(failure))"
            span.setStatus(SpanStatus(code: .error))
            finish(provider, model: "", start: start, outcome: .failed(failure))
            throw error
        }
        let failure = isFailure(value)
        if let failure {
            span.attributes["error.type"] = failure.upstreamStatus.map(String.init) ?? "\(FailureClass(failure))"
            span.setStatus(SpanStatus(code: .error))
        }
        finish(provider, model: "", start: start, outcome: failure.map { .failed($0) } ?? .succeeded)
        return value
    }

    // MARK: - The plan

    /// What `run` found: the value, who gave it, under which breaker admission.
    struct Run<Value: Sendable>: Sendable {
        var value: Value
        var answeredBy: Candidate
        var admission: CircuitBreakers.Admission
        var attempts: [Attempt]
        var fallbackUsed: Bool
        var latency: Duration
    }

    private func run<Value: Sendable>(
        _ plan: ExecutionPlan, context: UpstreamCallContext,
        _ call: @escaping @Sendable (Candidate, ProviderCallContext) async throws -> (Value, latency: Duration)
    ) async throws(ExecutionError) -> Executed<Value> {
        let done = try await run(plan, context: context, recordSuccess: true, call)
        return Executed(value: done.value, answeredBy: done.answeredBy, attempts: done.attempts, fallbackUsed: done.fallbackUsed, latency: done.latency)
    }

    /// Walks the plan (see the type's discussion). With `recordSuccess` false the caller records
    /// the successful attempt itself (a stream, when it ends).
    private func run<Value: Sendable>(
        _ plan: ExecutionPlan, context: UpstreamCallContext, recordSuccess: Bool,
        _ call: @escaping @Sendable (Candidate, ProviderCallContext) async throws -> (Value, latency: Duration)
    ) async throws(ExecutionError) -> Run<Value> {
        var attempts: [Attempt] = []
        var lastError: ProviderError?
        var earliestProbe: ContinuousClock.Instant?
        if context.testMode == .forceDegraded {
            throw .gaveUp(GaveUp(reason: .forced, lastError: nil, attempts: [], retryAfter: nil))
        }
        var injectTransient = context.testMode == .forceTransientRecover
        var skip: Set<Int> = []
        for (index, candidate) in plan.candidates.enumerated() where !skip.contains(index) {
            let provider = candidate.providerName
            var retry = 0
            if index == 0, let hedgeAfter = plan.hedgeAfter, plan.candidates.count > 1, !injectTransient {
                switch await race(candidate, plan.candidates[1], after: hedgeAfter, context: context, recordSuccess: recordSuccess, call) {
                case .won(let value, let winner, let admission, let latency, let raced):
                    attempts += raced
                    return Run(value: value, answeredBy: plan.candidates[winner], admission: admission, attempts: attempts, fallbackUsed: winner > 0, latency: latency)
                case .failed(let failure, let raced, let hedged):
                    attempts += raced
                    lastError = failure
                    if Task.isCancelled { throw .failed(failure, attempts: attempts) }
                    if deadlinePassed(failure, context.deadline) {
                        throw .gaveUp(GaveUp(reason: .deadline, lastError: failure, attempts: attempts, retryAfter: nil))
                    }
                    guard FailureClass(failure).allowsFallback else { throw .failed(failure, attempts: attempts) }
                    if hedged {
                        // Both raced and failed: the next candidates answer, without retries of these two.
                        skip.insert(1)
                        continue
                    }
                    // The primary failed before the hedge was due: retry it as usual.
                    guard let wait = retryDelay(after: failure, retry: 1, candidate: candidate, deadline: context.deadline) else { continue }
                    observer?.retrying(provider: provider, model: candidate.model, delay: wait)
                    do { try await clock.sleep(for: wait) } catch { throw .failed(failure, attempts: attempts) }
                    retry = 1
                case .skipped:
                    break
                }
            }
            while true {
                let now = clock.now
                if let deadline = context.deadline, now >= deadline {
                    throw .gaveUp(GaveUp(reason: .deadline, lastError: lastError, attempts: attempts, retryAfter: nil))
                }
                let admission = await admit(candidate)
                if case .rejected(let retryAt) = admission {
                    earliestProbe = min(earliestProbe ?? retryAt, retryAt)
                    context.logger.debug("Circuit open; skipping", metadata: ["deja.provider": .string(provider), "deja.model": .string(candidate.model)])
                    break
                }
                if retry == 0 { budget.recordFirstAttempt(provider, now: now) }
                let failure: ProviderError
                do {
                    if injectTransient {
                        injectTransient = false
                        throw ProviderError.upstreamStatus(503, provider: provider, message: "test mode: a forced transient failure")
                    }
                    let (value, latency) = try await traced(candidate, context: context, retry: retry, hedge: false, call)
                    if recordSuccess {
                        attempts.append(conclude(candidate, admission: admission, start: now, outcome: .succeeded))
                    } else {
                        // A started stream shows the provider answering (a probe succeeded); its
                        // health and latency are recorded when it ends.
                        attempts.append(settle(candidate, admission: admission, started: now, latency: latency, recordSuccess: false))
                    }
                    return Run(value: value, answeredBy: candidate, admission: admission, attempts: attempts, fallbackUsed: index > 0, latency: latency)
                } catch {
                    failure = Self.providerError(error, provider: provider)
                }
                if Task.isCancelled {
                    // The client left: nothing to learn about the provider, nobody to answer.
                    breakers.record(provider: provider, model: candidate.model, admission: admission, outcome: .abandoned, now: clock.now)
                    throw .failed(failure, attempts: attempts)
                }
                attempts.append(conclude(candidate, admission: admission, start: now, outcome: .failed(failure), context: context))
                lastError = failure
                if deadlinePassed(failure, context.deadline) {
                    // The request's own time is up: the gateway's degraded answer (503), not the provider's timeout.
                    throw .gaveUp(GaveUp(reason: .deadline, lastError: failure, attempts: attempts, retryAfter: nil))
                }
                let failureClass = FailureClass(failure)
                guard failureClass.allowsFallback else { throw .failed(failure, attempts: attempts) }
                guard let wait = retryDelay(after: failure, retry: retry + 1, candidate: candidate, deadline: context.deadline) else { break }
                observer?.retrying(provider: provider, model: candidate.model, delay: wait)
                context.logger.debug(
                    "Retrying upstream", metadata: ["deja.provider": .string(provider), "deja.retry.delay_ms": .stringConvertible(Int64(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000))])
                do {
                    try await clock.sleep(for: wait)
                } catch {
                    throw .failed(failure, attempts: attempts)
                }
                retry += 1
            }
        }
        let calledAnyone = !attempts.isEmpty
        if plan.candidates.count == 1, calledAnyone, let lastError {
            throw .failed(lastError, attempts: attempts)
        }
        let retryAfter = earliestProbe.map { max(.zero, $0 - clock.now) }
        throw .gaveUp(GaveUp(reason: calledAnyone ? .exhausted : .allCircuitsOpen, lastError: lastError, attempts: attempts, retryAfter: retryAfter))
    }

    /// How a hedged race ended.
    enum RaceOutcome<Value: Sendable> {
        /// `winner` (0 the primary, 1 the hedge) produced the first byte first.
        case won(Value, winner: Int, admission: CircuitBreakers.Admission, latency: Duration, attempts: [Attempt])
        /// Nobody won; `hedged` says whether the hedge ran.
        case failed(ProviderError, attempts: [Attempt], hedged: Bool)
        /// The primary's circuit is open: no race, the plan goes on as usual.
        case skipped
    }

    /// What one raced attempt reports back.
    private enum RaceEvent<Value: Sendable>: Sendable {
        case finished(index: Int, Result<(Value, Duration), ProviderError>, Attempt, CircuitBreakers.Admission)
        case hedgeDue
    }

    /// Hedging: calls `primary`; if it has not produced its first byte `after` the start (and the
    /// retry budget and the hedge's circuit allow), calls `hedge` too. The first to succeed wins
    /// and the other is cancelled; a failure never wins — the race waits for the other call.
    private func race<Value: Sendable>(
        _ primary: Candidate, _ hedge: Candidate, after: Duration, context: UpstreamCallContext, recordSuccess: Bool,
        _ call: @escaping @Sendable (Candidate, ProviderCallContext) async throws -> (Value, latency: Duration)
    ) async -> RaceOutcome<Value> {
        let primaryAdmission = await admit(primary)
        if case .rejected = primaryAdmission { return .skipped }
        budget.recordFirstAttempt(primary.providerName, now: clock.now)
        let clock = self.clock
        return await withTaskGroup(of: RaceEvent<Value>.self) { group in
            let candidates = [primary, hedge]
            func start(_ index: Int, _ admission: CircuitBreakers.Admission) {
                let candidate = candidates[index]
                group.addTask {
                    let started = clock.now
                    do {
                        let (value, latency) = try await self.traced(candidate, context: context, retry: 0, hedge: index == 1, call)
                        let attempt = self.settle(candidate, admission: admission, started: started, latency: latency, recordSuccess: recordSuccess)
                        return .finished(index: index, .success((value, latency)), attempt, admission)
                    } catch {
                        let failure = Self.providerError(error, provider: candidate.providerName)
                        let attempt = self.conclude(candidate, admission: admission, start: started, outcome: .failed(failure), context: context)
                        return .finished(index: index, .failure(failure), attempt, admission)
                    }
                }
            }
            start(0, primaryAdmission)
            group.addTask {
                do { try await clock.sleep(for: after) } catch { return .hedgeDue }
                return .hedgeDue
            }
            var attempts: [Attempt] = []
            var running = 1
            var hedged = false
            var lastFailure: ProviderError?
            while let event = await group.next() {
                switch event {
                case .hedgeDue:
                    guard running > 0, !hedged, !Task.isCancelled else { continue }
                    let admission = await admit(hedge)
                    let now = clock.now
                    if case .rejected = admission { continue }
                    guard budget.tryWithdraw(primary.providerName, now: now) else {
                        if admission == .probe { breakers.record(provider: hedge.providerName, model: hedge.model, admission: admission, outcome: .abandoned, now: now) }
                        continue
                    }
                    observer?.retrying(provider: hedge.providerName, model: hedge.model, delay: after)
                    hedged = true
                    running += 1
                    start(1, admission)
                case .finished(let index, .success(let (value, latency)), let attempt, let admission):
                    attempts.append(attempt)
                    group.cancelAll()
                    return .won(value, winner: index, admission: admission, latency: latency, attempts: attempts)
                case .finished(_, .failure(let failure), let attempt, _):
                    attempts.append(attempt)
                    running -= 1
                    lastFailure = failure
                    if !FailureClass(failure).allowsFallback || running == 0 {
                        group.cancelAll()
                        return .failed(failure, attempts: attempts, hedged: hedged)
                    }
                }
            }
            return .failed(lastFailure ?? .connectionFailed(provider: primary.providerName, detail: "the race ended without an answer"), attempts: attempts, hedged: hedged)
        }
    }

    /// One attempt inside its span, named and attributed after the OpenTelemetry GenAI
    /// conventions (`{operation} {model}`, kind client): the provider, the upstream model, which
    /// retry or whether a hedge; a failure's class as `error.type`. The span's context goes
    /// upstream in `traceparent` when the tracer propagates (else the gateway's own header
    /// stays). For a stream the span ends when the upstream accepted it.
    private func traced<Value: Sendable>(
        _ candidate: Candidate, context: UpstreamCallContext, retry: Int, hedge: Bool,
        _ call: @escaping @Sendable (Candidate, ProviderCallContext) async throws -> (Value, latency: Duration)
    ) async throws -> (Value, latency: Duration) {
        let span = tracer.startSpan("\(context.operation) \(candidate.model)", context: ServiceContext.current ?? .topLevel, ofKind: .client)
        defer { span.end() }
        if span.isRecording {
            span.attributes["gen_ai.operation.name"] = context.operation
            span.attributes["gen_ai.provider.name"] = candidate.providerName
            span.attributes["gen_ai.request.model"] = candidate.model
            if retry > 0 { span.attributes["deja.attempt.retry"] = retry }
            if hedge { span.attributes["deja.attempt.hedge"] = true }
        }
        var callContext = context.providerContext(for: candidate)
        tracer.inject(span.context, into: &callContext.forwardedHeaders, using: TraceHeaderInjector())
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await call(candidate, callContext) }
        } catch {
            let failure = Self.providerError(error, provider: candidate.providerName)
            span.attributes["error.type"] = failure.upstreamStatus.map(String.init) ?? "\(FailureClass(failure))"
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    /// Records a successful attempt (for a stream, only the breaker now; health at its end).
    private func settle(_ candidate: Candidate, admission: CircuitBreakers.Admission, started: ContinuousClock.Instant, latency: Duration, recordSuccess: Bool) -> Attempt {
        if recordSuccess { return conclude(candidate, admission: admission, start: started, outcome: .succeeded) }
        let before = shared == nil ? nil : breakers.state(provider: candidate.providerName, model: candidate.model)
        defer { announce(candidate, before) }
        breakers.record(provider: candidate.providerName, model: candidate.model, admission: admission, outcome: .success, now: clock.now)
        return Attempt(provider: candidate.providerName, model: candidate.model, duration: latency, outcome: .succeeded)
    }

    /// The wait before retrying `candidate` after `failure`, or nil when it is not retried: not a
    /// transient failure, attempts used up, a Retry-After beyond the cap, a wait that would pass
    /// the deadline, or the provider's retry budget spent.
    private func retryDelay(after failure: ProviderError, retry: Int, candidate: Candidate, deadline: ContinuousClock.Instant?) -> Duration? {
        guard FailureClass.isTransient(failure), retry < settings.retry.maxAttempts,
            let wait = settings.retry.delay(after: failure, retry: retry, unitRandom: unitRandom(), wallClockSeconds: clock.wallClockSeconds)
        else { return nil }
        let now = clock.now
        if let deadline, now + wait >= deadline { return nil }
        guard budget.tryWithdraw(candidate.providerName, now: now) else { return nil }
        return wait
    }

    // MARK: - Bookkeeping

    /// Records an attempt's end in health, the breaker and the observer.
    ///
    /// A timeout the client caused — its own `x-deja-deadline-ms` shortened the provider's
    /// timeout for this attempt, and ran out — is not the provider's failure: like a client that
    /// left, it is kept out of health and the breaker (metrics still count it), else one caller
    /// sending tiny deadlines could open a model's circuit for every tenant. A timeout at the
    /// gateway's own default deadline, or at the provider's own timeout, counts as usual.
    @discardableResult
    private func conclude(
        _ candidate: Candidate, admission: CircuitBreakers.Admission, start: ContinuousClock.Instant, outcome: Attempt.Outcome,
        context: UpstreamCallContext? = nil
    ) -> Attempt {
        let before = shared == nil ? nil : breakers.state(provider: candidate.providerName, model: candidate.model)
        defer { announce(candidate, before) }
        var clientsOwn = Task.isCancelled
        if case .failed(let error) = outcome, let context, clientCutShort(error, candidate: candidate, start: start, context: context) { clientsOwn = true }
        let attempt = finish(candidate.providerName, model: candidate.model, start: start, outcome: outcome, counted: !clientsOwn)
        switch outcome {
        case .succeeded:
            breakers.record(provider: candidate.providerName, model: candidate.model, admission: admission, outcome: .success, now: clock.now)
        case .failed(let error):
            breakers.record(
                provider: candidate.providerName, model: candidate.model, admission: admission,
                outcome: clientsOwn ? .abandoned : .failure(FailureClass(error)), now: clock.now, reason: error.message)
        }
        return attempt
    }

    /// How close to the request's deadline a timeout counts as the deadline's (timers fire a
    /// little early or late).
    static let deadlineTolerance: Duration = .milliseconds(5)

    /// Whether a failure is the request's deadline running out (the answer is then the
    /// gateway's degraded signal, not the provider's timeout).
    private func deadlinePassed(_ failure: ProviderError, _ deadline: ContinuousClock.Instant?) -> Bool {
        guard failure.isTimeout, let deadline else { return false }
        return clock.now >= deadline - Self.deadlineTolerance
    }

    /// Whether a timeout is the client's: its own deadline left the attempt (started at `start`)
    /// less than the provider's timeout, and that deadline has passed.
    private func clientCutShort(_ failure: ProviderError, candidate: Candidate, start: ContinuousClock.Instant, context: UpstreamCallContext) -> Bool {
        guard context.deadlineFromClient, let deadline = context.deadline, deadline - start < candidate.provider.timeout else { return false }
        return deadlinePassed(failure, deadline)
    }

    /// Records an attempt's end in health and the observer. An attempt cut short because its
    /// client left (the task was cancelled) says nothing about the provider and is not recorded.
    @discardableResult
    private func finish(_ provider: String, model: String, start: ContinuousClock.Instant, outcome: Attempt.Outcome, counted: Bool = true) -> Attempt {
        let now = clock.now
        let attempt = Attempt(provider: provider, model: model, duration: now - start, outcome: outcome)
        if case .failed = outcome, Task.isCancelled { return attempt }
        // A client's own deadline says nothing about the provider's health or latency; the
        // metrics still count the failed attempt.
        if counted {
            switch outcome {
            case .succeeded: health.recordSuccess(provider, at: now)
            case .failed(let error): health.recordFailure(provider, error, at: now)
            }
            statistics.record(attempt, at: now)
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

/// A started upstream stream handed from the attempt that opened it to the stream's one reader:
/// the chunk already read (to know the stream really started) and the iterator of the rest.
///
/// `@unchecked Sendable` is safe because the iterator is read by one task only: `take()` gives it
/// out once (an atomic claim), and the attempt that stored it has returned before anyone can
/// call `take()`.
final class StartedStream: @unchecked Sendable {
    private let first: [UInt8]?
    private let rest: ChatChunkStream.AsyncIterator
    private let claimed = Atomic<Bool>(false)

    init(first: [UInt8]?, rest: ChatChunkStream.AsyncIterator) {
        self.first = first
        self.rest = rest
    }

    func take() -> ([UInt8]?, ChatChunkStream.AsyncIterator)? {
        guard !claimed.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        return (first, rest)
    }
}

/// Writes a tracer's propagation headers (`traceparent`, `tracestate`) into an upstream request,
/// replacing any the client sent.
struct TraceHeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
