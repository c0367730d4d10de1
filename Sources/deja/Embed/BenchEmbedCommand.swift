import ArgumentParser
import DejaEmbedding
import Foundation

/// `deja bench embed`: latency of single queries and throughput of batches for the built-in
/// all-MiniLM-L6-v2 embedder, in each requested precision and with each requested number of
/// OpenBLAS threads, plus peak memory and each precision's cosine to fp32.
///
/// Queries are 200 distinct questions of 11–13 words (about 16 tokens with `[CLS]`/`[SEP]`),
/// the kind of text the semantic cache embeds. Build in release mode before measuring.
public struct BenchEmbedCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Benchmark the built-in embedder: batch-1 latency and batch throughput.",
        discussion: "Reports p50/p99 latency of one ~12-word query and sentences per second at the batch size, per encoder precision and BLAS thread count, and each precision's cosine to fp32 on the reference texts."
    )

    @Option(help: "Timed single-query runs per thread count.")
    var runs = 200

    @Option(help: "Untimed single-query runs before timing.")
    var warmup = 30

    @Option(help: "Sentences per batch for the throughput measurement.")
    var batch = 32

    @Option(help: "Timed batches per thread count.")
    var batchRounds = 20

    @Option(help: "Comma-separated OpenBLAS thread counts to measure.")
    var threads = "1,2"

    @Option(help: "Comma-separated encoder precisions to measure (fp32, bf16, int8, w8a8, auto), one after another in this run.")
    var precision = "fp32,bf16,int8,w8a8"

    @Option(help: "JSON of reference texts ({cases: [{text}]}) for the accuracy of each precision against fp32.")
    var fixtureTexts = "Tests/Fixtures/minilm-reference.json"

    @Option(help: "JSON-lines pairs ({a, b}) whose first 1,000 distinct texts are the realistic queries for accuracy.")
    var queryTexts = "Tests/Fixtures/cache-pairs-kinds.jsonl"

    @Flag(help: "Print the results as one JSON object.")
    var json = false

    @OptionGroup var model: EmbedModelOptions

    /// Creates the command with default options (ArgumentParser fills them in).
    public init() {}

    /// Rejects non-positive counts and an empty thread list.
    public func validate() throws {
        guard runs > 0, warmup >= 0, batch > 0, batchRounds > 0 else {
            throw ValidationError("runs, batch and batch-rounds must be positive.")
        }
        guard !threadCounts.isEmpty else { throw ValidationError("--threads needs at least one positive count.") }
        guard !precisions.isEmpty, precisions.count == precision.split(separator: ",").count else {
            throw ValidationError("--precision takes fp32, bf16, int8, w8a8 or auto, comma-separated.")
        }
    }

    private var precisions: [EncoderPrecision] {
        precision.split(separator: ",").compactMap { EncoderPrecision(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    }

    private var threadCounts: [Int] {
        threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    }

    /// Loads the model in each precision, measures each thread count, compares every precision's
    /// embeddings with fp32's, and prints the table or JSON.
    public func run() async throws {
        let queries = Self.queries
        let loadBefore = ProcessStatus.loadAverage()
        let accuracyTexts = Self.accuracyTexts(fixture: fixtureTexts, queries: queryTexts)
        var reference: [String: [[Float]]] = [:]
        var results: [Measurement] = []
        var accuracy: [Accuracy] = []
        var first: (load: Duration, rss: Double, words: Double, tokens: Double)?
        var last: MiniLMEmbedder?
        var fp32Model: MiniLMEmbedder?
        for wanted in precisions {
            let loadStart = ContinuousClock.now
            let embedder = try model.loadEmbedder(blasThreads: threadCounts[0], precision: wanted)
            last = embedder
            let loadTime = ContinuousClock.now - loadStart
            if first == nil {
                first = (
                    loadTime, ProcessStatus.read().residentMB,
                    Double(queries.map { $0.split(separator: " ").count }.reduce(0, +)) / Double(queries.count),
                    Double(queries.map(embedder.tokenCount).reduce(0, +)) / Double(queries.count)
                )
            }
            for count in threadCounts {
                let applied = MiniLMEmbedder.setBLASThreadCount(count)
                var measurement = try measure(embedder, queries: queries, threads: count, applied: applied)
                measurement.precision = wanted.rawValue
                measurement.resolvedPrecision = embedder.precision.rawValue
                measurement.kernel = embedder.precision == .fp32 ? "blas" : "\(embedder.kernel)"
                measurement.loadMilliseconds = Self.milliseconds(loadTime)
                results.append(measurement)
            }
            if embedder.precision == .fp32 {
                fp32Model = fp32Model ?? embedder
            } else {
                for (name, texts) in accuracyTexts where !texts.isEmpty {
                    if reference[name] == nil {
                        // The fp32 model measured above, or one loaded once for the references.
                        let fp32 = try fp32Model ?? model.loadEmbedder(blasThreads: threadCounts[0], precision: .fp32)
                        fp32Model = fp32
                        reference[name] = try fp32.embedSynchronously(texts)
                    }
                    let cosines = zip(reference[name]!, try embedder.embedSynchronously(texts)).map { pair in
                        Double(zip(pair.0, pair.1).reduce(Float(0)) { $0 + $1.0 * $1.1 })
                    }
                    accuracy.append(Accuracy(precision: wanted.rawValue, texts: name, cosines: cosines))
                }
            }
        }
        let peakShortQueries = ProcessStatus.read().peakMB
        // One maximal micro-batch (8 texts truncated to 256 tokens = 2,048 rows) to show the
        // workspace's worst case on top of the model.
        let long = String(repeating: "The quick brown fox jumps over the lazy dog near the riverbank. ", count: 30)
        _ = try last?.embedSynchronously((0..<8).map { "\($0) " + long })
        let report = Report(
            modelLoadMilliseconds: Self.milliseconds(first!.load),
            averageQueryWords: first!.words,
            averageQueryTokens: first!.tokens,
            batchSize: batch,
            results: results,
            accuracy: accuracy,
            rssAfterLoadMB: first!.rss,
            peakRSSMB: peakShortQueries,
            peakRSSWithLongInputsMB: ProcessStatus.read().peakMB,
            loadAverageBefore: loadBefore,
            loadAverageAfter: ProcessStatus.loadAverage()
        )
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
    }

    /// The accuracy sets: the fixture's reference texts and the first 1,000 distinct texts of
    /// the pairs file (either empty when its file is not there, e.g. outside the repository).
    static func accuracyTexts(fixture: String, queries: String) -> [(String, [String])] {
        var sets: [(String, [String])] = []
        if let data = FileManager.default.contents(atPath: fixture),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cases = object["cases"] as? [[String: Any]]
        {
            sets.append(("fixture (\(cases.count))", cases.compactMap { $0["text"] as? String }))
        }
        if let text = try? String(contentsOfFile: queries, encoding: .utf8) {
            var seen = Set<String>()
            var texts: [String] = []
            for line in text.split(separator: "\n") where texts.count < 1000 {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                for key in ["a", "b"] {
                    if let value = object[key] as? String, texts.count < 1000, seen.insert(value).inserted { texts.append(value) }
                }
            }
            sets.append(("queries (\(texts.count))", texts))
        }
        return sets
    }

    private func measure(_ embedder: MiniLMEmbedder, queries: [String], threads: Int, applied: Bool) throws -> Measurement {
        for index in 0..<warmup {
            _ = try embedder.embedSynchronously([queries[index % queries.count]])
        }
        var latencies: [Double] = []
        var tokenizeTimes: [Double] = []
        var cpuTimes: [Double] = []
        latencies.reserveCapacity(runs)
        for index in 0..<runs {
            let query = queries[index % queries.count]
            let cpuStart = ProcessStatus.cpuMilliseconds()
            let start = ContinuousClock.now
            _ = try embedder.embedSynchronously([query])
            latencies.append(Self.milliseconds(ContinuousClock.now - start))
            cpuTimes.append(ProcessStatus.cpuMilliseconds() - cpuStart)
            let tokenizeStart = ContinuousClock.now
            _ = embedder.tokenizer.encode(query)
            tokenizeTimes.append(Self.milliseconds(ContinuousClock.now - tokenizeStart))
        }
        latencies.sort()
        tokenizeTimes.sort()
        cpuTimes.sort()

        let batches = (0..<batchRounds).map { round in
            (0..<batch).map { queries[(round * batch + $0) % queries.count] }
        }
        _ = try embedder.embedSynchronously(batches[0])  // warm the larger workspace
        let start = ContinuousClock.now
        for texts in batches {
            _ = try embedder.embedSynchronously(texts)
        }
        let seconds = Self.milliseconds(ContinuousClock.now - start) / 1000
        let sentencesPerSecond = Double(batchRounds * batch) / seconds
        let tokensPerQuery = Double(queries.map(embedder.tokenCount).reduce(0, +)) / Double(queries.count)
        let p50 = Self.percentile(latencies, 0.50)
        return Measurement(
            blasThreads: threads,
            threadsApplied: applied,
            latencyP50Milliseconds: p50,
            latencyP99Milliseconds: Self.percentile(latencies, 0.99),
            latencyMeanMilliseconds: latencies.reduce(0, +) / Double(latencies.count),
            cpuP50Milliseconds: Self.percentile(cpuTimes, 0.50),
            tokenizeP50Microseconds: Self.percentile(tokenizeTimes, 0.50) * 1000,
            batchSentencesPerSecond: sentencesPerSecond,
            batch1GFLOPS: Self.linearFLOPsPerToken * tokensPerQuery / (p50 / 1000) / 1e9,
            batchGFLOPS: Self.linearFLOPsPerToken * tokensPerQuery * sentencesPerSecond / 1e9
        )
    }

    /// FLOPs of the six layers' weight products per token: 2 · (4 · 384² + 2 · 384 · 1536) · 6.
    /// Attention scores add a little on top (2 · 2 · n · 384 per token per layer).
    static let linearFLOPsPerToken: Double = 2 * Double(4 * 384 * 384 + 2 * 384 * 1536) * 6

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// 200 distinct questions of 11–13 words.
    static let queries: [String] = {
        let subjects = [
            "machine learning", "data analysis", "home gardening", "public speaking", "personal finance",
            "web development", "digital photography", "project management", "creative writing", "mobile apps",
            "cloud computing", "graphic design", "french cooking", "time management", "network security",
            "music production", "video editing", "marathon training", "language learning", "index investing",
        ]
        let templates = [
            "How do I get started with %@ if I have no experience?",
            "What are the most common mistakes people make with %@ today?",
            "Can you explain %@ to me in simple terms, please?",
            "Why is %@ so important for small businesses these days?",
            "Which books would you recommend for someone learning %@ this year?",
            "What is the difference between %@ and similar approaches in practice?",
            "How much time does it take to become good at %@?",
            "Give me three practical tips for improving my %@ skills quickly.",
            "What tools do professionals use for %@ in large companies?",
            "Is it worth paying for a course on %@ or not?",
        ]
        return templates.flatMap { template in subjects.map { template.replacingOccurrences(of: "%@", with: $0) } }
    }()
}
