import Foundation
import Hummingbird
import NIOCore

/// Gemini API: `/v1beta/models/{model}:{method}` and the same under `/v1/`.
extension SimulatorResponder {
    func geminiRoute(_ req: SimRequest, context: SimContext) async -> Outcome? {
        let prefix = req.path.hasPrefix("/v1beta/models") ? "/v1beta/models" : "/v1/models"
        let rest = req.path.dropFirst(prefix.count)
        if req.method == .get && (rest.isEmpty || rest == "/") {
            return Outcome(response: await geminiListModels(req, context: context))
        }
        guard req.method == .post, rest.hasPrefix("/"), let colon = rest.lastIndex(of: ":") else { return nil }
        let model = String(rest[rest.index(after: rest.startIndex)..<colon])
        let method = String(rest[rest.index(after: colon)...])
        switch method {
        case "generateContent":
            return await geminiGenerate(req, context: context, model: model, streamKind: nil)
        case "streamGenerateContent":
            let sse = req.queryItem("alt") == "sse"
            return await geminiGenerate(req, context: context, model: model, streamKind: sse ? .sse : .array)
        case "embedContent", "batchEmbedContents":
            return Outcome(response: await geminiEmbed(req, context: context, model: model, batch: method == "batchEmbedContents"))
        case "countTokens":
            return Outcome(response: await geminiCountTokens(req, context: context))
        default:
            return nil
        }
    }

    enum GeminiStreamKind { case sse, array }

    private func geminiBadRequest(_ req: SimRequest, _ message: String, sse: Bool = false) -> Response {
        errorResponse(.gemini, status: 400, message: message, req: req, sse: sse)
    }

    func geminiGenerate(_ req: SimRequest, context: SimContext, model: String, streamKind: GeminiStreamKind?) async
        -> Outcome
    {
        state.increment(streamKind == nil ? .geminiGenerate : .geminiStream)
        let sse = streamKind == .sse
        if let r = await preflight(.gemini, req, context: context, sse: sse) { return Outcome(response: r) }
        guard let body = req.jsonObject() else {
            return Outcome(response: geminiBadRequest(req, "Invalid JSON payload received. Unexpected end of string.", sse: sse))
        }
        guard let contents = body["contents"] as? [[String: Any]], let last = contents.last else {
            return Outcome(response: geminiBadRequest(
                req, "* GenerateContentRequest.contents: contents is not specified\n", sse: sse))
        }
        let config = body["generationConfig"] as? [String: Any] ?? [:]
        let maxTokens = config["maxOutputTokens"] as? Int
        let stop = config["stopSequences"] as? [String] ?? []
        let candidates = max(config["candidateCount"] as? Int ?? 1, 1)
        let json = (config["responseMimeType"] as? String) == "application/json"
        var tools: [ToolSpec] = []
        for t in body["tools"] as? [[String: Any]] ?? [] {
            for fn in t["functionDeclarations"] as? [[String: Any]] ?? [] {
                if let name = fn["name"] as? String {
                    let schema = (fn["parameters"] ?? fn["parametersJsonSchema"]) as? [String: Any]
                    tools.append(ToolSpec(name: name, schema: schema))
                }
            }
        }
        var toolsAllowed = !tools.isEmpty
        var forced: String?
        if let fc = (body["toolConfig"] as? [String: Any])?["functionCallingConfig"] as? [String: Any] {
            switch (fc["mode"] as? String)?.uppercased() {
            case "NONE": toolsAllowed = false
            case "ANY": forced = (fc["allowedFunctionNames"] as? [String])?.first
            default: break
            }
        }
        let parts = last["parts"] as? [[String: Any]] ?? []
        let lastIsToolResult = parts.contains { $0["functionResponse"] != nil }
        let prompt = promptTokens(body["systemInstruction"], contents)
        let answer: Answer
        if toolsAllowed && !lastIsToolResult {
            answer = .tools(makeToolCalls(tools: tools, forced: forced, count: req.faults.parallelTools ?? 1))
        } else {
            let n = streamKind == nil ? candidates : 1
            answer = .text((0..<n).map {
                makeTextAnswer(
                    seedText: contentText(parts), seed: configuration.seed, choice: $0,
                    tokens: req.faults.tokens ?? configuration.defaultAnswerTokens, maxTokens: maxTokens, stop: stop,
                    json: json)
            })
        }
        let modelVersion = model.hasPrefix("models/") ? String(model.dropFirst(7)) : model
        let responseID = alphanumericID(state.nextID(), count: 23)
        func usage(_ output: Int) -> JSONValue {
            .object([
                ("promptTokenCount", .int(prompt)),
                ("candidatesTokenCount", .int(output)),
                ("totalTokenCount", .int(prompt + output)),
                ("promptTokensDetails", .array([.object([("modality", .string("TEXT")), ("tokenCount", .int(prompt))])])),
            ])
        }
        func response(_ cands: [JSONValue], output: Int) -> JSONValue {
            .object([
                ("candidates", .array(cands)),
                ("usageMetadata", usage(output)),
                ("modelVersion", .string(modelVersion)),
                ("responseId", .string(responseID)),
            ])
        }
        func candidate(_ parts: [JSONValue], finish: String?, index: Int, finishMessage: String? = nil) -> JSONValue {
            var pairs: [(String, JSONValue)] = [
                ("content", .object([("parts", .array(parts)), ("role", .string("model"))]))
            ]
            if let finish { pairs.append(("finishReason", .string(finish))) }
            pairs.append(("index", .int(index)))
            if let finishMessage { pairs.append(("finishMessage", .string(finishMessage))) }
            return .object(pairs)
        }
        func finishReason(_ a: TextAnswer) -> String { a.finish == .length ? "MAX_TOKENS" : "STOP" }
        let callParts: [JSONValue]
        if case .tools(let calls) = answer {
            callParts = calls.map {
                .object([("functionCall", .object([("name", .string($0.name)), ("args", $0.arguments)]))])
            }
        } else {
            callParts = []
        }
        let callMessage = "Model generated function call(s)."

        guard let streamKind else {
            let object: JSONValue
            switch answer {
            case .text(let answers):
                object = response(
                    answers.enumerated().map { i, a in
                        candidate([.object([("text", .string(a.text))])], finish: finishReason(a), index: i)
                    }, output: answer.outputTokens)
            case .tools:
                object = response(
                    [candidate(callParts, finish: "STOP", index: 0, finishMessage: callMessage)],
                    output: answer.outputTokens)
            }
            var buffer = object.serialized(.pretty(2))
            buffer.writeStaticString("\n")
            return Outcome(response: bodyResponse(req, body: buffer, contentType: "application/json; charset=UTF-8"))
        }

        // Streaming: chunks of up to 8 tokens, each repeating the cumulative usage.
        var chunks: [JSONValue] = []
        switch answer {
        case .text(let answers):
            let a = answers[0]
            var i = 0
            repeat {
                let end = min(i + 8, a.pieces.count)
                let text = a.pieces[i..<end].joined()
                let isLast = end == a.pieces.count
                chunks.append(response(
                    [candidate([.object([("text", .string(text))])], finish: isLast ? finishReason(a) : nil, index: 0)],
                    output: end))
                i = end
            } while i < a.pieces.count
        case .tools:
            chunks.append(response(
                [candidate(callParts, finish: "STOP", index: 0, finishMessage: callMessage)], output: answer.outputTokens))
        }
        var frames: [ByteBuffer] = []
        switch streamKind {
        case .sse:
            for chunk in chunks {
                var buffer = ByteBuffer()
                buffer.writeStaticString("data: ")
                buffer.writeJSON(chunk, style: .colonSpace)
                buffer.writeStaticString("\r\n\r\n")
                frames.append(buffer)
            }
            return streamResponse(req, context: context, frames: frames, contentType: "text/event-stream", frameEnd: "\r\n\r\n")
        case .array:
            for (i, chunk) in chunks.enumerated() {
                var buffer = ByteBuffer()
                buffer.writeStaticString(i == 0 ? "[" : "\n,\r\n")
                buffer.writeJSON(chunk, style: .pretty(2))
                frames.append(buffer)
            }
            frames.append(ByteBuffer(string: "\n]"))
            return streamResponse(
                req, context: context, frames: frames, contentType: "application/json; charset=UTF-8", frameEnd: "")
        }
    }

    func geminiEmbed(_ req: SimRequest, context: SimContext, model: String, batch: Bool) async -> Response {
        state.increment(.geminiEmbed)
        if let r = await preflight(.gemini, req, context: context) { return r }
        guard let body = req.jsonObject() else {
            return geminiBadRequest(req, "Invalid JSON payload received. Unexpected end of string.")
        }
        let requests: [[String: Any]]
        if batch {
            guard let list = body["requests"] as? [[String: Any]] else {
                return geminiBadRequest(req, "* BatchEmbedContentsRequest.requests: requests is not specified\n")
            }
            requests = list
        } else {
            requests = [body]
        }
        var embeddings: [JSONValue] = []
        var tokens = 0
        for r in requests {
            guard let content = r["content"] as? [String: Any] else {
                return geminiBadRequest(req, "* EmbedContentRequest.content: content is not specified\n")
            }
            let text = contentText(content["parts"])
            let name = (r["model"] as? String) ?? model
            let dims = (r["outputDimensionality"] as? Int) ?? defaultEmbeddingDimensions(name)
            guard (1...maximumEmbeddingDimensions).contains(dims) else {
                return geminiBadRequest(req, "* EmbedContentRequest.output_dimensionality: must be between 1 and \(maximumEmbeddingDimensions)\n")
            }
            tokens += max(countWords(text), 1)
            let v = embeddingVector(for: text, dimensions: dims, seed: configuration.seed)
            embeddings.append(.object([("values", .array(v.map { .float($0) }))]))
        }
        var pairs: [(String, JSONValue)] = batch ? [("embeddings", .array(embeddings))] : [("embedding", embeddings[0])]
        if batch && !model.contains("embedding-001") {
            pairs.append((
                "usageMetadata",
                .object([
                    ("promptTokenCount", .int(tokens)),
                    ("promptTokenDetails", .array([.object([("modality", .string("TEXT")), ("tokenCount", .int(tokens))])])),
                ])
            ))
        }
        var buffer = JSONValue.object(pairs).serialized(.pretty(2))
        buffer.writeStaticString("\n")
        return bodyResponse(req, body: buffer, contentType: "application/json; charset=UTF-8")
    }

    func geminiCountTokens(_ req: SimRequest, context: SimContext) async -> Response {
        state.increment(.geminiCountTokens)
        if let r = await preflight(.gemini, req, context: context) { return r }
        guard let body = req.jsonObject() else {
            return geminiBadRequest(req, "Invalid JSON payload received. Unexpected end of string.")
        }
        let inner = body["generateContentRequest"] as? [String: Any] ?? body
        let n = promptTokens(inner["systemInstruction"], inner["contents"])
        let object = JSONValue.object([
            ("totalTokens", .int(n)),
            ("promptTokensDetails", .array([.object([("modality", .string("TEXT")), ("tokenCount", .int(n))])])),
        ])
        var buffer = object.serialized(.pretty(2))
        buffer.writeStaticString("\n")
        return bodyResponse(req, body: buffer, contentType: "application/json; charset=UTF-8")
    }

    func geminiListModels(_ req: SimRequest, context: SimContext) async -> Response {
        state.increment(.models)
        if let r = await preflight(.gemini, req, context: context) { return r }
        let models: [(String, String, [String])] = [
            ("gemini-2.5-flash", "Gemini 2.5 Flash", ["generateContent", "countTokens", "streamGenerateContent"]),
            ("gemini-2.5-pro", "Gemini 2.5 Pro", ["generateContent", "countTokens", "streamGenerateContent"]),
            ("gemini-2.0-flash", "Gemini 2.0 Flash", ["generateContent", "countTokens", "streamGenerateContent"]),
            ("gemini-embedding-001", "Gemini Embedding 001", ["embedContent", "countTextTokens", "countTokens"]),
            ("text-embedding-004", "Text Embedding 004", ["embedContent"]),
        ]
        let object = JSONValue.object([
            (
                "models",
                .array(models.map {
                    .object([
                        ("name", .string("models/" + $0.0)), ("version", .string("001")),
                        ("displayName", .string($0.1)),
                        ("supportedGenerationMethods", .array($0.2.map { .string($0) })),
                    ])
                })
            )
        ])
        var buffer = object.serialized(.pretty(2))
        buffer.writeStaticString("\n")
        return bodyResponse(req, body: buffer, contentType: "application/json; charset=UTF-8")
    }
}
