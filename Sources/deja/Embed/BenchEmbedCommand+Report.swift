import Foundation

extension BenchEmbedCommand {
    struct Measurement: Codable {
        var precision = "fp32"
        var resolvedPrecision = "fp32"
        /// `blas` for fp32, else the low-precision kernel build.
        var kernel = "blas"
        var loadMilliseconds = 0.0
        var blasThreads: Int
        var threadsApplied: Bool
        var latencyP50Milliseconds: Double
        var latencyP99Milliseconds: Double
        var latencyMeanMilliseconds: Double
        /// Process CPU time of one query (all threads), which load from other processes barely
        /// inflates.
        var cpuP50Milliseconds: Double
        var tokenizeP50Microseconds: Double
        var batchSentencesPerSecond: Double
        var batch1GFLOPS: Double
        var batchGFLOPS: Double
    }

    struct Report: Codable {
        var modelLoadMilliseconds: Double
        var averageQueryWords: Double
        var averageQueryTokens: Double
        var batchSize: Int
        var results: [Measurement]
        var accuracy: [Accuracy]
        var rssAfterLoadMB: Double
        var peakRSSMB: Double
        var peakRSSWithLongInputsMB: Double
        var loadAverageBefore: String
        var loadAverageAfter: String

        var table: String {
            var lines = [
                String(
                    format: "all-MiniLM-L6-v2: %.1f words / %.1f tokens per query, model load %.0f ms",
                    averageQueryWords, averageQueryTokens, modelLoadMilliseconds
                ),
                "precision (kernel) | load ms | BLAS threads | batch-1 p50 ms | p99 ms | mean ms | CPU p50 ms | tokenize p50 µs | batch-\(batchSize) sentences/s | GFLOP/s b1 | GFLOP/s b\(batchSize)",
            ]
            for result in results {
                lines.append(
                    String(
                        format: "%18@ | %7.0f | %12d | %14.2f | %6.2f | %7.2f | %10.2f | %15.1f | %20.0f | %10.1f | %10.1f%@",
                        "\(result.resolvedPrecision == result.precision ? result.precision : "\(result.precision)→\(result.resolvedPrecision)") (\(result.kernel))" as NSString,
                        result.loadMilliseconds, result.blasThreads, result.latencyP50Milliseconds, result.latencyP99Milliseconds,
                        result.latencyMeanMilliseconds, result.cpuP50Milliseconds, result.tokenizeP50Microseconds, result.batchSentencesPerSecond,
                        result.batch1GFLOPS, result.batchGFLOPS, result.threadsApplied ? "" : " (not OpenBLAS: thread count not applied)"
                    )
                )
            }
            if !accuracy.isEmpty {
                lines.append("cosine to fp32 | texts | min | p1 | median")
                for row in accuracy {
                    lines.append(String(format: "%14@ | %@ | %.5f | %.5f | %.6f", row.precision as NSString, row.texts as NSString, row.minimum, row.p1, row.median))
                }
            }
            lines.append(
                String(
                    format: "RSS after the first load %.1f MB; peak RSS (VmHWM) %.1f MB after the queries, %.1f MB after a 8 × 256-token batch",
                    rssAfterLoadMB, peakRSSMB, peakRSSWithLongInputsMB
                )
            )
            lines.append("load average before: \(loadAverageBefore); after: \(loadAverageAfter)")
            return lines.joined(separator: "\n")
        }
    }
}

extension BenchEmbedCommand {
    /// Cosines of one precision's embeddings to fp32's over one set of texts.
    struct Accuracy: Codable {
        var precision: String
        var texts: String
        var minimum: Double
        var p1: Double
        var median: Double

        init(precision: String, texts: String, cosines: [Double]) {
            let sorted = cosines.sorted()
            self.precision = precision
            self.texts = texts
            minimum = sorted.first ?? 0
            p1 = sorted.isEmpty ? 0 : BenchEmbedCommand.percentile(sorted, 0.01)
            median = sorted.isEmpty ? 0 : BenchEmbedCommand.percentile(sorted, 0.50)
        }
    }
}

extension BenchEmbedCommand {
    /// Memory and load figures of this process, from /proc.
    enum ProcessStatus {
        struct Figures {
            var residentMB: Double
            var peakMB: Double
        }

        /// VmRSS and VmHWM from /proc/self/status (zero where /proc is unavailable).
        static func read() -> Figures {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
                return Figures(residentMB: 0, peakMB: 0)
            }
            func kilobytes(_ key: String) -> Double {
                guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
                return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
            }
            return Figures(residentMB: kilobytes("VmRSS") / 1024, peakMB: kilobytes("VmHWM") / 1024)
        }

        /// CPU time used by this process so far, all threads.
        static func cpuMilliseconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
            return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
        }

        /// The first three fields of /proc/loadavg.
        static func loadAverage() -> String {
            guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
            return text.split(separator: " ").prefix(3).joined(separator: " ")
        }
    }

}

extension BenchEmbedCommand {
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
