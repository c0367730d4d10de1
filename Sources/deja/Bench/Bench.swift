import ArgumentParser

/// `deja bench …`: measurements an operator can run on their own machine and data.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: the vector index, the embedder, the cache's hit/false-hit trade-off.",
        subcommands: [BenchIndexCommand.self, BenchEmbedCommand.self, BenchCacheCommand.self, BenchCacheScaleCommand.self, BenchVerifierCommand.self, BenchRouterCommand.self, BenchGovernanceCommand.self]
    )
}

extension Duration {
    /// The duration in microseconds, for latency tables.
    var microseconds: Double {
        Double(components.seconds) * 1e6 + Double(components.attoseconds) / 1e12
    }
}
