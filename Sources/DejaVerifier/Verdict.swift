/// Why a verifier turned a cache candidate down.
///
/// A verifier returns `nil` to accept a candidate and a verdict to reject it. The verdict names
/// the check that rejected (`"slots"`, `"order"`, `"polarity"`, `"content-words"`, or
/// `"length"` for a text too long to analyse) and says in a short human-readable sentence what
/// differed, so an operator can see why a lookup missed.
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

    /// `"length"`: the ``check`` of the rejection of a pair in which a text is longer than
    /// ``VerifierConfiguration/maximumAnalysedCharacters`` (checked before any other check and
    /// not switchable: such a pair is never accepted).
    public static let lengthCheck = "length"
}
