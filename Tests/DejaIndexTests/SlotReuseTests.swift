@testable import DejaIndex
import Foundation
import Testing

/// Inserts take over tombstoned slots (``HNSWIndex/Configuration/reuseDeletedSlots``): the graph
/// keeps its size under churn, stays navigable, and stays consistent with its id map.
@Suite("Slot reuse")
struct SlotReuseTests {
    static func configuration(reuse: Bool = true, threads: Int = 1) -> HNSWIndex.Configuration {
        .init(m: 8, efConstruction: 48, efSearch: 48, compactionThreshold: 0.9, buildThreads: threads, reuseDeletedSlots: reuse)
    }

    static func slots(_ index: HNSWIndex) -> Int {
        index.graph.withReadLock { $0.nodeCount }
    }

    /// Structural invariants of the graph: ids, tombstones and free slots agree; every list is
    /// within capacity, has no self-link or duplicate, and points at nodes reaching its level; the
    /// entry point is on the top level.
    static func checkInvariants(_ index: HNSWIndex, sourceLocation: SourceLocation = #_sourceLocation) {
        index.graph.withReadLock { graph in
            let n = graph.nodeCount
            var live = 0
            for slot in 0..<n {
                if graph.deleted[slot] {
                    #expect(graph.slotOfID[graph.labels[slot]] != UInt32(slot), sourceLocation: sourceLocation)
                } else {
                    live += 1
                    #expect(graph.slotOfID[graph.labels[slot]] == UInt32(slot), sourceLocation: sourceLocation)
                }
                for level in 0...Int(graph.levels[slot]) {
                    let list = graph.links(UInt32(slot), level: level)
                    let count = Int(list[0])
                    #expect(count <= (level == 0 ? graph.m0 : graph.m), sourceLocation: sourceLocation)
                    let members = (0..<count).map { list[1 + $0] }
                    #expect(Set(members).count == count, sourceLocation: sourceLocation)
                    for member in members {
                        #expect(member != UInt32(slot) && Int(member) < n, sourceLocation: sourceLocation)
                        #expect(Int(graph.levels[Int(member)]) >= level, sourceLocation: sourceLocation)
                    }
                }
            }
            #expect(live == graph.liveCount, sourceLocation: sourceLocation)
            #expect(Set(graph.freeSlots) == Set((0..<n).filter { graph.deleted[$0] }.map(UInt32.init)), sourceLocation: sourceLocation)
            #expect(graph.freeSlots.count == graph.tombstoneCount, sourceLocation: sourceLocation)
            if n > 0 {
                #expect(Int(graph.levels[Int(graph.entryPoint)]) == graph.maxLevel, sourceLocation: sourceLocation)
                #expect((0..<n).allSatisfy { Int(graph.levels[$0]) <= graph.maxLevel }, sourceLocation: sourceLocation)
            }
        }
    }

    /// Every slot's label, level, flag and lists (the words past a list's count are scratch, so
    /// `serialized()` bytes are not compared).
    static func canonicalDump(_ index: HNSWIndex) -> [UInt64] {
        index.graph.withReadLock { graph in
            var out: [UInt64] = [UInt64(graph.nodeCount), UInt64(graph.entryPoint), UInt64(graph.maxLevel)]
            for slot in 0..<graph.nodeCount {
                out += [graph.labels[slot], UInt64(graph.levels[slot]), graph.deleted[slot] ? 1 : 0]
                for level in 0...Int(graph.levels[slot]) {
                    let list = graph.links(UInt32(slot), level: level)
                    out += (0...Int(list[0])).map { UInt64(list[$0]) }
                }
            }
            return out
        }
    }


    @Test("remove + add churn at constant size reuses slots: no growth in slots or memory")
    func slotsAreReused() throws {
        var data = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: 50)
        let index = try HNSWIndex(dimension: 16, configuration: Self.configuration())
        var live: [UInt64: [Float]] = [:]
        let initial = data.take(2000)
        try index.add(ids: (0..<UInt64(2000)).map { $0 }, vectors: initial)
        for (i, vector) in initial.enumerated() { live[UInt64(i)] = vector }
        var nextID: UInt64 = 2000
        let slotsBefore = Self.slots(index)
        let bytesBefore = index.allocatedBytes
        try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 8, seed: 51)
        #expect(Self.slots(index) == slotsBefore)
        #expect(index.count == 2000)
        #expect(index.allocatedBytes <= bytesBefore + 64 * 1024, "\(bytesBefore) → \(index.allocatedBytes)")
        index.graph.withReadLock { graph in
            #expect(graph.freeSlots.isEmpty)
            #expect(graph.tombstoneCount == 0)
        }
        Self.checkInvariants(index)

        // The same churn with reuse off grows the graph by every removal (compaction held off).
        var data2 = ClusteredData(dimension: 16, clusters: 12, noise: 1, seed: 50)
        let off = try HNSWIndex(dimension: 16, configuration: Self.configuration(reuse: false))
        var live2: [UInt64: [Float]] = [:]
        let initial2 = data2.take(2000)
        try off.add(ids: (0..<UInt64(2000)).map { $0 }, vectors: initial2)
        for (i, vector) in initial2.enumerated() { live2[UInt64(i)] = vector }
        var nextID2: UInt64 = 2000
        try churn(off, live: &live2, data: &data2, nextID: &nextID2, rounds: 2, seed: 51)
        #expect(Self.slots(off) > 2500)
        Self.checkInvariants(off)
    }

    @Test("recall@10 after churn with reuse ≥ 0.95 against exact search, every live entry findable")
    func recallAfterChurn() throws {
        var data = ClusteredData(dimension: 32, clusters: 40, noise: 1.1, seed: 52)
        let index = try HNSWIndex(
            dimension: 32, configuration: .init(m: 12, efConstruction: 64, efSearch: 64, compactionThreshold: 0.9, buildThreads: 2)
        )
        var live: [UInt64: [Float]] = [:]
        let initial = data.take(4000)
        try index.add(ids: (0..<UInt64(4000)).map { $0 }, vectors: initial)
        for (i, vector) in initial.enumerated() { live[UInt64(i)] = vector }
        var nextID: UInt64 = 4000
        // Alternate single and batch inserts so both reuse paths run.
        try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 3, seed: 53)
        try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 2, seed: 54, batch: true)
        #expect(Self.slots(index) == 4000)
        Self.checkInvariants(index)

        let exact = try FlatIndex(dimension: 32)
        for (id, vector) in live { try exact.add(id: id, vector: vector) }
        let queries = data.take(200)
        let truth = try exact.search(batch: queries, k: 10)
        var total = 0.0
        for (query, expected) in zip(queries, truth) { total += recall(try index.search(query, k: 10), expected) }
        let recallAt10 = total / Double(queries.count)
        #expect(recallAt10 >= 0.95, "recall@10 = \(recallAt10)")

        var missing = 0
        for (id, vector) in live where try !index.search(vector, k: 10).contains(where: { $0.id == id }) { missing += 1 }
        #expect(missing == 0, "\(missing) of \(live.count) live entries not found by their own vector")
    }

    @Test("reusing the entry point's slot keeps the graph navigable", arguments: [60, 61, 62] as [UInt64])
    func reuseEntryPoint(seed: UInt64) throws {
        var data = ClusteredData(dimension: 16, clusters: 8, noise: 1, seed: seed)
        let index = try HNSWIndex(dimension: 16, configuration: Self.configuration())
        var live: [UInt64: [Float]] = [:]
        for (i, vector) in data.take(800).enumerated() {
            try index.add(id: UInt64(i), vector: vector)
            live[UInt64(i)] = vector
        }
        for round in 0..<5 {
            let (entry, entryID, top) = index.graph.withReadLock { ($0.entryPoint, $0.labels[Int($0.entryPoint)], $0.maxLevel) }
            #expect(index.remove(id: entryID))
            live[entryID] = nil
            // A vector far from the old one (another cluster's point, negated) moves the slot across space.
            let vector = data.next().map { -$0 }
            let id = UInt64(10_000 + round)
            try index.add(id: id, vector: vector)
            live[id] = vector
            index.graph.withReadLock { graph in
                #expect(graph.entryPoint == entry)
                #expect(graph.maxLevel == top)
                #expect(graph.slotOfID[id] == entry)
                #expect(!graph.deleted[Int(entry)])
            }
            Self.checkInvariants(index)
        }
        #expect(Self.slots(index) == 800)
        for (id, vector) in live { #expect(try index.search(vector, k: 3).contains { $0.id == id }) }

        // Smallest case: two nodes, the entry point removed and its slot reused.
        let tiny = try HNSWIndex(dimension: 4, configuration: Self.configuration())
        try tiny.add(id: 1, vector: [1, 0, 0, 0])
        try tiny.add(id: 2, vector: [0, 1, 0, 0])
        let first = tiny.graph.withReadLock { $0.labels[Int($0.entryPoint)] }
        tiny.remove(id: first)
        try tiny.add(id: 3, vector: [0, 0, 1, 0])
        #expect(Self.slots(tiny) == 2)
        #expect(try tiny.search([0, 0, 1, 0], k: 1).first?.id == 3)
        #expect(try tiny.search([0, 1, 0, 0], k: 2).map(\.id).sorted() == Set<UInt64>([1, 2, 3]).subtracting([first]).sorted())
        Self.checkInvariants(tiny)
    }

    @Test("upsert of an existing id keeps its slot and moves its vector")
    func upsertKeepsSlot() throws {
        var data = ClusteredData(dimension: 16, clusters: 8, noise: 1, seed: 63)
        let index = try HNSWIndex(dimension: 16, configuration: Self.configuration())
        let vectors = data.take(600)
        try index.add(ids: (0..<UInt64(600)).map { $0 }, vectors: vectors)
        var current = vectors
        for id in stride(from: 0, to: 600, by: 7) {
            let slot = index.graph.withReadLock { $0.slotOfID[UInt64(id)] }
            let moved = data.next().map { -$0 }
            try index.upsert(id: UInt64(id), vector: moved)
            current[id] = moved
            #expect(index.graph.withReadLock { $0.slotOfID[UInt64(id)] } == slot)
        }
        #expect(Self.slots(index) == 600)
        #expect(index.count == 600)
        Self.checkInvariants(index)
        for (id, vector) in current.enumerated() {
            let hit = try index.search(vector, k: 3)
            #expect(hit.contains { $0.id == UInt64(id) })
        }
    }

    @Test("a graph with reused slots survives a file round trip and keeps reusing")
    func persistenceAfterReuse() throws {
        var data = ClusteredData(dimension: 24, clusters: 10, noise: 1, seed: 64)
        let index = try HNSWIndex(dimension: 24, configuration: Self.configuration())
        var live: [UInt64: [Float]] = [:]
        let initial = data.take(1200)
        try index.add(ids: (0..<UInt64(1200)).map { $0 }, vectors: initial)
        for (i, vector) in initial.enumerated() { live[UInt64(i)] = vector }
        var nextID: UInt64 = 1200
        try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 3, seed: 65)
        // Leave some tombstones in the file too.
        let pending = live.keys.sorted().prefix(40)
        for id in pending { index.remove(id: id); live[id] = nil }

        let loaded = try HNSWIndex.deserialize(index.serialized())
        #expect(loaded.count == index.count)
        #expect(Self.slots(loaded) == Self.slots(index))
        #expect(loaded.configuration == index.configuration)
        Self.checkInvariants(loaded)
        for query in data.take(30) { #expect(try loaded.search(query, k: 10) == index.search(query, k: 10)) }
        #expect(Self.canonicalDump(loaded) == Self.canonicalDump(index))

        // The loaded copy reuses the file's tombstones.
        let fresh = data.take(40)
        for (i, vector) in fresh.enumerated() {
            try loaded.add(id: 50_000 + UInt64(i), vector: vector)
            live[50_000 + UInt64(i)] = vector
        }
        #expect(Self.slots(loaded) == Self.slots(index))
        Self.checkInvariants(loaded)
        for (id, vector) in live { #expect(try loaded.search(vector, k: 5).contains { $0.id == id }) }
    }

    @Test("with reuse, a seed and an operation order give the same graph")
    func deterministic() throws {
        func build() throws -> [UInt64] {
            var data = ClusteredData(dimension: 16, clusters: 8, noise: 1, seed: 66)
            let index = try HNSWIndex(dimension: 16, configuration: Self.configuration())
            var live: [UInt64: [Float]] = [:]
            for (i, vector) in data.take(500).enumerated() {
                try index.add(id: UInt64(i), vector: vector)
                live[UInt64(i)] = vector
            }
            var nextID: UInt64 = 500
            try churn(index, live: &live, data: &data, nextID: &nextID, rounds: 3, seed: 67)
            return Self.canonicalDump(index)
        }
        #expect(try build() == build())
    }
}
