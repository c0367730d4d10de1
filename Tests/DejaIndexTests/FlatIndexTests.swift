import DejaIndex
import Testing

@Suite("FlatIndex")
struct FlatIndexTests {
    @Test("agrees with a naive scalar search on ids and similarities")
    func agreesWithNaiveSearch() throws {
        var data = ClusteredData(dimension: 48, clusters: 20, noise: 1.5, seed: 1)
        let entries = data.take(3000).enumerated().map { (id: UInt64($0.offset * 7 + 3), vector: $0.element) }
        let index = try FlatIndex(dimension: 48)
        for entry in entries { try index.add(id: entry.id, vector: entry.vector) }
        #expect(index.count == 3000)

        let queries = data.take(50)
        let batch = try index.search(batch: queries, k: 10)
        for (i, query) in queries.enumerated() {
            let expected = naiveSearch(query, in: entries, k: 10)
            let single = try index.search(query, k: 10)
            #expect(single.map(\.id) == expected.map(\.id))
            #expect(batch[i].map(\.id) == expected.map(\.id))
            for (a, b) in zip(single, expected) {
                // BLAS and the scalar loop sum in different orders; 1e-5 is ~100 ulps at 1.0.
                #expect(abs(a.similarity - b.similarity) < 1e-5)
            }
            #expect(single == batch[i] || zip(single, batch[i]).allSatisfy { abs($0.similarity - $1.similarity) < 1e-5 })
        }
    }

    @Test("search spans several row blocks and k larger than the index")
    func multipleBlocksAndLargeK() throws {
        var random = TestRandom(seed: 2)
        let index = try FlatIndex(dimension: 4)
        var entries: [(id: UInt64, vector: [Float])] = []
        for id in 0..<UInt64(20_000) {
            let vector = random.vector(dimension: 4)
            entries.append((id, vector))
            try index.add(id: id, vector: vector)
        }
        let query = random.vector(dimension: 4)
        #expect(try index.search(query, k: 25).map(\.id) == naiveSearch(query, in: entries, k: 25).map(\.id))

        let small = try FlatIndex(dimension: 4)
        try small.add(id: 1, vector: [1, 0, 0, 0])
        try small.add(id: 2, vector: [0, 1, 0, 0])
        #expect(try small.search([1, 0.1, 0, 0], k: 10).map(\.id) == [1, 2])
        #expect(try small.search([1, 0, 0, 0], k: 0).isEmpty)
    }

    @Test("remove swaps the last row in and keeps every other entry findable")
    func removal() throws {
        try checkRemovalSemantics(try FlatIndex(dimension: 16))
    }

    @Test("upsert replaces the vector under an id")
    func upsert() throws {
        try checkUpsertSemantics(try FlatIndex(dimension: 16))
    }

    @Test("minSimilarity drops weaker matches")
    func threshold() throws {
        try checkThresholdSemantics(try FlatIndex(dimension: 16))
    }

    @Test("removeAll empties the index and keeps it usable")
    func removeAll() throws {
        try checkRemoveAllSemantics(try FlatIndex(dimension: 16))
    }
}

// MARK: Semantics shared by every index

func checkRemovalSemantics(_ index: some VectorIndex) throws {
    var data = ClusteredData(dimension: index.dimension, clusters: 8, noise: 1, seed: 3)
    let vectors = data.take(300)
    for (i, vector) in vectors.enumerated() { try index.add(id: UInt64(i), vector: vector) }
    for id in stride(from: 0, to: 300, by: 3) { #expect(index.remove(id: UInt64(id))) }
    #expect(!index.remove(id: 0))
    #expect(!index.remove(id: 9999))
    #expect(index.count == 200)
    for (i, vector) in vectors.enumerated() {
        let top = try index.search(vector, k: 1)
        if i % 3 == 0 {
            #expect(!index.contains(id: UInt64(i)))
            #expect(top.first?.id != UInt64(i))
        } else {
            #expect(index.contains(id: UInt64(i)))
            #expect(top.first?.id == UInt64(i))
        }
    }
    // A removed id can be added again.
    try index.add(id: 0, vector: vectors[0])
    #expect(try index.search(vectors[0], k: 1).first?.id == 0)
    #expect(index.count == 201)
}

func checkUpsertSemantics(_ index: some VectorIndex) throws {
    var random = TestRandom(seed: 4)
    let a = random.vector(dimension: index.dimension)
    let b = random.vector(dimension: index.dimension)
    for id in 10..<UInt64(60) { try index.add(id: id, vector: random.vector(dimension: index.dimension)) }
    try index.upsert(id: 1, vector: a)
    #expect(index.count == 51)
    #expect(try index.search(a, k: 1).first?.id == 1)
    try index.upsert(id: 1, vector: b)
    #expect(index.count == 51)
    let hit = try #require(try index.search(b, k: 1).first)
    #expect(hit.id == 1)
    #expect(abs(hit.similarity - 1) < 1e-5)
    #expect(try index.search(a, k: 51).first(where: { $0.id == 1 }).map { abs($0.similarity - 1) > 1e-3 } ?? true)
    #expect(throws: IndexError.duplicateID) { try index.add(id: 1, vector: a) }
}

func checkThresholdSemantics(_ index: some VectorIndex) throws {
    let d = index.dimension
    func axis(_ i: Int, _ tilt: Float = 0) -> [Float] {
        var v = [Float](repeating: 0, count: d)
        v[i] = 1
        v[(i + 1) % d] = tilt
        return v
    }
    try index.add(id: 1, vector: axis(0))
    try index.add(id: 2, vector: axis(0, 0.5))  // cos ≈ 0.894 to axis 0
    try index.add(id: 3, vector: axis(0, 2))  // cos ≈ 0.447
    for i in 2..<d { try index.add(id: UInt64(100 + i), vector: axis(i)) }
    let all = try index.search(axis(0), k: 10, minSimilarity: 0.4)
    #expect(all.map(\.id) == [1, 2, 3])
    let close = try index.search(axis(0), k: 10, minSimilarity: 0.85)
    #expect(close.map(\.id) == [1, 2])
    #expect(close.allSatisfy { $0.similarity >= 0.85 })
    #expect(try index.search(axis(0), k: 10, minSimilarity: 0.999).map(\.id) == [1])
    #expect(try index.search(axis(0, -3), k: 10, minSimilarity: 0.99).isEmpty)
    #expect(try index.search(axis(0), k: 1, minSimilarity: 0.4).map(\.id) == [1])
}

func checkRemoveAllSemantics(_ index: some VectorIndex) throws {
    var random = TestRandom(seed: 5)
    for id in 0..<UInt64(100) { try index.add(id: id, vector: random.vector(dimension: index.dimension)) }
    index.removeAll()
    #expect(index.count == 0)
    #expect(try index.search(random.vector(dimension: index.dimension), k: 5).isEmpty)
    let v = random.vector(dimension: index.dimension)
    try index.add(id: 7, vector: v)
    #expect(try index.search(v, k: 5).map(\.id) == [7])
}
