import DejaObservability
import DejaReliability
import Foundation
import HTTPTypes
import Hummingbird

extension UpstreamCallContext {
    static let deadlineHeader = HTTPField.Name("x-deja-deadline-ms")!
    static let testModeHeader = HTTPField.Name("x-deja-test-mode")!

    /// The executor's context for a client request: its id and logger, the headers a candidate
    /// may forward, its deadline (`x-deja-deadline-ms`, 1 … `max_request_deadline_ms`, else the
    /// configured default) and, when the gateway allows it, its test mode (`X-Deja-Test-Mode`
    /// or `?deja_test_mode=`). A malformed deadline or test mode is a 400 naming the field.
    /// The deadline is an instant on `clock`, the executor's: what has elapsed of the request
    /// so far is taken off.
    init(
        _ request: Request, plan: ExecutionPlan, context: DejaRequestContext, reliability: ReliabilitySettings, clock: any ReliabilityClock
    ) throws {
        var deadlineMs = reliability.requestDeadlineMs
        if let text = request.headers[Self.deadlineHeader] {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), (1...reliability.maxRequestDeadlineMs).contains(value) else {
                throw GatewayError(
                    status: .badRequest,
                    message: "x-deja-deadline-ms must be a whole number of milliseconds between 1 and \(reliability.maxRequestDeadlineMs)",
                    param: "x-deja-deadline-ms", code: "invalid_deadline")
            }
            deadlineMs = value
        }
        var testMode: TestMode?
        if let text = request.headers[Self.testModeHeader] ?? Self.queryValue(request.uri.query, "deja_test_mode") {
            guard reliability.testModeEnabled else {
                throw GatewayError(
                    status: .badRequest, message: "Test mode is off on this gateway (reliability.test_mode_enabled)", param: "x-deja-test-mode",
                    code: "test_mode_disabled")
            }
            guard let mode = TestMode(rawValue: text.lowercased()) else {
                throw GatewayError(
                    status: .badRequest, message: "x-deja-test-mode must be force_degraded or force_transient_recover", param: "x-deja-test-mode",
                    code: "invalid_test_mode")
            }
            testMode = mode
        }
        self.init(
            requestID: context.requestID, logger: context.logger, clientHeaders: ChatCompletionsHandler.clientHeaders(request.headers, for: plan),
            deadline: clock.now + .milliseconds(deadlineMs) - (ContinuousClock.now - context.startTime), testMode: testMode,
            traceparent: context.trace.traceparent)
        self.deadlineFromClient = request.headers[Self.deadlineHeader] != nil
    }

    /// One query parameter's raw value (short values only; test mode names are short).
    static func queryValue(_ query: String?, _ name: String) -> String? {
        guard let query, query.utf8.count <= 4096 else { return nil }
        for member in query.split(separator: "&") {
            let parts = member.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == name[...] { return String(parts[1]) }
        }
        return nil
    }
}
