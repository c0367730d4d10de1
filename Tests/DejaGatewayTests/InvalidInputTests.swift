import DejaWire
@testable import DejaGateway
import DejaProviders
import DejaSim
import NIOHTTP1
import Testing

/// Every number, string and model name a client supplies is checked before use: out of range is
/// a 400 naming the field (an unknown model a 404), and the gateway keeps serving.
@Suite struct InvalidInputTests {
    static func expect400(_ reply: Harness.Reply, param: String, _ comment: String) throws {
        #expect(reply.status == 400, "\(comment): \(reply.text)")
        #expect(try reply.errorObject()["param"] == .string(param), "\(comment): \(reply.text)")
    }

    @Test func chatNumbersOutOfRangeAre400WithTheFieldNamed() async throws {
        try await Harness.with { h in
            let cases: [(String, String)] = [
                (#""n":-1"#, "n"), (#""n":1e300"#, "n"), (#""n":"3""#, "n"), (#""n":100000"#, "n"),
                (#""max_tokens":0"#, "max_tokens"), (#""max_tokens":1e20"#, "max_tokens"), (#""max_tokens":-9223372036854775808"#, "max_tokens"),
                (#""temperature":3"#, "temperature"), (#""temperature":"hot""#, "temperature"), (#""top_p":2"#, "top_p"),
                (#""seed":1e30"#, "seed"), (#""seed":18446744073709551616"#, "seed"), (#""stream":"yes""#, "stream"),
            ]
            for (member, param) in cases {
                try Self.expect400(try await h.post("/v1/chat/completions", json: chatBody(extra: member)), param: param, member)
            }
            #expect(h.sim.recordedRequests().isEmpty)
            do { let reply = try await h.post("/v1/chat/completions", json: chatBody()); #expect(reply.status == 200, "\(reply.text)") }
        }
    }

    @Test func modelNamesAreBoundedStrictAndNeverEchoedRaw() async throws {
        try await Harness.with { h in
            let bad = [String(repeating: "g", count: 300), "../../v1/files", "gpt-4o/../../x", "gpt 4o", "gpt\\u0000", "gpt\\r\\nX-Evil: 1", "gpt-<script>", "模型"]
            for name in bad {
                let chat = try await h.post("/v1/chat/completions", json: chatBody(model: name))
                try Self.expect400(chat, param: "model", "chat \(name)")
                #expect(!chat.text.contains("<script>") && !chat.text.contains("X-Evil"))
                let embeddings = try await h.post("/v1/embeddings", json: #"{"model":"\#(name)","input":"hi"}"#)
                try Self.expect400(embeddings, param: "model", "embeddings \(name)")
            }
            #expect(h.sim.recordedRequests().isEmpty)
            let unknown = try await h.post("/v1/chat/completions", json: chatBody(model: "no-such-model"))
            #expect(unknown.status == 404)
            #expect(try unknown.errorObject()["code"] == .string("model_not_found"))
        }
    }

    @Test func anUnknownModelIs404InDemoModeToo() async throws {
        try await Harness.with(configure: { c, simURL in c = DemoMode.apply(to: c, simulatorURL: simURL) }) { h in
            let unknown = try await h.post("/v1/chat/completions", json: chatBody(model: "llama-made-up-9b"))
            #expect(unknown.status == 404)
            #expect(try unknown.errorObject()["code"] == .string("model_not_found"))
            do { let reply = try await h.post("/v1/chat/completions", json: chatBody(model: "gpt-4o-mini")); #expect(reply.status == 200, "\(reply.text)") }
            do { let reply = try await h.post("/v1/chat/completions", json: chatBody(model: "claude-sonnet-4-5")); #expect(reply.status == 200, "\(reply.text)") }
        }
    }

    @Test func cacheControlsOutOfRangeAre400() async throws {
        try await CacheHarness.with { h in
            for value in ["nan", "-1", "1e999", "abc", "0", "inf"] {
                let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-cache-ttl", value)])
                try Self.expect400(reply, param: "x-cache-ttl", value)
            }
            for value in ["nan", "2", "-0.5", "loose", "inf"] {
                let reply = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-cache-threshold", value)])
                try Self.expect400(reply, param: "x-cache-threshold", value)
            }
            let longKey = try await h.post("/v1/chat/completions", json: chatBody(), headers: [("x-idempotency-key", String(repeating: "k", count: 300))])
            try Self.expect400(longKey, param: "X-Idempotency-Key", "idempotency key")
            do { let reply = try await h.post("/v1/chat/completions", json: chatBody()); #expect(reply.status == 200, "\(reply.text)") }
        }
    }

    @Test func adminInvalidationNumbersAreCheckedNotTrusted() async throws {
        try await CacheHarness.with { h in
            let cases: [(String, String)] = [
                (#"{"entry_id": -1}"#, "entry_id"), (#"{"entry_id": "-1"}"#, "entry_id"), (#"{"entry_id": 1e99}"#, "entry_id"),
                (#"{"entry_id": 18446744073709551616}"#, "entry_id"), (#"{"entry_id": 1.5}"#, "entry_id"), (#"{"entry_id": true}"#, "entry_id"),
                (#"{"entry_id": "12abc"}"#, "entry_id"), (#"{"query": "x", "threshold": "high"}"#, "threshold"), (#"{"query": "x", "threshold": 0}"#, "threshold"),
                (#"{"query": "x", "threshold": 1.5}"#, "threshold"), (#"{"all": "yes"}"#, "all"), (#"{"namespace": "zz"}"#, "namespace"),
                (#"{"query": ""}"#, "query"), (#"{"model": 42}"#, "model"),
                ("{\"query\": \"\(String(repeating: "q", count: 9000))\"}", "query"),
            ]
            for (body, param) in cases {
                try Self.expect400(try await h.post("/api/cache/invalidate", json: body), param: param, body.prefix(60).description)
            }
            let ok = try await h.post("/api/cache/invalidate", json: #"{"entry_id": "18446744073709551615"}"#)
            #expect(ok.status == 200)
            do { let reply = try await h.post("/v1/chat/completions", json: chatBody()); #expect(reply.status == 200, "\(reply.text)") }
        }
    }

    @Test func feedbackFieldsAreChecked() async throws {
        try await CacheHarness.with { h in
            try Self.expect400(try await h.post("/api/cache/feedback", json: #"{"completion_id": 123, "correct": false}"#), param: "completion_id", "number")
            try Self.expect400(
                try await h.post("/api/cache/feedback", json: "{\"completion_id\": \"\(String(repeating: "c", count: 1000))\", \"correct\": false}"),
                param: "completion_id", "long")
            try Self.expect400(try await h.post("/api/cache/feedback", json: #"{"completion_id": "chatcmpl-1", "correct": "no"}"#), param: "correct", "correct")
        }
    }

    @Test func localEmbeddingsHaveATokenBudget() async throws {
        try await Harness.with(configure: { c, _ in
            c.cacheSettings.modelDirectory = CacheHarness.modelDirectory
            c.localEmbeddings.maxTokensPerRequest = 100
            c.localEmbeddings.batchSize = 4
        }) { h in
            let many = "[" + Array(repeating: #""hello world, how are you today?""#, count: 40).joined(separator: ",") + "]"
            let reply = try await h.post("/v1/embeddings", json: #"{"model":"all-MiniLM-L6-v2","input":\#(many)}"#)
            try Self.expect400(reply, param: "input", "token budget")
            #expect(try reply.errorObject()["code"] == .string("too_many_tokens"))
            // Within the budget, split into batches, every input is answered in order.
            let few = "[" + Array(repeating: #""hello world""#, count: 10).joined(separator: ",") + "]"
            let ok = try await h.post("/v1/embeddings", json: #"{"model":"all-MiniLM-L6-v2","input":\#(few)}"#)
            #expect(ok.status == 200, "\(ok.text)")
            let data = try #require(try ok.json()["data"]?.arrayValue)
            #expect(data.count == 10)
            #expect(data.enumerated().allSatisfy { $0.element.objectValue?["index"]?.intValue == $0.offset })
        }
    }
}
