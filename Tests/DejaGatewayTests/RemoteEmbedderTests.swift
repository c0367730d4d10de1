import DejaCache
import DejaEmbedding
import DejaRemoteEmbedding
import DejaGateway
import DejaSim
import Testing

/// The cache with `embedder: remote`: query vectors come from an OpenAI-compatible
/// `/v1/embeddings` service (here the simulator) through the gateway's upstream client.
@Suite struct RemoteEmbedderTests {
    private static func remote(_ c: inout GatewayConfiguration, _ simURL: String) {
        c.cacheSettings.cache.enabled = true
        c.cacheSettings.embedder = .remote
        c.cacheSettings.remoteBaseURL = simURL + "/v1"
        c.cacheSettings.remoteModel = "all-minilm"
        c.cacheSettings.remoteDimension = 384
    }

    @Test func queriesAreEmbeddedByTheRemoteServiceAndRepeatsHit() async throws {
        try await Harness.with(configure: Self.remote) { h in
            let first = try await h.post("/v1/chat/completions", json: chatBody("How do I reverse a list in Python?"))
            #expect(first.status == 200)
            #expect(first.cacheStatus == "MISS")
            #expect(h.sim.stats().openAIEmbeddings >= 1)
            let again = try await h.post("/v1/chat/completions", json: chatBody("How do I reverse a list in Python?"))
            #expect(again.cacheStatus == "HIT-EXACT")
            #expect(h.sim.stats().openAIChat == 1)
        }
    }

    @Test func anEmbeddingServiceThatFailsDoesNotFailTheRequest() async throws {
        try await Harness.with(configure: { c, simURL in
            Self.remote(&c, simURL)
            // Nothing listens on port 1: every embedding call fails, the request goes upstream.
            c.cacheSettings.remoteBaseURL = "http://127.0.0.1:1/v1"
        }) { h in
            let reply = try await h.post("/v1/chat/completions", json: chatBody("What is a closure?"))
            #expect(reply.status == 200)
            #expect(reply.cacheStatus != "HIT-SEMANTIC")
            #expect(h.sim.stats().openAIChat == 1)
        }
    }
}
