import ArgumentParser
import DejaCache
import DejaEmbedding
import DejaProviders
import DejaVerifier
import Foundation
import Logging
import Synchronization
import DejaWire

/// `deja bench cache --pairs FILE.jsonl`: runs labelled query pairs through the real cache code
/// (store `a`, look up `b`, each pair in a namespace of its own) and reports, per threshold and
/// per preset, the paraphrase hit rate, the near-miss and unrelated false-hit rates, which
/// verifier check rejected which near-miss, and the lookup latency.
struct BenchCacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Paraphrase hit rate vs. near-miss false-hit rate on labelled pairs.",
        discussion: """
            Each line of the pairs file is {"a": "...", "b": "...", "label": "paraphrase" | "near_miss" | "unrelated"}. \
            A hit means b found a's entry: cosine ≥ threshold and, unless --no-verifier, the verifier agreed.
            """)

    @Option(help: "Labelled pairs (JSON lines).")
    var pairs: String

    @Option(help: "Thresholds to sweep, comma separated.")
    var thresholds: String = "0.80,0.85,0.90,0.93,0.95,0.97,0.99"

    @Option(help: "Folder of the all-MiniLM-L6-v2 model.")
    var modelDir: String?

    @Flag(help: "Raw cosine only: no verification stage.")
    var noVerifier = false

    @Flag(help: "Also measure each verifier check alone.")
    var perCheck = false

    @Flag(help: "List every near-miss that was served, and which check rejected each rejected one.")
    var verbose = false

    @Flag(help: "Machine-readable output.")
    var json = false

    @Flag(help: "Print every pair's decision at every threshold (hit or miss), one line each: diff two runs to list the pairs that change.")
    var decisions = false

    @Option(help: "Encoder precision (fp32, bf16, int8, w8a8, auto), as cache.encoder_precision. Compare decisions across precisions with --verbose.")
    var precision = "auto"

    @Flag(help: "Per kind of change (the pairs' \"kind\"), with the verifier's bounds chosen leave-one-kind-out, for the three presets.")
    var byKind = false

    struct Pair {
        var a: String
        var b: String
        var label: String
        /// The kind of change ("quantifiers", "para_synonym"…), when the file says.
        var kind: String? = nil
    }

    func run() async throws {
        let pairs = try Self.load(pairs)
        let sweep = thresholds.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !pairs.isEmpty, !sweep.isEmpty else { throw ValidationError("need at least one pair and one threshold") }
        let directory = modelDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? MiniLMEmbedder.Configuration.defaultModelDirectory
        guard let wanted = EncoderPrecision(rawValue: precision) else {
            throw ValidationError("--precision takes fp32, bf16, int8, w8a8 or auto (got '\(precision)')")
        }
        let model = try MiniLMEmbedder(configuration: .init(modelDirectory: directory, precision: wanted))
        if !json { print("encoder precision: \(model.precision.rawValue)\(wanted == .auto ? " (auto)" : "")") }
        let wordVectors = InputEmbeddingWordVectors(embedder: model)
        // As in the gateway: the preset chain for each lookup's threshold, and every embedding pass
        // prepares its text for them (analysis, words in context).
        if byKind {
            try await runByKind(pairs, model: model, wordVectors: wordVectors)
            return
        }
        let presets = DefaultVerifier.presets(embedder: model, wordVectors: wordVectors)
        let embedder = MemoizingEmbedder(TokenStateReportingEmbedder(model, observer: presets), capacity: 100_000)
        var logger = Logger(label: "deja-bench")
        logger.logLevel = .critical

        var rows: [Row] = []
        for threshold in sweep {
            let variants: [(String, (any HitVerifier)?)]
            if noVerifier {
                variants = [("cosine only", nil)]
            } else {
                var list: [(String, (any HitVerifier)?)] = [
                    ("cosine + verifier", presets)
                ]
                if perCheck {
                    list.insert(("cosine only", nil), at: 0)
                    for check in VerifierConfiguration.checkNames {
                        list.append(("only \(check)", DefaultVerifier.make(threshold: threshold, checks: [check], embedder: model, wordVectors: wordVectors)))
                    }
                }
                variants = list
            }
            for (label, verifier) in variants {
                var row = try await measure(pairs, threshold: threshold, embedder: embedder, verifier: verifier, logger: logger)
                row.label = label
                rows.append(row)
            }
        }
        if json {
            print(Self.jsonReport(rows))
        } else {
            print(Self.table(rows, pairs: pairs.count))
            if verbose {
                for row in rows {
                    for line in row.servedNearMisses { print("  served near-miss @\(row.threshold): \(line)") }
                    for line in row.rejectedNearMisses { print("  rejected near-miss @\(row.threshold): \(line)") }
                    for line in row.rejectedParaphrases { print("  lost paraphrase @\(row.threshold): \(line)") }
                }
            }
            if decisions {
                for row in rows {
                    for (index, hit) in row.hits.enumerated() {
                        let pair = pairs[index]
                        print("  \(row.label) @\(row.threshold) #\(index) \(pair.label) \(hit ? "hit" : "miss"): \(pair.a) | \(pair.b)")
                    }
                }
            }
        }
    }

    struct Row {
        var threshold: Double
        var label = ""
        var counts: [String: (total: Int, hits: Int)] = [:]
        var rejections: [String: Int] = [:]
        var servedNearMisses: [String] = []
        var rejectedNearMisses: [String] = []
        /// Paraphrases whose candidate the verifier rejected (hits it cost).
        var rejectedParaphrases: [String] = []
        var lookupMicros: [Double] = []
        /// Each pair's outcome, in file order.
        var hits: [Bool] = []
    }

    func measure(_ pairs: [Pair], threshold: Double, embedder: any Embedder, verifier: (any HitVerifier)?, logger: Logger) async throws -> Row {
        var configuration = CacheConfiguration()
        configuration.threshold = threshold
        configuration.thresholdBounds = 0...1
        let recorder = RejectionRecorder(base: verifier)
        let cache = SemanticCache(configuration: configuration, embedder: embedder, verifier: verifier == nil ? nil : recorder, logger: logger)
        let completion = StoredCompletion(
            json: Array(#"{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"answer"},"finish_reason":"stop"}]}"#.utf8))!
        var row = Row(threshold: threshold)
        for (i, pair) in pairs.enumerated() {
            let scope = "bench:\(i)"
            let stored = RequestFingerprint(request: try Self.request(pair.a), scope: scope, resolvedModel: "bench/m")
            _ = await cache.store(stored, completion: completion, model: "bench/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 0)
            let probe = RequestFingerprint(request: try Self.request(pair.b), scope: scope, resolvedModel: "bench/m")
            _ = try await embedder.embed(pair.b)  // warm the memo so the timing below is the cache's own cost
            recorder.reset()
            let start = ContinuousClock.now
            let result = await cache.lookup(probe, threshold: threshold)
            let elapsed = ContinuousClock.now - start
            row.lookupMicros.append(elapsed.microseconds)
            let hit: Bool
            switch result {
            case .exact, .semantic: hit = true
            case .miss: hit = false
            }
            row.hits.append(hit)
            row.counts[pair.label, default: (0, 0)].total += 1
            if hit { row.counts[pair.label, default: (0, 0)].hits += 1 }
            for check in recorder.checks() { row.rejections[check, default: 0] += 1 }
            if pair.label == "near_miss" {
                if hit { row.servedNearMisses.append("\(pair.a) | \(pair.b)") }
                for rejection in recorder.rejections() { row.rejectedNearMisses.append("[\(rejection)] \(pair.a) | \(pair.b)") }
            } else if pair.label == "paraphrase" && !hit {
                for rejection in recorder.rejections() { row.rejectedParaphrases.append("[\(rejection)] \(pair.a) | \(pair.b)") }
            }
        }
        return row
    }

    static func request(_ text: String) throws -> ChatRequest {
        var object = JSONObject()
        object.append("model", .string("m"))
        object.append("messages", .array([.object(JSONObject(["role": .string("user"), "content": .string(text)]))]))
        return try ChatRequest(validating: .object(object))
    }

    static func load(_ path: String) throws -> [Pair] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        var pairs: [Pair] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONParser.parse(Array(line.utf8)).objectValue, let a = object["a"]?.stringValue, let b = object["b"]?.stringValue,
                let label = object["label"]?.stringValue, ["paraphrase", "near_miss", "unrelated"].contains(label)
            else { throw ValidationError("\(path):\(n + 1): expected {\"a\", \"b\", \"label\": paraphrase|near_miss|unrelated}") }
            pairs.append(Pair(a: a, b: b, label: label, kind: object["kind"]?.stringValue))
        }
        return pairs
    }

    static func rate(_ row: Row, _ label: String) -> Double {
        guard let c = row.counts[label], c.total > 0 else { return 0 }
        return Double(c.hits) / Double(c.total)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }

    static func table(_ rows: [Row], pairs: Int) -> String {
        var lines = ["\(pairs) pairs", ""]
        lines.append("| threshold | stage | paraphrase hit | near-miss false hit | unrelated false hit | lookup p50 µs | lookup p99 µs | rejections by check |")
        lines.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for row in rows {
            let rejections = row.rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append(
                String(
                    format: "| %.2f | %@ | %.1f%% | %.1f%% | %.1f%% | %.0f | %.0f | %@ |", row.threshold, row.label, rate(row, "paraphrase") * 100,
                    rate(row, "near_miss") * 100, rate(row, "unrelated") * 100, percentile(row.lookupMicros, 0.5), percentile(row.lookupMicros, 0.99),
                    rejections.isEmpty ? "-" : rejections))
        }
        return lines.joined(separator: "\n")
    }

    static func jsonReport(_ rows: [Row]) -> String {
        let items: [JSONValue] = rows.map { row in
            .object(
                JSONObject([
                    "threshold": .double(row.threshold), "stage": .string(row.label), "paraphrase_hit_rate": .double(rate(row, "paraphrase")),
                    "near_miss_false_hit_rate": .double(rate(row, "near_miss")), "unrelated_false_hit_rate": .double(rate(row, "unrelated")),
                    "lookup_p50_us": .double(percentile(row.lookupMicros, 0.5)), "lookup_p99_us": .double(percentile(row.lookupMicros, 0.99)),
                    "rejections": .object(JSONObject(row.rejections.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .int($0.value)) })),
                ]))
        }
        return String(decoding: JSONWriter.serialize(.array(items)), as: UTF8.self)
    }
}

/// Wraps the verifier to record which checks rejected the current lookup's candidates.
final class RejectionRecorder: HitVerifier {
    private let base: (any HitVerifier)?
    private let seen = Mutex<[Verdict]>([])

    init(base: (any HitVerifier)?) { self.base = base }

    func rejection(query: String, candidate: String, threshold: Double, similarity: Double) async -> Verdict? {
        let r = await base?.rejection(query: query, candidate: candidate, threshold: threshold, similarity: similarity)
        if let r { seen.withLock { $0.append(r) } }
        return r
    }

    func reset() { seen.withLock { $0.removeAll() } }
    func checks() -> [String] { seen.withLock { $0.map(\.check) } }
    func rejections() -> [String] { seen.withLock { $0.map(\.description) } }
}
