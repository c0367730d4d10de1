import ArgumentParser
import DejaGateway
import Foundation
import Logging

/// `deja bench governance`: admission cost (embedded and with Redis) and analytics over a
/// generated ledger (SQLite or PostgreSQL).
struct BenchGovernanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "governance", abstract: "Time governance admission (auth + rate limits + budget reservation) and /api/analytics over a generated ledger.")

    @Option(help: "Admission iterations (0 skips).") var iterations = 100_000
    @Option(name: .customLong("pause-us"), help: "Microseconds between admissions (lets settlements finish; 0: back to back).") var pauseMicros = 0
    @Option(help: "Also time admission with the shared counters in this Redis (redis://host:port).") var redis: String?
    @Option(help: "Ledger rows to generate for the analytics benchmark (0 skips).") var rows = 0
    @Option(help: "Days the generated rows span.") var days = 30
    @Option(name: .customLong("sqlite-path"), help: "SQLite file for the analytics benchmark (created).") var sqlitePath = "data/bench-analytics.sqlite"
    @Option(name: .customLong("database-url"), help: "Run the analytics benchmark on this PostgreSQL instead of SQLite.") var databaseURL: String?

    func run() async throws {
        var logger = Logger(label: "deja-bench")
        logger.logLevel = .error
        if iterations > 0 {
            for (name, url) in [("embedded", nil)] + (redis.map { [("redis", Optional($0))] } ?? []) {
                let samples = try await GovernanceBenchmark.admission(iterations: iterations, redisURL: url, pause: .microseconds(pauseMicros), logger: logger)
                func p(_ q: Double) -> Double { samples[min(samples.count - 1, Int(q * Double(samples.count)))] }
                print(String(format: "admission %@: n=%d p50 %.1f µs  p90 %.1f µs  p99 %.1f µs  p99.9 %.1f µs  max %.1f µs", name, samples.count, p(0.5), p(0.9), p(0.99), p(0.999), samples.last ?? 0))
            }
        }
        if rows > 0 {
            let result = try await GovernanceBenchmark.analytics(rows: rows, days: days, sqlitePath: databaseURL == nil ? sqlitePath : nil, databaseURL: databaseURL, logger: logger)
            print(String(format: "analytics %@: generated %d rows over %d days in %.1f s", databaseURL == nil ? "sqlite" : "postgres", rows, days, result.generate))
            for (grouping, seconds, requests) in result.queries {
                print(String(format: "  group_by=%@: %.3f s (best of 3), %lld requests counted", grouping, seconds, requests))
            }
        }
    }
}
