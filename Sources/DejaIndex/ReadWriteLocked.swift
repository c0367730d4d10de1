import Foundation

/// A value guarded by a reader/writer lock, reachable only through `withReadLock` and
/// `withWriteLock` (the `NIOLockedValueBox` pattern with shared readers).
///
/// Searches take the read side, so any number run at once; mutations take the write side.
/// The lock prefers writers, so a steady stream of searches cannot starve an insert.
final class ReadWriteLocked<Value>: @unchecked Sendable {
    // Safe as Sendable: `value` is touched only inside `withReadLock` (shared, read-only access)
    // or `withWriteLock` (exclusive access), both of which hold `lock`.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        self.lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if os(Linux)
        // glibc's default lets readers overtake a waiting writer indefinitely.
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        let status = pthread_rwlock_init(self.lock, &attributes)
        precondition(status == 0, "pthread_rwlock_init failed: \(status)")
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        pthread_rwlock_destroy(self.lock)
        self.lock.deallocate()
    }

    /// Runs `body` with shared access; other readers may run at the same time.
    func withReadLock<Result, Failure: Error>(_ body: (borrowing Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_rwlock_rdlock(self.lock)
        defer { pthread_rwlock_unlock(self.lock) }
        return try body(self.value)
    }

    /// Runs `body` with exclusive access.
    func withWriteLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_rwlock_wrlock(self.lock)
        defer { pthread_rwlock_unlock(self.lock) }
        return try body(&self.value)
    }
}
