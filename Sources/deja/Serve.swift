import ArgumentParser
import DejaGateway
import DejaSim
import Foundation
import CoreMetrics
import DejaObservability
import Logging
#if OTLP
import OTel
import Synchronization
#endif
import ServiceLifecycle
import Tracing

/// `deja serve`: load the configuration, start the gateway, serve until SIGINT/SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the gateway.",
        discussion: """
            Configuration comes from --config (YAML, see deja.example.yaml) and environment variables, \
            which override the file: PORT, HOST, OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY, \
            TOGETHER_API_KEY, OLLAMA_URL, DEFAULT_PROVIDER, LOG_LEVEL, LOG_FORMAT (json|text), REQUEST_TIMEOUT_MS, MAX_BODY_BYTES, \
            CACHE_TTL_SECONDS, CACHE_SIMILARITY_THRESHOLD, CACHE_MAX_ENTRIES, ADMIN_API_KEY, DATABASE_URL, REDIS_URL and more \
            (README, Configuration). A .env file in the working directory is read too; the environment wins over it. \
            With no provider configured, or with --demo, a built-in simulator answers every request.
            """)

    @Option(name: .long, help: "Path to a YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "Port to listen on (overrides PORT and the file).")
    var port: Int?

    @Option(name: .long, help: "Address to listen on (overrides HOST and the file).")
    var host: String?

    @Flag(name: .long, help: "Serve every model from the built-in simulator (deja-sim) instead of real providers.")
    var demo = false

    func run() async throws {
        var configuration: GatewayConfiguration
        let environment: [String: String]
        do {
            environment = try DotEnv.environment()
            configuration = try ConfigurationLoader().load(path: config, environment: environment)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("deja: configuration error: \(error.message)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        if let port {
            guard (0...65535).contains(port) else {
                FileHandle.standardError.write(Data("deja: configuration error: --port: expected 0-65535, got \(port)\n".utf8))
                throw ExitCode(78)
            }
            configuration.port = port
        }
        if let host { configuration.host = host }

        let level = configuration.logLevel
        let format = configuration.logFormat ?? (isatty(2) == 1 ? .text : .json)
        let redactPrompts = configuration.governance.redactPrompts
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, level: level, redactPrompts: redactPrompts)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "deja")

        var simulator: Simulator?
        if demo || configuration.demo || configuration.providers.isEmpty {
            let sim = try await Simulator.start(SimulatorConfiguration(port: 0, logLevel: .warning))
            simulator = sim
            configuration = DemoMode.apply(to: configuration, simulatorURL: sim.baseURL)
        }

        let tracing: (tracer: any Tracer, service: (any Service)?)
        do {
            tracing = try Self.tracing(environment: environment, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("deja: configuration error: tracing: \(error)\n".utf8))
            await simulator?.shutdown()
            throw ExitCode(78)
        }
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, logger: logger, tracer: tracing.tracer)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("deja: configuration error: \(error.message)\n".utf8))
            await simulator?.shutdown()
            throw ExitCode(78)
        } catch {
            FileHandle.standardError.write(Data("deja: cannot start: \(error)\n".utf8))
            await simulator?.shutdown()
            throw ExitCode(1)
        }
        // Libraries that record through swift-metrics land on the same /metrics.
        MetricsSystem.bootstrap(gateway.metrics.factory)
        let banner = Banner(configuration: configuration, simulatorURL: simulator?.baseURL)
        try await gateway.run(additionalServices: tracing.service.map { [$0] } ?? []) { port in
            banner.print(port: port, governance: gateway.governanceSummary)
        }
        await simulator?.shutdown()
    }

    /// The tracer: swift-otel's OTLP/HTTP exporter when this build has the `OTLP` trait and
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the other `OTEL_*` variables apply), else none.
    static func tracing(environment: [String: String], logger: Logger) throws -> (tracer: any Tracer, service: (any Service)?) {
        let endpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? ""
        #if OTLP
        if !endpoint.isEmpty {
            var configuration = OTel.Configuration.default
            configuration.serviceName = "deja"
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.traces.otlpExporter.protocol = .httpProtobuf
            // The endpoint may come from .env, which swift-otel does not read: the traces URL is the
            // signal's own variable as it is, else the base endpoint + /v1/traces (the OTLP rule).
            if let traces = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !traces.isEmpty {
                configuration.traces.otlpExporter.endpoint = traces
            } else {
                configuration.traces.otlpExporter.endpoint = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
            }
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            // The exporter's HTTP client is shut down (asynchronously) by the service's graceful
            // shutdown, but the exporter's deinit also calls its `syncShutdown()`, which traps on an
            // event-loop thread — and here every task runs on NIO's loops (main.swift). Holding the
            // backend for the life of the process means that deinit never runs: the client is
            // already closed when the process exits.
            ProcessLifetime.keep(backend.service)
            ProcessLifetime.keep(backend.factory)
            logger.info("Exporting traces over OTLP/HTTP")
            return (backend.factory, backend.service)
        }
        #else
        if !endpoint.isEmpty {
            logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but this build has no OTLP exporter (build with --traits OTLP); spans are not exported")
        }
        #endif
        return (NoOpTracer(), nil)
    }
}

#if OTLP
/// Objects that must never be deinitialised before the process exits (see `Serve.tracing`).
enum ProcessLifetime {
    private static let anchors = Mutex<[any Sendable]>([])
    static func keep(_ object: any Sendable) { anchors.withLock { $0.append(object) } }
}
#endif

/// The start-up banner on standard output.
struct Banner: Sendable {
    let configuration: GatewayConfiguration
    let simulatorURL: String?

    func print(port: Int, governance: Gateway.GovernanceSummary? = nil) {
        var lines = ["Deja \(Deja.version) listening on http://\(configuration.host):\(port)"]
        if let simulatorURL {
            lines.append("")
            lines.append("  *** DEMO MODE: no provider API key is configured. ***")
            lines.append("  *** Every answer comes from the built-in simulator (deja-sim at \(simulatorURL)), not from a real LLM. ***")
            lines.append("  *** Set OPENAI_API_KEY (or another provider key) to use real providers. ***")
            lines.append("")
        } else {
            lines.append("Providers: " + configuration.providers.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))
        }
        lines += securityLines(port: port, governance: governance)
        if let governance { lines.append("Governance: \(governance.description)") }
        lines.append(
            "Try: curl -s http://127.0.0.1:\(port)/v1/chat/completions -H 'content-type: application/json' -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'"
        )
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// What is authenticated, said plainly: client keys, and who may use the gateway API.
    func securityLines(port: Int, governance: Gateway.GovernanceSummary? = nil) -> [String] {
        var lines: [String] = []
        if let governance, governance.keysRequired, configuration.tenants.isEmpty {
            lines.append("Authentication: client key required on /v1 and the pass-through (\(governance.issuedKeys) issued keys\(governance.issuedKeys == 0 ? "; issue one with POST /api/admin/keys or `deja keys create`" : ""))")
        } else if !configuration.tenants.isEmpty {
            let tenants = Set(configuration.tenants.map(\.tenant)).sorted()
            lines.append("Authentication: client key required on /v1 and the pass-through (\(configuration.tenants.count) keys; tenants \(tenants.joined(separator: ", ")))")
        } else if configuration.isBoundToLoopback {
            lines.append("Authentication: off (no client keys): anonymous callers are accepted because the gateway listens on loopback only")
        } else {
            lines.append("")
            lines.append("  *** WARNING: NO AUTHENTICATION. allow_unauthenticated is set and no client key is configured: ***")
            lines.append("  *** anyone who reaches \(configuration.host):\(port) can use this gateway and its provider keys. ***")
            lines.append("")
        }
        if configuration.adminTokenHash != nil {
            lines.append("Gateway API (/api/*, detailed /health\(configuration.protectMetrics ? ", /metrics" : "")): admin token required")
        } else if configuration.isBoundToLoopback {
            lines.append("Gateway API (/api/*, detailed /health): local callers only (no ADMIN_API_KEY)")
        } else {
            lines.append("Gateway API (/api/*): disabled until ADMIN_API_KEY is set")
        }
        return lines
    }
}
