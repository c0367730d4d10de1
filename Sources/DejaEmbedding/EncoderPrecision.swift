import CEncoderKernels

/// The number format the encoder's linear layers run in (`cache.encoder_precision`).
///
/// Every format keeps embeddings, LayerNorm, GELU, softmax and attention in float32; only the
/// weights of the four projections per layer (nearly all of the arithmetic) change:
/// - `fp32`: the system BLAS on the model's own weights, the reference;
/// - `bf16`: weights rounded to bfloat16 (half the bytes), float32 arithmetic;
/// - `int8`: weights quantised per output channel, activations per row (14 bits) at every call,
///   exact int32 sums (a quarter of the bytes);
/// - `w8a8`: int8 weights against 8-bit activations (unsigned, a zero point per row), with each
///   input channel's outliers moved into the weights by a factor calibrated when the model loads
///   (SmoothQuant's migration, α = 0.5): twice int8's multiply rate on AVX-512 VNNI
///   (`vpdpbusd`); on other CPUs `int8` runs instead. Configured explicitly only: `auto` does
///   not choose it (it moves decisions of pairs near a threshold more than int8);
/// - `auto`: int8, else bf16, whichever passes its accuracy check first when the model loads
///   (``MiniLMEmbedder/precisionChecks``), falling back to `fp32` (never `w8a8`, above).
public enum EncoderPrecision: String, Sendable, CaseIterable {
    case fp32, bf16, int8, w8a8, auto

    /// The least cosine to the fp32 embedding the load-time check accepts for this format, on
    /// every one of its sentences: the same bounds the reference texts are held to (BENCHMARKS.md §4).
    public var minimumCosine: Float {
        switch self {
        case .fp32, .auto: 1
        case .bf16: 0.9995
        case .int8, .w8a8: 0.995
        }
    }
}

/// Which build of the low-precision kernels runs: chosen once per encoder from the CPU's
/// features, or forced with `DEJA_ENCODER_KERNEL` (`portable`, `avx2`, `avx512`) for tests and
/// for comparing paths. A forced kernel the CPU cannot run falls back to the portable loops.
/// Every kernel's products are equal bit for bit, and AVX2 and AVX-512 share the GELU, LayerNorm
/// and attention code, so those two give the same embeddings; the portable loops agree with them
/// to float rounding. The choice changes speed, not cache decisions.
public enum EncoderKernel: Int32, Sendable, CaseIterable {
    case portable = 0  // DEJA_ENCODER_KERNEL_PORTABLE
    case avx2 = 1  // DEJA_ENCODER_KERNEL_AVX2
    /// AVX-512 F/BW/VL with VNNI (`vpdpwssd`).
    case avx512 = 2  // DEJA_ENCODER_KERNEL_AVX512

    /// Whether this CPU can run the kernel.
    public var isSupported: Bool { deja_encoder_kernel_supported(rawValue) != 0 }

    /// The fastest kernel this CPU supports.
    public static var best: EncoderKernel {
        allCases.last(where: \.isSupported) ?? .portable
    }

    /// The kernel for an environment: `DEJA_ENCODER_KERNEL` when set to a kernel's name and
    /// supported, the portable one when set but unsupported (or unknown), otherwise ``best``.
    public static func select(environment: [String: String]) -> EncoderKernel {
        guard let forced = environment["DEJA_ENCODER_KERNEL"]?.lowercased(), !forced.isEmpty else { return best }
        guard let kernel = allCases.first(where: { "\($0)" == forced }), kernel.isSupported else { return .portable }
        return kernel
    }
}
