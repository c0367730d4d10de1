import DejaEmbedding
import Synchronization
import Testing

/// MemoizingEmbedder's byte budget: the memo never holds more than it, whatever the texts' size.
@Suite struct MemoBudgetTests {
    @Test func memoStaysWithinItsByteBudget() async throws {
        let budget = 64 * 1024
        let memo = MemoizingEmbedder(RecordingEmbedder(), capacity: 10_000, byteBudget: budget)
        #expect(memo.byteBudget == budget)
        var peak = 0
        for index in 0..<200 {
            // Texts of 1 to 8 KB: a handful fill the budget long before the count does.
            let text = String(repeating: "x", count: 1024 * (1 + index % 8)) + "\(index)"
            let vectors = try await memo.embed([text])
            #expect(vectors == [[Float(text.count), 1]])
            peak = max(peak, memo.byteCount)
            #expect(memo.byteCount <= budget)
        }
        #expect(peak > budget / 2)
        #expect(memo.count < 200)
    }

    @Test func byteCountTracksEntries() async throws {
        let memo = MemoizingEmbedder(RecordingEmbedder(), capacity: 100)
        #expect(MemoizingEmbedder.defaultByteBudget == 64 << 20)
        #expect(memo.byteCount == 0)
        _ = try await memo.embed(["short", String(repeating: "y", count: 100)])
        let expected = MemoizingEmbedder.approximateBytes(text: "short", dimension: 2)
            + MemoizingEmbedder.approximateBytes(text: String(repeating: "y", count: 100), dimension: 2)
        #expect(memo.byteCount == expected)
        // A long text costs its bytes: honest accounting, not a flat per-entry figure.
        #expect(MemoizingEmbedder.approximateBytes(text: String(repeating: "z", count: 160_000), dimension: 384) > 160_000 + 384 * 4)
        memo.removeAll()
        #expect(memo.byteCount == 0)
    }

    @Test func evictsLeastRecentlyUsedByBytes() async throws {
        let base = RecordingEmbedder()
        let entry = MemoizingEmbedder.approximateBytes(text: String(repeating: "a", count: 1000), dimension: 2)
        let memo = MemoizingEmbedder(base, capacity: 100, byteBudget: entry * 3)
        let texts = ["a", "b", "c", "d"].map { String(repeating: $0, count: 1000) }
        _ = try await memo.embed([texts[0]])
        _ = try await memo.embed([texts[1]])
        _ = try await memo.embed([texts[2]])
        _ = try await memo.embed([texts[0]])  // most recent now; texts[1] is the oldest
        _ = try await memo.embed([texts[3]])  // over the budget: evicts texts[1]
        #expect(memo.count == 3)
        #expect(memo.byteCount <= entry * 3)
        let calls = base.calls.withLock { $0.count }
        _ = try await memo.embed([texts[0], texts[2], texts[3]])
        #expect(base.calls.withLock { $0.count } == calls)
        _ = try await memo.embed([texts[1]])
        #expect(base.calls.withLock { $0.last } == [texts[1]])
    }

    @Test func aTextLargerThanTheBudgetIsEmbeddedButNotKept() async throws {
        let base = RecordingEmbedder()
        let memo = MemoizingEmbedder(base, capacity: 10, byteBudget: 4096)
        _ = try await memo.embed(["small"])
        let huge = String(repeating: "h", count: 10_000)
        #expect(try await memo.embed([huge]) == [[10_000, 1]])
        #expect(memo.count == 1)
        #expect(memo.byteCount <= 4096)
        _ = try await memo.embed(["small"])
        #expect(base.calls.withLock { $0.count } == 2)
    }
}
