import DejaIndex
import Testing

/// Concurrent inserts, removals and searches with fixed seeds. They assert what must hold under
/// any interleaving; run them with `swift test --sanitize=thread` to check for data races.
@Suite("Concurrency")
struct ConcurrencyTests {
    static func stress(_ index: any VectorIndex, seed: UInt64) async throws {
        let dimension = index.dimension
        var data = ClusteredData(dimension: dimension, clusters: 12, noise: 1, seed: seed)
        let initial = data.take(600)
        let extra = data.take(600)
        for (i, vector) in initial.enumerated() { try index.add(id: UInt64(i), vector: vector) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            // Writer: adds ids 1000..<1600 and removes every fourth initial id.
            group.addTask {
                for (i, vector) in extra.enumerated() {
                    try index.add(id: UInt64(1000 + i), vector: vector)
                    if i % 4 == 0 { index.remove(id: UInt64(i)) }
                }
            }
            // Readers: an initial entry that is never removed stays findable through every write.
            for reader in 0..<3 {
                group.addTask {
                    for i in stride(from: reader * 2 + 1, to: 600, by: 4) {
                        let hit = try index.search(initial[i], k: 3)
                        #expect(hit.contains { $0.id == UInt64(i) })
                        #expect(hit.count == 3)
                        _ = try index.search(batch: [initial[i], extra[i]], k: 2)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(index.count == 600 + 600 - 150)
        for i in 0..<600 { #expect(index.contains(id: UInt64(i)) == (i % 4 != 0)) }
        for i in 0..<600 { #expect(index.contains(id: UInt64(1000 + i))) }
    }

    @Test("FlatIndex: concurrent insert, remove and search")
    func flat() async throws {
        try await Self.stress(try FlatIndex(dimension: 16), seed: 20)
    }

    @Test("HNSWIndex: concurrent insert, remove and search")
    func hnsw() async throws {
        try await Self.stress(try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 48, buildThreads: 2)), seed: 21)
    }

    @Test("AdaptiveIndex: concurrent insert, remove and search across promotion")
    func adaptive() async throws {
        let index = try AdaptiveIndex(
            dimension: 16, configuration: .init(promotionThreshold: 800, hnsw: .init(m: 8, efConstruction: 48, buildThreads: 2))
        )
        try await Self.stress(index, seed: 22)
        index.waitForPromotion()
        #expect(index.stage == .hnsw)
        #expect(index.count == 1050)
    }

    @Test("HNSWIndex: batch inserts that reuse slots and link in parallel while other threads search")
    func slotReuseUnderConcurrentSearch() async throws {
        var data = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: 24)
        let first = data.take(800)
        let batches = (0..<4).map { _ in data.take(300) }
        let index = try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 48, compactionThreshold: 0.9, buildThreads: 2))
        try index.add(ids: (0..<UInt64(800)).map { $0 }, vectors: first)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Writer: each round removes 100 even ids of the first set, then adds a batch of 300:
            // 100 take over the freed slots on the calling thread, 200 are linked by 2 workers.
            group.addTask {
                for (b, batch) in batches.enumerated() {
                    for id in stride(from: 200 * b, to: 200 * (b + 1), by: 2) { index.remove(id: UInt64(id)) }
                    try index.add(ids: (0..<UInt64(300)).map { UInt64(1000 * (b + 1)) + $0 }, vectors: batch)
                }
            }
            // Readers: odd ids are never removed and stay findable throughout.
            for reader in 0..<2 {
                group.addTask {
                    for i in stride(from: 2 * reader + 1, to: 800, by: 4) {
                        let hit = try index.search(first[i], k: 3)
                        #expect(hit.contains { $0.id == UInt64(i) })
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(index.count == 800 - 400 + 1200)
        for (b, batch) in batches.enumerated() {
            for (i, vector) in batch.enumerated() {
                #expect(try index.search(vector, k: 3).contains { $0.id == UInt64(1000 * (b + 1) + i) })
            }
        }
    }

    @Test("HNSWIndex: parallel batch insert while other threads search")
    func parallelBatchInsert() async throws {
        var data = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: 23)
        let first = data.take(500)
        let batches = (0..<4).map { _ in data.take(500) }
        let index = try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 48, buildThreads: 2))
        try index.add(ids: (0..<UInt64(500)).map { $0 }, vectors: first)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for (b, batch) in batches.enumerated() {
                    try index.add(ids: (0..<UInt64(500)).map { UInt64(1000 * (b + 1)) + $0 }, vectors: batch)
                }
            }
            group.addTask {
                for (i, vector) in first.enumerated() {
                    let hits = try index.search(vector, k: 2)
                    #expect(hits.contains { $0.id == UInt64(i) })
                }
            }
            try await group.waitForAll()
        }
        #expect(index.count == 2500)
        var hits = 0
        for (b, batch) in batches.enumerated() {
            for (i, vector) in batch.enumerated() where try index.search(vector, k: 1).first?.id == UInt64(1000 * (b + 1) + i) {
                hits += 1
            }
        }
        #expect(Double(hits) / 2000 >= 0.99)
    }
}
