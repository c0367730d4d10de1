#ifndef DEJA_DISTANCE_H
#define DEJA_DISTANCE_H

/// Inner product of two float vectors of length n. Uses AVX2 + FMA when the CPU has them
/// (checked once), a portable loop otherwise.
float deja_dot_f32(const float *a, const float *b, long n);

/// Hints the CPU to start loading the first cache lines of `p` (an HNSW neighbour's vector) so
/// that the next distance computation does not wait on memory. Swift has no prefetch intrinsic.
static inline void deja_prefetch_vector(const void *p) {
    __builtin_prefetch(p, 0, 3);
    __builtin_prefetch((const char *)p + 64, 0, 3);
}

#endif
