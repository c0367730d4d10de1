/// Where instances of one deployment share their circuits (Redis, when configured): one
/// instance's opening, probe and verdict become every instance's decision.
///
/// The executor tells the store when a circuit of this instance opens or closes, and asks it
/// before probing: only the instance that wins the claim probes; the others wait for its verdict.
/// What other instances announce reaches ``CircuitBreakers/apply(_:now:wallClockSeconds:)``.
public protocol SharedCircuitState: Sendable {
    /// This instance opened the circuit until `untilWallClock` (seconds since 1970).
    func opened(provider: String, model: String, untilWallClock: Double)
    /// This instance's probe succeeded: the circuit is closed.
    func closed(provider: String, model: String)
    /// Claims the one probe of a circuit for `lease` across instances; false when another
    /// instance holds it (or the store cannot be reached: then probe locally, fail open).
    func claimProbe(provider: String, model: String, lease: Duration) async -> Bool
}

/// A circuit change announced by another instance.
public struct CircuitAnnouncement: Sendable, Hashable {
    public enum Change: Sendable, Hashable {
        case opened(untilWallClock: Double)
        case closed
    }

    public var provider: String
    public var model: String
    public var change: Change

    public init(provider: String, model: String, change: Change) {
        self.provider = provider
        self.model = model
        self.change = change
    }
}
