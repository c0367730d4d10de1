import Testing
import DejaIndex

/// The tests' seeded data: the generator and clustered sets `deja bench index` uses, so every
/// test sees the same data on every run.
typealias TestRandom = SplitMix64
typealias ClusteredData = ClusteredVectors

extension SplitMix64 {
    mutating func vector(dimension: Int) -> [Float] {
        (0..<dimension).map { _ in self.gaussian() }
    }
}

func normalized(_ vector: [Float]) -> [Float] {
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return vector.map { $0 / norm }
}

/// The reference every index is checked against: a scalar loop and a full sort.
func naiveSearch(_ query: [Float], in entries: [(id: UInt64, vector: [Float])], k: Int, minSimilarity: Float = -.infinity) -> [SearchResult] {
    let q = normalized(query)
    let scored = entries.map { entry -> SearchResult in
        let v = normalized(entry.vector)
        var dot: Float = 0
        for i in 0..<q.count { dot += q[i] * v[i] }
        return SearchResult(id: entry.id, similarity: dot)
    }
    return Array(scored.filter { $0.similarity >= minSimilarity }.sorted { $0.similarity > $1.similarity }.prefix(k))
}

/// The fraction of `expected` ids that `actual` contains.
func recall(_ actual: [SearchResult], _ expected: [SearchResult]) -> Double {
    guard !expected.isEmpty else { return 1 }
    let found = Set(actual.map(\.id))
    return Double(expected.filter { found.contains($0.id) }.count) / Double(expected.count)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rounds` rounds of removing a seeded fifth of the live entries and adding as many new ones.
func churn(
    _ index: HNSWIndex, live: inout [UInt64: [Float]], data: inout ClusteredData, nextID: inout UInt64, rounds: Int, seed: UInt64,
    batch: Bool = false
) throws {
    var random = TestRandom(seed: seed)
    for _ in 0..<rounds {
        let victims = live.keys.sorted().filter { _ in random.next() % 5 == 0 }
        for id in victims {
            #expect(index.remove(id: id))
            live[id] = nil
        }
        let vectors = data.take(victims.count)
        let ids = (0..<UInt64(victims.count)).map { nextID + $0 }
        nextID += UInt64(victims.count)
        if batch {
            try index.add(ids: ids, vectors: vectors)
        } else {
            for (id, vector) in zip(ids, vectors) { try index.add(id: id, vector: vector) }
        }
        for (id, vector) in zip(ids, vectors) { live[id] = vector }
    }
}
