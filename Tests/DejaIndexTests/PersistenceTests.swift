import DejaIndex
import Foundation
import Testing

@Suite("Persistence")
struct PersistenceTests {
    static func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("deja-index-\(UUID().uuidString).bin")
    }

    static func populatedHNSW() throws -> (HNSWIndex, [[Float]]) {
        var data = ClusteredData(dimension: 24, clusters: 10, noise: 1, seed: 30)
        let vectors = data.take(1200)
        let index = try HNSWIndex(dimension: 24, configuration: .init(m: 8, efConstruction: 48, efSearch: 40, buildThreads: 2))
        try index.add(ids: (0..<UInt64(1200)).map { $0 * 5 }, vectors: vectors)
        for id in stride(from: 0, to: 1200, by: 9) { index.remove(id: UInt64(id * 5)) }
        return (index, data.take(40))
    }

    @Test("HNSWIndex: results are identical after a file round trip, and the copy stays mutable")
    func hnswRoundTrip() throws {
        let (index, queries) = try Self.populatedHNSW()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try index.write(to: url)
        let loaded = try HNSWIndex.read(from: url)
        #expect(loaded.count == index.count)
        #expect(loaded.configuration == index.configuration)
        for query in queries {
            #expect(try loaded.search(query, k: 10) == index.search(query, k: 10))
            #expect(try loaded.search(query, k: 5, minSimilarity: 0.5) == index.search(query, k: 5, minSimilarity: 0.5))
        }
        var random = TestRandom(seed: 31)
        let v = random.vector(dimension: 24)
        try loaded.add(id: 999_999, vector: v)
        #expect(try loaded.search(v, k: 1).first?.id == 999_999)
    }

    @Test("FlatIndex: results are identical after a round trip")
    func flatRoundTrip() throws {
        var data = ClusteredData(dimension: 24, clusters: 10, noise: 1, seed: 32)
        let index = try FlatIndex(dimension: 24)
        for (i, vector) in data.take(500).enumerated() { try index.add(id: UInt64(i) << 40, vector: vector) }
        index.remove(id: 3 << 40)
        let loaded = try FlatIndex.deserialize(index.serialized())
        #expect(loaded.count == 499)
        for query in data.take(20) { #expect(try loaded.search(query, k: 10) == index.search(query, k: 10)) }

        let empty = try FlatIndex.deserialize(try FlatIndex(dimension: 3).serialized())
        #expect(empty.count == 0 && empty.dimension == 3)
        let emptyGraph = try HNSWIndex.deserialize(try HNSWIndex(dimension: 3).serialized())
        #expect(emptyGraph.count == 0)
    }

    @Test("AdaptiveIndex reads either kind of file")
    func adaptiveRoundTrip() throws {
        let (graph, queries) = try Self.populatedHNSW()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try graph.write(to: url)
        let adaptive = try AdaptiveIndex.read(from: url)
        #expect(adaptive.stage == .hnsw)
        #expect(try adaptive.search(queries[0], k: 10).map(\.id) == graph.search(queries[0], k: 10).map(\.id))

        let flat = try FlatIndex(dimension: 24)
        try flat.add(id: 1, vector: queries[1])
        try flat.write(to: url)
        let small = try AdaptiveIndex.read(from: url)
        #expect(small.stage == .flat)
        #expect(try small.search(queries[1], k: 1).first?.id == 1)
    }

    @Test("truncated files are rejected at every length")
    func truncated() throws {
        let (index, _) = try Self.populatedHNSW()
        let bytes = index.serialized()
        for length in [0, 1, 7, 8, 20, 31, 32, 100, bytes.count / 2, bytes.count - 1] {
            #expect(throws: IndexError.truncatedFile) { try HNSWIndex.deserialize(Array(bytes.prefix(length))) }
        }
        let flat = try FlatIndex(dimension: 4)
        try flat.add(id: 1, vector: [1, 2, 3, 4])
        let flatBytes = flat.serialized()
        #expect(throws: IndexError.truncatedFile) { try FlatIndex.deserialize(Array(flatBytes.dropLast())) }
    }

    @Test("a flipped bit anywhere is detected")
    func bitFlips() throws {
        let (index, _) = try Self.populatedHNSW()
        let bytes = index.serialized()
        var random = TestRandom(seed: 33)
        var positions = Array(8..<40)
        for _ in 0..<60 { positions.append(Int(random.next() % UInt64(bytes.count - 8)) + 8) }
        for position in positions {
            var corrupted = bytes
            corrupted[position] ^= 1 << UInt8(random.next() % 8)
            #expect(throws: IndexError.self) { try HNSWIndex.deserialize(corrupted) }
        }
        var corrupted = bytes
        corrupted[bytes.count - 5] ^= 0x40
        #expect(throws: IndexError.corruptedFile) { try HNSWIndex.deserialize(corrupted) }
        #expect(throws: IndexError.corruptedFile) { try HNSWIndex.deserialize(bytes + [0]) }
    }

    @Test("foreign files and the wrong kind are rejected")
    func foreign() throws {
        #expect(throws: IndexError.unrecognizedFormat) { try HNSWIndex.deserialize(Array("{\"not\": \"an index\"} padding padding".utf8)) }
        #expect(throws: IndexError.unrecognizedFormat) { try FlatIndex.deserialize([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 64)) }
        let flatBytes = try FlatIndex(dimension: 4).serialized()
        #expect(throws: IndexError.wrongIndexKind) { try HNSWIndex.deserialize(flatBytes) }
        var future = flatBytes
        future[8] = 9
        #expect(throws: IndexError.unsupportedVersion) { try FlatIndex.deserialize(future) }
        let missing = Self.temporaryURL()
        #expect(throws: IndexError.ioFailure) { try FlatIndex.read(from: missing) }
    }
}
