#include "deja_encoder_kernels.h"

#include <math.h>
#include <string.h>

// Layouts (both chosen so one aligned 32-byte load feeds a 16-column tile):
//
// int8, panel p (columns 16p ..< 16p+16), row pair t (rows 2t, 2t+1): 32 bytes at
//   packed + p·kp·16 + t·32, where kp is k rounded up to even. Bytes 0..15 hold, for columns
//   j = 0..7, w[2t][16p+j] then w[2t+1][16p+j]; bytes 16..31 the same for columns 8..15. Sign-
//   extended to int16, each 32-bit lane is the pair a column needs, so `vpmaddwd` against the
//   broadcast activation pair (q[2t], q[2t+1]) yields eight columns' two-row partial sums.
//
// bf16, panel p, row t: 16 values at packed + (p·k + t)·16, read as eight 32-bit lanes: lane j's
//   low half is column j, its high half column j + 8. A shift left by 16 gives columns 0..7 as
//   float32, a mask of the low half columns 8..15: one load and two cheap operations per 16
//   weights, reused by every row of the tile.
//
// Padding columns and rows are zero, so they add nothing.

#define PANEL 16

static inline long round_up(long x, long m) { return (x + m - 1) / m * m; }
/// Rows per register tile: 6 rows × 16 columns = 12 accumulators, plus two weight registers and
/// one broadcast, fill 15 of AVX2's 16 registers.
#define TILE_ROWS 6
/// Runs `TILE(r)` for the 1..5 rows left after whole tiles, with `r` a constant in each branch so
/// the always-inlined tile is specialised (its accumulators stay in registers).
#define TILE_REMAINDER(rows, TILE) \
    switch (rows) { \
    case 5: TILE(5); break; \
    case 4: TILE(4); break; \
    case 3: TILE(3); break; \
    case 2: TILE(2); break; \
    case 1: TILE(1); break; \
    default: break; \
    }
/// Rows handled per sweep over the weight panels: 96 rows of the widest input (1,536) in int16
/// are 288 KB, inside a 512 KB L2, so every panel re-reads activations from L2, not memory.
#define ROW_CHUNK 96
/// Largest quantised weight magnitude (int8's symmetric range).
#define Q8_LEVELS 127.0f
/// Largest quantised activation magnitude: 14 bits. `vpmaddwd` multiplies 16-bit lanes, so
/// activations wider than int8 cost nothing, and BERT's activations have outlier channels that
/// int8 rows lose precision to (cosine to fp32 0.981 at worst over the fixture texts with 127
/// levels). Narrowed for deep inputs so the int32 sums cannot overflow.
#define Q8_ACTIVATION_LEVELS 8191.0f

float deja_q8_activation_levels(long k) {
    float bound = (float)(2147483647.0 / (127.0 * (double)round_up(k > 0 ? k : 1, 2)));
    bound = floorf(bound);
    return bound < Q8_ACTIVATION_LEVELS ? bound : Q8_ACTIVATION_LEVELS;
}

// ---------------------------------------------------------------- bf16 conversions

uint16_t deja_bf16_from_float(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
        return (uint16_t)((bits >> 16) | 0x0040u);  // quiet NaN, sign kept
    }
    uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)((bits + rounding) >> 16);
}

float deja_bf16_to_float(uint16_t x) {
    uint32_t bits = (uint32_t)x << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

// ---------------------------------------------------------------- packing

long deja_q8_packed_bytes(long k, long n) { return round_up(n, PANEL) * round_up(k, 2); }

void deja_q8_pack(const float *w, long k, long n, long ldw, int8_t *packed, float *scales) {
    long kp = round_up(k, 2), np = round_up(n, PANEL);
    memset(packed, 0, (size_t)(np * kp));
    for (long j = 0; j < n; j++) {
        float largest = 0;
        for (long t = 0; t < k; t++) {
            float v = fabsf(w[t * ldw + j]);
            if (v > largest) largest = v;
        }
        float scale = largest / Q8_LEVELS;
        float inverse = largest > 0 ? Q8_LEVELS / largest : 0;
        scales[j] = scale;
        long p = j / PANEL, column = j % PANEL;
        int8_t *panel = packed + p * kp * PANEL;
        for (long t = 0; t < k; t++) {
            float q = rintf(w[t * ldw + j] * inverse);
            if (q > Q8_LEVELS) q = Q8_LEVELS;
            if (q < -Q8_LEVELS) q = -Q8_LEVELS;
            long pair = t / 2, half = column / 8, lane = column % 8;
            panel[pair * 32 + half * 16 + lane * 2 + (t & 1)] = (int8_t)q;
        }
    }
}

long deja_bf16_packed_elements(long k, long n) { return round_up(n, PANEL) * k; }

void deja_bf16_pack(const float *w, long k, long n, long ldw, uint16_t *packed) {
    long np = round_up(n, PANEL);
    memset(packed, 0, (size_t)(np * k) * sizeof(uint16_t));
    for (long j = 0; j < n; j++) {
        long p = j / PANEL, column = j % PANEL;
        uint16_t *panel = packed + p * k * PANEL;
        // Lane (column % 8), low half for columns 0..7, high half for 8..15.
        long slot = (column % 8) * 2 + (column / 8);
        for (long t = 0; t < k; t++) panel[t * PANEL + slot] = deja_bf16_from_float(w[t * ldw + j]);
    }
}

long deja_q8_scratch_elements(long m, long k) { return m * round_up(k, 2); }

// ---------------------------------------------------------------- portable kernels

/// Per-row symmetric quantisation shared by every kernel, so all produce the same integers.
static void q8_quantize_rows_portable(long m, long k, const float *a, long lda, int16_t *q, long ldq, float *row_scales) {
    const float levels = deja_q8_activation_levels(k);
    for (long i = 0; i < m; i++) {
        const float *row = a + i * lda;
        float largest = 0;
        for (long t = 0; t < k; t++) {
            float v = fabsf(row[t]);
            if (v > largest) largest = v;
        }
        float inverse = largest > 0 ? levels / largest : 0;
        row_scales[i] = largest / levels;
        int16_t *out = q + i * ldq;
        for (long t = 0; t < k; t++) out[t] = (int16_t)rintf(row[t] * inverse);
        for (long t = k; t < ldq; t++) out[t] = 0;
    }
}

static void q8_gemm_portable(long m, long k, long n, const float *a, long lda, const int8_t *packed, const float *scales,
                             const float *bias, float *c, long ldc, int16_t *q, float *row_scales) {
    long kp = round_up(k, 2);
    q8_quantize_rows_portable(m, k, a, lda, q, kp, row_scales);
    for (long j = 0; j < n; j++) {
        const int8_t *panel = packed + (j / PANEL) * kp * PANEL;
        long half = (j % PANEL) / 8, lane = (j % PANEL) % 8;
        for (long i = 0; i < m; i++) {
            const int16_t *row = q + i * kp;
            int32_t sum = 0;
            for (long t = 0; t < kp; t++) sum += (int32_t)row[t] * panel[(t / 2) * 32 + half * 16 + lane * 2 + (t & 1)];
            c[i * ldc + j] = fmaf((float)sum, row_scales[i] * scales[j], bias ? bias[j] : 0.0f);
        }
    }
}

static void bf16_gemm_portable(long m, long k, long n, const float *a, long lda, const uint16_t *packed, const float *bias,
                               float *c, long ldc) {
    for (long j = 0; j < n; j++) {
        const uint16_t *panel = packed + (j / PANEL) * k * PANEL;
        long slot = ((j % PANEL) % 8) * 2 + (j % PANEL) / 8;
        for (long i = 0; i < m; i++) {
            const float *row = a + i * lda;
            float sum = 0;
            for (long t = 0; t < k; t++) sum = fmaf(row[t], deja_bf16_to_float(panel[t * PANEL + slot]), sum);
            c[i * ldc + j] = sum + (bias ? bias[j] : 0.0f);
        }
    }
}

static const float erf_p[7] = {-2.72614225801306e-10f, 2.77068142495902e-08f, -2.10102402082508e-06f, -5.69250639462346e-05f,
                                -7.34990630326855e-04f, -2.95459980854025e-03f, -1.60960333262415e-02f};
static const float erf_q[5] = {-1.45660718464996e-05f, -2.13374055278905e-04f, -1.68282697438203e-03f, -7.37332916720468e-03f,
                                -1.42647390514189e-02f};

static inline float erf_portable(float input) {
    float x = input < -4.0f ? -4.0f : (input > 4.0f ? 4.0f : input);
    float x2 = x * x;
    float p = x2 * erf_p[0] + erf_p[1];
    for (int i = 2; i < 7; i++) p = x2 * p + erf_p[i];
    p = x * p;
    float q = x2 * erf_q[0] + erf_q[1];
    for (int i = 2; i < 5; i++) q = x2 * q + erf_q[i];
    return p / q;
}

static void gelu_portable(float *x, long count) {
    for (long i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.0f + erf_portable(x[i] * 0.70710678118654752f));
}

static void add_layer_norm_portable(float *x, const float *residual, long rows, long width, const float *gamma,
                                    const float *beta, float epsilon) {
    for (long r = 0; r < rows; r++) {
        float *line = x + r * width;
        float sum = 0;
        for (long i = 0; i < width; i++) {
            if (residual) line[i] += residual[r * width + i];
            sum += line[i];
        }
        float mean = sum / (float)width, squares = 0;
        for (long i = 0; i < width; i++) squares += (line[i] - mean) * (line[i] - mean);
        float scale = 1.0f / sqrtf(squares / (float)width + epsilon);
        for (long i = 0; i < width; i++) line[i] = (line[i] - mean) * scale * gamma[i] + beta[i];
    }
}

static void attention_portable(const float *qkv, long stride, long n, long heads, long d, float scale, float *context,
                               long ldc, float *scores) {
    long width = heads * d;
    for (long h = 0; h < heads; h++) {
        for (long i = 0; i < n; i++) {
            const float *q = qkv + i * stride + h * d;
            float largest = -INFINITY;
            for (long j = 0; j < n; j++) {
                const float *k = qkv + j * stride + width + h * d;
                float dot = 0;
                for (long t = 0; t < d; t++) dot += q[t] * k[t];
                scores[j] = dot * scale;
                if (scores[j] > largest) largest = scores[j];
            }
            float sum = 0;
            for (long j = 0; j < n; j++) {
                scores[j] = expf(scores[j] - largest);
                sum += scores[j];
            }
            float inverse = 1.0f / sum;
            float *out = context + i * ldc + h * d;
            for (long t = 0; t < d; t++) out[t] = 0;
            for (long j = 0; j < n; j++) {
                const float *v = qkv + j * stride + 2 * width + h * d;
                float p = scores[j] * inverse;
                for (long t = 0; t < d; t++) out[t] += p * v[t];
            }
        }
    }
}

// ---------------------------------------------------------------- w8a8: 8-bit activations
//
// int8 weights (per output column, optionally smoothed per input row) against unsigned 8-bit
// activations with a zero point per row, the operand order of `vpdpbusd` (u8 × s8, four products
// into each int32 lane). Layout, panel p (columns 16p ..< 16p+16), row quad u (rows 4u ..< 4u+4):
// 64 bytes at packed + p·kq·16 + u·64, kq = k rounded up to 4; byte 4j + (t mod 4) is column j's
// weight of row 4u + (t mod 4). Every kernel computes the exact int32 sum
// Σ_t q[t]·w[t, j] − zero·colsum[j] (at most 255 · 127 · k, far inside int32), then scales it.

long deja_w8a8_packed_bytes(long k, long n) { return round_up(n, PANEL) * round_up(k, 4); }
long deja_w8a8_scratch_bytes(long m, long k) { return m * round_up(k, 4); }

void deja_w8a8_pack(const float *w, long k, long n, long ldw, const float *smoothing, int8_t *packed, float *scales,
                    int32_t *column_sums) {
    long kq = round_up(k, 4), np = round_up(n, PANEL);
    memset(packed, 0, (size_t)(np * kq));
    for (long j = 0; j < n; j++) {
        float largest = 0;
        for (long t = 0; t < k; t++) {
            float v = fabsf(w[t * ldw + j] * (smoothing ? smoothing[t] : 1.0f));
            if (v > largest) largest = v;
        }
        float inverse = largest > 0 ? Q8_LEVELS / largest : 0;
        scales[j] = largest / Q8_LEVELS;
        int8_t *panel = packed + (j / PANEL) * kq * PANEL;
        long column = j % PANEL;
        int32_t sum = 0;
        for (long t = 0; t < k; t++) {
            float q = rintf(w[t * ldw + j] * (smoothing ? smoothing[t] : 1.0f) * inverse);
            if (q > Q8_LEVELS) q = Q8_LEVELS;
            if (q < -Q8_LEVELS) q = -Q8_LEVELS;
            panel[(t / 4) * 64 + column * 4 + (t & 3)] = (int8_t)q;
            sum += (int32_t)q;
        }
        column_sums[j] = sum;
    }
}

/// One row's range, scale and zero point: the range always holds 0, so zero is exact.
static inline void w8a8_row_range(float low, float high, float *scale, float *inverse, int32_t *zero) {
    if (low > 0) low = 0;
    if (high < 0) high = 0;
    float range = high - low;
    if (!(range > 0)) {
        *scale = 0;
        *inverse = 0;
        *zero = 0;
        return;
    }
    *scale = range / 255.0f;
    *inverse = 255.0f / range;
    float z = rintf(-low * *inverse);
    *zero = (int32_t)(z < 0 ? 0 : (z > 255 ? 255 : z));
}

static inline uint8_t w8a8_clamp(float q) { return (uint8_t)(q < 0 ? 0 : (q > 255 ? 255 : q)); }

/// Activation `t` of `row` as quantised: divided by its channel's smoothing when there is one.
static inline float w8a8_input(const float *row, const float *inverse_smoothing, long t) {
    return inverse_smoothing ? row[t] * inverse_smoothing[t] : row[t];
}

/// Per row: x' = a · inverse_smoothing, then q = clamp(rint(x' · 255 / range) + zero, 0, 255).
static void w8a8_quantize_rows_portable(long m, long k, const float *a, long lda, const float *inverse_smoothing, uint8_t *q,
                                        long ldq, float *row_scales, int32_t *row_zeros) {
    for (long i = 0; i < m; i++) {
        const float *row = a + i * lda;
        float low = 0, high = 0;
        for (long t = 0; t < k; t++) {
            float v = w8a8_input(row, inverse_smoothing, t);
            if (v < low) low = v;
            if (v > high) high = v;
        }
        float inverse;
        w8a8_row_range(low, high, &row_scales[i], &inverse, &row_zeros[i]);
        uint8_t *out = q + i * ldq;
        float zero = (float)row_zeros[i];
        for (long t = 0; t < k; t++) {
            float v = w8a8_input(row, inverse_smoothing, t);
            out[t] = w8a8_clamp(rintf(v * inverse) + zero);
        }
        for (long t = k; t < ldq; t++) out[t] = 0;
    }
}

static void w8a8_gemm_portable(long m, long k, long n, const float *a, long lda, const float *inverse_smoothing,
                               const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias, float *c,
                               long ldc, uint8_t *q, float *row_scales, int32_t *row_zeros) {
    long kq = round_up(k, 4);
    w8a8_quantize_rows_portable(m, k, a, lda, inverse_smoothing, q, kq, row_scales, row_zeros);
    for (long j = 0; j < n; j++) {
        const int8_t *panel = packed + (j / PANEL) * kq * PANEL;
        long column = j % PANEL;
        for (long i = 0; i < m; i++) {
            const uint8_t *row = q + i * kq;
            int32_t sum = 0;
            for (long t = 0; t < kq; t++) sum += (int32_t)row[t] * panel[(t / 4) * 64 + column * 4 + (t & 3)];
            sum -= row_zeros[i] * column_sums[j];
            c[i * ldc + j] = fmaf((float)sum, row_scales[i] * scales[j], bias ? bias[j] : 0.0f);
        }
    }
}

// ---------------------------------------------------------------- AVX2 kernels

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static void q8_quantize_rows_avx2(long m, long k, const float *a, long lda, int16_t *q, long ldq, float *row_scales) {
    const float levels = deja_q8_activation_levels(k);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (long i = 0; i < m; i++) {
        const float *row = a + i * lda;
        __m256 largest8 = _mm256_setzero_ps();
        long t = 0;
        for (; t + 8 <= k; t += 8) largest8 = _mm256_max_ps(largest8, _mm256_andnot_ps(sign, _mm256_loadu_ps(row + t)));
        __m128 l4 = _mm_max_ps(_mm256_castps256_ps128(largest8), _mm256_extractf128_ps(largest8, 1));
        l4 = _mm_max_ps(l4, _mm_movehl_ps(l4, l4));
        l4 = _mm_max_ss(l4, _mm_shuffle_ps(l4, l4, 1));
        float largest = _mm_cvtss_f32(l4);
        for (; t < k; t++) {
            float v = fabsf(row[t]);
            if (v > largest) largest = v;
        }
        float inverse = largest > 0 ? levels / largest : 0;
        row_scales[i] = largest / levels;
        const __m256 inv8 = _mm256_set1_ps(inverse);
        int16_t *out = q + i * ldq;
        t = 0;
        for (; t + 16 <= k; t += 16) {
            // cvtps rounds to nearest even, as rintf does in the default rounding mode.
            __m256i lo = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + t), inv8));
            __m256i hi = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + t + 8), inv8));
            __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
            _mm256_storeu_si256((__m256i *)(out + t), packed);
        }
        for (; t < k; t++) out[t] = (int16_t)rintf(row[t] * inverse);
        for (; t < ldq; t++) out[t] = 0;
    }
}

/// Stores one tile row (columns 0..7 in `v0`, 8..15 in `v1`), only its first `columns` values when
/// the panel is the matrix's last, partial one.
__attribute__((target("avx2,fma"), always_inline))
static inline void store_tile_row_avx2(float *out, __m256 v0, __m256 v1, long columns) {
    if (columns == PANEL) {
        _mm256_storeu_ps(out, v0);
        _mm256_storeu_ps(out + 8, v1);
    } else {
        float tmp[PANEL];
        _mm256_storeu_ps(tmp, v0);
        _mm256_storeu_ps(tmp + 8, v1);
        memcpy(out, tmp, (size_t)columns * sizeof(float));
    }
}

/// One tile: `R` rows × 16 columns over the whole depth. `R` is a constant at every call site,
/// so the compiler unrolls the row loop and keeps the accumulators in registers.
__attribute__((target("avx2,fma"), always_inline))
static inline void q8_tile_avx2(const int R, long pairs, const int16_t *q, long ldq, const float *row_scales,
                                const int8_t *panel, const float *scales, const float *bias, float *c, long ldc,
                                long columns) {
    __m256i acc0[TILE_ROWS], acc1[TILE_ROWS];
    for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm256_setzero_si256();
    for (long t = 0; t < pairs; t++) {
        __m256i w0 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(panel + 32 * t)));
        __m256i w1 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(panel + 32 * t + 16)));
        for (int r = 0; r < R; r++) {
            int32_t pair;
            memcpy(&pair, q + r * ldq + 2 * t, 4);
            __m256i x = _mm256_set1_epi32(pair);
            acc0[r] = _mm256_add_epi32(acc0[r], _mm256_madd_epi16(x, w0));
            acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(x, w1));
        }
    }
    float s[PANEL] = {0}, b[PANEL] = {0};
    for (long j = 0; j < columns; j++) {
        s[j] = scales[j];
        b[j] = bias ? bias[j] : 0.0f;
    }
    __m256 s0 = _mm256_loadu_ps(s), s1 = _mm256_loadu_ps(s + 8);
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    for (int r = 0; r < R; r++) {
        __m256 rs = _mm256_set1_ps(row_scales[r]);
        __m256 v0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc0[r]), _mm256_mul_ps(rs, s0), b0);
        __m256 v1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc1[r]), _mm256_mul_ps(rs, s1), b1);
        store_tile_row_avx2(c + r * ldc, v0, v1, columns);
    }
}

__attribute__((target("avx2,fma")))
static void q8_gemm_avx2(long m, long k, long n, const float *a, long lda, const int8_t *packed, const float *scales,
                         const float *bias, float *c, long ldc, int16_t *q, float *row_scales) {
    long kp = round_up(k, 2), pairs = kp / 2, panels = round_up(n, PANEL) / PANEL;
    q8_quantize_rows_avx2(m, k, a, lda, q, kp, row_scales);
    for (long chunk = 0; chunk < m; chunk += ROW_CHUNK) {
        long end = chunk + ROW_CHUNK < m ? chunk + ROW_CHUNK : m;
        for (long p = 0; p < panels; p++) {
            const int8_t *panel = packed + p * kp * PANEL;
            long column = p * PANEL, columns = n - column < PANEL ? n - column : PANEL;
            const float *bias_p = bias ? bias + column : NULL;
            long i = chunk;
#define Q8_TILE(R) q8_tile_avx2(R, pairs, q + i * kp, kp, row_scales + i, panel, scales + column, bias_p, c + i * ldc + column, ldc, columns)
            for (; i + TILE_ROWS <= end; i += TILE_ROWS) Q8_TILE(TILE_ROWS);
            TILE_REMAINDER(end - i, Q8_TILE);
#undef Q8_TILE
        }
    }
}

__attribute__((target("avx2,fma"), always_inline))
static inline void bf16_tile_avx2(const int R, long k, const float *a, long lda, const uint16_t *panel, const float *bias,
                                  float *c, long ldc, long columns) {
    __m256 acc0[TILE_ROWS], acc1[TILE_ROWS];
    for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm256_setzero_ps();
    const __m256i high = _mm256_set1_epi32((int)0xffff0000u);
    for (long t = 0; t < k; t++) {
        __m256i v = _mm256_load_si256((const __m256i *)(panel + t * PANEL));
        __m256 w0 = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
        __m256 w1 = _mm256_castsi256_ps(_mm256_and_si256(v, high));
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + t);
            acc0[r] = _mm256_fmadd_ps(x, w0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(x, w1, acc1[r]);
        }
    }
    float b[PANEL] = {0};
    if (bias)
        for (long j = 0; j < columns; j++) b[j] = bias[j];
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    for (int r = 0; r < R; r++) {
        __m256 v0 = _mm256_add_ps(acc0[r], b0), v1 = _mm256_add_ps(acc1[r], b1);
        store_tile_row_avx2(c + r * ldc, v0, v1, columns);
    }
}

__attribute__((target("avx2,fma")))
static inline __m256 erf_avx2(__m256 input) {
    __m256 x = _mm256_min_ps(_mm256_max_ps(input, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(erf_p[0]), _mm256_set1_ps(erf_p[1]));
    for (int i = 2; i < 7; i++) p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(erf_p[i]));
    p = _mm256_mul_ps(x, p);
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(erf_q[0]), _mm256_set1_ps(erf_q[1]));
    for (int i = 2; i < 5; i++) q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(erf_q[i]));
    return _mm256_div_ps(p, q);
}

__attribute__((target("avx2,fma")))
static void gelu_avx2(float *x, long count) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), root = _mm256_set1_ps(0.70710678118654752f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 e = erf_avx2(_mm256_mul_ps(v, root));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
    }
    gelu_portable(x + i, count - i);
}

__attribute__((target("avx2,fma")))
static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
static void add_layer_norm_avx2(float *x, const float *residual, long rows, long width, const float *gamma, const float *beta,
                                float epsilon) {
    if (width % 8 != 0) {
        add_layer_norm_portable(x, residual, rows, width, gamma, beta, epsilon);
        return;
    }
    for (long r = 0; r < rows; r++) {
        float *line = x + r * width;
        __m256 sum = _mm256_setzero_ps();
        for (long i = 0; i < width; i += 8) {
            __m256 v = _mm256_loadu_ps(line + i);
            if (residual) {
                v = _mm256_add_ps(v, _mm256_loadu_ps(residual + r * width + i));
                _mm256_storeu_ps(line + i, v);
            }
            sum = _mm256_add_ps(sum, v);
        }
        __m256 mean = _mm256_set1_ps(sum8(sum) / (float)width);
        __m256 squares = _mm256_setzero_ps();
        for (long i = 0; i < width; i += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(line + i), mean);
            squares = _mm256_fmadd_ps(d, d, squares);
        }
        __m256 scale = _mm256_set1_ps(1.0f / sqrtf(sum8(squares) / (float)width + epsilon));
        for (long i = 0; i < width; i += 8) {
            __m256 normalized = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(line + i), mean), scale);
            _mm256_storeu_ps(line + i, _mm256_fmadd_ps(normalized, _mm256_loadu_ps(gamma + i), _mm256_loadu_ps(beta + i)));
        }
    }
}

/// e^x for x ≤ 0 to about 2 ulps (Cephes' expf: x = n·ln 2 + r, a degree-5 polynomial in r, then
/// n added to the exponent); inputs below −87 give e^−87 rather than a denormal.
__attribute__((target("avx2,fma")))
static inline __m256 exp_avx2(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

/// The AVX2 attention: head dimension a multiple of 8 (MiniLM's is 32). Each head's keys are
/// first transposed into `scratch` (d × n rounded up to 8, zero-padded), so a query's scores for 8
/// keys at a time are d broadcast FMAs with no horizontal sums; the exponentials are vector too
/// (``exp_avx2``); the weighted sum of values runs 32 dimensions at a time.
__attribute__((target("avx2,fma")))
static void attention_avx2(const float *qkv, long stride, long n, long heads, long d, float scale, float *context, long ldc,
                           float *scratch) {
    long width = heads * d, np = round_up(n, 8);
    float *keys = scratch, *scores = scratch + d * np;
    const __m256 scale8 = _mm256_set1_ps(scale);
    for (long h = 0; h < heads; h++) {
        for (long t = 0; t < d; t++) {
            float *row = keys + t * np;
            for (long j = 0; j < n; j++) row[j] = qkv[j * stride + width + h * d + t];
            for (long j = n; j < np; j++) row[j] = 0;
        }
        for (long i = 0; i < n; i++) {
            const float *q = qkv + i * stride + h * d;
            for (long block = 0; block < np; block += 8) {
                // Four named accumulators (d is a multiple of 8): one FMA chain's latency, not the
                // FMA throughput, would bound a single one.
                const float *column = keys + block;
                __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
                for (long t = 0; t < d; t += 4) {
                    a0 = _mm256_fmadd_ps(_mm256_set1_ps(q[t]), _mm256_loadu_ps(column + t * np), a0);
                    a1 = _mm256_fmadd_ps(_mm256_set1_ps(q[t + 1]), _mm256_loadu_ps(column + (t + 1) * np), a1);
                    a2 = _mm256_fmadd_ps(_mm256_set1_ps(q[t + 2]), _mm256_loadu_ps(column + (t + 2) * np), a2);
                    a3 = _mm256_fmadd_ps(_mm256_set1_ps(q[t + 3]), _mm256_loadu_ps(column + (t + 3) * np), a3);
                }
                __m256 total = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
                _mm256_storeu_ps(scores + block, _mm256_mul_ps(total, scale8));
            }
            float largest = -INFINITY;
            for (long j = 0; j < n; j++)
                if (scores[j] > largest) largest = scores[j];
            // Exponentials 8 at a time; the padding past n is zeroed so it adds nothing.
            const __m256 shift = _mm256_set1_ps(largest);
            __m256 sum8v = _mm256_setzero_ps();
            for (long j = 0; j < np; j += 8) {
                __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(scores + j), shift));
                _mm256_storeu_ps(scores + j, e);
            }
            for (long j = n; j < np; j++) scores[j] = 0;
            for (long j = 0; j < np; j += 8) sum8v = _mm256_add_ps(sum8v, _mm256_loadu_ps(scores + j));
            __m256 inverse = _mm256_set1_ps(1.0f / sum8(sum8v));
            float *out = context + i * ldc + h * d;
            // Four output vectors at a time (32 dimensions, MiniLM's head), so each value row is
            // read once per group and the four accumulators are independent chains.
            long t0 = 0;
            for (; t0 + 32 <= d; t0 += 32) {
                __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
                for (long j = 0; j < n; j++) {
                    const float *v = qkv + j * stride + 2 * width + h * d + t0;
                    __m256 p = _mm256_set1_ps(scores[j]);
                    a0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v), a0);
                    a1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 8), a1);
                    a2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 16), a2);
                    a3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 24), a3);
                }
                _mm256_storeu_ps(out + t0, _mm256_mul_ps(a0, inverse));
                _mm256_storeu_ps(out + t0 + 8, _mm256_mul_ps(a1, inverse));
                _mm256_storeu_ps(out + t0 + 16, _mm256_mul_ps(a2, inverse));
                _mm256_storeu_ps(out + t0 + 24, _mm256_mul_ps(a3, inverse));
            }
            for (; t0 < d; t0 += 8) {
                __m256 acc = _mm256_setzero_ps();
                for (long j = 0; j < n; j++) {
                    acc = _mm256_fmadd_ps(_mm256_set1_ps(scores[j]), _mm256_loadu_ps(qkv + j * stride + 2 * width + h * d + t0), acc);
                }
                _mm256_storeu_ps(out + t0, _mm256_mul_ps(acc, inverse));
            }
        }
    }
}

__attribute__((target("avx2,fma")))
static void bf16_gemm_avx2(long m, long k, long n, const float *a, long lda, const uint16_t *packed, const float *bias,
                           float *c, long ldc) {
    long panels = round_up(n, PANEL) / PANEL;
    for (long chunk = 0; chunk < m; chunk += ROW_CHUNK) {
        long end = chunk + ROW_CHUNK < m ? chunk + ROW_CHUNK : m;
        for (long p = 0; p < panels; p++) {
            const uint16_t *panel = packed + p * k * PANEL;
            long column = p * PANEL, columns = n - column < PANEL ? n - column : PANEL;
            const float *bias_p = bias ? bias + column : NULL;
            long i = chunk;
#define BF16_TILE(R) bf16_tile_avx2(R, k, a + i * lda, lda, panel, bias_p, c + i * ldc + column, ldc, columns)
            for (; i + TILE_ROWS <= end; i += TILE_ROWS) BF16_TILE(TILE_ROWS);
            TILE_REMAINDER(end - i, BF16_TILE);
#undef BF16_TILE
        }
    }
}

// ---------------------------------------------------------------- AVX-512 kernels
//
// Same packed layouts as AVX2, one 512-bit register per 16-column panel, and two panels per tile
// (32 columns) so every broadcast activation feeds two multiply-adds. A tile is up to 10 rows: 20
// accumulators, two weight registers and a broadcast (11 or 12 rows would fit 32 registers on
// paper, but the compiler then spills and the kernel runs at 60 % of its speed on 96 rows). The
// tile's rows are balanced over a chunk (16 rows run as 8 + 8, not 10 + 6), since the short tile
// would read the panels once more for few rows. int8 multiplies with `vpdpwssd` (AVX-512 VNNI:
// the 16-bit pair products and their sum into int32 in one instruction, where AVX2 needs
// `vpmaddwd` and an add, on registers twice as wide), on the same 14-bit activations, so its sums
// are the AVX2 kernel's exactly. bf16 widens a row's 16 weights with one `vpmovzxwd` and a shift (columns come out
// interleaved, 0, 8, 1, 9, …, put back in order once per tile at the store) and keeps float32
// FMAs in the same order as the other kernels, so its results are theirs to the bit.

#define AVX512_TARGET "avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni"
#define TILE_ROWS_512 10

/// Runs `TILE(r)` for `rows` in 1 … 10 with `r` a constant in each branch: 6 … 10 here, 1 … 5
/// through TILE_REMAINDER.
#define TILE_ROWS_SWITCH_512(rows, TILE) \
    switch (rows) { \
    case 10: TILE(10); break; \
    case 9: TILE(9); break; \
    case 8: TILE(8); break; \
    case 7: TILE(7); break; \
    case 6: TILE(6); break; \
    default: TILE_REMAINDER(rows, TILE); break; \
    }

/// Rows for the next tile of a chunk with `left` rows: as many tiles as 10-row tiles would need,
/// with the rows shared evenly between them.
static inline long balanced_tile_rows(long left) {
    long tiles = (left + TILE_ROWS_512 - 1) / TILE_ROWS_512;
    return (left + tiles - 1) / tiles;
}

/// Lanes of the first `columns` (≤ 16) columns of a panel.
static inline __mmask16 column_mask(long columns) {
    return columns >= PANEL ? (__mmask16)0xffff : (__mmask16)((1u << columns) - 1u);
}

/// One integer tile: `R` rows × `P` panels (1 or 2) over `steps` steps of depth. Each step reads
/// 4 bytes of every row's quantised activations (an int16 pair for int8, a quad of u8 for w8a8)
/// and one step of each panel: 32 bytes sign-extended to 16-bit pairs for `vpdpwssd` (int8), or
/// 64 bytes of signed quads for `vpdpbusd` (w8a8, which then subtracts zero point · column sum).
__attribute__((target(AVX512_TARGET), always_inline))
static inline void integer_tile_avx512(const int W8A8, const int R, const int P, long steps, const uint8_t *q, long ldq,
                                       const float *row_scales, const int32_t *row_zeros, const int8_t *panel,
                                       long panel_stride, const float *scales, const int32_t *column_sums, const float *bias,
                                       float *c, long ldc, long columns) {
    __m512i acc0[TILE_ROWS_512], acc1[TILE_ROWS_512];
    for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_si512();
    const int8_t *second = panel + panel_stride;
    for (long t = 0; t < steps; t++) {
        __m512i w0, w1;
        if (W8A8) {
            w0 = _mm512_loadu_si512((const void *)(panel + 64 * t));
            w1 = P == 2 ? _mm512_loadu_si512((const void *)(second + 64 * t)) : w0;
        } else {
            w0 = _mm512_cvtepi8_epi16(_mm256_load_si256((const __m256i *)(panel + 32 * t)));
            w1 = P == 2 ? _mm512_cvtepi8_epi16(_mm256_load_si256((const __m256i *)(second + 32 * t))) : w0;
        }
        for (int r = 0; r < R; r++) {
            int32_t word;
            memcpy(&word, q + r * ldq + 4 * t, 4);
            __m512i x = _mm512_set1_epi32(word);
            acc0[r] = W8A8 ? _mm512_dpbusd_epi32(acc0[r], x, w0) : _mm512_dpwssd_epi32(acc0[r], x, w0);
            if (P == 2) acc1[r] = W8A8 ? _mm512_dpbusd_epi32(acc1[r], x, w1) : _mm512_dpwssd_epi32(acc1[r], x, w1);
        }
    }
    float s[2 * PANEL] = {0}, b[2 * PANEL] = {0};
    int32_t sums[2 * PANEL] = {0};
    for (long j = 0; j < columns; j++) {
        s[j] = scales[j];
        b[j] = bias ? bias[j] : 0.0f;
        if (W8A8) sums[j] = column_sums[j];
    }
    __m512 s0 = _mm512_loadu_ps(s), s1 = _mm512_loadu_ps(s + PANEL);
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + PANEL);
    __m512i c0 = _mm512_loadu_si512(sums), c1 = _mm512_loadu_si512(sums + PANEL);
    __mmask16 m0 = column_mask(columns), m1 = column_mask(columns > PANEL ? columns - PANEL : 0);
    for (int r = 0; r < R; r++) {
        __m512 rs = _mm512_set1_ps(row_scales[r]);
        __m512i zero = _mm512_set1_epi32(W8A8 ? row_zeros[r] : 0);
        __m512i v0 = W8A8 ? _mm512_sub_epi32(acc0[r], _mm512_mullo_epi32(zero, c0)) : acc0[r];
        _mm512_mask_storeu_ps(c + r * ldc, m0, _mm512_fmadd_ps(_mm512_cvtepi32_ps(v0), _mm512_mul_ps(rs, s0), b0));
        if (P == 2) {
            __m512i v1 = W8A8 ? _mm512_sub_epi32(acc1[r], _mm512_mullo_epi32(zero, c1)) : acc1[r];
            _mm512_mask_storeu_ps(c + r * ldc + PANEL, m1, _mm512_fmadd_ps(_mm512_cvtepi32_ps(v1), _mm512_mul_ps(rs, s1), b1));
        }
    }
}

/// The integer product over quantised rows `q` (`ldq` bytes apart, `steps` steps of 4 bytes):
/// row chunks, pairs of panels (`panel_bytes` each), balanced tiles.
__attribute__((target(AVX512_TARGET), always_inline))
static inline void integer_gemm_avx512(const int W8A8, long m, long n, long steps, const uint8_t *q, long ldq,
                                       const float *row_scales, const int32_t *row_zeros, const int8_t *packed, long panel_bytes,
                                       const float *scales, const int32_t *column_sums, const float *bias, float *c, long ldc) {
    long panels = round_up(n, PANEL) / PANEL;
    for (long chunk = 0; chunk < m; chunk += ROW_CHUNK) {
        long end = chunk + ROW_CHUNK < m ? chunk + ROW_CHUNK : m;
        for (long p = 0; p < panels; p += 2) {
            const int8_t *panel = packed + p * panel_bytes;
            long column = p * PANEL, columns = n - column < 2 * PANEL ? n - column : 2 * PANEL;
            const float *bias_p = bias ? bias + column : NULL;
            const int32_t *sums_p = column_sums ? column_sums + column : NULL;
            for (long i = chunk; i < end;) {
                long rows = balanced_tile_rows(end - i);
#define INTEGER_TILE(R, P) integer_tile_avx512(W8A8, R, P, steps, q + i * ldq, ldq, row_scales + i, row_zeros ? row_zeros + i : NULL, panel, panel_bytes, scales + column, sums_p, bias_p, c + i * ldc + column, ldc, columns)
#define INTEGER_TILE_2(R) INTEGER_TILE(R, 2)
#define INTEGER_TILE_1(R) INTEGER_TILE(R, 1)
                if (p + 1 < panels) {
                    TILE_ROWS_SWITCH_512(rows, INTEGER_TILE_2);
                } else {
                    TILE_ROWS_SWITCH_512(rows, INTEGER_TILE_1);
                }
#undef INTEGER_TILE_1
#undef INTEGER_TILE_2
#undef INTEGER_TILE
                i += rows;
            }
        }
    }
}

__attribute__((target(AVX512_TARGET)))
static void q8_gemm_avx512(long m, long k, long n, const float *a, long lda, const int8_t *packed, const float *scales,
                           const float *bias, float *c, long ldc, int16_t *q, float *row_scales) {
    long kp = round_up(k, 2);
    q8_quantize_rows_avx2(m, k, a, lda, q, kp, row_scales);
    integer_gemm_avx512(0, m, n, kp / 2, (const uint8_t *)q, kp * 2, row_scales, NULL, packed, kp * PANEL, scales, NULL, bias, c,
                        ldc);
}

/// One bf16 tile: `R` rows × `P` panels (1 or 2) over the whole depth.
__attribute__((target(AVX512_TARGET), always_inline))
static inline void bf16_tile_avx512(const int R, const int P, long k, const float *a, long lda, const uint16_t *panel,
                                    long panel_stride, const float *bias, float *c, long ldc, long columns) {
    __m512 acc0[TILE_ROWS_512], acc1[TILE_ROWS_512];
    for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
    const uint16_t *second = panel + panel_stride;
    for (long t = 0; t < k; t++) {
        __m512 w0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_load_si256((const __m256i *)(panel + t * PANEL))), 16));
        __m512 w1 = P == 2 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_load_si256((const __m256i *)(second + t * PANEL))), 16))
                           : w0;
        for (int r = 0; r < R; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + t]);
            acc0[r] = _mm512_fmadd_ps(x, w0, acc0[r]);
            if (P == 2) acc1[r] = _mm512_fmadd_ps(x, w1, acc1[r]);
        }
    }
    // Lane 2j holds column j, lane 2j + 1 column j + 8: gather them back into column order.
    const __m512i order = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    float b[2 * PANEL] = {0};
    if (bias)
        for (long j = 0; j < columns; j++) b[j] = bias[j];
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + PANEL);
    __mmask16 m0 = column_mask(columns), m1 = column_mask(columns > PANEL ? columns - PANEL : 0);
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, _mm512_add_ps(_mm512_permutexvar_ps(order, acc0[r]), b0));
        if (P == 2) _mm512_mask_storeu_ps(c + r * ldc + PANEL, m1, _mm512_add_ps(_mm512_permutexvar_ps(order, acc1[r]), b1));
    }
}

__attribute__((target(AVX512_TARGET)))
static void bf16_gemm_avx512(long m, long k, long n, const float *a, long lda, const uint16_t *packed, const float *bias,
                             float *c, long ldc) {
    long panels = round_up(n, PANEL) / PANEL, stride = k * PANEL;
    for (long chunk = 0; chunk < m; chunk += ROW_CHUNK) {
        long end = chunk + ROW_CHUNK < m ? chunk + ROW_CHUNK : m;
        for (long p = 0; p < panels; p += 2) {
            const uint16_t *panel = packed + p * stride;
            long column = p * PANEL, columns = n - column < 2 * PANEL ? n - column : 2 * PANEL;
            const float *bias_p = bias ? bias + column : NULL;
            for (long i = chunk; i < end;) {
                long rows = balanced_tile_rows(end - i);
#define BF16_TILE_2(R) bf16_tile_avx512(R, 2, k, a + i * lda, lda, panel, stride, bias_p, c + i * ldc + column, ldc, columns)
#define BF16_TILE_1(R) bf16_tile_avx512(R, 1, k, a + i * lda, lda, panel, stride, bias_p, c + i * ldc + column, ldc, columns)
                if (p + 1 < panels) {
                    TILE_ROWS_SWITCH_512(rows, BF16_TILE_2);
                } else {
                    TILE_ROWS_SWITCH_512(rows, BF16_TILE_1);
                }
#undef BF16_TILE_2
#undef BF16_TILE_1
                i += rows;
            }
        }
    }
}
#endif

// ---------------------------------------------------------------- w8a8 vector kernels

#if defined(__x86_64__)
/// The portable quantisation's exact result, 16 values at a time (cvtps rounds to nearest even
/// as rintf does; the saturating packs clamp to 0 … 255 as w8a8_clamp does).
__attribute__((target("avx2,fma")))
static void w8a8_quantize_rows_avx2(long m, long k, const float *a, long lda, const float *inverse_smoothing, uint8_t *q,
                                    long ldq, float *row_scales, int32_t *row_zeros) {
    for (long i = 0; i < m; i++) {
        const float *row = a + i * lda;
        __m256 low8 = _mm256_setzero_ps(), high8 = _mm256_setzero_ps();
        long t = 0;
        for (; t + 8 <= k; t += 8) {
            __m256 v = _mm256_loadu_ps(row + t);
            if (inverse_smoothing) v = _mm256_mul_ps(v, _mm256_loadu_ps(inverse_smoothing + t));
            low8 = _mm256_min_ps(low8, v);
            high8 = _mm256_max_ps(high8, v);
        }
        float lows[8], highs[8], low = 0, high = 0;
        _mm256_storeu_ps(lows, low8);
        _mm256_storeu_ps(highs, high8);
        for (int l = 0; l < 8; l++) {
            if (lows[l] < low) low = lows[l];
            if (highs[l] > high) high = highs[l];
        }
        for (; t < k; t++) {
            float v = w8a8_input(row, inverse_smoothing, t);
            if (v < low) low = v;
            if (v > high) high = v;
        }
        float inverse;
        w8a8_row_range(low, high, &row_scales[i], &inverse, &row_zeros[i]);
        const __m256 inv8 = _mm256_set1_ps(inverse);
        const __m256i zero8 = _mm256_set1_epi32(row_zeros[i]);
        uint8_t *out = q + i * ldq;
        t = 0;
        for (; t + 16 <= k; t += 16) {
            __m256 v0 = _mm256_loadu_ps(row + t), v1 = _mm256_loadu_ps(row + t + 8);
            if (inverse_smoothing) {
                v0 = _mm256_mul_ps(v0, _mm256_loadu_ps(inverse_smoothing + t));
                v1 = _mm256_mul_ps(v1, _mm256_loadu_ps(inverse_smoothing + t + 8));
            }
            __m256i i0 = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v0, inv8)), zero8);
            __m256i i1 = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v1, inv8)), zero8);
            __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(i0, i1), 0xD8);
            __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
            _mm_storeu_si128((__m128i *)(out + t), bytes);
        }
        float zero = (float)row_zeros[i];
        for (; t < k; t++) {
            float v = w8a8_input(row, inverse_smoothing, t);
            out[t] = w8a8_clamp(rintf(v * inverse) + zero);
        }
        for (; t < ldq; t++) out[t] = 0;
    }
}

__attribute__((target(AVX512_TARGET)))
static void w8a8_gemm_avx512(long m, long k, long n, const float *a, long lda, const float *inverse_smoothing,
                             const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias, float *c,
                             long ldc, uint8_t *q, float *row_scales, int32_t *row_zeros) {
    long kq = round_up(k, 4);
    w8a8_quantize_rows_avx2(m, k, a, lda, inverse_smoothing, q, kq, row_scales, row_zeros);
    integer_gemm_avx512(1, m, n, kq / 4, q, kq, row_scales, row_zeros, packed, kq * PANEL, scales, column_sums, bias, c, ldc);
}
#endif

// ---------------------------------------------------------------- dispatch

static int cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static int cpu_has_avx512_vnni(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

int deja_encoder_kernel_supported(int kernel) {
    switch (kernel) {
    case DEJA_ENCODER_KERNEL_PORTABLE: return 1;
    case DEJA_ENCODER_KERNEL_AVX2: return cpu_has_avx2_fma();
    case DEJA_ENCODER_KERNEL_AVX512: return cpu_has_avx512_vnni();
    default: return 0;
    }
}

/// The kernel to run for a requested one: itself when this CPU supports it, else the portable loop.
static int resolve(int kernel) { return deja_encoder_kernel_supported(kernel) ? kernel : DEJA_ENCODER_KERNEL_PORTABLE; }

void deja_q8_gemm(int kernel, long m, long k, long n, const float *a, long lda, const int8_t *packed, const float *scales,
                  const float *bias, float *c, long ldc, int16_t *scratch, float *row_scales) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__)
    switch (resolve(kernel)) {
    case DEJA_ENCODER_KERNEL_AVX512: q8_gemm_avx512(m, k, n, a, lda, packed, scales, bias, c, ldc, scratch, row_scales); return;
    case DEJA_ENCODER_KERNEL_AVX2: q8_gemm_avx2(m, k, n, a, lda, packed, scales, bias, c, ldc, scratch, row_scales); return;
    default: break;
    }
#endif
    (void)resolve;
    q8_gemm_portable(m, k, n, a, lda, packed, scales, bias, c, ldc, scratch, row_scales);
}

void deja_gelu_f32(int kernel, float *x, long count) {
    if (count <= 0) return;
#if defined(__x86_64__)
    if (resolve(kernel) >= DEJA_ENCODER_KERNEL_AVX2) {
        gelu_avx2(x, count);
        return;
    }
#endif
    gelu_portable(x, count);
}

void deja_add_layer_norm_f32(int kernel, float *x, const float *residual, long rows, long width, const float *gamma,
                             const float *beta, float epsilon) {
    if (rows <= 0 || width <= 0) return;
#if defined(__x86_64__)
    if (resolve(kernel) >= DEJA_ENCODER_KERNEL_AVX2) {
        add_layer_norm_avx2(x, residual, rows, width, gamma, beta, epsilon);
        return;
    }
#endif
    add_layer_norm_portable(x, residual, rows, width, gamma, beta, epsilon);
}

long deja_attention_scratch_elements(long n, long d) { return (d + 1) * round_up(n > 0 ? n : 1, 8); }

void deja_attention_f32(int kernel, const float *qkv, long stride, long n, long heads, long d, float scale, float *context,
                        long ldc, float *scratch) {
    if (n <= 0 || heads <= 0 || d <= 0) return;
#if defined(__x86_64__)
    if (d % 8 == 0 && resolve(kernel) >= DEJA_ENCODER_KERNEL_AVX2) {
        attention_avx2(qkv, stride, n, heads, d, scale, context, ldc, scratch);
        return;
    }
#endif
    attention_portable(qkv, stride, n, heads, d, scale, context, ldc, scratch);
}

void deja_bf16_gemm(int kernel, long m, long k, long n, const float *a, long lda, const uint16_t *packed, const float *bias,
                    float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__)
    switch (resolve(kernel)) {
    case DEJA_ENCODER_KERNEL_AVX512: bf16_gemm_avx512(m, k, n, a, lda, packed, bias, c, ldc); return;
    case DEJA_ENCODER_KERNEL_AVX2: bf16_gemm_avx2(m, k, n, a, lda, packed, bias, c, ldc); return;
    default: break;
    }
#endif
    bf16_gemm_portable(m, k, n, a, lda, packed, bias, c, ldc);
}

void deja_w8a8_gemm(int kernel, long m, long k, long n, const float *a, long lda, const float *inverse_smoothing,
                    const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias, float *c, long ldc,
                    uint8_t *scratch, float *row_scales, int32_t *row_zeros) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__)
    if (resolve(kernel) == DEJA_ENCODER_KERNEL_AVX512) {
        w8a8_gemm_avx512(m, k, n, a, lda, inverse_smoothing, packed, scales, column_sums, bias, c, ldc, scratch, row_scales, row_zeros);
        return;
    }
#endif
    w8a8_gemm_portable(m, k, n, a, lda, inverse_smoothing, packed, scales, column_sums, bias, c, ldc, scratch, row_scales, row_zeros);
}
