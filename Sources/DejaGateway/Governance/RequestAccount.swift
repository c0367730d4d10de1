import DejaGovernance
import DejaRouting
import DejaObservability
import HTTPTypes
import Synchronization
import Tracing

/// One chat request's governance: the token-rate charges and the budget reservation taken at
/// admission, settled once against the real usage, and the ledger row written when the request
/// ends. Settling and finishing happen once whatever path the request takes; a request dropped
/// before it finished (a client gone mid-stream) is settled and recorded when the account is
/// released.
final class RequestAccount: Sendable {
    typealias Charge = (scope: String, key: String, limit: RateLimit, units: Int)

    let governance: Governance
    let requestID: String
    let keyID: String?
    let tenant: String?
    let requestedModel: String
    let budgetScopes: [String]
    let startUnix: Double
    let estimatedInputTokens: Int
    let prompt: String?
    /// The request's access-log line (written when the account finishes, for a stream).
    let log: RequestLog?

    private struct State: Sendable {
        var tokenCharges: [Charge] = []
        var tokenChargesShared = false
        var reservation: BudgetLedger.Reservation?
        /// A reservation held in Redis (shared by instances): in which month.
        var sharedReservation: BudgetMonth?
        var settled = false
        var finished = false
        var usage: TokenUsage?
        var costUSD: Double = 0
        var savedUSD: Double = 0
        var routingSavedUSD: Double = 0
        var streamedChunks = 0
        var streaming = false
        var firstTokenMs: Double?
        /// For a routed request: the price of the strongest candidate the router weighed, what
        /// routing savings are measured against.
        var routingBaseline: Pricing?
        /// The request's GenAI span, ended when the account finishes.
        var span: (any Span)?
    }

    private let state = Mutex(State())
    /// Names this request's reservation in Redis (unique in the process; the instance is in the
    /// field too). Not the request id, which a client may reuse.
    private let reservationID = String(RequestAccount.nextReservation.add(1, ordering: .relaxed).newValue, radix: 36)
    private static let nextReservation = Atomic<UInt64>(0)

    init(
        governance: Governance, requestID: String, keyID: String?, tenant: String?, requestedModel: String, budgetScopes: [String],
        estimatedInputTokens: Int, prompt: String?, log: RequestLog? = nil
    ) {
        self.log = log
        self.governance = governance
        self.requestID = requestID
        self.keyID = keyID
        self.tenant = tenant
        self.requestedModel = requestedModel
        self.budgetScopes = budgetScopes
        self.startUnix = governance.unixSeconds
        self.estimatedInputTokens = estimatedInputTokens
        self.prompt = prompt
    }

    deinit {
        // A request that ended without finishing (the client went away mid-stream): settle what
        // is known and record it as closed by the client.
        let s = state.withLock { $0 }
        if !s.finished { finishNow(status: 499, cache: "none", provider: "", model: "", latencyMs: (governance.unixSeconds - startUnix) * 1000, retries: 0, fallback: false, strategy: nil) }
    }

    /// The request's `chat {model}` span: usage, the answering model and the cache status are
    /// set on it, and it ends, when the account finishes.
    func attach(_ span: any Span) { state.withLock { $0.span = span } }

    /// A routed request's baseline: the strongest candidate's price.
    func setRoutingBaseline(_ price: Pricing) { state.withLock { $0.routingBaseline = price } }

    /// The answer is a stream: the account finishes when the stream ends, not when the handler returns.
    func beginStream() {
        state.withLock { $0.streaming = true }
        log?.deferUntilFinished()
    }
    var isStreaming: Bool { state.withLock { $0.streaming } }
    var isSettled: Bool { state.withLock { $0.settled } }
    /// Usage estimated from the request and the chunks sent (for a stream that reported none).
    var estimatedUsage: TokenUsage { TokenUsage(inputTokens: estimatedInputTokens, outputTokens: state.withLock { $0.streamedChunks }) }

    /// Token-rate charges taken at admission (reconciled at settlement).
    func setTokenCharges(_ charges: [Charge], shared: Bool) {
        state.withLock {
            $0.tokenCharges = charges
            $0.tokenChargesShared = shared
        }
    }

    /// Reserves the worst case of the call about to be made in every budget scope; a 429
    /// `budget_exceeded` when a scope is spent. With Redis the reservation is shared by every
    /// instance; when Redis does not answer, this instance reserves against its share of each
    /// limit locally.
    func reserve(usd: Double, tokens: Int) async throws {
        let now = governance.unixSeconds
        let charge = BudgetCharge(usd: usd, tokens: tokens)
        let ledger = governance.ledger
        if let shared = governance.shared {
            let month = BudgetMonth(unixSeconds: now)
            let limits = budgetScopes.map { ledger.limits(for: $0) }
            do {
                // A scope's hash is seeded, when Redis has none yet, with the spend this
                // instance knows (the store's at start, plus its own since).
                let seeds = budgetScopes.map { scope -> SpendTotals in
                    let u = ledger.usage(scope, unixSeconds: now)
                    return SpendTotals(usd: u.spentUSD, tokens: u.spentTokens)
                }
                if let refusal = try await shared.reserve(
                    id: reservationID, scopes: budgetScopes, limits: limits, seeds: seeds, charge: charge, month: month, unixSeconds: now)
                {
                    throw BudgetLedger.Refusal(scope: budgetScopes[refusal.index], dimension: refusal.dimension, resetsAtUnixSeconds: month.nextMonthStartUnixSeconds)
                }
                state.withLock { $0.sharedReservation = month }
                return
            } catch let refusal as BudgetLedger.Refusal {
                governance.metrics.recordRateLimitExceeded(scope: "budget_" + Governance.scopeKind(refusal.scope))
                throw Governance.budgetExceeded(refusal, now: now)
            } catch {
                governance.metrics.recordGovernanceFallback()
                // The script may have run and answered late: release whatever it reserved.
                let (id, scopes) = (reservationID, budgetScopes)
                Task { try? await shared.settle(id: id, scopes: scopes, month: month, actual: BudgetCharge(usd: 0, tokens: 0)) }
            }
        }
        do {
            let share = 1 / Double(governance.shared?.liveInstances ?? 1)
            let reservation = try ledger.reserve(charge, scopes: budgetScopes, unixSeconds: now, limitShare: share)
            state.withLock { $0.reservation = reservation }
        } catch {
            governance.metrics.recordRateLimitExceeded(scope: "budget_" + Governance.scopeKind(error.scope))
            throw Governance.budgetExceeded(error, now: now)
        }
    }

    /// A stream chunk went to the client (counted to estimate usage a stream did not report, and
    /// to time the first token).
    func noteChunk() {
        let now = governance.unixSeconds
        state.withLock { s in
            s.streamedChunks += 1
            if s.firstTokenMs == nil { s.firstTokenMs = (now - startUnix) * 1000 }
        }
    }

    /// The real usage and cost of the answered call; once (later calls are ignored).
    func settle(usage: TokenUsage?, costUSD: Double?) {
        let taken: (BudgetLedger.Reservation?, BudgetMonth?, [Charge], Bool, TokenUsage)? = state.withLock { s in
            guard !s.settled else { return nil }
            s.settled = true
            let used = usage ?? TokenUsage(inputTokens: estimatedInputTokens, outputTokens: s.streamedChunks)
            s.usage = used
            s.costUSD = costUSD ?? 0
            if let baseline = s.routingBaseline, let costUSD { s.routingSavedUSD = max(0, baseline.cost(used) - costUSD) }
            return (s.reservation, s.sharedReservation, s.tokenCharges, s.tokenChargesShared, used)
        }
        guard let (reservation, sharedReservation, charges, chargesShared, used) = taken else { return }
        let tokens = used.inputTokens + used.outputTokens
        let usd = costUSD ?? 0
        let actual = BudgetCharge(usd: usd, tokens: tokens)
        if let reservation {
            governance.ledger.settle(reservation, actual: actual)
            // Reserved locally because Redis did not answer: the fleet's totals get it later.
            if let shared = governance.shared { shared.owe(actual, scopes: budgetScopes, month: reservation.month) }
        }
        if let month = sharedReservation, let shared = governance.shared {
            // The instance's own view counts it too (what /api/budget and a fallback start from).
            governance.ledger.record(actual, scopes: budgetScopes, unixSeconds: governance.unixSeconds)
            let (id, scopes) = (reservationID, budgetScopes)
            let metrics = governance.metrics
            Task {
                do {
                    try await shared.settle(id: id, scopes: scopes, month: month, actual: actual)
                } catch {
                    // The reservation expires on its own (an hour); the spend is in the store.
                    metrics.recordGovernanceFallback()
                }
            }
        } else if reservation == nil {
            governance.ledger.record(actual, scopes: budgetScopes, unixSeconds: governance.unixSeconds)
        }
        governance.reconcile(charges, actual: tokens, shared: chargesShared)
        governance.writer.addSpend(scopes: budgetScopes, month: BudgetMonth(unixSeconds: governance.unixSeconds), usd: usd, tokens: tokens, savedUSD: 0)
    }

    /// A cache hit: nothing spent, `savedUSD` saved (the stored answer's cost at its price).
    func hit(savedUSD: Double) {
        let (charges, chargesShared, reservation, sharedReservation): ([Charge], Bool, BudgetLedger.Reservation?, BudgetMonth?) =
            state.withLock { s in
                s.settled = true
                s.savedUSD = savedUSD
                s.usage = TokenUsage(inputTokens: 0, outputTokens: 0)
                defer {
                    s.reservation = nil
                    s.sharedReservation = nil
                }
                return (s.tokenCharges, s.tokenChargesShared, s.reservation, s.sharedReservation)
            }
        governance.reconcile(charges, actual: 0, shared: chargesShared)
        if let reservation { governance.ledger.settle(reservation, actual: BudgetCharge(usd: 0, tokens: 0)) }
        // A coalesced follower reserved before it joined: release it.
        if let month = sharedReservation, let shared = governance.shared {
            let (id, scopes) = (reservationID, budgetScopes)
            Task { try? await shared.settle(id: id, scopes: scopes, month: month, actual: BudgetCharge(usd: 0, tokens: 0)) }
        }
        let now = governance.unixSeconds
        governance.ledger.recordSaving(usd: savedUSD, scopes: budgetScopes, unixSeconds: now)
        governance.writer.addSpend(scopes: budgetScopes, month: BudgetMonth(unixSeconds: now), usd: 0, tokens: 0, savedUSD: savedUSD)
    }

    /// The request ended: settles what is left (a failed call costs nothing) and writes its row.
    func finish(status: Int, cache: String, provider: String, model: String, retries: Int, fallback: Bool, strategy: String?) {
        finishNow(
            status: status, cache: cache, provider: provider, model: model, latencyMs: (governance.unixSeconds - startUnix) * 1000, retries: retries,
            fallback: fallback, strategy: strategy)
    }

    private func finishNow(status: Int, cache: String, provider: String, model: String, latencyMs: Double, retries: Int, fallback: Bool, strategy: String?) {
        guard state.withLock({ s in
            if s.finished { return false }
            s.finished = true
            return true
        }) else { return }
        let s0 = state.withLock { $0 }
        if !s0.settled {
            // Failed before an answer: nothing was spent unless a stream was under way.
            settle(usage: s0.streamedChunks > 0 ? nil : TokenUsage(inputTokens: 0, outputTokens: 0), costUSD: nil)
        }
        let s = state.withLock { $0 }
        let usage = s.usage ?? TokenUsage(inputTokens: 0, outputTokens: 0)
        let record = UsageRecord(
            time: startUnix, requestID: requestID, keyID: keyID, tenant: tenant, requestedModel: requestedModel, model: model, provider: provider,
            inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, cachedTokens: usage.cachedInputTokens, costUSD: s.costUSD,
            savedUSD: s.savedUSD, routingSavedUSD: s.routingSavedUSD, latencyMs: latencyMs, ttftMs: s.firstTokenMs, cacheStatus: cache,
            routingStrategy: strategy, retries: retries, fallback: fallback, status: status, prompt: prompt)
        governance.writer.record(record)
        governance.onFinished(record)
        log?.finished(record)
        if let span = s.span, span.isRecording {
            if !provider.isEmpty { span.attributes["gen_ai.provider.name"] = provider }
            if !model.isEmpty { span.attributes["gen_ai.response.model"] = model }
            span.attributes["gen_ai.usage.input_tokens"] = usage.inputTokens
            span.attributes["gen_ai.usage.output_tokens"] = usage.outputTokens
            span.attributes["deja.cache.status"] = cache
            span.attributes["deja.cost_usd"] = s.costUSD
            if retries > 0 { span.attributes["deja.retries"] = retries }
            if fallback { span.attributes["deja.fallback"] = true }
            if let strategy { span.attributes["deja.routing.strategy"] = strategy }
            if status >= 400 {
                span.attributes["error.type"] = String(status)
                span.setStatus(SpanStatus(code: .error))
            }
        }
        s.span?.end()
    }
}
