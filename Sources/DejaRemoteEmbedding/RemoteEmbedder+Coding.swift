import DejaEmbedding
import Foundation

extension RemoteEmbedder {
    /// The body of `POST /embeddings`.
    struct Request: Encodable {
        var model: String
        var input: [String]
        var encoding_format = "float"
    }

    /// The parts of an embeddings response that matter here.
    struct Response: Decodable {
        struct Item: Decodable {
            var index: Int
            var embedding: [Float]
        }
        var data: [Item]
    }

    static func encodeRequest(model: String, inputs: [String]) throws -> Data {
        try JSONEncoder().encode(Request(model: model, input: inputs))
    }

    /// Decodes a response to `count` inputs, ordering vectors by `index` and checking that every
    /// index in `0..<count` appears once with a vector of `dimension` floats.
    static func decodeResponse(_ body: Data, count: Int, dimension: Int) throws -> [[Float]] {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: body)
        } catch {
            throw EmbeddingError.invalidRemoteResponse.with(detail: "cannot decode: \(error)")
        }
        var vectors = [[Float]?](repeating: nil, count: count)
        for item in response.data {
            guard vectors.indices.contains(item.index), vectors[item.index] == nil else {
                throw EmbeddingError.invalidRemoteResponse.with(detail: "unexpected or repeated index \(item.index)")
            }
            guard item.embedding.count == dimension else {
                throw EmbeddingError.invalidRemoteResponse.with(
                    detail: "vector \(item.index) has \(item.embedding.count) components, expected \(dimension)"
                )
            }
            vectors[item.index] = item.embedding
        }
        if let missing = vectors.firstIndex(where: { $0 == nil }) {
            throw EmbeddingError.invalidRemoteResponse.with(detail: "no vector for input \(missing)")
        }
        return vectors.map { $0! }
    }
}
