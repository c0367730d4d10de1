import DejaEmbedding
import Foundation
import Testing

@Suite("safetensors loading and damaged model files")
struct SafeTensorsFileTests {
    /// Writes a safetensors file from a header object and a data section.
    static func write(header: [String: Any], data: [UInt8], lengthOverride: UInt64? = nil) throws -> URL {
        let json = try JSONSerialization.data(withJSONObject: header)
        var bytes = [UInt8]()
        withUnsafeBytes(of: (lengthOverride ?? UInt64(json.count)).littleEndian) { bytes += $0 }
        bytes += json
        bytes += data
        return try writeBytes(bytes)
    }

    static func writeBytes(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deja-st-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    static func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    @Test("reads float32 tensors by name with shape checks")
    func readsTensors() throws {
        let url = try Self.write(
            header: [
                "__metadata__": ["format": "pt"],
                "a": ["dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]],
                "ids": ["dtype": "I64", "shape": [1], "data_offsets": [16, 24]],
            ],
            data: Self.floatBytes([1, 2, 3, 4]) + [UInt8](repeating: 0, count: 8)
        )
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors["a"]?.shape == [2, 2])
        #expect(try file.floats("a", shape: [2, 2]) == [1, 2, 3, 4])
        #expect(throws: EmbeddingError.shapeMismatch) { try file.floats("a", shape: [4]) }
        #expect(throws: EmbeddingError.unsupportedDType) { try file.floats("ids", shape: [1]) }
        #expect(throws: EmbeddingError.missingTensor) { try file.floats("b", shape: [1]) }
    }

    @Test("rejects a byte length that disagrees with the shape")
    func shapeTimesSizeMismatch() throws {
        let url = try Self.write(header: ["a": ["dtype": "F32", "shape": [3], "data_offsets": [0, 8]]], data: Self.floatBytes([1, 2]))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: EmbeddingError.shapeMismatch) { try SafeTensorsFile(contentsOf: url) }
    }

    @Test("rejects offsets beyond the end of the file as truncation")
    func offsetsBeyondFile() throws {
        let url = try Self.write(header: ["a": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]]], data: Self.floatBytes([1, 2]))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: EmbeddingError.truncatedFile) { try SafeTensorsFile(contentsOf: url) }
    }

    @Test("rejects reversed offsets")
    func reversedOffsets() throws {
        let url = try Self.write(header: ["a": ["dtype": "F32", "shape": [0], "data_offsets": [8, 0]]], data: Self.floatBytes([1, 2]))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: EmbeddingError.tensorOutOfBounds) { try SafeTensorsFile(contentsOf: url) }
    }

    @Test("rejects a header that is not JSON, or has malformed entries")
    func badHeader() throws {
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(5).littleEndian) { bytes += $0 }
        bytes += Array("nope!".utf8)
        let garbage = try Self.writeBytes(bytes)
        defer { try? FileManager.default.removeItem(at: garbage) }
        #expect(throws: EmbeddingError.invalidHeader) { try SafeTensorsFile(contentsOf: garbage) }

        let malformed = try Self.write(header: ["a": ["dtype": "F32", "shape": "2"]], data: [])
        defer { try? FileManager.default.removeItem(at: malformed) }
        #expect(throws: EmbeddingError.invalidHeader) { try SafeTensorsFile(contentsOf: malformed) }
    }

    @Test("rejects files cut inside the length or the header")
    func truncatedHeader() throws {
        let tiny = try Self.writeBytes([1, 2, 3])
        defer { try? FileManager.default.removeItem(at: tiny) }
        #expect(throws: EmbeddingError.truncatedFile) { try SafeTensorsFile(contentsOf: tiny) }

        let cut = try Self.write(header: ["a": ["dtype": "F32", "shape": [1], "data_offsets": [0, 4]]], data: [], lengthOverride: 4096)
        defer { try? FileManager.default.removeItem(at: cut) }
        #expect(throws: EmbeddingError.truncatedFile) { try SafeTensorsFile(contentsOf: cut) }
    }

    @Test("a missing file is modelNotFound")
    func missingFile() {
        #expect(throws: EmbeddingError.modelNotFound) {
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
        }
    }

    /// A model folder holding the real vocabulary and a model file made by `makeModel`.
    static func damagedModelFolder(_ makeModel: (URL) throws -> Void) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deja-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: TestSupport.modelDirectory.appendingPathComponent("vocab.txt"),
            to: folder.appendingPathComponent("vocab.txt")
        )
        try makeModel(folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    @Test("a truncated model file fails to load with an error naming the folder and the installer")
    func truncatedModel() throws {
        _ = try TestSupport.embedder()  // the real model must be installed to copy from
        let folder = try Self.damagedModelFolder { destination in
            let source = try FileHandle(forReadingFrom: TestSupport.modelDirectory.appendingPathComponent("model.safetensors"))
            defer { try? source.close() }
            try source.read(upToCount: 1 << 20)!.write(to: destination)
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try MiniLMEmbedder(configuration: .init(modelDirectory: folder))
            Issue.record("loading a truncated model succeeded")
        } catch let error as EmbeddingError {
            #expect(error == .truncatedFile)
            #expect(error.isModelFileError)
            #expect(error.description.contains(folder.path))
            #expect(error.description.contains("scripts/install-model.sh"))
        }
    }

    @Test("a model file with a bad header fails to load")
    func badHeaderModel() throws {
        _ = try TestSupport.embedder()
        let folder = try Self.damagedModelFolder { destination in
            try Data(repeating: 0xFF, count: 4096).write(to: destination)
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EmbeddingError.invalidHeader) { try MiniLMEmbedder(configuration: .init(modelDirectory: folder)) }
    }

    @Test("a model with the wrong tensors fails to load")
    func wrongTensors() throws {
        _ = try TestSupport.embedder()
        let folder = try Self.damagedModelFolder { destination in
            let url = try Self.write(header: ["a": ["dtype": "F32", "shape": [1], "data_offsets": [0, 4]]], data: Self.floatBytes([1]))
            try FileManager.default.moveItem(at: url, to: destination)
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EmbeddingError.missingTensor) { try MiniLMEmbedder(configuration: .init(modelDirectory: folder)) }
    }

    @Test("a missing folder or file is modelNotFound, naming the path and the installer")
    func missingModel() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/deja-model")
        do {
            _ = try MiniLMEmbedder(configuration: .init(modelDirectory: missing))
            Issue.record("loading a missing model succeeded")
        } catch let error as EmbeddingError {
            #expect(error == .modelNotFound)
            #expect(error.description.contains(missing.path))
            #expect(error.description.contains("make model"))
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("deja-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: EmbeddingError.modelNotFound) { try MiniLMEmbedder(configuration: .init(modelDirectory: empty)) }
    }
}
