import ArgumentParser
import DejaSim
import Foundation
import Logging

/// `deja-sim`: serves the OpenAI, Anthropic and Gemini wire formats until SIGINT or SIGTERM.

struct DejaSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deja-sim",
        abstract: "Upstream LLM simulator speaking the OpenAI, Anthropic and Gemini wire formats."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free port).")
    var port = 8089

    @Option(name: .customLong("latency-ms"), help: "Delay before every response, in milliseconds.")
    var latencyMs = 0

    @Option(name: .customLong("error-rate"), help: "Fraction (0...1) of requests answered with an injected error.")
    var errorRate = 0.0

    @Option(name: .customLong("chaos-rate"), help: "Fraction (0...1) of requests given a mixed fault: 429, 500, 503, 529, a reset, a cut stream or a 2 s stall.")
    var chaosRate = 0.0

    @Option(help: "Answer length in tokens when a request sends no x-sim-tokens header.")
    var tokens = 24

    @Option(name: .customLong("api-key"), help: "Require this API key on every provider request.")
    var apiKey: String?

    @Option(help: "Seed of answers and of the error-rate draws.")
    var seed: UInt64 = 0

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "warning"

    func validate() throws {
        guard (0...1).contains(errorRate) else { throw ValidationError("--error-rate must be within 0...1") }
        guard (0...1).contains(chaosRate) else { throw ValidationError("--chaos-rate must be within 0...1") }
        guard tokens >= 0 else { throw ValidationError("--tokens must not be negative") }
    }

    func run() async throws {
        var configuration = SimulatorConfiguration(
            host: host, port: port, latencyMs: latencyMs, errorRate: errorRate, seed: seed,
            defaultAnswerTokens: tokens, requiredAPIKey: apiKey,
            logLevel: Logger.Level(rawValue: logLevel) ?? .warning
        )
        configuration.chaosRate = chaosRate
        let simulator = try await Simulator.start(configuration)
        FileHandle.standardOutput.write(Data("deja-sim listening on \(simulator.baseURL)\n".utf8))
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Task { await simulator.shutdown() }
            }
            source.resume()
            sources.append(source)
        }
        await simulator.waitUntilStopped()
        withExtendedLifetime(sources) {}
    }
}
