public import DejaWire
/// OpenAI embeddings ↔ Gemini `batchEmbedContents`.
extension GeminiProvider {
    /// Builds the `batchEmbedContents` body for an OpenAI embeddings request (`input` a string or
    /// a list of strings; `dimensions` → `outputDimensionality`).
    static func batchEmbedRequest(_ body: JSONObject, model: String, provider: String) throws(ProviderError) -> JSONObject {
        let texts: [String]
        switch body["input"] {
        case .string(let s)?: texts = [s]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }):
            texts = items.compactMap(\.stringValue)
        default:
            throw ProviderError.invalidRequest(
                provider: provider,
                message: "'input' must be a string or a non-empty array of strings for the provider '\(provider)' (token arrays are not supported)")
        }
        let resource = model.hasPrefix("models/") ? model : "models/" + model
        var requests: [JSONValue] = []
        for text in texts {
            var r = JSONObject()
            r.append("model", .string(resource))
            r.append("content", .object(JSONObject(["parts": .array([.object(JSONObject(["text": .string(text)]))])])))
            if let d = body["dimensions"], !d.isNull { r.append("outputDimensionality", d) }
            requests.append(.object(r))
        }
        return JSONObject(["requests": .array(requests)])
    }

    /// Translates a `batchEmbedContents` response into an OpenAI embeddings `list`. Float values
    /// keep their text; with `base64` they are packed as little-endian float32.
    static func embeddingsList(fromResponse bytes: [UInt8], model: String, base64: Bool, provider: String) throws(ProviderError) -> JSONObject {
        guard case .object(let response)? = try? JSONParser.parse(bytes), let embeddings = response["embeddings"]?.arrayValue else {
            throw ProviderError.malformedResponse(provider: provider, detail: "the batchEmbedContents response has no 'embeddings'")
        }
        var data: [JSONValue] = []
        for (i, value) in embeddings.enumerated() {
            guard let values = value.objectValue?["values"]?.arrayValue else {
                throw ProviderError.malformedResponse(provider: provider, detail: "embedding \(i) has no 'values'")
            }
            let embedding: JSONValue
            if base64 {
                var raw: [UInt8] = []
                raw.reserveCapacity(values.count * 4)
                for v in values {
                    let bits = Float(v.doubleValue ?? 0).bitPattern.littleEndian
                    withUnsafeBytes(of: bits) { raw.append(contentsOf: $0) }
                }
                embedding = .string(Base64.encode(raw))
            } else {
                embedding = .array(values)
            }
            data.append(.object(JSONObject(["object": .string("embedding"), "index": .int(i), "embedding": embedding])))
        }
        var out = JSONObject()
        out.append("object", .string("list"))
        out.append("data", .array(data))
        out.append("model", .string(model))
        let prompt = TokenCount.read(response["usageMetadata"]?.objectValue?["promptTokenCount"])
        out.append("usage", .object(JSONObject(["prompt_tokens": .int(prompt), "total_tokens": .int(prompt)])))
        return out
    }
}

/// Standard base64 with padding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
