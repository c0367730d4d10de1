/// Named similarity thresholds. Every preset keeps the verifier on; they differ in how far below
/// near-identity a candidate may score before the verifier even looks at it.
public enum ThresholdPreset: String, Sendable, CaseIterable {
    /// 0.95: the default; only close rewordings reach the verifier.
    case strict
    /// 0.90: more paraphrases, still few near-misses after verification.
    case balanced
    /// 0.85: the most hits; relies most on the verifier.
    case aggressive

    public var threshold: Double {
        switch self {
        case .strict: 0.95
        case .balanced: 0.90
        case .aggressive: 0.85
        }
    }
}
