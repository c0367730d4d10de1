import DejaIndex
import Testing

@Suite("HNSWIndex")
struct HNSWIndexTests {
    static func small() throws -> HNSWIndex {
        try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 64, efSearch: 64, buildThreads: 1))
    }

    @Test("recall@10 ≥ 0.95 against exact search on 20,000 clustered 64-d vectors")
    func recallOnClusteredData() throws {
        // Noise 1.25 puts exact recall@10 at ~0.99 with these parameters (measured in release), so a graph
        // that loses a few percent of its quality fails.
        var data = ClusteredData(dimension: 64, clusters: 200, noise: 1.25, seed: 42)
        let vectors = data.take(20_000)
        let ids = (0..<UInt64(vectors.count)).map { $0 * 3 + 1 }
        let index = try HNSWIndex(dimension: 64, configuration: .init(m: 16, efConstruction: 64, efSearch: 64, buildThreads: 2))
        let exact = try FlatIndex(dimension: 64)
        try index.add(ids: ids, vectors: vectors)
        for (id, vector) in zip(ids, vectors) { try exact.add(id: id, vector: vector) }
        #expect(index.count == 20_000)

        let queries = data.take(200)
        let truth = try exact.search(batch: queries, k: 10)
        var total = 0.0
        for (query, expected) in zip(queries, truth) {
            total += recall(try index.search(query, k: 10), expected)
        }
        let recallAt10 = total / Double(queries.count)
        #expect(recallAt10 >= 0.95, "recall@10 = \(recallAt10)")
    }

    @Test("the same seed and insertion order build the same graph")
    func deterministicForSeed() throws {
        var data = ClusteredData(dimension: 16, clusters: 10, noise: 1.2, seed: 6)
        let vectors = data.take(1500)
        let queries = data.take(30)
        func build() throws -> [[SearchResult]] {
            let index = try Self.small()
            for (i, vector) in vectors.enumerated() { try index.add(id: UInt64(i), vector: vector) }
            return try queries.map { try index.search($0, k: 10, ef: 16) }
        }
        #expect(try build() == build())
    }

    @Test("remove tombstones an entry, reuses its slot, and compaction keeps every live entry")
    func removalAndCompaction() throws {
        try checkRemovalSemantics(try Self.small())

        var data = ClusteredData(dimension: 16, clusters: 10, noise: 1, seed: 7)
        let vectors = data.take(1000)
        let index = try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 64, compactionThreshold: 0.3, buildThreads: 2))
        try index.add(ids: (0..<UInt64(1000)).map { $0 }, vectors: vectors)
        // 400 removals pass the 30% threshold, so the graph is rebuilt along the way.
        for id in 0..<UInt64(400) { #expect(index.remove(id: id)) }
        #expect(index.count == 600)
        index.compact()
        #expect(index.count == 600)
        for (i, vector) in vectors.enumerated() where i % 7 == 0 {
            let top = try index.search(vector, k: 1).first?.id
            #expect(i < 400 ? top != UInt64(i) : top == UInt64(i))
        }
        // Reinserting into freed slots keeps search exact for the reinserted entries.
        for id in 0..<UInt64(100) { try index.add(id: id, vector: vectors[Int(id)]) }
        for id in 0..<UInt64(100) { #expect(try index.search(vectors[Int(id)], k: 1).first?.id == id) }
    }

    @Test("heavy churn through reused slots keeps every live entry reachable")
    func churnKeepsGraphConnected() throws {
        var data = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: 12)
        let index = try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 48, compactionThreshold: 0.9, buildThreads: 1))
        var live: [UInt64: [Float]] = [:]
        var nextID: UInt64 = 0
        for _ in 0..<1000 {
            let vector = data.next()
            try index.add(id: nextID, vector: vector)
            live[nextID] = vector
            nextID += 1
        }
        // Ten rounds of removing a fifth of the entries and adding as many new ones, so most slots
        // are reused (compaction is held off by the 0.9 threshold).
        try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 10, seed: 13)
        #expect(index.count == live.count)
        var found = 0
        for (id, vector) in live where try index.search(vector, k: 1).first?.id == id { found += 1 }
        #expect(Double(found) / Double(live.count) >= 0.99, "found \(found) of \(live.count)")
    }

    @Test("upsert replaces the vector under an id")
    func upsert() throws {
        try checkUpsertSemantics(try Self.small())
    }

    @Test("minSimilarity drops weaker matches")
    func threshold() throws {
        try checkThresholdSemantics(try Self.small())
    }

    @Test("a threshold search still finds matches above the threshold in a large graph")
    func thresholdOnLargeGraph() throws {
        var data = ClusteredData(dimension: 32, clusters: 50, noise: 0.8, seed: 8)
        let vectors = data.take(5000)
        let index = try HNSWIndex(dimension: 32, configuration: .init(m: 12, efConstruction: 64, buildThreads: 2))
        let exact = try FlatIndex(dimension: 32)
        try index.add(ids: (0..<UInt64(5000)).map { $0 }, vectors: vectors)
        for (i, vector) in vectors.enumerated() { try exact.add(id: UInt64(i), vector: vector) }
        var found = 0.0
        var expectedCount = 0.0
        for query in data.take(100) {
            let expected = try exact.search(query, k: 10, minSimilarity: 0.8)
            let actual = try index.search(query, k: 10, minSimilarity: 0.8)
            #expect(actual.allSatisfy { $0.similarity >= 0.8 })
            expectedCount += Double(expected.count)
            found += Double(expected.count) * recall(actual, expected)
        }
        #expect(expectedCount > 0)
        #expect(found / expectedCount >= 0.95, "thresholded recall = \(found / expectedCount)")
        // A query unrelated to every stored vector returns nothing above a high threshold.
        var random = TestRandom(seed: 9)
        #expect(try index.search(random.vector(dimension: 32), k: 10, minSimilarity: 0.9).isEmpty)
    }

    @Test("removeAll empties the index and keeps it usable")
    func removeAll() throws {
        try checkRemoveAllSemantics(try Self.small())
    }
}
