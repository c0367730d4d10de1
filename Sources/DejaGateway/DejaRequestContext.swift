public import Hummingbird
import HTTPTypes

/// The per-request context: Hummingbird's core storage plus what Deja's middleware establishes
/// (the request id and the start time used for `X-Response-Time`).
public struct DejaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's `X-Request-Id` when it sent a usable one, else a fresh id.
    public var requestID: String = ""
    /// When the gateway started handling the request.
    public var startTime: ContinuousClock.Instant = .now
    /// The caller's tenant: from its API key when static keys are configured, else `default`.
    public var tenant: String = "default"

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
