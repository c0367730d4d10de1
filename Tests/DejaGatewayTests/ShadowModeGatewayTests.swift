import DejaCache
import DejaSim
import DejaVerifier
import DejaWire
import Foundation
import NIOHTTP1
import Testing

@testable import DejaGateway

/// Shadow mode end to end: no semantic hit is served, what would have been is listed with the
/// counts, people label it, and the labels export as pairs `deja bench cache` reads.
@Suite struct ShadowModeGatewayTests {
    static func records(_ reply: Harness.Reply) throws -> [JSONObject] {
        try #require(try reply.json()["data"]?.arrayValue).compactMap(\.objectValue)
    }

    @Test func shadowModeLogsWhatItWouldHaveServedAndExportsTheLabelsAsPairs() async throws {
        try await CacheHarness.with(configure: { c, _ in c.cacheSettings.cache.mode = .shadow }) { (h: Harness) async throws in
            let stored = "What is a memory leak?"
            let paraphrase = "Can you explain what a memory leak is?"  // a semantic hit when serving (CacheTests)
            #expect(try await h.post("/v1/chat/completions", json: chatBody(stored)).cacheStatus == "MISS")
            let shadowed = try await h.post("/v1/chat/completions", json: chatBody(paraphrase))
            #expect(shadowed.status == 200)
            #expect(shadowed.cacheStatus == "MISS", "shadow mode never serves a semantic hit")
            #expect(try await h.post("/v1/chat/completions", json: chatBody(stored)).cacheStatus == "HIT-EXACT", "exact hits are still served")
            _ = try await h.post("/v1/chat/completions", json: chatBody("How do I convert a list to a set in Python?"))
            #expect(try await h.post("/v1/chat/completions", json: chatBody("How do I convert a set to a list in Python?")).cacheStatus == "MISS")
            #expect(h.sim.stats().openAIChat == 4)

            let list = try await h.send(.GET, "/api/cache/shadow")
            #expect(list.status == 200, "\(list.text)")
            let body = try list.json()
            #expect(body["mode"]?.stringValue == "shadow")
            let stats = try #require(body["stats"]?.objectValue)
            #expect(stats["lookups"]?.intValue == 5)
            #expect(stats["exact_hits"]?.intValue == 1)
            #expect(stats["would_serve"]?.intValue == 1)
            #expect(stats["rejected"]?.intValue == 1)
            #expect(stats["would_be_semantic_hit_rate"]?.doubleValue == 0.2)
            #expect(stats["would_be_hit_rate"]?.doubleValue == 0.4)
            let records = try Self.records(list)
            #expect(records.count == 2)
            let rejected = try #require(records.first)  // newest first
            let wouldServe = try #require(records.last)
            #expect(wouldServe["verdict"]?.stringValue == "would_serve")
            #expect(wouldServe["stored_question"]?.stringValue == stored)
            #expect(wouldServe["asked_question"]?.stringValue == paraphrase)
            #expect((wouldServe["similarity"]?.doubleValue ?? 0) >= 0.95)
            #expect(wouldServe["rejected_by"]?.isNull == true && wouldServe["label"]?.isNull == true)
            #expect(rejected["verdict"]?.stringValue == "rejected")
            #expect(rejected["rejected_by"]?.stringValue != nil)
            #expect(rejected["asked_question"]?.stringValue == "How do I convert a set to a list in Python?")
            // Nothing semantic was served.
            #expect(try await h.send(.GET, "/api/cache/stats").json()["hits"]?.objectValue?["semantic"]?.intValue == 0)

            // Filters and their bounds.
            #expect(try Self.records(try await h.send(.GET, "/api/cache/shadow?verdict=rejected")).count == 1)
            #expect(try Self.records(try await h.send(.GET, "/api/cache/shadow?limit=1")).count == 1)
            #expect(try Self.records(try await h.send(.GET, "/api/cache/shadow?tenant=nobody")).isEmpty)
            for bad in ["limit=0", "limit=1001", "limit=x", "verdict=maybe", "label=great", "tenant="] {
                let reply = try await h.send(.GET, "/api/cache/shadow?\(bad)")
                #expect(reply.status == 400, "\(bad): \(reply.text)")
                #expect(try reply.errorObject()["message"]?.stringValue != nil)
            }

            // Labels.
            let serveID = try #require(wouldServe["id"]?.stringValue)
            let rejectID = try #require(rejected["id"]?.stringValue)
            let labelled = try await h.post("/api/cache/shadow/\(serveID)/label", json: #"{"label":"paraphrase"}"#)
            #expect(labelled.status == 200, "\(labelled.text)")
            #expect(try labelled.json()["label"]?.stringValue == "paraphrase")
            #expect(try await h.post("/api/cache/shadow/\(rejectID)/label", json: #"{"label":"near_miss"}"#).status == 200)
            let unknown = try await h.post("/api/cache/shadow/999999/label", json: #"{"label":"paraphrase"}"#)
            #expect(unknown.status == 404)
            #expect(try unknown.errorObject()["code"]?.stringValue == "shadow_record_not_found")
            for (path, json) in [
                ("/api/cache/shadow/\(serveID)/label", #"{"label":"maybe"}"#), ("/api/cache/shadow/\(serveID)/label", #"{"verdict":"paraphrase"}"#),
                ("/api/cache/shadow/\(serveID)/label", "not json"), ("/api/cache/shadow/abc/label", #"{"label":"paraphrase"}"#),
                ("/api/cache/shadow/123456789012345678901234/label", #"{"label":"paraphrase"}"#),
            ] {
                let reply = try await h.post(path, json: json)
                #expect(reply.status == 400, "\(path) \(json): \(reply.text)")
            }
            let after = try await h.send(.GET, "/api/cache/shadow")
            let labels = try #require(try after.json()["stats"]?.objectValue?["labels"]?.objectValue)
            #expect(labels["paraphrase"]?.intValue == 1 && labels["near_miss"]?.intValue == 1)
            #expect(try after.json()["stats"]?.objectValue?["labelled_false_hit_rate"]?.doubleValue == 0)
            #expect(try Self.records(try await h.send(.GET, "/api/cache/shadow?label=unlabelled")).isEmpty)

            // Export, and the bench reads it.
            let export = try await h.send(.GET, "/api/cache/shadow/export")
            #expect(export.status == 200)
            #expect(export.headers.first(name: "content-type") == "application/x-ndjson")
            let lines = export.text.split(separator: "\n")
            #expect(lines.count == 2)
            let pairs = try lines.map { try #require(try JSONParser.parse(Array($0.utf8)).objectValue) }
            #expect(pairs[0]["a"]?.stringValue == stored && pairs[0]["b"]?.stringValue == paraphrase && pairs[0]["label"]?.stringValue == "paraphrase")
            #expect(pairs[1]["label"]?.stringValue == "near_miss")
            try Self.benchReads(export.text)
        }
    }

    /// `deja bench cache --pairs` on the export: the served paraphrase is served and the refused
    /// near-miss refused, as in the gateway.
    static func benchReads(_ pairs: String) throws {
        let cli = CLITests()
        guard FileManager.default.fileExists(atPath: CLITests.binary.path) else { return }
        let root = CLITests.binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = root.appendingPathComponent(".models/all-MiniLM-L6-v2")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deja-shadow-\(UUID().uuidString).jsonl")
        try pairs.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try cli.run(["bench", "cache", "--pairs", file.path, "--thresholds", "0.95", "--json", "--model-dir", model.path])
        #expect(result.status == 0, "\(result.output)")
        let line = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("[") })
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]])
        let verified = rows.filter { ($0["stage"] as? String)?.contains("verifier") == true }
        #expect(!verified.isEmpty, "\(rows)")
        for row in verified {
            #expect(row["paraphrase_hit_rate"] as? Double == 1, "\(row)")
            #expect(row["near_miss_false_hit_rate"] as? Double == 0, "\(row)")
        }
    }

    @Test func aTenantOrModelInShadowModeLeavesTheOthersServing() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.providers[0].models.append("gpt-4o")
            c.cacheSettings.cache.modelModes = ["gpt-4o": .shadow]
        }) { (h: Harness) async throws in
            for model in ["gpt-4o", "gpt-4o-mini"] {
                _ = try await h.post("/v1/chat/completions", json: chatBody("What is a memory leak?", model: model))
                let reply = try await h.post("/v1/chat/completions", json: chatBody("Can you explain what a memory leak is?", model: model))
                #expect(reply.cacheStatus == (model == "gpt-4o" ? "MISS" : "HIT-SEMANTIC"), "\(model)")
            }
            let stats = try #require(try await h.send(.GET, "/api/cache/shadow").json()["stats"]?.objectValue)
            #expect(stats["would_serve"]?.intValue == 1)
        }
    }

    @Test func theShadowLogIsTheOperatorsOnly() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.adminTokenHash = SecretHash.sha256(AdminGuardTests.adminToken)
            c.cacheSettings.cache.mode = .shadow
        }) { (h: Harness) async throws in
            for (method, path) in [(HTTPMethod.GET, "/api/cache/shadow"), (.GET, "/api/cache/shadow/export"), (.POST, "/api/cache/shadow/1/label")] {
                let body: [UInt8]? = method == .POST ? Array(#"{"label":"paraphrase"}"#.utf8) : nil
                #expect(try await h.send(method, path, body: body).status == 401, "\(path)")
                let authorised = try await h.send(method, path, body: body, headers: [("authorization", "Bearer \(AdminGuardTests.adminToken)")])
                #expect(authorised.status == (method == .POST ? 404 : 200), "\(path): \(authorised.text)")
            }
        }
    }
}
