import DejaEmbedding
import DejaVerifier
import Logging
import Testing

@testable import DejaCache
import DejaWire

/// A verifier that refuses candidates containing a given word, naming a check.
struct RefusingVerifier: HitVerifier {
    var word: String
    func rejection(query: String, candidate: String, threshold: Double, similarity: Double) async -> Verdict? {
        candidate.contains(word) || query.contains(word) ? Verdict(check: "polarity", detail: "test") : nil
    }
}

/// Shadow mode in the cache: verified semantic candidates are logged, never served; the log is
/// bounded; modes resolve per tenant and model; time-sensitive lifetimes come from configuration.
@Suite struct ShadowModeTests {
    func fingerprint(_ text: String, scope: String = "tenant:a") throws -> RequestFingerprint {
        let json = #"{"model":"m","messages":[{"role":"user","content":"\#(text)"}]}"#
        return RequestFingerprint(request: try ChatRequest.parse(Array(json.utf8)), scope: scope, resolvedModel: "sim/m")
    }

    static let completion = StoredCompletion(
        json: Array(#"{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"a"},"finish_reason":"stop"}]}"#.utf8))!

    func cache(verifier: (any HitVerifier)? = nil, entries: Int = 100, bytes: Int = 1 << 20) -> SemanticCache {
        var configuration = CacheConfiguration()
        configuration.thresholdBounds = 0...1
        configuration.shadowLogEntries = entries
        configuration.shadowLogBytes = bytes
        return SemanticCache(configuration: configuration, embedder: HashingEmbedder(), verifier: verifier, logger: Logger(label: "test"))
    }

    @Test func aVerifiedCandidateIsLoggedNotServed() async throws {
        let cache = cache()
        _ = try #require(await cache.store(try fingerprint("how do I delete a git branch"), completion: Self.completion, model: "sim/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 1))
        let asked = try fingerprint("how do I delete a git branch please")
        guard case .miss(let embedding) = await cache.lookup(asked, threshold: 0.5, mode: .shadow) else {
            Issue.record("shadow mode served a semantic hit")
            return
        }
        #expect(embedding != nil, "the query's vector is kept for storing")
        let records = cache.shadowLog.records(limit: 10)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.wouldServe && record.rejectedBy == nil)
        #expect(record.storedQuestion == "how do I delete a git branch")
        #expect(record.askedQuestion == "how do I delete a git branch please")
        #expect(record.scope == "tenant:a" && record.model == "sim/m")
        #expect(record.similarity > 0.5 && record.similarity < 1)
        #expect(cache.shadowLog.statistics == ShadowLog.Statistics(lookups: 1, exactHits: 0, wouldServe: 1, rejected: 0, dropped: 0))
        // The same lookup serving: a hit; the shadow log is untouched and the hit counted.
        guard case .semantic = await cache.lookup(asked, threshold: 0.5) else {
            Issue.record("serve mode did not serve")
            return
        }
        #expect(cache.shadowLog.statistics.lookups == 1)
        #expect(cache.statistics().semanticHits == 1)
    }

    @Test func exactHitsAreServedAndMissesCountedInShadowMode() async throws {
        let cache = cache()
        _ = await cache.store(try fingerprint("what is a mutex"), completion: Self.completion, model: "sim/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 1)
        guard case .exact = await cache.lookup(try fingerprint("what is a mutex"), threshold: 0.9, mode: .shadow) else {
            Issue.record("an exact hit was not served")
            return
        }
        guard case .miss = await cache.lookup(try fingerprint("bake sourdough bread at home"), threshold: 0.9, mode: .shadow) else {
            Issue.record("expected a miss")
            return
        }
        #expect(cache.shadowLog.statistics == ShadowLog.Statistics(lookups: 2, exactHits: 1, wouldServe: 0, rejected: 0, dropped: 0))
        #expect(cache.shadowLog.records(limit: 10).isEmpty)
    }

    @Test func theBestRefusedCandidateIsLoggedWithTheCheckThatRefusedIt() async throws {
        let cache = cache(verifier: RefusingVerifier(word: "branch"))
        _ = await cache.store(try fingerprint("how do I delete a git branch"), completion: Self.completion, model: "sim/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 1)
        _ = await cache.lookup(try fingerprint("how do I delete a git branch please"), threshold: 0.5, mode: .shadow)
        let record = try #require(cache.shadowLog.records(limit: 10).first)
        #expect(!record.wouldServe)
        #expect(record.rejectedBy == "polarity")
        #expect(cache.shadowLog.statistics.rejected == 1)
    }

    @Test func theLogIsBoundedInRecordsAndBytesAndLabelsOnlyWhatItHolds() throws {
        let log = ShadowLog(maximumEntries: 3, maximumBytes: 1 << 20)
        let entry = CacheEntry(
            id: 7, namespace: CacheKey(hex: String(repeating: "0", count: 64))!, exactKey: CacheKey(hex: String(repeating: "1", count: 64))!,
            scope: "tenant:a", model: "sim/m", queryText: "stored", embedding: [1], createdAt: 0, expiresAt: 10, originalLatencyMs: 1,
            completion: Self.completion)
        var ids: [UInt64] = []
        for i in 0..<5 { ids.append(log.record(scope: "tenant:a", entry: entry, askedQuestion: "asked \(i)", similarity: 0.9, rejectedBy: nil, now: 0)) }
        #expect(ids == [1, 2, 3, 4, 5])
        #expect(log.usage.records == 3)
        #expect(log.statistics.dropped == 2)
        #expect(log.records(limit: 10).map(\.id) == [5, 4, 3], "newest first")
        #expect(log.label(1, as: .paraphrase) == nil, "dropped")
        #expect(log.label(99, as: .paraphrase) == nil, "never logged")
        #expect(log.label(4, as: .nearMiss)?.label == .nearMiss)
        #expect(log.label(4, as: .paraphrase)?.label == .paraphrase, "a label can be replaced")
        let counts = log.labelCounts()
        #expect(counts.counts[.paraphrase] == 1 && counts.wouldServeLabelled == 1 && counts.wouldServeWrong == 0)
        // Scope filter.
        log.record(scope: "tenant:b", entry: entry, askedQuestion: "other", similarity: 0.9, rejectedBy: nil, now: 0)
        #expect(log.records(limit: 10, scope: "tenant:b").map(\.askedQuestion) == ["other"])

        // Bytes: each record of two 2 KB questions is over 4 KB; a 10 KB budget holds two.
        let small = ShadowLog(maximumEntries: 100, maximumBytes: 10_000)
        let big = String(repeating: "x", count: 2000)
        let bigEntry = CacheEntry(
            id: 8, namespace: entry.namespace, exactKey: entry.exactKey, scope: "tenant:a", model: "sim/m", queryText: big, embedding: [1],
            createdAt: 0, expiresAt: 10, originalLatencyMs: 1, completion: Self.completion)
        for _ in 0..<10 { small.record(scope: "tenant:a", entry: bigEntry, askedQuestion: big, similarity: 0.9, rejectedBy: nil, now: 0) }
        #expect(small.usage.bytes <= 10_000)
        #expect(small.usage.records == 2)
    }

    @Test func longQuestionsAreCutAtACharacterBoundaryAndMarked() {
        let text = String(repeating: "é", count: 3000)  // 6,000 bytes
        let (cut, truncated) = ShadowLog.bounded(text)
        #expect(truncated)
        #expect(cut.utf8.count <= ShadowLog.maximumQuestionBytes)
        #expect(cut.allSatisfy { $0 == "é" })
        #expect(ShadowLog.bounded("short") == ("short", false))
    }

    @Test func modesResolvePerTenantAndModel() {
        var c = CacheConfiguration()
        #expect(c.mode(tenant: "acme", resolvedModel: "openai/gpt-4o", upstreamModel: "gpt-4o") == .serve)
        c.mode = .shadow
        #expect(c.mode(tenant: nil, resolvedModel: "openai/gpt-4o", upstreamModel: "gpt-4o") == .shadow)
        c.tenantModes["acme"] = .serve
        #expect(c.mode(tenant: "acme", resolvedModel: "openai/gpt-4o", upstreamModel: "gpt-4o") == .serve, "a tenant override wins over the global mode")
        c.modelModes["gpt-4o"] = .shadow
        #expect(c.mode(tenant: "acme", resolvedModel: "openai/gpt-4o", upstreamModel: "gpt-4o") == .shadow, "shadow wins between overrides")
        c.mode = .serve
        c.tenantModes = ["beta": .shadow]
        c.modelModes = [:]
        #expect(c.mode(tenant: "beta", resolvedModel: "x/y", upstreamModel: "y") == .shadow)
        #expect(c.mode(tenant: "acme", resolvedModel: "x/y", upstreamModel: "y") == .serve)
    }

    @Test func timeSensitiveLifetimesTakeTheShortestKindWithinTheDefault() {
        var c = CacheConfiguration()
        #expect(c.timeSensitiveLifetime(TimeSensitivity("How do I reverse a list?")) == nil)
        let weatherToday = c.timeSensitiveLifetime(TimeSensitivity("Will it rain in Oslo today?"))
        #expect(weatherToday?.seconds == 900)
        let prices = c.timeSensitiveLifetime(TimeSensitivity("What is the price of gold this week?"))
        #expect(prices?.seconds == 300 && prices?.kind == .prices)
        #expect(c.timeSensitiveLifetime(TimeSensitivity("What time is it in Lima?"))?.seconds == 0)
        c.ttlSeconds = 120
        #expect(c.timeSensitiveLifetime(TimeSensitivity("What is the price of gold this week?"))?.seconds == 120, "never longer than the default")
        c.timeSensitiveTTLs[.prices] = 30
        #expect(c.timeSensitiveLifetime(TimeSensitivity("What is the price of gold this week?"))?.seconds == 30)
        c.timeSensitivityEnabled = false
        #expect(c.timeSensitiveLifetime(TimeSensitivity("What is the price of gold this week?")) == nil)
    }
}
