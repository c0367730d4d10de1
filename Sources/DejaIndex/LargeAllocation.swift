#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation of the graph's big arrays (vectors, level-0 links), backed by transparent huge
/// pages where the system offers them.
///
/// A search reads a few thousand vectors scattered over the whole array; with 4 KiB pages nearly
/// every one is also a TLB miss (100,000 × 384-d vectors span 150 MB, the TLB covers ~12 MB).
/// On Linux, where transparent huge pages are commonly enabled only on request (`madvise`), the
/// array is aligned to 2 MiB and marked `MADV_HUGEPAGE`, so it is mapped with 2 MiB pages.
/// Elsewhere, or for small arrays, it is an ordinary 64-byte-aligned allocation.
enum LargeAllocation {
    static let hugePageSize = 2 << 20

    /// Allocates uninitialised room for `count` values of `T`; release it with ``free(_:)``.
    static func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(count, 1) * MemoryLayout<T>.stride
        let huge = bytes >= Self.hugePageSize
        // Rounded up to whole huge pages so the last one is not shared with other allocations.
        let size = huge ? (bytes + Self.hugePageSize - 1) / Self.hugePageSize * Self.hugePageSize : bytes
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, huge ? Self.hugePageSize : 64, size)
        guard status == 0, let raw else { fatalError("LargeAllocation: out of memory (\(size) bytes)") }
        #if os(Linux)
        // Advice only: when huge pages are disabled the call fails and 4 KiB pages are used.
        if huge { _ = madvise(raw, size, MADV_HUGEPAGE) }
        #endif
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// Releases memory from ``allocate(_:count:)``.
    static func free<T>(_ pointer: UnsafeMutablePointer<T>) {
        #if canImport(Glibc)
        Glibc.free(pointer)
        #else
        Darwin.free(pointer)
        #endif
    }
}
