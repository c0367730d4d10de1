import Foundation
import Hummingbird
import NIOCore

/// Anthropic Messages API: `POST /v1/messages`, JSON and SSE.
extension SimulatorResponder {
    func anthropicMessages(_ req: SimRequest, context: SimContext) async -> Outcome {
        let body = req.jsonObject()
        let stream = body?["stream"] as? Bool ?? false
        state.increment(stream ? .anthropicMessagesStream : .anthropicMessages)
        if let r = await preflight(.anthropic, req, context: context) { return Outcome(response: r) }
        guard req.header("anthropic-version") != nil else {
            return Outcome(response: errorResponse(
                .anthropic, status: 400, message: "anthropic-version: header is required", req: req))
        }
        guard let body else {
            return Outcome(response: errorResponse(
                .anthropic, status: 400, message: "There was an error parsing the body of your request.", req: req))
        }
        guard let model = body["model"] as? String else {
            return Outcome(response: errorResponse(.anthropic, status: 400, message: "model: Field required", req: req))
        }
        guard let messages = body["messages"] as? [[String: Any]] else {
            return Outcome(response: errorResponse(.anthropic, status: 400, message: "messages: Field required", req: req))
        }
        guard let last = messages.last else {
            return Outcome(response: errorResponse(
                .anthropic, status: 400, message: "messages: at least one message is required", req: req))
        }
        guard let maxTokens = body["max_tokens"] as? Int else {
            return Outcome(response: errorResponse(.anthropic, status: 400, message: "max_tokens: Field required", req: req))
        }
        let stop = body["stop_sequences"] as? [String] ?? []
        var tools: [ToolSpec] = []
        for t in body["tools"] as? [[String: Any]] ?? [] {
            if let name = t["name"] as? String {
                tools.append(ToolSpec(name: name, schema: t["input_schema"] as? [String: Any]))
            }
        }
        var toolsAllowed = !tools.isEmpty
        var forced: String?
        if let choice = body["tool_choice"] as? [String: Any] {
            switch choice["type"] as? String {
            case "none": toolsAllowed = false
            case "tool":
                forced = choice["name"] as? String
            default: break
            }
        }
        var lastIsToolResult = false
        if let blocks = last["content"] as? [[String: Any]] {
            lastIsToolResult = blocks.contains { ($0["type"] as? String) == "tool_result" }
        }
        let prompt = promptTokens(body["system"], messages)
        let answer: Answer
        if toolsAllowed && !lastIsToolResult {
            answer = .tools(makeToolCalls(tools: tools, forced: forced, count: req.faults.parallelTools ?? 1))
        } else {
            answer = .text([
                makeTextAnswer(
                    seedText: contentText(last["content"]), seed: configuration.seed, choice: 0,
                    tokens: req.faults.tokens ?? configuration.defaultAnswerTokens, maxTokens: maxTokens, stop: stop,
                    json: false)
            ])
        }
        let id = "msg_01" + alphanumericID(state.nextID(), count: 22)
        let requestID = "req_011C" + alphanumericID(state.nextID(), count: 20)
        let headers: [(String, String)] = [("request-id", requestID), ("anthropic-organization-id", "00000000-0000-4000-8000-000000000000")]
        let output = answer.outputTokens
        var stopReason: String
        var stopSequence: JSONValue = .null
        switch answer {
        case .tools: stopReason = "tool_use"
        case .text(let a):
            switch a[0].finish {
            case .stop: stopReason = "end_turn"
            case .length: stopReason = "max_tokens"
            case .stopSequence(let s):
                stopReason = "stop_sequence"
                stopSequence = .string(s)
            }
        }
        let cacheCreation = JSONValue.object([
            ("ephemeral_5m_input_tokens", .int(0)), ("ephemeral_1h_input_tokens", .int(0)),
        ])
        func usage(output: Int) -> JSONValue {
            .object([
                ("input_tokens", .int(prompt)),
                ("cache_creation_input_tokens", .int(0)),
                ("cache_read_input_tokens", .int(0)),
                ("cache_creation", cacheCreation),
                ("output_tokens", .int(output)),
                ("service_tier", .string("standard")),
            ])
        }
        let toolIDs: [String]
        if case .tools(let calls) = answer {
            toolIDs = calls.map { _ in "toolu_01" + alphanumericID(state.nextID(), count: 22) }
        } else {
            toolIDs = []
        }

        if !stream {
            var content: [JSONValue] = []
            switch answer {
            case .text(let a):
                content.append(.object([("type", .string("text")), ("text", .string(a[0].text))]))
            case .tools(let calls):
                for (i, call) in calls.enumerated() {
                    content.append(.object([
                        ("type", .string("tool_use")), ("id", .string(toolIDs[i])), ("name", .string(call.name)),
                        ("input", call.arguments),
                    ]))
                }
            }
            let object = JSONValue.object([
                ("model", .string(model)),
                ("id", .string(id)),
                ("type", .string("message")),
                ("role", .string("assistant")),
                ("content", .array(content)),
                ("stop_reason", .string(stopReason)),
                ("stop_sequence", stopSequence),
                ("usage", usage(output: output)),
            ])
            return Outcome(response: bodyResponse(req, body: object.serialized(.compact), contentType: "application/json", headers: headers))
        }

        // Streaming: `event: NAME\ndata: {...}\n\n`, most data lines padded with spaces before the last `}`.
        var frames: [ByteBuffer] = []
        func event(_ name: String, _ value: JSONValue) {
            var json = value.serialized(.compact)
            let pad = Int(state.nextID() % 16)
            var buffer = ByteBuffer()
            buffer.writeStaticString("event: ")
            buffer.writeString(name)
            buffer.writeStaticString("\ndata: ")
            if pad > 0 {
                json.moveWriterIndex(to: json.writerIndex - 1)
                buffer.writeBuffer(&json)
                buffer.writeRepeatingByte(UInt8(ascii: " "), count: pad)
                buffer.writeStaticString("}")
            } else {
                buffer.writeBuffer(&json)
            }
            buffer.writeStaticString("\n\n")
            frames.append(buffer)
        }
        func ping() {
            frames.append(ByteBuffer(string: "event: ping\ndata: {\"type\": \"ping\"}\n\n"))
        }
        event(
            "message_start",
            .object([
                ("type", .string("message_start")),
                (
                    "message",
                    .object([
                        ("model", .string(model)), ("id", .string(id)), ("type", .string("message")),
                        ("role", .string("assistant")), ("content", .array([])), ("stop_reason", .null),
                        ("stop_sequence", .null), ("usage", usage(output: 1)),
                    ])
                ),
            ]))
        func blockStart(_ index: Int, _ block: JSONValue) {
            event(
                "content_block_start",
                .object([("type", .string("content_block_start")), ("index", .int(index)), ("content_block", block)]))
        }
        func delta(_ index: Int, _ d: JSONValue) {
            event(
                "content_block_delta",
                .object([("type", .string("content_block_delta")), ("index", .int(index)), ("delta", d)]))
        }
        func blockStop(_ index: Int) {
            event("content_block_stop", .object([("type", .string("content_block_stop")), ("index", .int(index))]))
        }
        switch answer {
        case .text(let a):
            blockStart(0, .object([("type", .string("text")), ("text", .string(""))]))
            ping()
            for piece in a[0].pieces {
                delta(0, .object([("type", .string("text_delta")), ("text", .string(piece))]))
            }
            blockStop(0)
        case .tools(let calls):
            for (i, call) in calls.enumerated() {
                blockStart(
                    i,
                    .object([
                        ("type", .string("tool_use")), ("id", .string(toolIDs[i])), ("name", .string(call.name)),
                        ("input", .object([])),
                    ]))
                if i == 0 { ping() }
                delta(i, .object([("type", .string("input_json_delta")), ("partial_json", .string(""))]))
                for fragment in fragments(call.argumentsJSON) {
                    delta(i, .object([("type", .string("input_json_delta")), ("partial_json", .string(fragment))]))
                }
                blockStop(i)
            }
        }
        event(
            "message_delta",
            .object([
                ("type", .string("message_delta")),
                ("delta", .object([("stop_reason", .string(stopReason)), ("stop_sequence", stopSequence)])),
                (
                    "usage",
                    .object([
                        ("input_tokens", .int(prompt)), ("cache_creation_input_tokens", .int(0)),
                        ("cache_read_input_tokens", .int(0)), ("output_tokens", .int(output)),
                    ])
                ),
            ]))
        event("message_stop", .object([("type", .string("message_stop"))]))
        return streamResponse(
            req, context: context, frames: frames, contentType: "text/event-stream; charset=utf-8", frameEnd: "\n\n",
            headers: headers)
    }
}
