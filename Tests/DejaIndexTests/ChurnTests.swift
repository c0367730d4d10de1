@testable import DejaIndex
import Testing

/// Entries that were never removed stay findable while other entries are removed and new ones
/// added. Inserts take over tombstoned slots (the default, ``HNSWIndex/Configuration/reuseDeletedSlots``),
/// so these are the regression tests for slot reuse: a naive reuse (new vector written into the old
/// slot, linked like a fresh node) left up to 104 entries per seed unreachable here.
@Suite struct ChurnTests {
    @Test(arguments: [21, 22, 23, 24, 25, 26, 27, 28] as [UInt64])
    func liveEntriesStayFindableThroughChurn(seed: UInt64) throws {
        let index = try HNSWIndex(dimension: 16, configuration: .init(m: 8, efConstruction: 48, seed: seed, buildThreads: 1))
        var data = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: seed)
        let initial = data.take(600)
        let extra = data.take(600)
        for (i, v) in initial.enumerated() { try index.add(id: UInt64(i), vector: v) }
        var misses = 0
        for (i, v) in extra.enumerated() {
            try index.add(id: UInt64(1000 + i), vector: v)
            if i % 4 == 0 { index.remove(id: UInt64(i)) }
            if i % 50 == 49 {
                for j in stride(from: 1, to: 600, by: 2) {
                    let hit = try index.search(initial[j], k: 3)
                    if !hit.contains(where: { $0.id == UInt64(j) }) || hit.count != 3 { misses += 1 }
                }
            }
        }
        #expect(misses == 0)
        // Every removal was followed by an add that took its slot over.
        #expect(index.graph.withReadLock { $0.nodeCount } == 600 + 600 - 150)
    }

    /// Fifteen rounds of removing a fifth of the entries and adding as many, at constant size with
    /// compaction held off, so by the end nearly every slot has been reused at least once (most
    /// several times). Every live entry, old or new, must be found by its own vector: top-1, and
    /// within the top 3 even where a near-duplicate outranks it.
    @Test(arguments: [31, 32, 33, 34] as [UInt64])
    func everyLiveEntryReachableAfterHeavyChurnWithReuse(seed: UInt64) throws {
        let index = try HNSWIndex(
            dimension: 16, configuration: .init(m: 8, efConstruction: 48, seed: seed, compactionThreshold: 0.9, buildThreads: 1)
        )
        var data = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: seed)
        var live: [UInt64: [Float]] = [:]
        for (i, vector) in data.take(1000).enumerated() {
            try index.add(id: UInt64(i), vector: vector)
            live[UInt64(i)] = vector
        }
        var nextID: UInt64 = 1000
        try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 15, seed: seed &+ 100)
        #expect(index.graph.withReadLock { $0.nodeCount } == 1000)
        var notTop1 = 0
        var notTop3 = 0
        for (id, vector) in live {
            let hit = try index.search(vector, k: 3)
            if hit.first?.id != id { notTop1 += 1 }
            if !hit.contains(where: { $0.id == id }) { notTop3 += 1 }
        }
        #expect(notTop3 == 0, "\(notTop3) of \(live.count) live entries unreachable")
        #expect(notTop1 == 0, "\(notTop1) of \(live.count) live entries not top-1")
    }
}
