public import Hummingbird
import DejaObservability
import HTTPTypes
public import NIOCore

/// The per-request context: Hummingbird's core storage plus what Deja's middleware establishes
/// (the request id, the start time used for `X-Response-Time`, and the caller's identity).
public struct DejaRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's `X-Request-Id` when it sent a usable one, else a fresh id.
    public var requestID: String = ""
    /// When the gateway started handling the request.
    public var startTime: ContinuousClock.Instant = .now
    /// Who is calling: a tenant established by its client key, or the anonymous caller of a gateway
    /// with no client keys. Set by `ClientAuthenticationMiddleware`; anonymous until then.
    public var identity: CallerIdentity = .anonymous
    /// The issued key the caller presented (nil for static keys and anonymous callers): its id,
    /// limits, budget and allowed models.
    var grant: KeyGrant?
    /// The chat request's governance account (token charges, budget reservation, ledger row).
    var account: RequestAccount?
    /// The W3C trace this request belongs to (the client's `traceparent`, else a new one).
    var trace = TraceContext()
    /// The access-log line, written when the request is over (set by `EdgeMiddleware`).
    var log: RequestLog?
    /// The peer's address (the admin guard's loopback check uses it).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
