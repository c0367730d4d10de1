import Foundation
import Testing

import DejaEmbedding
@testable import DejaRemoteEmbedding

@Suite("RemoteEmbedder request and response coding")
struct RemoteEmbedderCodingTests {
    @Test("the request is an OpenAI embeddings body")
    func request() throws {
        let data = try RemoteEmbedder.encodeRequest(model: "text-embedding-3-small", inputs: ["a", "b c"])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["model"] as? String == "text-embedding-3-small")
        #expect(object["input"] as? [String] == ["a", "b c"])
        #expect(object["encoding_format"] as? String == "float")
    }

    @Test("vectors come back in input order whatever order the service lists them")
    func reorders() throws {
        let body = Data(
            """
            {"object":"list","model":"m","usage":{"prompt_tokens":2,"total_tokens":2},
             "data":[{"object":"embedding","index":1,"embedding":[3,4]},{"object":"embedding","index":0,"embedding":[1,2]}]}
            """.utf8
        )
        #expect(try RemoteEmbedder.decodeResponse(body, count: 2, dimension: 2) == [[1, 2], [3, 4]])
    }

    @Test("wrong lengths, missing or repeated indices and bad JSON are invalidRemoteResponse")
    func rejects() {
        let cases = [
            #"{"data":[{"index":0,"embedding":[1,2,3]}]}"#,
            #"{"data":[]}"#,
            #"{"data":[{"index":0,"embedding":[1,2]},{"index":0,"embedding":[1,2]}]}"#,
            #"{"data":[{"index":5,"embedding":[1,2]}]}"#,
            #"{"error":{"message":"nope"}}"#,
            "not json",
        ]
        for body in cases {
            #expect(throws: EmbeddingError.invalidRemoteResponse, "\(body)") {
                try RemoteEmbedder.decodeResponse(Data(body.utf8), count: 1, dimension: 2)
            }
        }
    }
}
