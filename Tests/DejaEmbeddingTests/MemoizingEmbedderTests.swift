import DejaEmbedding
import Synchronization
import Testing

/// Records every call it receives and returns a vector derived from each text's length.
final class RecordingEmbedder: Embedder {
    let calls = Mutex<[[String]]>([])
    let failing: Bool
    var name: String { "recording" }
    var dimension: Int { 2 }

    init(failing: Bool = false) {
        self.failing = failing
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls.withLock { $0.append(texts) }
        if failing { throw EmbeddingError.remoteRequestFailed }
        return texts.map { [Float($0.count), 1] }
    }
}

@Suite("MemoizingEmbedder")
struct MemoizingEmbedderTests {
    @Test("hits skip the base; each missing text is computed once per call")
    func memoizes() async throws {
        let base = RecordingEmbedder()
        let memo = MemoizingEmbedder(base, capacity: 10)
        #expect(memo.name == "recording")
        #expect(memo.dimension == 2)
        let first = try await memo.embed(["a", "bb", "a"])
        #expect(first == [[1, 1], [2, 1], [1, 1]])
        #expect(base.calls.withLock { $0 } == [["a", "bb"]])
        let second = try await memo.embed(["bb", "ccc", "a"])
        #expect(second == [[2, 1], [3, 1], [1, 1]])
        #expect(base.calls.withLock { $0 } == [["a", "bb"], ["ccc"]])
        _ = try await memo.embed(["a", "bb"])
        #expect(base.calls.withLock { $0.count } == 2)
        // Lookups happen before the call's misses are stored, so the repeated "a" of the first
        // call counts as a miss too.
        #expect(memo.statistics.hits == 0 + 2 + 2)
        #expect(memo.statistics.misses == 3 + 1 + 0)
        #expect(try await memo.embed([]).isEmpty)
    }

    @Test("evicts the least recently used entry at capacity")
    func evictsLRU() async throws {
        let base = RecordingEmbedder()
        let memo = MemoizingEmbedder(base, capacity: 2)
        _ = try await memo.embed(["a"])
        _ = try await memo.embed(["bb"])
        _ = try await memo.embed(["a"])  // "a" is now the most recent
        _ = try await memo.embed(["ccc"])  // evicts "bb"
        #expect(memo.count == 2)
        _ = try await memo.embed(["a"])
        #expect(base.calls.withLock { $0.last } == ["ccc"])
        _ = try await memo.embed(["bb"])
        #expect(base.calls.withLock { $0.last } == ["bb"])
        memo.removeAll()
        #expect(memo.count == 0)
    }

    @Test("errors propagate and nothing is stored")
    func errors() async throws {
        let memo = MemoizingEmbedder(RecordingEmbedder(failing: true), capacity: 4)
        await #expect(throws: EmbeddingError.remoteRequestFailed) { try await memo.embed(["a"]) }
        #expect(memo.count == 0)
    }

    @Test("the base's input limit still applies")
    func limit() async throws {
        let memo = MemoizingEmbedder(HashingEmbedder(), capacity: 4)
        await #expect(throws: EmbeddingError.tooManyInputs) { try await memo.embed((0..<10_000).map { "text \($0)" }) }
        #expect(memo.count == 0)
    }
}
