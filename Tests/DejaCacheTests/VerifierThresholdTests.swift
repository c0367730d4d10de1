import DejaEmbedding
import DejaVerifier
import Logging
import Synchronization
import Testing

@testable import DejaCache
import DejaWire

/// Records the threshold each candidate reached the verifier at, and accepts it.
final class ThresholdRecorder: HitVerifier {
    let thresholds = Mutex<[Double]>([])
    func rejection(query: String, candidate: String, threshold: Double, similarity: Double) async -> Verdict? {
        thresholds.withLock { $0.append(threshold) }
        return nil
    }
}

@Suite struct VerifierThresholdTests {
    func fingerprint(_ text: String) throws -> RequestFingerprint {
        let json = #"{"model":"m","messages":[{"role":"user","content":"\#(text)"}]}"#
        return RequestFingerprint(request: try ChatRequest.parse(Array(json.utf8)), scope: "tenant:a", resolvedModel: "sim/m")
    }

    @Test func theVerifierIsToldTheThresholdTheCandidateWasFoundAt() async throws {
        let recorder = ThresholdRecorder()
        var configuration = CacheConfiguration()
        configuration.thresholdBounds = 0...1
        let cache = SemanticCache(configuration: configuration, embedder: HashingEmbedder(), verifier: recorder, logger: Logger(label: "test"))
        let completion = try #require(StoredCompletion(json: Array(#"{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"a"},"finish_reason":"stop"}]}"#.utf8)))
        _ = try #require(await cache.store(try fingerprint("how do I delete a git branch"), completion: completion, model: "sim/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 1))
        for threshold in [0.5, 0.6] {
            guard case .semantic = await cache.lookup(try fingerprint("how do I delete a git branch please"), threshold: threshold) else {
                Issue.record("expected a semantic hit at \(threshold)")
                return
            }
        }
        #expect(recorder.thresholds.withLock { $0 } == [0.5, 0.6])
    }

    @Test func eachThresholdGetsThePresetChainSetForIt() {
        // "delete"·"remove" = 0.42: enough for strict (0.35) and balanced (0.40), not for aggressive (0.45).
        let vectors = TableVectors(table: ["delete": [1, 0, 0], "remove": [0.42, 0.9075, 0], "branch": [0, 0, 1]])
        let verifier = ThresholdVerifier(wordVectors: vectors)
        #expect(verifier.strict.configuration == .strict)
        #expect(verifier.balanced.configuration == .balanced)
        #expect(verifier.aggressive.configuration == .aggressive)
        for (threshold, expected) in [(0.99, VerifierConfiguration.strict), (0.95, .strict), (0.93, .balanced), (0.90, .balanced), (0.89, .aggressive), (0.5, .aggressive)] {
            #expect(verifier.chain(forThreshold: threshold).configuration == expected, "\(threshold)")
        }
        #expect(verifier.chain(forThreshold: 0.95).verify(query: "delete a branch", candidate: "remove a branch") == nil)
        #expect(verifier.chain(forThreshold: 0.90).verify(query: "delete a branch", candidate: "remove a branch") == nil)
        #expect(verifier.chain(forThreshold: 0.85).verify(query: "delete a branch", candidate: "remove a branch")?.check == "content-words")
        // The adjustment reaches every preset.
        let adjusted = ThresholdVerifier(adjust: { $0.minimumWordSimilarity = 0.5 }, wordVectors: vectors)
        #expect(adjusted.chain(forThreshold: 0.95).verify(query: "delete a branch", candidate: "remove a branch")?.check == "content-words")
    }

    @Test func thePresetChainDecidesThroughTheCache() async {
        let vectors = TableVectors(table: ["delete": [1, 0, 0], "remove": [0.42, 0.9075, 0], "branch": [0, 0, 1]])
        let verifier: any HitVerifier = ThresholdVerifier(wordVectors: vectors)
        #expect(await verifier.rejection(query: "delete a branch", candidate: "remove a branch", threshold: 0.92) == nil)
        #expect(await verifier.rejection(query: "delete a branch", candidate: "remove a branch", threshold: 0.86)?.check == "content-words")
    }
}

struct TableVectors: WordVectors {
    var table: [String: [Float]]
    func vector(for word: String) -> [Float]? { table[word] }
}
