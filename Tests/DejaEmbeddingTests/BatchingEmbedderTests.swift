import Synchronization
import Testing

@testable import DejaEmbedding

/// A slow embedder that records the size of every call it receives.
final class SlowRecordingEmbedder: Embedder {
    let name = "recording"
    let dimension = 4
    let calls = Mutex<[Int]>([])
    let fail: Bool

    init(fail: Bool = false) { self.fail = fail }

    struct Failure: Error {}

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls.withLock { $0.append(texts.count) }
        try await Task.sleep(for: .milliseconds(30))
        if fail { throw Failure() }
        return texts.map { text in [Float(text.count), 1, 0, 0] }
    }
}

@Suite struct BatchingEmbedderTests {
    @Test func concurrentCallsShareBatchesAndGetTheirOwnVectors() async throws {
        let base = SlowRecordingEmbedder()
        let batching = BatchingEmbedder(base, maxBatch: 8, maxConcurrentBatches: 2)
        let texts = (0..<20).map { String(repeating: "x", count: $0 + 1) }
        let results = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (i, text) in texts.enumerated() {
                group.addTask { (i, try await batching.embed([text])) }
            }
            var all: [Int: [[Float]]] = [:]
            for try await (i, v) in group { all[i] = v }
            return all
        }
        for (i, text) in texts.enumerated() {
            #expect(results[i] == [[Float(text.count), 1, 0, 0]])
        }
        let calls = base.calls.withLock { $0 }
        #expect(calls.reduce(0, +) == 20)
        #expect(calls.count < 20, "calls: \(calls)")
        #expect(calls.allSatisfy { $0 <= 8 })
    }

    @Test func aLoneCallGoesThroughAtOnce() async throws {
        let base = SlowRecordingEmbedder()
        let batching = BatchingEmbedder(base)
        #expect(try await batching.embed(["abc"]) == [[3, 1, 0, 0]])
        #expect(try await batching.embed([]) == [])
        #expect(base.calls.withLock { $0 } == [1])
    }

    @Test func failuresReachEveryCallerInTheBatch() async {
        let batching = BatchingEmbedder(SlowRecordingEmbedder(fail: true), maxBatch: 8)
        let failures = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<6 {
                group.addTask { (try? await batching.embed(["t\(i)"])) == nil }
            }
            var n = 0
            for await failed in group where failed { n += 1 }
            return n
        }
        #expect(failures == 6)
    }
}
