import DejaIndex
import Testing

@Suite("AdaptiveIndex")
struct AdaptiveIndexTests {
    static func configuration(threshold: Int) -> AdaptiveIndex.Configuration {
        .init(promotionThreshold: threshold, hnsw: .init(m: 12, efConstruction: 64, efSearch: 64, buildThreads: 1))
    }

    @Test("promotion keeps every entry, including mutations made while the graph builds")
    func promotionKeepsEntries() throws {
        var data = ClusteredData(dimension: 24, clusters: 16, noise: 1, seed: 10)
        let vectors = data.take(3000)
        let index = try AdaptiveIndex(dimension: 24, configuration: Self.configuration(threshold: 2048))
        for i in 0..<2047 { try index.add(id: UInt64(i), vector: vectors[i]) }
        #expect(index.stage == .flat)
        try index.add(id: 2047, vector: vectors[2047])
        #expect(index.stage != .flat)

        // Mutations during the build: adds, an upsert and removals, all replayed into the graph.
        var searchesWhilePromoting = 0
        for i in 2048..<3000 {
            try index.add(id: UInt64(i), vector: vectors[i])
            if index.stage == .promoting {
                #expect(try index.search(vectors[i], k: 1).first?.id == UInt64(i))
                searchesWhilePromoting += 1
            }
        }
        for id in stride(from: 0, to: 3000, by: 10) { #expect(index.remove(id: UInt64(id))) }
        try index.upsert(id: 1, vector: vectors[2])
        index.waitForPromotion()

        #expect(index.stage == .hnsw)
        #expect(searchesWhilePromoting > 0)
        #expect(index.count == 2700)
        for i in 0..<3000 {
            #expect(index.contains(id: UInt64(i)) == (i % 10 != 0))
        }
        var hits = 0
        for i in 0..<3000 where i % 10 != 0 && i != 1 && i != 2 {
            if try index.search(vectors[i], k: 1).first?.id == UInt64(i) { hits += 1 }
        }
        #expect(Double(hits) / 2697 >= 0.99)
        let top2 = try index.search(vectors[2], k: 2).map(\.id)
        #expect(Set(top2) == [1, 2])
    }

    @Test("searches keep being answered throughout promotion")
    func searchesDuringPromotion() throws {
        var data = ClusteredData(dimension: 32, clusters: 16, noise: 1, seed: 11)
        let vectors = data.take(4000)
        let configuration = AdaptiveIndex.Configuration(
            promotionThreshold: 4000, hnsw: .init(m: 16, efConstruction: 100, efSearch: 64, buildThreads: 1)
        )
        let index = try AdaptiveIndex(dimension: 32, configuration: configuration)
        for i in 0..<3999 { try index.add(id: UInt64(i), vector: vectors[i]) }
        // Crossing the threshold starts the background build and returns at once.
        try index.add(id: 3999, vector: vectors[3999])
        #expect(index.stage == .promoting)
        var during = 0
        var i = 0
        while index.stage == .promoting {
            let hit = try index.search(vectors[i % 4000], k: 1).first?.id
            #expect(hit == UInt64(i % 4000))
            during += 1
            i += 1
        }
        index.waitForPromotion()
        #expect(during > 0)
        #expect(index.count == 4000)
        #expect(index.stage == .hnsw)
    }

    @Test("shared semantics hold before promotion", arguments: [10_000])
    func semanticsWhileFlat(threshold: Int) throws {
        try checkRemovalSemantics(try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: threshold)))
        try checkUpsertSemantics(try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: threshold)))
        try checkThresholdSemantics(try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: threshold)))
        try checkRemoveAllSemantics(try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: threshold)))
    }

    @Test("shared semantics hold across and after promotion")
    func semanticsAfterPromotion() throws {
        let index = try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: 50))
        try checkRemovalSemantics(index)
        index.waitForPromotion()
        #expect(index.stage == .hnsw)
        let other = try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: 20))
        try checkUpsertSemantics(other)
        other.waitForPromotion()
        #expect(other.stage == .hnsw)
        try checkUpsertSemantics(try AdaptiveIndex(dimension: 16, configuration: Self.configuration(threshold: 1)))
    }
}
