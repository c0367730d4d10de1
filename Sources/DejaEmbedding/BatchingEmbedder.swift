import Synchronization

/// Batches concurrent `embed` calls into one call of the wrapped embedder.
///
/// Opportunistic: a call that arrives while fewer than `maxConcurrentBatches` passes are running
/// goes through at once (no added latency for a lone query); calls that arrive while every worker
/// is busy wait and then go through together, up to `maxBatch` texts per pass. With the fp32 encoder a pass for 32 short sentences
/// costs about as much per sentence as half of a single-sentence pass (its weights are read from
/// memory once per pass), so under concurrency this roughly doubles throughput; the int8 encoder
/// is compute-bound at one sentence already, and batching mainly keeps waiting calls off the
/// thread pool (BENCHMARKS.md §4).
public final class BatchingEmbedder: Embedder {
    public let base: any Embedder
    public let maxBatch: Int
    /// Passes that may run at once; one per core keeps every core encoding.
    public let maxConcurrentBatches: Int

    public var name: String { base.name }
    public var dimension: Int { base.dimension }

    private struct Pending {
        var texts: [String]
        var continuation: CheckedContinuation<[[Float]], any Error>
    }

    private struct State {
        var workers = 0
        var queue: [Pending] = []
    }

    private let state = Mutex(State())

    public init(_ base: any Embedder, maxBatch: Int = 32, maxConcurrentBatches: Int = 2) {
        precondition(maxBatch >= 1 && maxConcurrentBatches >= 1, "maxBatch and maxConcurrentBatches must be at least 1")
        self.base = base
        self.maxBatch = maxBatch
        self.maxConcurrentBatches = maxConcurrentBatches
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        // Large requests are already batches: pass them straight through.
        guard texts.count < maxBatch else { return try await base.embed(texts) }
        return try await withCheckedThrowingContinuation { continuation in
            let startWorker = state.withLock { state -> Bool in
                state.queue.append(Pending(texts: texts, continuation: continuation))
                guard state.workers < maxConcurrentBatches else { return false }
                state.workers += 1
                return true
            }
            if startWorker {
                Task { await self.drain() }
            }
        }
    }

    /// Runs batches until the queue is empty, then retires the worker.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                var taken: [Pending] = []
                var count = 0
                while let next = state.queue.first, taken.isEmpty || count + next.texts.count <= maxBatch {
                    taken.append(state.queue.removeFirst())
                    count += next.texts.count
                }
                if taken.isEmpty { state.workers -= 1 }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let vectors = try await base.embed(batch.flatMap(\.texts))
                var offset = 0
                for pending in batch {
                    pending.continuation.resume(returning: Array(vectors[offset..<(offset + pending.texts.count)]))
                    offset += pending.texts.count
                }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
