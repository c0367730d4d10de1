/// The verifier chain is the cache's default verification stage.
public import DejaVerifier

extension VerifierChain: HitVerifier {
    public func rejection(query: String, candidate: String) async -> VerifierRejection? {
        verify(query: query, candidate: candidate).map { VerifierRejection(check: $0.check, detail: $0.detail) }
    }
}
