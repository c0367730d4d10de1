import DejaEmbedding
import Logging
import Testing

@testable import DejaCache

/// The served-completions memo (completion id → entry, for feedback) is bounded in bytes, and a
/// hit on a huge question keeps none of its text.
@Suite struct ServedMemoBudgetTests {
    static func cache() -> SemanticCache {
        SemanticCache(configuration: CacheConfiguration(), embedder: HashingEmbedder(dimension: 32), verifier: nil, logger: Logger(label: "test"))
    }

    @Test func theMemoStaysWithinItsByteBudget() {
        let cache = Self.cache()
        let question = String(repeating: "q", count: 4000)
        let entry = CacheQuotaTests.entry(1, scope: "tenant:a")
        // 4 KB questions: 10,000 of them would be ~40 MB, past the 32 MiB budget.
        for i in 0..<10_000 {
            cache.recordServed(completionID: "chatcmpl-\(i)", entry: entry, query: question + "\(i)")
            if i % 1000 == 999 { #expect(cache.servedMemoBytes <= SemanticCache.maxServedBytes) }
        }
        #expect(cache.servedMemoBytes <= SemanticCache.maxServedBytes)
        #expect(cache.servedMemoBytes > SemanticCache.maxServedBytes / 2)
        // The newest are kept, the oldest went first.
        #expect(cache.servedRecord("chatcmpl-9999") != nil)
        #expect(cache.servedRecord("chatcmpl-0") == nil)
    }

    @Test func aHugeQuestionIsRememberedWithoutItsText() {
        let cache = Self.cache()
        let entry = CacheQuotaTests.entry(2, scope: "tenant:a")
        cache.recordServed(completionID: "chatcmpl-big", entry: entry, query: String(repeating: "7", count: 3_500_000))
        let record = cache.servedRecord("chatcmpl-big")
        #expect(record?.entryID == 2)
        #expect(record?.query == "")
        #expect(cache.servedMemoBytes < 4096)
    }
}
