import DejaProviders
import Synchronization

/// The outcome of each provider's most recent calls, for `GET /health`. Written only by the
/// ``UpstreamExecutor``.
public final class ProviderHealth: Sendable {
    public struct Status: Sendable {
        public var lastSuccess: ContinuousClock.Instant?
        public var lastFailure: ContinuousClock.Instant?
        public var lastError: String?
        public var consecutiveFailures = 0
    }

    private let state: Mutex<[String: Status]>

    public init(names: [String]) {
        state = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, Status()) }))
    }

    func recordSuccess(_ provider: String, at now: ContinuousClock.Instant) {
        state.withLock { $0[provider, default: Status()].lastSuccess = now; $0[provider]?.consecutiveFailures = 0 }
    }

    /// Only failures that say something about the provider count; a client's bad request does not.
    func recordFailure(_ provider: String, _ error: ProviderError, at now: ContinuousClock.Instant) {
        guard FailureClass(error).countsAgainstProvider else { return }
        state.withLock {
            $0[provider, default: Status()].lastFailure = now
            $0[provider]?.lastError = error.message
            $0[provider]?.consecutiveFailures += 1
        }
    }

    /// Every provider's status now.
    public func snapshot() -> [String: Status] { state.withLock { $0 } }
}
