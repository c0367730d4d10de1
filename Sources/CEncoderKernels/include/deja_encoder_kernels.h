#ifndef DEJA_ENCODER_KERNELS_H
#define DEJA_ENCODER_KERNELS_H

#include <stdint.h>

/// Low-precision matrix products for the MiniLM encoder's linear layers: `C = A · W + bias`,
/// with A (`m × k`, float32, row-major) the activations and W (`k × n`) a weight matrix packed
/// once, at model load, into the kernel's layout. Two formats:
///
/// - int8: W quantised symmetrically per output column (`scale[j] = max|W[:, j]| / 127`), A
///   quantised per row at every call to `deja_q8_activation_levels(k)` levels (14 bits: the
///   products are 16-bit multiplies either way), products summed exactly in int32, then scaled
///   back to float32. A quarter of float32's bytes, so the six layers' 11 MB stay in
///   the last-level cache between queries.
/// - bf16: W rounded to bfloat16 (round to nearest even), A kept in float32, products in float32
///   FMA. Half of float32's bytes; every weight keeps 8 bits of mantissa.
///
/// Kernels: 0 is the portable C loop (always available, the reference for the others), 1 is
/// AVX2 + FMA, 2 is AVX-512 (F, BW, VL and VNNI: int8 through `vpdpwssd`, bf16 through 512-bit
/// FMAs; GELU, LayerNorm and attention run the AVX2 code). Every kernel's products are equal bit
/// for bit (int8: the same integer sums and epilogue; bf16: the same float32 FMAs in the same
/// order); GELU, LayerNorm and attention agree between the portable and the vector code to float
/// rounding. Every function takes the kernel to run and falls back to the portable loop when the
/// CPU cannot run it; the caller chooses (DejaEmbedding's `EncoderKernel.select`: CPU features, or
/// `DEJA_ENCODER_KERNEL` from the environment).

#define DEJA_ENCODER_KERNEL_PORTABLE 0
#define DEJA_ENCODER_KERNEL_AVX2 1
#define DEJA_ENCODER_KERNEL_AVX512 2

/// Whether this CPU can run `kernel`.
int deja_encoder_kernel_supported(int kernel);

/// Bytes of the packed int8 form of a `k × n` matrix (columns padded to 16, rows to 2).
long deja_q8_packed_bytes(long k, long n);
/// Quantises row-major `w` (`k × n`, leading dimension `ldw`) per column into `packed`
/// (`deja_q8_packed_bytes` bytes, 32-byte aligned) and `scales` (`n` floats).
void deja_q8_pack(const float *w, long k, long n, long ldw, int8_t *packed, float *scales);
/// Largest quantised activation magnitude for inputs of depth `k`: 8,191, less when `k` is so
/// deep (over 2,064) that 127 · levels · k could overflow an int32 sum.
float deja_q8_activation_levels(long k);
/// Elements of int16 scratch `deja_q8_gemm` needs for `m` rows of `k`.
long deja_q8_scratch_elements(long m, long k);
/// `c[i, j] = bias[j] + Σ_t a[i, t] · w[t, j]` through the int8 form. `scratch` holds
/// `deja_q8_scratch_elements(m, k)` int16 values and `row_scales` `m` floats (both overwritten).
/// `bias` may be NULL.
void deja_q8_gemm(int kernel, long m, long k, long n, const float *a, long lda, const int8_t *packed,
                  const float *scales, const float *bias, float *c, long ldc, int16_t *scratch, float *row_scales);

/// Elements (uint16) of the packed bf16 form of a `k × n` matrix (columns padded to 16).
long deja_bf16_packed_elements(long k, long n);
/// Rounds row-major `w` (`k × n`, leading dimension `ldw`) to bfloat16 into `packed`
/// (32-byte aligned).
void deja_bf16_pack(const float *w, long k, long n, long ldw, uint16_t *packed);
/// `c[i, j] = bias[j] + Σ_t a[i, t] · w[t, j]` through the bf16 form. `bias` may be NULL.
void deja_bf16_gemm(int kernel, long m, long k, long n, const float *a, long lda, const uint16_t *packed,
                    const float *bias, float *c, long ldc);

/// int8 weights against 8-bit activations (w8a8), the operands of `vpdpbusd`: W's rows are first
/// multiplied by `smoothing` (per input channel, NULL for none) and quantised per column to int8,
/// packed in 4-row panels with each column's sum; activations are multiplied by
/// `inverse_smoothing` and quantised per row to unsigned 8 bits with a zero point. Sums are exact
/// in int32 on every kernel (AVX-512 VNNI; the others run the portable loop).
long deja_w8a8_packed_bytes(long k, long n);
/// Bytes of uint8 scratch `deja_w8a8_gemm` needs for `m` rows of `k`.
long deja_w8a8_scratch_bytes(long m, long k);
void deja_w8a8_pack(const float *w, long k, long n, long ldw, const float *smoothing, int8_t *packed, float *scales,
                    int32_t *column_sums);
/// `c[i, j] = bias[j] + Σ_t a[i, t] · w[t, j]` through the w8a8 form. `scratch`, `row_scales` and
/// `row_zeros` (`m` each) are overwritten; `bias` and `inverse_smoothing` may be NULL.
void deja_w8a8_gemm(int kernel, long m, long k, long n, const float *a, long lda, const float *inverse_smoothing,
                    const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias, float *c, long ldc,
                    uint8_t *scratch, float *row_scales, int32_t *row_zeros);

/// Exact-form GELU in place, `x · ½ · (1 + erf(x / √2))`, with erf from the rational minimax
/// approximation Eigen and XLA use for float (a few ulps on [−4, 4], ±1 outside).
void deja_gelu_f32(int kernel, float *x, long count);
/// `x[r] = LayerNorm(x[r] + residual[r]) · gamma + beta` for `rows` rows of `width` floats
/// (population variance, as BERT). `residual` may be NULL for a plain LayerNorm.
void deja_add_layer_norm_f32(int kernel, float *x, const float *residual, long rows, long width, const float *gamma,
                             const float *beta, float epsilon);

/// Multi-head self-attention of one sequence of `n` tokens over itself: for every head `h` and
/// token `i`, `context[i, h·d ..< (h+1)·d] = Σ_j softmax_j(scale · q_i · k_j) · v_j`, where token
/// `i`'s query, key and value of head `h` start at `qkv + i·stride + h·d`, `+ heads·d` and
/// `+ 2·heads·d`. `scratch` holds `deja_attention_scratch_elements(n, d)` floats. Small enough
/// per head that a fused loop beats 2 × heads BLAS calls per layer.
long deja_attention_scratch_elements(long n, long d);
void deja_attention_f32(int kernel, const float *qkv, long stride, long n, long heads, long d, float scale, float *context,
                        long ldc, float *scratch);

/// float32 → bfloat16, rounding to nearest even (NaN stays NaN). Exposed for tests.
uint16_t deja_bf16_from_float(float x);
/// bfloat16 → float32 (exact).
float deja_bf16_to_float(uint16_t x);

#endif
