import DejaIndex
import Testing

/// Entries that were never removed stay findable while other entries are removed and new ones
/// added (tombstones accumulating between compactions). A regression test: reusing tombstoned
/// slots for new nodes left parts of the graph unreachable.
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
    }
}
