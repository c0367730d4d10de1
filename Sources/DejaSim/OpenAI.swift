import Foundation
import Hummingbird
import NIOCore

/// OpenAI: `POST /v1/chat/completions`, `POST /v1/embeddings`, and the shared `GET /v1/models`.
extension SimulatorResponder {
    func openAIChat(_ req: SimRequest, context: SimContext) async -> Outcome {
        let body = req.jsonObject()
        let stream = body?["stream"] as? Bool ?? false
        state.increment(stream ? .openAIChatStream : .openAIChat)
        if let r = await preflight(.openAI, req, context: context) { return Outcome(response: r) }
        guard let body else {
            return Outcome(response: errorResponse(
                .openAI, status: 400,
                message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
                req: req))
        }
        guard let model = body["model"] as? String, !model.isEmpty else {
            return Outcome(response: errorResponse(
                .openAI, status: 400, message: "you must provide a model parameter", req: req, code: .null))
        }
        guard let messages = body["messages"] as? [[String: Any]], let last = messages.last else {
            return Outcome(response: errorResponse(
                .openAI, status: 400,
                message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                req: req, param: "messages", code: .string("empty_array")))
        }
        let maxTokens = (body["max_completion_tokens"] as? Int) ?? (body["max_tokens"] as? Int)
        var stop: [String] = []
        if let s = body["stop"] as? String { stop = [s] } else if let s = body["stop"] as? [String] { stop = s }
        let n = max(body["n"] as? Int ?? 1, 1)
        var tools: [ToolSpec] = []
        for t in body["tools"] as? [[String: Any]] ?? [] {
            if let fn = t["function"] as? [String: Any], let name = fn["name"] as? String {
                tools.append(ToolSpec(name: name, schema: fn["parameters"] as? [String: Any]))
            }
        }
        var forced: String?
        var toolsAllowed = !tools.isEmpty
        if let choice = body["tool_choice"] as? String {
            if choice == "none" { toolsAllowed = false }
        } else if let choice = body["tool_choice"] as? [String: Any],
            let name = (choice["function"] as? [String: Any])?["name"] as? String
        {
            forced = name
            toolsAllowed = true
        }
        let lastIsToolResult = (last["role"] as? String) == "tool"
        let includeUsage = (body["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        let format = (body["response_format"] as? [String: Any])?["type"] as? String
        let json = format == "json_object" || format == "json_schema"
        let seedText = contentText(last["content"])
        let prompt = promptTokens(messages)

        let answer: Answer
        if toolsAllowed && !lastIsToolResult {
            answer = .tools(makeToolCalls(tools: tools, forced: forced, count: req.faults.parallelTools ?? 1))
        } else {
            answer = .text((0..<n).map {
                makeTextAnswer(
                    seedText: seedText, seed: configuration.seed, choice: $0,
                    tokens: req.faults.tokens ?? configuration.defaultAnswerTokens, maxTokens: maxTokens, stop: stop,
                    json: json)
            })
        }
        let id = "chatcmpl-" + alphanumericID(state.nextID(), count: 29)
        let fingerprint = "fp_" + alphanumericID(fnv1a(model), count: 10).lowercased()
        let completion = answer.outputTokens
        let usage = JSONValue.object([
            ("prompt_tokens", .int(prompt)),
            ("completion_tokens", .int(completion)),
            ("total_tokens", .int(prompt + completion)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(0)), ("audio_tokens", .int(0))])),
            (
                "completion_tokens_details",
                .object([
                    ("reasoning_tokens", .int(0)), ("audio_tokens", .int(0)), ("accepted_prediction_tokens", .int(0)),
                    ("rejected_prediction_tokens", .int(0)),
                ])
            ),
        ])
        let created = now
        let headers: [(String, String)] = [
            ("x-request-id", "req_" + alphanumericID(state.nextID(), count: 32).lowercased()),
            ("openai-processing-ms", "1"),
        ]

        if !stream {
            var choices: [JSONValue] = []
            switch answer {
            case .text(let answers):
                for (i, a) in answers.enumerated() {
                    choices.append(.object([
                        ("index", .int(i)),
                        (
                            "message",
                            .object([
                                ("role", .string("assistant")), ("content", .string(a.text)), ("refusal", .null),
                                ("annotations", .array([])),
                            ])
                        ),
                        ("logprobs", .null),
                        ("finish_reason", .string(a.finish == .length ? "length" : "stop")),
                    ]))
                }
            case .tools(let calls):
                let toolCalls: [JSONValue] = calls.map { call in
                    .object([
                        ("id", .string("call_" + alphanumericID(state.nextID(), count: 24))),
                        ("type", .string("function")),
                        ("function", .object([("name", .string(call.name)), ("arguments", .string(call.argumentsJSON))])),
                    ])
                }
                choices.append(.object([
                    ("index", .int(0)),
                    (
                        "message",
                        .object([
                            ("role", .string("assistant")), ("content", .null), ("tool_calls", .array(toolCalls)),
                            ("refusal", .null), ("annotations", .array([])),
                        ])
                    ),
                    ("logprobs", .null),
                    ("finish_reason", .string("tool_calls")),
                ]))
            }
            let object = JSONValue.object([
                ("id", .string(id)),
                ("object", .string("chat.completion")),
                ("created", .int(created)),
                ("model", .string(model)),
                ("choices", .array(choices)),
                ("usage", usage),
                ("service_tier", .string("default")),
                ("system_fingerprint", .string(fingerprint)),
            ])
            var buffer = object.serialized(.pretty(2))
            buffer.writeStaticString("\n")
            return Outcome(response: bodyResponse(req, body: buffer, contentType: "application/json", headers: headers))
        }

        // Streaming: one chunk per token, each `data: {...}\n\n`, then `data: [DONE]`.
        var frames: [ByteBuffer] = []
        func chunk(_ choices: [JSONValue], usage chunkUsage: JSONValue? = nil) {
            var pairs: [(String, JSONValue)] = [
                ("id", .string(id)),
                ("object", .string("chat.completion.chunk")),
                ("created", .int(created)),
                ("model", .string(model)),
                ("service_tier", .string("default")),
                ("system_fingerprint", .string(fingerprint)),
                ("choices", .array(choices)),
            ]
            if includeUsage { pairs.append(("usage", chunkUsage ?? .null)) }
            let pad = state.nextID()
            pairs.append(("obfuscation", .string(alphanumericID(pad, count: 1 + Int(pad % 15)))))
            var buffer = ByteBuffer()
            buffer.writeStaticString("data: ")
            buffer.writeJSON(.object(pairs), style: .compact)
            buffer.writeStaticString("\n\n")
            frames.append(buffer)
        }
        func choice(_ index: Int, _ delta: JSONValue, finish: String? = nil) -> JSONValue {
            .object([
                ("index", .int(index)), ("delta", delta), ("logprobs", .null),
                ("finish_reason", finish.map { .string($0) } ?? .null),
            ])
        }
        switch answer {
        case .text(let answers):
            for (i, a) in answers.enumerated() {
                chunk([
                    choice(
                        i,
                        .object([("role", .string("assistant")), ("content", .string("")), ("refusal", .null)]))
                ])
                for piece in a.pieces {
                    chunk([choice(i, .object([("content", .string(piece))]))])
                }
                chunk([choice(i, .object([]), finish: a.finish == .length ? "length" : "stop")])
            }
        case .tools(let calls):
            for (i, call) in calls.enumerated() {
                let header = JSONValue.object([
                    ("index", .int(i)),
                    ("id", .string("call_" + alphanumericID(state.nextID(), count: 24))),
                    ("type", .string("function")),
                    ("function", .object([("name", .string(call.name)), ("arguments", .string(""))])),
                ])
                if i == 0 {
                    chunk([
                        choice(
                            0,
                            .object([
                                ("role", .string("assistant")), ("content", .null), ("tool_calls", .array([header])),
                                ("refusal", .null),
                            ]))
                    ])
                } else {
                    chunk([choice(0, .object([("tool_calls", .array([header]))]))])
                }
                for fragment in fragments(call.argumentsJSON) {
                    chunk([
                        choice(
                            0,
                            .object([
                                (
                                    "tool_calls",
                                    .array([
                                        .object([
                                            ("index", .int(i)),
                                            ("function", .object([("arguments", .string(fragment))])),
                                        ])
                                    ])
                                )
                            ]))
                    ])
                }
            }
            chunk([choice(0, .object([]), finish: "tool_calls")])
        }
        if includeUsage { chunk([], usage: usage) }
        frames.append(ByteBuffer(string: "data: [DONE]\n\n"))
        return streamResponse(
            req, context: context, frames: frames, contentType: "text/event-stream; charset=utf-8", frameEnd: "\n\n",
            headers: headers)
    }

    func openAIEmbeddings(_ req: SimRequest, context: SimContext) async -> Response {
        state.increment(.openAIEmbeddings)
        if let r = await preflight(.openAI, req, context: context) { return r }
        guard let body = req.jsonObject() else {
            return errorResponse(.openAI, status: 400, message: "We could not parse the JSON body of your request.", req: req)
        }
        guard let model = body["model"] as? String else {
            return errorResponse(.openAI, status: 400, message: "you must provide a model parameter", req: req)
        }
        var texts: [String] = []
        switch body["input"] {
        case let s as String: texts = [s]
        case let list as [String]: texts = list
        case let tokens as [Int]: texts = [tokens.map(String.init).joined(separator: " ")]
        case let lists as [[Int]]: texts = lists.map { $0.map(String.init).joined(separator: " ") }
        case let mixed as [Any]:
            texts = mixed.map { ($0 as? String) ?? (($0 as? [Int])?.map(String.init).joined(separator: " ") ?? "") }
        default:
            return errorResponse(
                .openAI, status: 400, message: "'input' is a required property", req: req, param: "input")
        }
        if texts.isEmpty {
            return errorResponse(
                .openAI, status: 400, message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                req: req)
        }
        let dims = (body["dimensions"] as? Int) ?? defaultEmbeddingDimensions(model)
        // OpenAI refuses what a model cannot produce; the simulator also never sizes a vector from an unbounded number.
        guard (1...maximumEmbeddingDimensions).contains(dims) else {
            return errorResponse(.openAI, status: 400, message: "This model does not support \(dims) dimensions.", req: req, param: "dimensions")
        }
        let base64 = (body["encoding_format"] as? String) == "base64"
        var data: [JSONValue] = []
        var tokens = 0
        for (i, text) in texts.enumerated() {
            let v = embeddingVector(for: text, dimensions: dims, seed: configuration.seed)
            tokens += max(countWords(text), 1)
            data.append(.object([
                ("object", .string("embedding")),
                ("index", .int(i)),
                ("embedding", base64 ? .string(base64Floats(v)) : .array(v.map { .float($0) })),
            ]))
        }
        let object = JSONValue.object([
            ("object", .string("list")),
            ("data", .array(data)),
            ("model", .string(model)),
            ("usage", .object([("prompt_tokens", .int(tokens)), ("total_tokens", .int(tokens))])),
        ])
        var buffer = object.serialized(.pretty(2))
        buffer.writeStaticString("\n")
        return bodyResponse(req, body: buffer, contentType: "application/json")
    }

    /// `GET /v1/models`: Anthropic's list shape when `anthropic-version` is sent, else OpenAI's.
    func listModels(_ req: SimRequest, context: SimContext) async -> Response {
        state.increment(.models)
        if req.header("anthropic-version") != nil {
            if let r = await preflight(.anthropic, req, context: context) { return r }
            let models: [(String, String, String)] = [
                ("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01T00:00:00Z"),
                ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
                ("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"),
                ("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z"),
                ("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z"),
            ]
            let object = JSONValue.object([
                (
                    "data",
                    .array(models.map {
                        .object([
                            ("type", .string("model")), ("id", .string($0.0)), ("display_name", .string($0.1)),
                            ("created_at", .string($0.2)),
                        ])
                    })
                ),
                ("has_more", .bool(false)),
                ("first_id", .string(models.first!.0)),
                ("last_id", .string(models.last!.0)),
            ])
            return bodyResponse(req, body: object.serialized(.compact), contentType: "application/json")
        }
        if let r = await preflight(.openAI, req, context: context) { return r }
        let models: [(String, Int, String)] = [
            ("gpt-4o-mini", 1_721_172_741, "system"),
            ("gpt-4o", 1_715_367_049, "system"),
            ("gpt-4.1", 1_744_316_542, "system"),
            ("gpt-4.1-mini", 1_744_318_173, "system"),
            ("o3-mini", 1_737_146_383, "system"),
            ("text-embedding-3-small", 1_705_948_997, "system"),
            ("text-embedding-3-large", 1_705_953_180, "system"),
            ("text-embedding-ada-002", 1_671_217_299, "openai-internal"),
        ]
        let object = JSONValue.object([
            ("object", .string("list")),
            (
                "data",
                .array(models.map {
                    .object([
                        ("id", .string($0.0)), ("object", .string("model")), ("created", .int($0.1)),
                        ("owned_by", .string($0.2)),
                    ])
                })
            ),
        ])
        var buffer = object.serialized(.pretty(2))
        buffer.writeStaticString("\n")
        return bodyResponse(req, body: buffer, contentType: "application/json")
    }
}
