/// Why a verifier turned a cache candidate down.
///
/// A verifier returns `nil` to accept a candidate and a verdict to reject it. The verdict names
/// the check that rejected (`"slots"`, `"order"`, `"polarity"`, `"content-words"`) and says in a
/// short human-readable sentence what differed, so an operator can see why a lookup missed.
public struct Verdict: Sendable, Hashable, CustomStringConvertible {
    /// The ``VerificationCheck/name`` of the check that rejected.
    public var check: String
    /// What differed between the two texts, for logs and debugging.
    public var detail: String

    /// Creates a verdict of `check` with an explanation.
    public init(check: String, detail: String) {
        self.check = check
        self.detail = detail
    }

    /// `check: detail`.
    public var description: String { "\(check): \(detail)" }
}
