public import NIOCore

/// A Swift concurrency task executor that runs jobs on one NIO event loop.
///
/// Why: a task that prefers this executor runs on the same thread as the channel it serves,
/// so reading the request, calling the upstream (whose connection is taken from that loop's
/// pool) and writing the response involve no thread hops.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop every job runs on.
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
