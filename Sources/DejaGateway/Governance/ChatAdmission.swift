import DejaGovernance
import Foundation
import DejaReliability
import DejaRouting
import DejaWire
import HTTPTypes

extension Governance {
    /// Admission of a parsed chat request (the request-rate limits were taken by the
    /// authentication middleware): the key's allowed models, the per-model request limit and the
    /// token rates (input estimated from the body, reconciled at settlement). Returns the
    /// request's account and the token-limit headers.
    func admitChat(_ chat: ChatRequest, bodyBytes: Int, qualifiedModel: String?, context: DejaRequestContext) async throws -> (RequestAccount, HTTPFields) {
        var grant = context.grant
        if let value = chat.body["x-budget-key"] {
            guard let text = value.stringValue, let charged = directory.grant(presented: text, unixSeconds: unixSeconds) else {
                throw GatewayError(status: .unauthorized, message: "Invalid x-budget-key: it must be an active key issued by this gateway", type: "authentication_error", param: "x-budget-key", code: "invalid_budget_key")
            }
            guard context.identity == .anonymous || charged.tenant == context.identity.tenantName else {
                throw GatewayError(status: .forbidden, message: "x-budget-key belongs to another tenant", type: "permission_error", param: "x-budget-key", code: "budget_key_forbidden")
            }
            grant = charged
        }
        if let grant, !grant.allows(model: chat.model), !(qualifiedModel.map(grant.allows(model:)) ?? false) {
            throw GatewayError(
                status: .forbidden, message: "This key may not use the model '\(chat.model)'", type: "permission_error", param: "model", code: "model_not_allowed")
        }
        let tenant = grant?.tenant ?? context.identity.tenantName
        let estimated = max(1, bodyBytes / 4)
        var requestCharges: [RequestAccount.Charge] = []
        var tokenCharges: [RequestAccount.Charge] = []
        let modelLimits = settings.modelLimits(chat.model)
        if let limit = modelLimits?.requestRate { requestCharges.append(("model", "r:model:" + chat.model, limit, 1)) }
        if let limit = modelLimits?.tokenRate { tokenCharges.append(("model", "t:model:" + chat.model, limit, estimated)) }
        if let limit = grant?.limits.tokenRate, let grant { tokenCharges.append(("key", "t:key:" + grant.id, limit, estimated)) }
        if let tenant, let limit = directory.tenant(tenant)?.limits.tokenRate { tokenCharges.append(("tenant", "t:tenant:" + tenant, limit, estimated)) }
        var headers = HTTPFields()
        let requests = try await admit(requestCharges, kind: .requests)
        let tokens: (decision: RateDecision?, shared: Bool)
        do {
            tokens = try await admit(tokenCharges, kind: .tokens)
            if let decision = tokens.decision { Governance.setHeaders(&headers, decision, kind: .tokens) }
        } catch {
            reconcile(requestCharges, actual: 0, shared: requests.shared)
            throw error
        }
        let requestDecision = requests.decision
        if let requestDecision { Governance.setHeaders(&headers, requestDecision, kind: .requests) }
        var prompt: String?
        if !settings.redactPrompts, let tenant, directory.tenant(tenant)?.storePrompts == true, let text = PromptFeatures.finalUserText(chat) {
            // NUL cannot be stored in PostgreSQL text.
            prompt = String(text.prefix(4_096)).replacingOccurrences(of: "\u{0}", with: "")
        }
        let identity: CallerIdentity = tenant.map { .tenant($0) } ?? context.identity
        let account = RequestAccount(
            governance: self, requestID: context.requestID, keyID: grant?.id ?? staticKeyID(context), tenant: tenant, requestedModel: chat.model,
            budgetScopes: budgetScopes(identity: identity, grant: grant), estimatedInputTokens: estimated, prompt: prompt,
            log: context.log)
        account.setTokenCharges(tokenCharges, shared: tokens.shared)
        return (account, headers)
    }

    /// One ledger row for a chat request refused before admission.
    func recordRefusal(status: Int, context: DejaRequestContext) {
        let now = unixSeconds
        let started = (ContinuousClock.now - context.startTime)
        let elapsedMs = Double(started.components.seconds) * 1000 + Double(started.components.attoseconds) / 1e15
        writer.record(UsageRecord(
            time: now - elapsedMs / 1000, requestID: context.requestID, keyID: context.grant?.id ?? staticKeyID(context), tenant: context.identity.tenantName,
            requestedModel: "", model: "", provider: "", latencyMs: elapsedMs, cacheStatus: "none", status: status))
    }

    private func staticKeyID(_ context: DejaRequestContext) -> String? {
        context.identity.tenantName.map { "static:" + $0 }
    }

    /// The most the plan's calls can cost (any candidate may answer): prompt tokens estimated,
    /// output at the request's `max_tokens`, else the model's maximum, else the assumed cap.
    func worstCase(_ plan: ExecutionPlan, chat: ChatRequest, estimatedInput: Int, routing: ModelRouting) -> (usd: Double, tokens: Int) {
        let requested = chat.body["max_completion_tokens"]?.intValue ?? chat.body["max_tokens"]?.intValue
        var usd = 0.0
        var tokens = 0
        for candidate in plan.candidates {
            let model = routing.catalogueModel(provider: candidate.providerName, upstream: candidate.model)
            // A client's max_tokens above what the model can produce reserves only what it can.
            let cap = model?.maxOutputTokens ?? settings.assumedMaxOutputTokens
            let output = min(requested ?? cap, model?.maxOutputTokens ?? Int.max)
            tokens = max(tokens, estimatedInput + output)
            if let price = model?.price { usd = max(usd, price.worstCase(promptTokens: estimatedInput, maxOutputTokens: output)) }
        }
        return (usd, tokens)
    }
}
