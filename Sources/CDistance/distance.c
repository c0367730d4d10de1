#include "deja_distance.h"

// Each kernel exists in up to three builds (AVX-512, AVX2 + FMA, portable), chosen once at load
// time by `deja_distance_init`. The gather kernel takes the choice once per neighbour list.

/// Lines of the next vector prefetched (beyond the first, requested for every vector up front)
/// while the current one is multiplied: all 24 of a 384-d vector measured best, slightly, on
/// 30,000 × 384 (2, 8 and 24 lines were within noise of each other).
#ifndef DEJA_PREFETCH_LINES
#define DEJA_PREFETCH_LINES 24
#endif

static inline void prefetch_lines(const float *v, long n, long lines) {
    const char *p = (const char *)v;
    long total = (n * (long)sizeof(float) + 63) / 64;
    if (lines > total) lines = total;
    for (long l = 0; l < lines; l++) __builtin_prefetch(p + 64 * l, 0, 3);
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static inline float dot_avx2_inline(const float *a, const float *b, long n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 lo = _mm256_castps256_ps128(s), hi = _mm256_extractf128_ps(s, 1);
    __m128 q = _mm_add_ps(lo, hi);
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
    float sum = _mm_cvtss_f32(q);
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx512f")))
static inline float dot_avx512_inline(const float *a, const float *b, long n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    long i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    }
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

__attribute__((target("avx2,fma")))
static float dot_avx2(const float *a, const float *b, long n) { return dot_avx2_inline(a, b, n); }

__attribute__((target("avx512f")))
static float dot_avx512(const float *a, const float *b, long n) { return dot_avx512_inline(a, b, n); }

__attribute__((target("avx2,fma")))
static void gather_avx2(const float *q, const float *base, long stride, const uint32_t *ids, long count, long n, float *out) {
    for (long i = 0; i < count; i++) __builtin_prefetch(base + (long)ids[i] * stride, 0, 3);
    for (long i = 0; i < count; i++) {
        if (i + 1 < count) prefetch_lines(base + (long)ids[i + 1] * stride, n, DEJA_PREFETCH_LINES);
        out[i] = dot_avx2_inline(q, base + (long)ids[i] * stride, n);
    }
}

__attribute__((target("avx512f")))
static void gather_avx512(const float *q, const float *base, long stride, const uint32_t *ids, long count, long n, float *out) {
    for (long i = 0; i < count; i++) __builtin_prefetch(base + (long)ids[i] * stride, 0, 3);
    for (long i = 0; i < count; i++) {
        if (i + 1 < count) prefetch_lines(base + (long)ids[i + 1] * stride, n, DEJA_PREFETCH_LINES);
        out[i] = dot_avx512_inline(q, base + (long)ids[i] * stride, n);
    }
}
#endif

static inline float dot_portable_inline(const float *a, const float *b, long n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    float sum = (s0 + s1) + (s2 + s3);
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

static float dot_portable(const float *a, const float *b, long n) { return dot_portable_inline(a, b, n); }

static void gather_portable(const float *q, const float *base, long stride, const uint32_t *ids, long count, long n, float *out) {
    for (long i = 0; i < count; i++) __builtin_prefetch(base + (long)ids[i] * stride, 0, 3);
    for (long i = 0; i < count; i++) {
        if (i + 1 < count) prefetch_lines(base + (long)ids[i + 1] * stride, n, DEJA_PREFETCH_LINES);
        out[i] = dot_portable_inline(q, base + (long)ids[i] * stride, n);
    }
}

typedef float (*dot_fn)(const float *, const float *, long);
typedef void (*gather_fn)(const float *, const float *, long, const uint32_t *, long, long, float *);

static dot_fn chosen_dot = dot_portable;
static gather_fn chosen_gather = gather_portable;

__attribute__((constructor)) static void deja_distance_init(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        chosen_dot = dot_avx512;
        chosen_gather = gather_avx512;
        return;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        chosen_dot = dot_avx2;
        chosen_gather = gather_avx2;
        return;
    }
#endif
}

float deja_dot_f32(const float *a, const float *b, long n) {
    return chosen_dot(a, b, n);
}

void deja_dot_gather_f32(const float *query, const float *base, long stride, const uint32_t *ids, long count, long n, float *out) {
    chosen_gather(query, base, stride, ids, count, n, out);
}

/* Testing hooks: run one named kernel whatever the CPU dispatch chose, so every variant this CPU
 * supports can be checked against a reference. */
int deja_distance_kernel_supported(int kernel) {
    switch (kernel) {
    case 0: return 1;
#if defined(__x86_64__)
    case 1: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 2: return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

static int kernel_index(int kernel) { return deja_distance_kernel_supported(kernel) ? kernel : 0; }

float deja_dot_f32_kernel(int kernel, const float *a, const float *b, long n) {
    switch (kernel_index(kernel)) {
#if defined(__x86_64__)
    case 1: return dot_avx2(a, b, n);
    case 2: return dot_avx512(a, b, n);
#endif
    default: return dot_portable(a, b, n);
    }
}

void deja_dot_gather_f32_kernel(int kernel, const float *query, const float *base, long stride, const uint32_t *ids, long count, long n, float *out) {
    switch (kernel_index(kernel)) {
#if defined(__x86_64__)
    case 1: gather_avx2(query, base, stride, ids, count, n, out); return;
    case 2: gather_avx512(query, base, stride, ids, count, n, out); return;
#endif
    default: gather_portable(query, base, stride, ids, count, n, out); return;
    }
}
