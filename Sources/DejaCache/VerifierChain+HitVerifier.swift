/// The verifier chains are the cache's default verification stage.
public import DejaVerifier
import NIOPosix

extension VerifierChain: HitVerifier {
    /// Decides on the calling executor (an event loop in the gateway) when no model is needed,
    /// which is nearly always; a pair whose content-word check needs an encoder pass (a few
    /// milliseconds) is decided on NIO's blocking-work thread pool instead. One chain has one
    /// set of bounds: `threshold` is not consulted (see ``ThresholdVerifier``).
    public func rejection(query: String, candidate: String, threshold: Double, similarity: Double) async -> Verdict? {
        switch verifyWithoutModelWork(query: query, candidate: candidate, similarity: similarity) {
        case .decided(let verdict):
            return verdict
        case .needsModelWork:
            do {
                return try await NIOThreadPool.singleton.runIfActive { self.verify(query: query, candidate: candidate, similarity: similarity) }
            } catch {
                return verify(query: query, candidate: candidate, similarity: similarity)
            }
        }
    }
}

extension ThresholdVerifier: HitVerifier {
    /// The rejection of the preset chain for `threshold`.
    public func rejection(query: String, candidate: String, threshold: Double, similarity: Double) async -> Verdict? {
        await chain(forThreshold: threshold).rejection(query: query, candidate: candidate, threshold: threshold, similarity: similarity)
    }
}
