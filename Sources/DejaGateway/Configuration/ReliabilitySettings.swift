public import DejaReliability

/// How the gateway retries, breaks circuits, falls back and signals that it gave up
/// (`reliability:` in the configuration; README "Reliability").
public struct ReliabilitySettings: Sendable {
    /// Retries, retry budget and circuit breakers of the upstream executor.
    public var executor = UpstreamExecutor.Settings()
    /// The whole request's deadline when the client sends no `x-deja-deadline-ms`. Default 120 s.
    public var requestDeadlineMs = 120_000
    /// The longest deadline a client may ask for. Default 600 s.
    public var maxRequestDeadlineMs = 600_000
    /// Per requested model, the models that answer when it cannot, in order (each resolved like
    /// a requested model, each in its own wire format), e.g. `gpt-4o-mini: [claude-3-5-haiku-latest]`.
    public var fallbacks: [String: [String]] = [:]
    /// Per requested model, when to hedge: if its first candidate has not sent its first byte
    /// after this many milliseconds, its first fallback is called too and the first to answer
    /// wins (the other is cancelled; hedges count against the retry budget). Off by default.
    public var hedgeAfterMs: [String: Int] = [:]
    /// Whether an answer from a fallback is stored under the requested model's cache namespace.
    /// Default false: a substitute's answer is served but not cached as the requested model's.
    public var cacheFallbackAnswers = false
    /// The response header that names the error class of a failed request.
    public var errorClassHeader = "X-Deja-Error-Class"
    /// The stable marker in the body of the gateway's own give-up (503 `provider_degraded`).
    public var degradedMarker = "[DEJA_PROVIDER_DEGRADED]"
    /// Whether clients may ask for failures with `X-Deja-Test-Mode` (or `?deja_test_mode=`).
    public var testModeEnabled = false

    public init() {}
}
