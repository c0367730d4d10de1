import DejaEmbedding
import DejaWire
import Logging
import Testing

@testable import DejaCache

/// Entry size cap, per-scope quotas and the global eviction rule of the in-memory store.
@Suite struct CacheQuotaTests {
    static let dimension = 4

    static func completion(_ content: String) -> StoredCompletion {
        let json = #"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"\#(content)"},"finish_reason":"stop"}]}"#
        return StoredCompletion(json: Array(json.utf8))!
    }

    static func namespace(_ scope: String) -> CacheKey { CacheKey.sha256(Array(scope.utf8)) }

    static func entry(_ id: UInt64, scope: String, content: String = "answer") -> CacheEntry {
        let angle = Float(id) * 0.01
        return CacheEntry(
            id: id, namespace: namespace(scope), exactKey: CacheKey(a: id, b: 0, c: 0, d: 0), scope: scope, model: "sim/m",
            queryText: "question \(id)", embedding: [cos(angle), sin(angle), 0, 0], createdAt: 0, expiresAt: 1e12, originalLatencyMs: 1,
            completion: completion(content))
    }

    static func store(
        maxEntries: Int = 1000, maxBytes: Int = 1 << 30, perScopeMaxEntries: Int? = nil, perScopeMaxBytes: Int? = nil, maxEntryBytes: Int = .max
    ) -> CacheStore {
        CacheStore(
            dimension: dimension, maxEntries: maxEntries, maxBytes: maxBytes, promotionThreshold: 10_000, perScopeMaxEntries: perScopeMaxEntries,
            perScopeMaxBytes: perScopeMaxBytes, maxEntryBytes: maxEntryBytes)
    }

    static func held(_ store: CacheStore, _ id: UInt64) -> Bool { store.exactHit(CacheKey(a: id, b: 0, c: 0, d: 0), now: 0) != nil }

    @Test func aScopeAtItsQuotaEvictsOnlyItsOwnEntries() throws {
        let store = Self.store(perScopeMaxEntries: 3)
        for id: UInt64 in [1001, 1002] { try store.insert(Self.entry(id, scope: "tenant:b")) }
        for id: UInt64 in 1...10 {
            let evicted = try store.insert(Self.entry(id, scope: "tenant:a"))
            #expect(evicted.allSatisfy { $0 < 1000 }, "tenant a evicted \(evicted)")
            #expect(store.usage(scope: "tenant:a").entries == min(Int(id), 3))
        }
        #expect(store.usage(scope: "tenant:b").entries == 2)
        #expect(Self.held(store, 1001) && Self.held(store, 1002))
        #expect([8, 9, 10].allSatisfy { Self.held(store, $0) })
        #expect(!Self.held(store, 1))
        #expect(store.count == 5)
    }

    @Test func aScopesByteQuotaHolds() throws {
        let size = Self.entry(1, scope: "tenant:a").byteSize
        let quota = size * 3 + size / 2
        let store = Self.store(perScopeMaxBytes: quota)
        try store.insert(Self.entry(1001, scope: "tenant:b"))
        for id: UInt64 in 1...20 {
            try store.insert(Self.entry(id, scope: "tenant:a"))
            #expect(store.usage(scope: "tenant:a").bytes <= quota)
        }
        #expect(store.usage(scope: "tenant:a").entries == 3)
        #expect(Self.held(store, 1001))
        #expect(store.bytes == store.usage(scope: "tenant:a").bytes + store.usage(scope: "tenant:b").bytes)
    }

    @Test func aFullCacheEvictsFromTheHeaviestScopeFirst() throws {
        let store = Self.store(maxEntries: 6)
        let heavy = String(repeating: "x", count: 2000)
        for id: UInt64 in 1...5 { try store.insert(Self.entry(id, scope: "tenant:a", content: heavy)) }
        try store.insert(Self.entry(1001, scope: "tenant:b"))
        for id: UInt64 in 1002...1004 {
            let evicted = try store.insert(Self.entry(id, scope: "tenant:b"))
            // tenant a holds more bytes: it gives way, oldest first.
            #expect(evicted == [id - 1001])
        }
        #expect(store.usage(scope: "tenant:a").entries == 2)
        #expect(store.usage(scope: "tenant:b").entries == 4)
        // tenant a, still the heavier, floods: it evicts its own entries, never b's.
        for id: UInt64 in 6...50 {
            try store.insert(Self.entry(id, scope: "tenant:a", content: heavy))
            #expect(store.count <= 6)
        }
        #expect((1001...1004).allSatisfy { Self.held(store, $0) })
        #expect(store.usage(scope: "tenant:a").entries == 2)
        #expect(Self.held(store, 50) && Self.held(store, 49))
    }

    @Test func theByteBudgetHoldsAcrossScopes() throws {
        let maxBytes = 12_000
        let store = Self.store(maxBytes: maxBytes)
        let scopes = ["tenant:a", "tenant:b", "shared"]
        for id: UInt64 in 1...60 {
            let content = String(repeating: "y", count: Int(id % 7) * 150)
            try store.insert(Self.entry(id, scope: scopes[Int(id) % 3], content: content))
            #expect(store.bytes <= maxBytes)
            #expect(store.bytes == scopes.map { store.usage(scope: $0).bytes }.reduce(0, +))
        }
        #expect(store.usage(scope: "tenant:a").entries > 0)  // the last insert's scope
    }

    @Test func aHitKeepsAnEntryInItsScopesRecencyOrder() throws {
        let store = Self.store(perScopeMaxEntries: 3)
        for id: UInt64 in 1...3 { try store.insert(Self.entry(id, scope: "tenant:a")) }
        #expect(Self.held(store, 1))  // touched: now the most recently used
        #expect(try store.insert(Self.entry(4, scope: "tenant:a")) == [2])
        store.touch(3)
        #expect(try store.insert(Self.entry(5, scope: "tenant:a")) == [1])
    }

    @Test func anOversizeEntryIsNotStored() throws {
        let store = Self.store(maxEntryBytes: 600)
        let big = Self.entry(1, scope: "tenant:a", content: String(repeating: "z", count: 400))
        #expect(big.payloadBytes > 600)
        #expect(try store.insert(big).isEmpty)
        #expect(store.count == 0)
        #expect(store.bytes == 0)
        #expect(store.oversizeSkipped == 1)
        let small = Self.entry(2, scope: "tenant:a")
        #expect(small.payloadBytes <= 600)
        try store.insert(small)
        #expect(store.count == 1)
        // An entry larger than a whole byte budget on its own is refused too (nothing evicted for it).
        let tight = Self.store(perScopeMaxBytes: small.byteSize)
        try tight.insert(small)
        #expect(try tight.insert(Self.entry(3, scope: "tenant:a", content: "a longer answer")).isEmpty)
        #expect(tight.count == 1)
        #expect(tight.oversizeSkipped == 1)
    }

    @Test func theSemanticCacheServesButDoesNotStoreOversizeAnswers() async throws {
        var configuration = CacheConfiguration()
        configuration.maxEntryBytes = 600
        let cache = SemanticCache(configuration: configuration, embedder: HashingEmbedder(dimension: 32), verifier: nil, logger: Logger(label: "test"))
        func fingerprint(_ text: String) throws -> RequestFingerprint {
            let request = try ChatRequest.parse(Array(#"{"model":"m","messages":[{"role":"user","content":"\#(text)"}]}"#.utf8))
            return RequestFingerprint(request: request, scope: "tenant:a", resolvedModel: "sim/m")
        }
        let big = try await cache.store(
            fingerprint("tell me everything"), completion: Self.completion(String(repeating: "w", count: 700)), model: "sim/m", embedding: nil,
            ttlSeconds: nil, originalLatencyMs: 1)
        #expect(big == nil)
        #expect(cache.oversizeEntriesSkipped == 1)
        #expect(cache.entryCount == 0)
        let small = try await cache.store(
            fingerprint("tell me a little"), completion: Self.completion("a little"), model: "sim/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 1)
        #expect(small != nil)
        #expect(cache.entryCount == 1)
        #expect(cache.usage(scope: "tenant:a").entries == 1)
        #expect(cache.byteCount == small?.byteSize)
    }

    @Test func perScopeQuotasDeriveFromTheGlobalLimits() {
        var configuration = CacheConfiguration()
        configuration.maxEntries = 1000
        configuration.maxBytes = 4000
        // One scope: the whole cache.
        #expect(configuration.effectivePerScopeMaxEntries == 1000)
        #expect(configuration.effectivePerScopeMaxBytes == 4000)
        configuration.sharedScopeTenants = ["b", "c"]
        configuration.scopeCount = configuration.scopeCount(forTenants: ["a", "b", "c"])
        #expect(configuration.scopeCount == 2)
        #expect(configuration.effectivePerScopeMaxEntries == 250)
        #expect(configuration.effectivePerScopeMaxBytes == 1000)
        configuration.maxEntries = 2
        #expect(configuration.effectivePerScopeMaxEntries == 1)
        configuration.perScopeMaxEntries = 10
        configuration.perScopeMaxBytes = 100
        #expect(configuration.effectivePerScopeMaxEntries == 2)  // never above the global limit
        #expect(configuration.effectivePerScopeMaxBytes == 100)
        #expect(CacheConfiguration().maxEntryBytes == 1 << 20)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
