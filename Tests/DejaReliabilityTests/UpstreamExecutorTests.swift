import DejaProviders
@testable import DejaReliability
import Logging
import Synchronization
import Testing
import DejaWire

/// A provider whose answers the test scripts: each call takes the next outcome.
final class ScriptedProvider: UpstreamProvider {
    enum Outcome: Sendable {
        case body(String)
        /// Waits until `gate` opens, then answers with the body.
        case gated(Gate, String)
        /// Waits (really, cancellably) `delay`, then answers with the body.
        case delayed(Duration, String)
        case chunks([String], thenFail: ProviderError?)
        case fail(ProviderError)
    }

    let name: String
    private let script: Mutex<[Outcome]>
    private let seenHeaders = Mutex<[[String: String]]>([])
    private let calls = Atomic<Int>(0)

    init(name: String, _ script: [Outcome]) {
        self.name = name
        self.script = Mutex(script)
    }

    var callCount: Int { calls.load(ordering: .relaxed) }
    var forwardedHeaders: [[String: String]] { seenHeaders.withLock { $0 } }

    private func next(_ context: ProviderCallContext) -> Outcome {
        calls.add(1, ordering: .relaxed)
        seenHeaders.withLock { $0.append(Dictionary(context.forwardedHeaders.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })) }
        return script.withLock { $0.isEmpty ? .fail(.connectionFailed(provider: name, detail: "script ended")) : $0.removeFirst() }
    }

    func complete(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        switch next(context) {
        case .body(let text): return UpstreamResponse(body: Array(text.utf8), latency: .milliseconds(3))
        case .gated(let gate, let text):
            await gate.wait()
            return UpstreamResponse(body: Array(text.utf8), latency: .milliseconds(3))
        case .delayed(let delay, let text):
            try await Task.sleep(for: delay)
            return UpstreamResponse(body: Array(text.utf8), latency: delay)
        case .chunks: throw ProviderError.invalidRequest(provider: name, message: "scripted a stream")
        case .fail(let error): throw error
        }
    }

    func stream(_ request: ChatRequest, model: String, context: ProviderCallContext) async throws -> ChatChunkStream {
        switch next(context) {
        case .chunks(let chunks, let failure):
            let payloads = chunks.map { Array($0.utf8) }
            return ChatChunkStream(makeIterator: {
                var index = 0
                return ChatChunkStream.AsyncIterator {
                    if index < payloads.count {
                        defer { index += 1 }
                        return payloads[index]
                    }
                    if let failure { throw failure }
                    return nil
                }
            })
        case .delayed(let delay, let text):
            try await Task.sleep(for: delay)
            return ChatChunkStream(chunks: [Array(text.utf8)])
        case .body, .gated: throw ProviderError.invalidRequest(provider: name, message: "scripted a body")
        case .fail(let error): throw error
        }
    }

    func embeddings(_ body: JSONObject, model: String, context: ProviderCallContext) async throws -> UpstreamResponse {
        try await complete(try! ChatRequest.parse(Array(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#.utf8)), model: model, context: context)
    }
}

/// Opens once; every waiter before and after goes on.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

/// Collects what the executor reports.
final class RecordingObserver: UpstreamObserver {
    private let attempts = Mutex<[Attempt]>([])
    private let circuits = Mutex<[String]>([])
    var recorded: [Attempt] { attempts.withLock { $0 } }
    /// `provider/model:state` per circuit change, in order.
    var circuitStates: [String] { circuits.withLock { $0 } }
    func attemptFinished(_ attempt: Attempt) { attempts.withLock { $0.append(attempt) } }
    func circuitChanged(provider: String, model: String, state: CircuitBreakers.State) {
        circuits.withLock { $0.append("\(provider)/\(model):\(state.rawValue)") }
    }
}

let chat = try! ChatRequest.parse(Array(#"{"model":"m","messages":[{"role":"user","content":"hello"}]}"#.utf8))
let completionJSON = #" {"id":"c1","object":"chat.completion","choices":[]} "#

func plan(_ providers: ScriptedProvider..., forwarding prefixes: [String] = [], hedgeAfter: Duration? = nil) -> ExecutionPlan {
    ExecutionPlan(
        requestedModel: "m", candidates: providers.map { Candidate(provider: $0, model: "m-up", forwardHeaderPrefixes: prefixes) }, hedgeAfter: hedgeAfter)!
}

/// The upstream failure an executor error carries, if any.
func upstreamFailure(_ error: ExecutionError?) -> ProviderError? {
    switch error {
    case .failed(let failure, _)?: failure
    case .gaveUp(let gaveUp)?: gaveUp.lastError
    case nil: nil
    }
}

func context(headers: [(name: String, value: String)] = []) -> UpstreamCallContext {
    UpstreamCallContext(requestID: "req-1", logger: Logger(label: "test"), clientHeaders: headers)
}

@Suite struct UpstreamExecutorTests {
    let observer = RecordingObserver()
    var executor: UpstreamExecutor {
        UpstreamExecutor(health: ProviderHealth(names: ["a", "b"]), settings: .init(retry: RetryPolicy(maxAttempts: 1)), observer: observer)
    }

    @Test func aCompletionNamesWhoAnsweredAndRecordsOneSuccessfulAttempt() async throws {
        let a = ScriptedProvider(name: "a", [.body(completionJSON)])
        let executor = self.executor
        let executed = try await executor.complete(chat, plan: plan(a), context: context())
        #expect(String(decoding: executed.value.body, as: UTF8.self) == completionJSON)
        #expect(executed.answeredBy.providerName == "a" && executed.answeredBy.model == "m-up")
        #expect(executed.attempts.count == 1 && executed.attempts[0].succeeded)
        #expect(!executed.fallbackUsed)
        #expect(observer.recorded.map(\.provider) == ["a"])
        let health = executor.health.snapshot()["a"]
        #expect(health?.lastSuccess != nil && health?.consecutiveFailures == 0)
    }

    @Test func aBodyThatIsNotAJSONObjectIsTheProvidersMalformedAnswer() async throws {
        let a = ScriptedProvider(name: "a", [.body("[1,2]")])
        let executor = self.executor
        let error = await #expect(throws: ExecutionError.self) { try await executor.complete(chat, plan: plan(a), context: context()) }
        #expect(upstreamFailure(error)?.isMalformedResponse == true)
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures == 1)
        #expect(observer.recorded.count == 1 && observer.recorded[0].succeeded == false)
    }

    @Test func aRefusedRequestDoesNotCountAgainstTheProvider() async throws {
        let a = ScriptedProvider(name: "a", [.fail(.upstreamStatus(400, provider: "a", message: "bad")), .fail(.upstreamStatus(503, provider: "a", message: "down"))])
        let executor = self.executor
        await #expect(throws: ExecutionError.self) { try await executor.complete(chat, plan: plan(a), context: context()) }
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures == 0)
        await #expect(throws: ExecutionError.self) { try await executor.complete(chat, plan: plan(a), context: context()) }
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures == 1)
        #expect(executor.health.snapshot()["a"]?.lastError == "down")
    }

    @Test func onlyTheHeadersTheCandidateForwardsReachTheProvider() async throws {
        let a = ScriptedProvider(name: "a", [.body(completionJSON), .body(completionJSON)])
        let executor = self.executor
        let headers = [(name: "x-trace-id", value: "t1"), (name: "authorization", value: "Bearer secret"), (name: "x-other", value: "o")]
        _ = try await executor.complete(chat, plan: plan(a, forwarding: ["x-trace-"]), context: context(headers: headers))
        _ = try await executor.complete(chat, plan: plan(a), context: context(headers: headers))
        #expect(a.forwardedHeaders == [["x-trace-id": "t1"], [:]])
    }

    @Test func aStreamIsRecordedWhenItEndsNotWhenItStarts() async throws {
        let a = ScriptedProvider(name: "a", [.chunks(["{\"n\":1}", "{\"n\":2}"], thenFail: nil)])
        let executor = self.executor
        let executed = try await executor.stream(chat, plan: plan(a), context: context())
        #expect(observer.recorded.isEmpty)
        var received: [String] = []
        for try await payload in executed.value { received.append(String(decoding: payload, as: UTF8.self)) }
        #expect(received == ["{\"n\":1}", "{\"n\":2}"])
        #expect(observer.recorded.count == 1 && observer.recorded[0].succeeded)
        #expect(executor.health.snapshot()["a"]?.lastSuccess != nil)
    }

    @Test func aStreamCutMidwayIsTheProvidersFailureAndEndsTheIteration() async throws {
        let a = ScriptedProvider(name: "a", [.chunks(["{\"n\":1}"], thenFail: .streamInterrupted(provider: "a", detail: "cut"))])
        let executor = self.executor
        let executed = try await executor.stream(chat, plan: plan(a), context: context())
        var iterator = executed.value.makeAsyncIterator()
        #expect(try await iterator.next() != nil)
        let error = await #expect(throws: ProviderError.self) { _ = try await iterator.next() }
        #expect(error?.isStreamInterrupted == true)
        let after = try await iterator.next()
        #expect(after == nil)
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures == 1)
        #expect(observer.recorded.count == 1)
    }

    @Test func aStreamRefusedBeforeItsFirstByteThrowsAndIsRecorded() async throws {
        let a = ScriptedProvider(name: "a", [.fail(.upstreamStatus(529, provider: "a", message: "overloaded"))])
        let executor = self.executor
        let error = await #expect(throws: ExecutionError.self) { _ = try await executor.stream(chat, plan: plan(a), context: context()) }
        #expect(upstreamFailure(error)?.upstreamStatus == 529)
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures == 1)
    }

    @Test func aRelayedCallCountsThrownErrorsAndFailingAnswers() async throws {
        let executor = self.executor
        struct Down: Error {}
        await #expect(throws: Down.self) { _ = try await executor.relay(provider: "b") { () async throws -> Int in throw Down() } }
        #expect(executor.health.snapshot()["b"]?.consecutiveFailures == 1)
        let value = try await executor.relay(provider: "b", isFailure: { (status: Int) in status >= 500 ? .upstreamStatus(status, provider: "b", message: "relayed") : nil }) { 502 }
        #expect(value == 502)
        #expect(executor.health.snapshot()["b"]?.consecutiveFailures == 2)
        _ = try await executor.relay(provider: "b") { 200 }
        #expect(executor.health.snapshot()["b"]?.consecutiveFailures == 0)
        #expect(observer.recorded.map(\.model) == ["", "", ""])
    }

    @Test func anAttemptCancelledBecauseItsClientLeftIsNotHeldAgainstTheProvider() async throws {
        let executor = self.executor
        let task = Task {
            try await executor.relay(provider: "a") { () async throws -> Int in
                try await Task.sleep(for: .seconds(60))
                return 1
            }
        }
        task.cancel()
        _ = await task.result
        #expect(executor.health.snapshot()["a"]?.consecutiveFailures == 0)
        #expect(observer.recorded.isEmpty)
    }
}

@Suite struct FailureClassTests {
    @Test(arguments: [
        (400, FailureClass.rejected), (404, .rejected), (413, .rejected), (422, .rejected),
        (401, .credentials), (403, .credentials), (429, .rateLimited),
        (408, .degraded), (409, .degraded), (500, .degraded), (502, .degraded), (503, .degraded), (504, .degraded), (529, .degraded),
    ])
    func upstreamStatuses(status: Int, expected: FailureClass) {
        #expect(FailureClass(.upstreamStatus(status, provider: "p", message: "m")) == expected)
    }

    @Test func transportFailuresAreDegradedAndRequestProblemsAreRejected() {
        #expect(FailureClass(.timeout(provider: "p")) == .degraded)
        #expect(FailureClass(.connectionFailed(provider: "p", detail: "reset")) == .degraded)
        #expect(FailureClass(.streamInterrupted(provider: "p", detail: "cut")) == .degraded)
        #expect(FailureClass(.malformedResponse(provider: "p", detail: "x")) == .degraded)
        #expect(FailureClass(.invalidRequest(provider: "p", message: "x")) == .rejected)
        #expect(FailureClass(.unsupported(provider: "p", operation: "embeddings")) == .rejected)
        #expect(!FailureClass.rejected.countsAgainstProvider && FailureClass.credentials.countsAgainstProvider)
    }
}
