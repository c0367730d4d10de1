import DejaReliability
import DejaWire
import Foundation
import NIOHTTP1
import Testing

@testable import DejaGateway

/// Defects found by fuzzing the spec and by the client checks, each pinned by a test.
@Suite struct HardeningTests {
    /// A caller's own tiny deadline runs out before the provider answers: the caller gets the
    /// degraded answer (503), and the provider is not blamed — many such requests never open
    /// the circuit that every other tenant depends on.
    @Test func tinyClientDeadlinesNeitherBlameTheProviderNorOpenItsCircuit() async throws {
        try await Harness.with(configure: { c, _ in
            c.reliability.executor.breakers = .init(failureThreshold: 3, window: .seconds(120), cooldown: .seconds(300))
        }) { h in
            for i in 0..<6 {
                let reply = try await h.post(
                    "/v1/chat/completions", json: chatBody("slow question \(i)"), headers: [("x-sim-latency-ms", "400"), ("x-deja-deadline-ms", "40")])
                #expect(reply.status == 503, "\(reply.status) \(reply.text)")
                #expect(reply.headers.first(name: "x-deja-error-class") == "provider_degraded")
            }
            let normal = try await h.post("/v1/chat/completions", json: chatBody("an ordinary question"))
            #expect(normal.status == 200, "\(normal.text)")
            let breakers = try await h.send(.GET, "/api/circuit-breakers").text
            #expect(!breakers.contains(#""state":"open""#), "\(breakers)")
        }
    }

    /// The same slow provider behind the gateway's own (configured) deadline is the provider's
    /// failure: those timeouts count, and the circuit opens.
    @Test func timeoutsAtTheGatewaysOwnDeadlineStillCountAgainstTheProvider() async throws {
        try await Harness.with(configure: { c, _ in
            c.reliability.executor.breakers = .init(failureThreshold: 3, window: .seconds(120), cooldown: .seconds(300))
            c.reliability.executor.retry.maxAttempts = 1
            c.reliability.requestDeadlineMs = 60
        }) { h in
            for i in 0..<4 {
                let reply = try await h.post("/v1/chat/completions", json: chatBody("slow question \(i)"), headers: [("x-sim-latency-ms", "400")])
                #expect(reply.status == 503, "\(reply.status) \(reply.text)")
            }
            let breakers = try await h.send(.GET, "/api/circuit-breakers").text
            #expect(breakers.contains(#""state":"open""#), "\(breakers)")
        }
    }

    @Test func embeddingDimensionsAreBoundedBeforeAnythingIsSized() async throws {
        try await CacheHarness.with { h in
            for bad in ["22337640416", "0", "-3", "1.5", #""64""#] {
                let reply = try await h.post("/v1/embeddings", json: #"{"model":"text-embedding-3-small","input":"x","dimensions":\#(bad)}"#)
                #expect(reply.status == 400, "dimensions \(bad): \(reply.status)")
                #expect(try reply.errorObject()["param"]?.stringValue == "dimensions")
            }
            let shortened = try await h.post("/v1/embeddings", json: #"{"model":"text-embedding-3-small","input":"x","dimensions":64}"#)
            #expect(shortened.status == 200)
            #expect(try shortened.json()["data"]?.arrayValue?.first?.objectValue?["embedding"]?.arrayValue?.count == 64)
            // The local model cannot shorten its vectors: said, not ignored.
            let local = try await h.post("/v1/embeddings", json: #"{"model":"all-MiniLM-L6-v2","input":"x","dimensions":128}"#)
            #expect(local.status == 400)
            #expect(try local.errorObject()["code"]?.stringValue == "unsupported_dimensions")
            let same = try await h.post("/v1/embeddings", json: #"{"model":"all-MiniLM-L6-v2","input":"x","dimensions":384}"#)
            #expect(same.status == 200)
        }
    }

    @Test func aLoopbackDeleteNeedsNoContentType() async throws {
        try await Harness.with { h in
            // (`send` labels a body as JSON; AdminGuardTests covers a body that is not.)
            let put = try await h.send(.PUT, "/api/admin/tenants/acme", body: Array("{}".utf8))
            #expect(put.status == 200, "\(put.text)")
            let delete = try await h.send(.DELETE, "/api/admin/tenants/acme")
            #expect(delete.status == 200, "\(delete.text)")
        }
    }

    /// Requests that share one upstream call (coalesced) each get their own completion id, JSON and
    /// streamed, as cache hits do.
    @Test func coalescedRequestsGetTheirOwnCompletionIDs() async throws {
        try await CacheHarness.with { h in
            for stream in [false, true] {
                let body = chatBody("Which ocean is the largest? \(stream)", extra: stream ? #""stream":true"# : "")
                let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                    for _ in 0..<4 { group.addTask { try await h.post("/v1/chat/completions", json: body, headers: [("x-sim-latency-ms", "600")]) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                var ids: [Set<String>] = []
                for reply in replies {
                    #expect(reply.status == 200)
                    if stream {
                        let chunkIDs = try Harness.events(reply.body).filter { !$0.isDoneSentinel }.compactMap {
                            (try? JSONParser.parse($0.data))?.objectValue?["id"]?.stringValue
                        }
                        #expect(!chunkIDs.isEmpty)
                        ids.append(Set(chunkIDs))
                    } else {
                        ids.append([try #require(try reply.json()["id"]?.stringValue)])
                    }
                }
                // One id per answer (a stream's chunks share it), and no two answers share one.
                #expect(ids.allSatisfy { $0.count == 1 }, "\(ids)")
                #expect(Set(ids.flatMap { $0 }).count == 4, "stream \(stream): \(ids)")
            }
            let stats = try await h.send(.GET, "/api/cache/stats").json()
            #expect((stats["coalesced"]?.intValue ?? 0) >= 2, "the requests did not share a call")
        }
    }
}
