/// One test that two texts ask the same question, run on their analyses.
///
/// A check reads two ``AnalyzedText`` values (the query and a cached candidate, in that order)
/// and returns `nil` when it finds no reason to reject them, or a ``Verdict`` explaining what
/// differs. Checks must be deterministic and cheap: ``VerifierChain`` runs them on every
/// semantic cache candidate, on the request path.
public protocol VerificationCheck: Sendable {
    /// A short stable name, reported in ``Verdict/check``.
    var name: String { get }
    /// `nil` to accept the pair, or the reason to reject it.
    func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict?
}
