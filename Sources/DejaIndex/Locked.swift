import Foundation

/// A value guarded by a `pthread_mutex_t`, reachable only through `withLock`
/// (`NIOLockedValueBox`'s shape).
///
/// Used instead of `Synchronization.Mutex` where ThreadSanitizer must see the synchronisation:
/// on Linux `Mutex` waits on raw futex system calls that the sanitizer does not intercept, so every
/// access it guards shows up as a race in `swift test --sanitize=thread`.
final class Locked<Value>: @unchecked Sendable {
    // Safe as Sendable: `value` is read and written only inside `withLock`, which holds `mutex`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        self.mutex = .allocate(capacity: 1)
        let status = pthread_mutex_init(self.mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(self.mutex)
        self.mutex.deallocate()
    }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(self.mutex)
        defer { pthread_mutex_unlock(self.mutex) }
        return try body(&self.value)
    }
}
