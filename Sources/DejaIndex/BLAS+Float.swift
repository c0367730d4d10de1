import CBLAS

/// The only place DejaIndex calls CBLAS. Every routine works on single-precision, row-major,
/// unit-stride data, and takes `Int` sizes that the caller has already bounded to `Int32`.
enum BLAS {
    /// Returns the inner product of two `count`-element vectors.
    ///
    /// On this project's reference machine OpenBLAS's AVX2/FMA kernel takes ~85 ns for 384
    /// dimensions against ~200 ns for the best `SIMD8<Float>` loop Swift emits for baseline x86-64,
    /// so HNSW uses it as its distance kernel.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        cblas_sdot(Int32(truncatingIfNeeded: count), a, 1, b, 1)
    }

    /// `y[0..<rows] = A · x`, where `A` is a `rows × columns` row-major matrix.
    static func matrixVector(
        _ a: UnsafePointer<Float>, rows: Int, columns: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(truncatingIfNeeded: rows), Int32(truncatingIfNeeded: columns),
            1, a, Int32(truncatingIfNeeded: columns), x, 1, 0, y, 1
        )
    }

    /// `C = Q · Aᵀ`: `Q` is `queries × columns`, `A` is `rows × columns`, and `C` is
    /// `queries × rows`, all row-major.
    static func matrixMatrixTransposed(
        _ q: UnsafePointer<Float>, queries: Int, _ a: UnsafePointer<Float>, rows: Int, columns: Int,
        c: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(truncatingIfNeeded: queries), Int32(truncatingIfNeeded: rows),
            Int32(truncatingIfNeeded: columns), 1, q, Int32(truncatingIfNeeded: columns), a,
            Int32(truncatingIfNeeded: columns), 0, c, Int32(truncatingIfNeeded: rows)
        )
    }
}
