#ifndef DEJA_DISTANCE_H
#define DEJA_DISTANCE_H

#include <stdint.h>

/// Inner product of two float vectors of length n. Uses AVX-512 or AVX2 + FMA when the CPU has
/// them (checked once), a portable loop otherwise.
float deja_dot_f32(const float *a, const float *b, long n);

/// Inner products of `query` with `count` stored vectors: `out[i] = <query, base + ids[i] * stride>`,
/// each of length `n`. The HNSW search calls it once per expanded node with the neighbours not yet
/// visited, so the dispatch costs one indirect call per list rather than one per neighbour, and
/// the loads of all `count` vectors are started (prefetched) before the first product needs one.
void deja_dot_gather_f32(const float *query, const float *base, long stride, const uint32_t *ids, long count, long n, float *out);

/// Testing hooks: kernel 0 is the portable loop, 1 AVX2 + FMA, 2 AVX-512. `supported` says
/// whether this CPU can run one; the `_kernel` variants run the named kernel (the portable one
/// when unsupported) instead of the dispatched one.
int deja_distance_kernel_supported(int kernel);
float deja_dot_f32_kernel(int kernel, const float *a, const float *b, long n);
void deja_dot_gather_f32_kernel(int kernel, const float *query, const float *base, long stride, const uint32_t *ids, long count, long n, float *out);

/// Hints the CPU to start loading the first cache lines of `p` (an HNSW neighbour's vector) so
/// that the next distance computation does not wait on memory. Swift has no prefetch intrinsic.
static inline void deja_prefetch_vector(const void *p) {
    __builtin_prefetch(p, 0, 3);
    __builtin_prefetch((const char *)p + 64, 0, 3);
}

/// Hints the CPU to start loading the cache line holding `p` (a neighbour list about to be read).
static inline void deja_prefetch_line(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
