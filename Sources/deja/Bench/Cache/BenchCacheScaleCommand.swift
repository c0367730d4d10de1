import ArgumentParser
import DejaCache
import DejaEmbedding
import DejaProviders
import Foundation
import Logging
import DejaWire

/// `deja bench cache-scale`: the cost of one cache lookup (exact miss → semantic search in one
/// namespace → verification) as the namespace grows, through the real cache code. Vectors come
/// from the lexical hashing embedder so that filling 100k entries takes seconds; queries are
/// embedded before they are timed, so the figures are the cache's own cost without the embedder.
struct BenchCacheScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-scale", abstract: "Cache lookup latency with 1k, 10k, 100k entries in one namespace.")

    @Option(help: "Namespace sizes, comma separated.")
    var sizes: String = "1000,10000,100000"

    @Option(help: "Timed lookups per size.")
    var lookups: Int = 2000

    @Flag(help: "Machine-readable output.")
    var json = false

    func run() async throws {
        let sizes = self.sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var logger = Logger(label: "deja-bench")
        logger.logLevel = .critical
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
            "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"]
        var rng = SystemRandomNumberGenerator()
        func sentence(_ n: Int) -> String {
            var parts: [String] = []
            var x = n
            for _ in 0..<6 {
                parts.append(words[x % words.count])
                x = x / words.count + 7
            }
            return "question " + parts.joined(separator: " ") + " \(n)"
        }
        let completion = StoredCompletion(
            json: Array(#"{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"answer"},"finish_reason":"stop"}]}"#.utf8))!
        var rows: [(size: Int, index: String, exactP50: Double, exactP99: Double, missP50: Double, missP99: Double, hitP50: Double, hitP99: Double)] = []
        for size in sizes {
            let embedder = MemoizingEmbedder(HashingEmbedder(), capacity: size + lookups * 2 + 10)
            var configuration = CacheConfiguration()
            configuration.maxEntries = size * 2
            configuration.maxBytes = Int.max / 2
            let cache = SemanticCache(configuration: configuration, embedder: embedder, verifier: nil, logger: logger)
            for i in 0..<size {
                let fp = RequestFingerprint(request: try BenchCacheCommand.request(sentence(i)), scope: "bench", resolvedModel: "bench/m")
                _ = await cache.store(fp, completion: completion, model: "bench/m", embedding: nil, ttlSeconds: nil, originalLatencyMs: 0)
            }
            cache.waitForIndexes()
            var exact: [Double] = []
            var miss: [Double] = []
            var hit: [Double] = []
            for j in 0..<lookups {
                let i = Int.random(in: 0..<size, using: &rng)
                // Exact repeat of a stored query.
                let same = RequestFingerprint(request: try BenchCacheCommand.request(sentence(i)), scope: "bench", resolvedModel: "bench/m")
                exact.append(try await Self.time { _ = await cache.lookup(same, threshold: 0.95) })
                // A re-spaced repeat: not an exact key, found by the semantic search.
                let spaced = sentence(i).replacingOccurrences(of: " ", with: "  ")
                _ = try await embedder.embed(spaced)
                let near = RequestFingerprint(request: try BenchCacheCommand.request(spaced), scope: "bench", resolvedModel: "bench/m")
                hit.append(try await Self.time { _ = await cache.lookup(near, threshold: 0.95) })
                // A query that matches nothing.
                let other = "unrelated probe \(j) " + words[j % words.count] + " zzz"
                _ = try await embedder.embed(other)
                let none = RequestFingerprint(request: try BenchCacheCommand.request(other), scope: "bench", resolvedModel: "bench/m")
                miss.append(try await Self.time { _ = await cache.lookup(none, threshold: 0.95) })
            }
            let kind = cache.statistics().topNamespaces.first?.index ?? "?"
            rows.append(
                (size, kind, BenchCacheCommand.percentile(exact, 0.5), BenchCacheCommand.percentile(exact, 0.99), BenchCacheCommand.percentile(miss, 0.5),
                 BenchCacheCommand.percentile(miss, 0.99), BenchCacheCommand.percentile(hit, 0.5), BenchCacheCommand.percentile(hit, 0.99)))
        }
        if json {
            let items: [JSONValue] = rows.map {
                .object(JSONObject([
                    "entries": .int($0.size), "index": .string($0.index), "exact_hit_p50_us": .double($0.exactP50), "exact_hit_p99_us": .double($0.exactP99),
                    "semantic_hit_p50_us": .double($0.hitP50), "semantic_hit_p99_us": .double($0.hitP99), "miss_p50_us": .double($0.missP50),
                    "miss_p99_us": .double($0.missP99),
                ]))
            }
            print(String(decoding: JSONWriter.serialize(.array(items)), as: UTF8.self))
            return
        }
        print("| entries in namespace | index | exact hit p50/p99 µs | semantic hit p50/p99 µs | miss p50/p99 µs |")
        print("| ---: | --- | ---: | ---: | ---: |")
        for r in rows {
            print(String(format: "| %d | %@ | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |", r.size, r.index, r.exactP50, r.exactP99, r.hitP50, r.hitP99, r.missP50, r.missP99))
        }
    }

    static func time(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - start).microseconds
    }
}
