/// Limits every server connection is held to, so that slow or idle clients (slowloris, a reader
/// that never drains its socket, a body trickled byte by byte) cannot hold connections, memory or
/// tasks without bound.
public struct ServerLimits: Sendable, Equatable {
    /// Open connections beyond this are closed as soon as they are accepted. Default 4,096.
    public var maxConnections: Int = 4096
    /// A new connection must deliver its first request's complete head within this. Default 10 s.
    public var headerTimeout: Duration = .seconds(10)
    /// After a response, the next request's complete head must arrive within this (keep-alive
    /// idle time). Default 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// A request's whole body must arrive within this after its head. Default 60 s.
    public var bodyTimeout: Duration = .seconds(60)
    /// A response write that cannot progress (the client stopped reading) for this long closes
    /// the connection, which also cancels the upstream call it was relaying. Default 30 s.
    public var writeTimeout: Duration = .seconds(30)
    /// Largest request head (request line and headers), in bytes. Default 64 KiB.
    public var maxHeaderBytes: Int = 64 << 10

    public init() {}
}
