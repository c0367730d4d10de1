import CBLAS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The only place DejaEmbedding calls into the system BLAS.
enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` on row-major float32 matrices, where `op(A)` is
    /// `m × k` and `op(B)` is `k × n`.
    @inline(__always)
    static func gemm(
        transposeA: Bool = false,
        transposeB: Bool = false,
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>,
        lda: Int,
        b: UnsafePointer<Float>,
        ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc)
        )
    }

    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    /// Looks an OpenBLAS extension up at run time: the reference BLAS has no such symbols, so
    /// linking them directly would break the build against it.
    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc)
            let handle = dlopen(nil, RTLD_NOW)
        #else
            let handle = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
        #endif
        return dlsym(handle, name)
    }

    /// Sets the number of threads OpenBLAS uses for every later call in the process.
    ///
    /// Returns false when the loaded BLAS is not OpenBLAS (then it is single-threaded anyway).
    @discardableResult
    static func setThreadCount(_ count: Int) -> Bool {
        guard let pointer = symbol("openblas_set_num_threads") else { return false }
        unsafeBitCast(pointer, to: SetThreads.self)(Int32(max(1, count)))
        return true
    }

    /// The number of threads OpenBLAS currently uses, or nil when the loaded BLAS is not OpenBLAS.
    static func threadCount() -> Int? {
        guard let pointer = symbol("openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(pointer, to: GetThreads.self)())
    }
}
