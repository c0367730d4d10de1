import ArgumentParser
import DejaEmbedding
import DejaVerifier
import DejaWordNet
import Foundation

/// `deja bench verifier --pairs FILE.jsonl`: what the verification stage costs per candidate —
/// with the candidate's analysis memoised (the normal case) and with both texts analysed from
/// scratch — what handing the token states of each embedding pass to the in-context word test
/// adds to the pass, what that test's own encoder pass costs for a text not in its memo, and how
/// many candidate pairs at or above each preset's threshold need such a pass.
///
/// `deja bench verifier --analyse-bytes 1048576`: instead, what the analysis the cache runs on a
/// huge final user message costs (see ``runAnalysis(bytes:directory:)``).
struct BenchVerifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier",
        abstract: "Verifier cost per candidate, and how often the in-context test needs an encoder pass.")

    @Option(help: "Labelled pairs (JSON lines), as for `deja bench cache`; needed unless --analyse-bytes is given.")
    var pairs: String?

    @Option(help: "Folder of the all-MiniLM-L6-v2 model.")
    var modelDir: String?

    @Option(help: "Passes over the pairs for the latency percentiles.")
    var rounds = 20

    @Option(help: "Instead of the pair measurements, time the analysis the cache runs (tokenizing, the verifier's preparation and verification; not the encoder pass) on prompts of this many bytes.")
    var analyseBytes: Int?

    @Option(help: "Runs per prompt for --analyse-bytes.")
    var analyseRuns = 7

    func run() async throws {
        let directory = modelDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? MiniLMEmbedder.Configuration.defaultModelDirectory
        if let analyseBytes {
            guard analyseBytes >= 1, analyseRuns >= 1 else { throw ValidationError("--analyse-bytes and --analyse-runs must be positive") }
            return try runAnalysis(bytes: analyseBytes, directory: directory)
        }
        guard let path = pairs else { throw ValidationError("--pairs is required (or --analyse-bytes)") }
        let pairs = try BenchCacheCommand.load(path)
        guard !pairs.isEmpty, rounds >= 1 else { throw ValidationError("need at least one pair and one round") }
        // WordNet: load time and what it adds to the resident set. The first use of the process's
        // shared instance loads it — the one the chains below use — before the model loads.
        let residentBefore = Self.residentBytes()
        let loadStart = ContinuousClock.now
        guard let wordNet = WordNet.shared else { throw ValidationError("WordNet cannot be read (install wordnet-base or set DEJA_WORDNET_DIR)") }
        let loadTime = ContinuousClock.now - loadStart
        let residentAfter = Self.residentBytes()
        print(
            String(
                format: "WordNet: %d lemmas, %d synsets loaded in %.0f ms; resident set +%.1f MB (tables estimated at %.1f MB)", wordNet.lemmaCount,
                wordNet.synsetCount, loadTime.microseconds / 1000, Double(residentAfter - residentBefore) / 1_048_576,
                Double(wordNet.approximateBytes) / 1_048_576))
        let model = try MiniLMEmbedder(configuration: .init(modelDirectory: directory))
        let wordVectors = InputEmbeddingWordVectors(embedder: model)
        let contextual = EncoderContextualWordVectors(embedder: model)
        print("\(pairs.count) pairs, \(rounds) rounds, balanced preset")

        // Per-candidate cost. Contextual vectors are computed first, so only the checks are timed.
        for (label, memo) in [("both texts analysed from scratch", 0), ("candidate analysis memoised", 4096)] {
            let chain = DefaultVerifier.make(threshold: 0.90, embedder: model, wordVectors: wordVectors, contextual: contextual, memoizedAnalyses: memo)
            for pair in pairs { _ = chain.verify(query: pair.b, candidate: pair.a) }
            var micros: [Double] = []
            micros.reserveCapacity(pairs.count * rounds)
            for _ in 0..<rounds {
                for pair in pairs {
                    let start = ContinuousClock.now
                    _ = chain.verify(query: pair.b, candidate: pair.a)
                    micros.append((ContinuousClock.now - start).microseconds)
                }
            }
            print(String(format: "per candidate, %@: p50 %.1f µs, p99 %.1f µs", label, BenchCacheCommand.percentile(micros, 0.5), BenchCacheCommand.percentile(micros, 0.99)))
        }

        // What reporting token states adds to an embedding pass (one text per pass, as a lone lookup).
        let texts = Array(Array(Set(pairs.flatMap { [$0.a, $0.b] })).sorted().prefix(400))
        let observed = EncoderContextualWordVectors(embedder: model)
        var plain: [Double] = []
        var reporting: [Double] = []
        for text in texts {
            var start = ContinuousClock.now
            _ = try model.embedSynchronously([text])
            plain.append((ContinuousClock.now - start).microseconds)
            start = ContinuousClock.now
            _ = try model.embedSynchronously([text], reportingTokenStatesTo: observed)
            reporting.append((ContinuousClock.now - start).microseconds)
        }
        print(String(format: "embedding pass: p50 %.0f µs; reporting token states to the verifier: p50 %.0f µs (%d texts)",
            BenchCacheCommand.percentile(plain, 0.5), BenchCacheCommand.percentile(reporting, 0.5), texts.count))

        // The fallback: an encoder pass of its own for a text whose vectors are not in the memo.
        let fresh = EncoderContextualWordVectors(embedder: model)
        var passes: [Double] = []
        for text in texts {
            let analysed = AnalyzedText(text)
            let start = ContinuousClock.now
            _ = fresh.vectors(for: analysed)
            passes.append((ContinuousClock.now - start).microseconds)
        }
        print(String(format: "in-context vectors of a text not in the memo (one encoder pass): p50 %.0f µs, p99 %.0f µs (%d texts)",
            BenchCacheCommand.percentile(passes, 0.5), BenchCacheCommand.percentile(passes, 0.99), passes.count))

        // How many candidates at or above each preset's threshold need a pass of their own on
        // first sight: without the embedding passes' token states, and with them (as in the cache).
        let all = pairs.flatMap { [$0.a, $0.b] }
        for (name, threshold) in [("strict", 0.95), ("balanced", 0.90), ("aggressive", 0.85)] {
            let unprimed = DefaultVerifier.make(
                threshold: threshold, embedder: model, wordVectors: wordVectors, contextual: EncoderContextualWordVectors(embedder: model))
            // As in the cache: the chain prepares each text (analysis, words in context) from its
            // embedding pass, and verification follows that pass (with the caches it left cold).
            let primed = DefaultVerifier.make(
                threshold: threshold, embedder: model, wordVectors: wordVectors, contextual: EncoderContextualWordVectors(embedder: model))
            let vectors = try model.embedSynchronously(all)
            var candidates = 0
            var deferred = 0
            var deferredPrimed = 0
            var firstSight: [Double] = []
            for (index, pair) in pairs.enumerated() {
                let cosine = zip(vectors[2 * index], vectors[2 * index + 1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                guard Double(cosine) >= threshold else { continue }
                candidates += 1
                if case .needsModelWork = unprimed.verifyWithoutModelWork(query: pair.b, candidate: pair.a, similarity: Double(cosine)) { deferred += 1 }
                _ = try model.embedSynchronously([pair.a], reportingTokenStatesTo: primed)
                _ = try model.embedSynchronously([pair.b], reportingTokenStatesTo: primed)
                let start = ContinuousClock.now
                let step = primed.verifyWithoutModelWork(query: pair.b, candidate: pair.a, similarity: Double(cosine))
                firstSight.append((ContinuousClock.now - start).microseconds)
                if case .needsModelWork = step { deferredPrimed += 1 }
            }
            print(String(format: "%@ (%.2f): %d candidate pairs; need an encoder pass of their own: %d without the embedding passes' token states, %d with them; first sight with them p50 %.1f µs, p99 %.1f µs",
                name, threshold, candidates, deferred, deferredPrimed,
                BenchCacheCommand.percentile(firstSight, 0.5), BenchCacheCommand.percentile(firstSight, 0.99)))
        }
    }

    /// The process's resident set in bytes (Linux /proc/self/statm), 0 elsewhere.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
