import Foundation
import Testing

@testable import DejaProviders
import DejaWire

@Suite struct GeminiEmbeddingsTests {
    @Test func requestMatchesTheRecordedShape() throws {
        let body = try WireTest.object(Array(#"{"model":"gemini-embedding-2","input":["First text","Second text"],"dimensions":768}"#.utf8))
        let request = try GeminiProvider.batchEmbedRequest(body, model: "gemini-embedding-2", provider: "gemini")
        let recorded = try WireTest.object(try Fixtures.bytes("wire/gemini/batch-embed-contents.request.json"))
        #expect(request == recorded)
        let single = try GeminiProvider.batchEmbedRequest(
            try WireTest.object(Array(#"{"input":"one"}"#.utf8)), model: "models/e", provider: "gemini")
        #expect(single["requests"]?.arrayValue?.count == 1)
        #expect(single["requests"]?.arrayValue?.first?.objectValue?["model"] == .string("models/e"))
        #expect(single["requests"]?.arrayValue?.first?.objectValue?["outputDimensionality"] == nil)
        #expect(throws: ProviderError.self) {
            try GeminiProvider.batchEmbedRequest(try WireTest.object(Array(#"{"input":[[1,2,3]]}"#.utf8)), model: "e", provider: "gemini")
        }
    }

    @Test func floatResponse() throws {
        let bytes = try Fixtures.bytes("wire/gemini/batch-embed-contents.json")
        let recorded = try WireTest.object(bytes)["embeddings"]?.arrayValue ?? []
        let list = try GeminiProvider.embeddingsList(fromResponse: bytes, model: "gemini-embedding-2", base64: false, provider: "gemini")
        #expect(list["object"] == .string("list"))
        #expect(list["model"] == .string("gemini-embedding-2"))
        let data = list["data"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(data.count == 2)
        #expect(data.map { $0["index"] } == [.int(0), .int(1)])
        #expect(data[0]["embedding"]?.arrayValue?.count == 768)
        #expect(data[0]["embedding"] == recorded[0].objectValue?["values"])
        #expect(data[0]["embedding"]?.arrayValue?.first == .number("-0.011345503"))
        #expect(list["usage"] == .object(JSONObject(["prompt_tokens": .int(4), "total_tokens": .int(4)])))
    }

    @Test func base64Response() throws {
        let bytes = try Fixtures.bytes("wire/gemini/batch-embed-contents.json")
        let list = try GeminiProvider.embeddingsList(fromResponse: bytes, model: "e", base64: true, provider: "gemini")
        let encoded = try #require(list["data"]?.arrayValue?.last?.objectValue?["embedding"]?.stringValue)
        let raw = try #require(Data(base64Encoded: encoded))
        #expect(raw.count == 768 * 4)
        let values = raw.withUnsafeBytes { buffer in
            (0..<768).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        let recorded = try WireTest.object(bytes)["embeddings"]?.arrayValue?.last?.objectValue?["values"]?.arrayValue ?? []
        #expect(values.last == Float(-0.0006047033))
        #expect(values.first == Float(recorded.first?.doubleValue ?? .nan))
        #expect(Base64.encode([0xFF, 0x00]) == "/wA=")
        #expect(Base64.encode(Array("Man".utf8)) == "TWFu")
        #expect(Base64.encode(Array("Ma".utf8)) == "TWE=")
    }
}
