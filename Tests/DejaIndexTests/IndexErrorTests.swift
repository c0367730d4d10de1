import DejaIndex
import Testing

@Suite("Typed errors")
struct IndexErrorTests {
    static func indexes() throws -> [any VectorIndex] {
        [
            try FlatIndex(dimension: 4),
            try HNSWIndex(dimension: 4, configuration: .init(m: 4, efConstruction: 16)),
            try AdaptiveIndex(dimension: 4),
        ]
    }

    @Test("invalid vectors and duplicate ids throw and leave the index unchanged")
    func rejectsInvalidInput() throws {
        for index in try Self.indexes() {
            try index.add(id: 1, vector: [1, 0, 0, 0])
            #expect(throws: IndexError.dimensionMismatch) { try index.add(id: 2, vector: [1, 0, 0]) }
            #expect(throws: IndexError.dimensionMismatch) { try index.upsert(id: 2, vector: [1, 0, 0, 0, 0]) }
            #expect(throws: IndexError.nonFiniteComponent) { try index.add(id: 2, vector: [1, .nan, 0, 0]) }
            #expect(throws: IndexError.nonFiniteComponent) { try index.add(id: 2, vector: [.infinity, 0, 0, 0]) }
            #expect(throws: IndexError.zeroVector) { try index.add(id: 2, vector: [0, 0, 0, 0]) }
            #expect(throws: IndexError.duplicateID) { try index.add(id: 1, vector: [0, 1, 0, 0]) }
            #expect(throws: IndexError.dimensionMismatch) { try index.search([1, 0], k: 1) }
            #expect(throws: IndexError.nonFiniteComponent) { try index.search([1, 0, .nan, 0], k: 1) }
            #expect(throws: IndexError.zeroVector) { try index.search([0, 0, 0, 0], k: 1) }
            #expect(throws: IndexError.invalidConfiguration) { try index.search([1, 0, 0, 0], k: -1) }
            #expect(throws: IndexError.zeroVector) { try index.search(batch: [[1, 0, 0, 0], [0, 0, 0, 0]], k: 1) }
            #expect(index.count == 1)
            #expect(try index.search([1, 0, 0, 0], k: 5).map(\.id) == [1])
            // Huge but finite components are scaled, not overflowed.
            try index.add(id: 3, vector: [3e38, 3e38, 0, 0])
            #expect(try index.search([1, 1, 0, 0], k: 1).first?.id == 3)
        }
    }

    @Test("batch add is all-or-nothing")
    func batchAddAtomic() throws {
        let index = try HNSWIndex(dimension: 2, configuration: .init(m: 4, efConstruction: 16))
        #expect(throws: IndexError.duplicateID) { try index.add(ids: [1, 2, 1], vectors: [[1, 0], [0, 1], [1, 1]]) }
        #expect(throws: IndexError.zeroVector) { try index.add(ids: [1, 2], vectors: [[1, 0], [0, 0]]) }
        #expect(index.count == 0)
    }

    @Test("bad dimensions and configurations are rejected")
    func rejectsBadConfiguration() {
        #expect(throws: IndexError.invalidDimension) { try FlatIndex(dimension: 0) }
        #expect(throws: IndexError.invalidDimension) { try HNSWIndex(dimension: -3) }
        #expect(throws: IndexError.invalidConfiguration) { try HNSWIndex(dimension: 8, configuration: .init(m: 1)) }
        #expect(throws: IndexError.invalidConfiguration) { try HNSWIndex(dimension: 8, configuration: .init(efSearch: 0)) }
        #expect(throws: IndexError.invalidConfiguration) { try AdaptiveIndex(dimension: 8, configuration: .init(promotionThreshold: 0)) }
    }

    @Test("errors compare by kind and describe themselves")
    func equality() {
        #expect(IndexError.zeroVector == .zeroVector)
        #expect(IndexError.zeroVector != .duplicateID)
        #expect(IndexError.truncatedFile.description.contains("truncated"))
    }
}
