import DejaGovernance
import DejaObservability
import Logging
import Synchronization
import Tracing

/// One request's access-log line: written once when the request is over — at the response head
/// for most requests, at a stream's end for a streamed answer — with what the edge saw (route,
/// status, latency, the cache and provider headers) and, for a chat request, what its account
/// recorded (tokens, cost, time to first token, retries, fallback, routing). Keeps the
/// `llm_gateway_in_flight_requests` gauge: a request is in flight until its line is written.
final class RequestLog: Sendable {
    /// What the edge knows when the response head leaves.
    struct Head: Sendable {
        var route: String
        var method: String
        var status: Int
        var latencyMs: Double
        var provider: String?
        var model: String?
        var cache: String?
        var similarity: String?
    }

    private struct State: Sendable {
        var head: Head?
        var usage: UsageRecord?
        var deferred = false
        var written = false
    }

    let requestID: String
    let traceID: String
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let state = Mutex(State())
    /// The request's server span: ended with the line, its status and chat usage attached.
    private let span: (any Span)?

    init(requestID: String, traceID: String, logger: Logger, metrics: GatewayMetrics, span: (any Span)? = nil) {
        self.span = span
        self.requestID = requestID
        self.traceID = traceID
        self.logger = logger
        self.metrics = metrics
        metrics.adjustInFlight(by: 1)
    }

    deinit {
        // A stream whose account never reported (it cannot happen today; the account settles in
        // its own deinit) still leaves the in-flight gauge.
        let pending = state.withLock { !$0.written }
        if pending { write(state.withLock { ($0.head, $0.usage) }) }
    }

    /// The answer is a stream: the line waits for the account's record at the stream's end.
    func deferUntilFinished() { state.withLock { $0.deferred = true } }

    /// The response head left the gateway.
    func headSent(_ head: Head) {
        let ready: (Head?, UsageRecord?)? = state.withLock { s in
            s.head = head
            guard !s.written, !s.deferred || s.usage != nil else { return nil }
            s.written = true
            return (s.head, s.usage)
        }
        if let ready { write(ready) }
    }

    /// The chat request's account finished (for a stream: the stream ended).
    func finished(_ record: UsageRecord) {
        let ready: (Head?, UsageRecord?)? = state.withLock { s in
            s.usage = record
            guard !s.written, s.deferred, s.head != nil else { return nil }
            s.written = true
            return (s.head, s.usage)
        }
        if let ready { write(ready) }
    }

    private func write(_ parts: (Head?, UsageRecord?)) {
        metrics.adjustInFlight(by: -1)
        let (head, usage) = parts
        if let span, span.isRecording {
            let status = usage?.status ?? head?.status ?? 0
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
        }
        span?.end()
        // Nothing to build when access lines are off (LOG_LEVEL above info).
        guard logger.logLevel <= .info else { return }
        var fields: Logger.Metadata = ["request_id": .string(requestID), "trace_id": .string(traceID)]
        if let head {
            fields["route"] = .string(head.route)
            fields["method"] = .string(head.method)
            fields["status"] = .stringConvertible(head.status)
            if let v = head.provider { fields["provider"] = .string(v) }
            if let v = head.model { fields["model"] = .string(v) }
            if let v = head.cache { fields["cache"] = .string(v) }
            if let v = head.similarity { fields["similarity"] = .string(v) }
        }
        var latency = head?.latencyMs ?? 0
        if let usage {
            latency = max(latency, usage.latencyMs)
            if !usage.provider.isEmpty { fields["provider"] = .string(usage.provider) }
            if !usage.model.isEmpty { fields["model"] = .string(usage.model) }
            if usage.status != head?.status ?? usage.status { fields["final_status"] = .stringConvertible(usage.status) }
            fields["tokens_input"] = .stringConvertible(usage.inputTokens)
            fields["tokens_output"] = .stringConvertible(usage.outputTokens)
            if usage.cachedTokens > 0 { fields["tokens_cached"] = .stringConvertible(usage.cachedTokens) }
            fields["cost_usd"] = .stringConvertible(LogNumber(usage.costUSD, places: 8))
            if usage.savedUSD > 0 { fields["saved_usd"] = .stringConvertible(LogNumber(usage.savedUSD, places: 8)) }
            if let ttft = usage.ttftMs { fields["ttft_ms"] = .stringConvertible(LogNumber(ttft, places: 3)) }
            fields["retries"] = .stringConvertible(usage.retries)
            fields["fallback"] = .stringConvertible(usage.fallback)
            if let strategy = usage.routingStrategy { fields["routing"] = .string(strategy) }
            if let tenant = usage.tenant { fields["tenant"] = .string(tenant) }
            if let key = usage.keyID { fields["key_id"] = .string(key) }
        }
        fields["latency_ms"] = .stringConvertible(LogNumber(latency, places: 3))
        logger.info("request", metadata: fields)
    }
}
