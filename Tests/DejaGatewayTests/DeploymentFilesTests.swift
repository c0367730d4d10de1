import DejaObservability
import DejaWire
import Foundation
import Testing
import Yams

/// The container and compose files cannot be run here (no Docker engine): their structure is
/// checked instead — services, ports, volumes, health checks, the Prometheus scrape, and that the
/// Grafana dashboard queries only metrics the gateway exports.
@Suite struct DeploymentFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func yaml(_ path: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: try text(path)) as? [String: Any], "\(path) is not a YAML mapping")
    }

    @Test func composeRunsTheGatewayWithItsStoresAndMonitoring() throws {
        let compose = try Self.yaml("docker-compose.yml")
        let services = try #require(compose["services"] as? [String: Any])
        #expect(Set(services.keys) == ["gateway", "redis", "postgres", "prometheus", "grafana"])
        let declaredVolumes = Set((compose["volumes"] as? [String: Any])?.keys.map { $0 } ?? [])
        for (name, value) in services {
            let service = try #require(value as? [String: Any], "\(name)")
            let check = try #require(service["healthcheck"] as? [String: Any], "\(name) has no health check")
            let test = try #require(check["test"] as? [Any], "\(name): health check test")
            #expect((test.first as? String) == "CMD" && test.count > 1, "\(name): \(test)")
            for volume in service["volumes"] as? [String] ?? [] {
                let source = String(volume.split(separator: ":")[0])
                if source.hasPrefix(".") {
                    #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(source).path), "\(name) mounts missing \(source)")
                } else {
                    #expect(declaredVolumes.contains(source), "\(name) uses undeclared volume \(source)")
                }
            }
        }
        let gateway = try #require(services["gateway"] as? [String: Any])
        #expect((gateway["build"] as? [String: Any])?["context"] as? String == ".")
        #expect((gateway["ports"] as? [String])?.contains("8080:8080") == true)
        let env = try #require(gateway["environment"] as? [String: Any])
        #expect((env["REDIS_URL"] as? String)?.hasPrefix("redis://redis:6379") == true)
        #expect((env["DATABASE_URL"] as? String)?.contains("@postgres:5432/") == true)
        #expect(env["ADMIN_API_KEY"] != nil && env["REDIS_HMAC_KEY"] != nil)
        // Longer than the drain (SHUTDOWN_GRACE_MS, 30 s) so the flushes after it are not killed.
        #expect(gateway["stop_grace_period"] as? String == "40s")
        let gatewayCheck = try #require((gateway["healthcheck"] as? [String: Any])?["test"] as? [String])
        #expect(gatewayCheck.joined(separator: " ").contains("/health/live"))
        let dependsOn = try #require(gateway["depends_on"] as? [String: Any])
        for store in ["redis", "postgres"] {
            #expect((dependsOn[store] as? [String: Any])?["condition"] as? String == "service_healthy", "gateway waits for \(store)")
        }
        // Redis persists (append-only file on a named volume); PostgreSQL keeps its data directory.
        let redis = try #require(services["redis"] as? [String: Any])
        #expect((redis["command"] as? [String])?.joined(separator: " ").contains("--appendonly yes") == true)
        #expect((redis["volumes"] as? [String])?.contains { $0.hasSuffix(":/data") } == true)
        let postgres = try #require(services["postgres"] as? [String: Any])
        #expect((postgres["volumes"] as? [String])?.contains { $0.hasSuffix(":/var/lib/postgresql/data") } == true)
        #expect((services["grafana"] as? [String: Any])?["ports"] as? [String] == ["3000:3000"])

        // Prometheus scrapes the gateway's /metrics.
        let prometheus = try Self.yaml("deploy/prometheus/prometheus.yml")
        let jobs = try #require(prometheus["scrape_configs"] as? [[String: Any]])
        let deja = try #require(jobs.first { $0["job_name"] as? String == "deja" })
        #expect(deja["metrics_path"] as? String == "/metrics")
        let targets = (deja["static_configs"] as? [[String: Any]])?.flatMap { $0["targets"] as? [String] ?? [] }
        #expect(targets == ["gateway:8080"])
    }

    @Test func theDashboardQueriesOnlyExportedMetrics() throws {
        let datasources = try Self.yaml("deploy/grafana/provisioning/datasources/prometheus.yml")
        let uid = try #require((datasources["datasources"] as? [[String: Any]])?.first?["uid"] as? String)
        let dashboard = try #require(try JSONParser.parse(Array(try Self.text("deploy/grafana/dashboards/deja.json").utf8)).objectValue)
        let panels = try #require(dashboard["panels"]?.arrayValue).compactMap(\.objectValue).filter { $0["type"]?.stringValue != "row" }
        #expect(panels.count >= 12)
        let exported = Set(GatewayMetrics.exportedNames)
        var used: Set<String> = []
        let name = /llm_gateway_[a-z_]+/
        for panel in panels {
            let title = panel["title"]?.stringValue ?? "?"
            #expect(panel["datasource"]?.objectValue?["uid"]?.stringValue == uid, "\(title): datasource")
            let targets = try #require(panel["targets"]?.arrayValue, "\(title) has no query")
            for target in targets.compactMap(\.objectValue) {
                let expr = try #require(target["expr"]?.stringValue, "\(title): query without expr")
                for match in expr.matches(of: name) {
                    var metric = String(match.output)
                    let isBucket = metric.hasSuffix("_bucket")
                    for suffix in ["_bucket", "_sum", "_count"] where metric.hasSuffix(suffix) { metric = String(metric.dropLast(suffix.count)) }
                    #expect(exported.contains(metric), "\(title): \(metric) is not exported")
                    if isBucket { #expect(metric.hasSuffix("_seconds"), "\(title): \(metric) is not a histogram") }
                    used.insert(metric)
                }
            }
        }
        // What the issue asks the dashboard to show.
        for required in [
            "llm_gateway_http_requests_total", "llm_gateway_http_request_duration_seconds", "llm_gateway_time_to_first_token_seconds",
            "llm_gateway_cache_hits_total", "llm_gateway_cache_misses_total", "llm_gateway_tokens_total", "llm_gateway_cost_usd_total",
            "llm_gateway_cache_savings_usd_total", "llm_gateway_circuit_breaker_state", "llm_gateway_rate_limit_exceeded_total", "llm_gateway_redis_up",
            "llm_gateway_redis_errors_total",
        ] {
            #expect(used.contains(required), "the dashboard does not show \(required)")
        }
        let provider = try Self.yaml("deploy/grafana/provisioning/dashboards/deja.yml")
        let path = try #require(((provider["providers"] as? [[String: Any]])?.first?["options"] as? [String: Any])?["path"] as? String)
        let grafana = try #require((try Self.yaml("docker-compose.yml")["services"] as? [String: Any])?["grafana"] as? [String: Any])
        #expect((grafana["volumes"] as? [String])?.contains { $0.hasPrefix("./deploy/grafana/dashboards:\(path)") } == true)
    }

    @Test func theDockerfileBuildsASlimNonRootImageWithTheModel() throws {
        let lines = try Self.text("Dockerfile").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
        let stages = lines.indices.filter { lines[$0].hasPrefix("FROM ") }
        #expect(stages.count >= 2)
        #expect(lines[stages[0]].contains("swift:"))
        let final = Array(lines[stages.last!...])
        #expect(final[0].contains("-slim"))
        let user = try #require(final.last { $0.hasPrefix("USER ") })
        #expect(!["USER root", "USER 0", "USER 0:0"].contains(user))
        #expect(final.contains { $0.hasPrefix("HEALTHCHECK") })
        #expect(final.contains { $0.hasPrefix("EXPOSE 8080") })
        #expect(final.contains { $0.hasPrefix("COPY --from=build") && $0.contains("deja") })
        #expect(final.contains { $0.hasPrefix("COPY --from=") && $0.contains("all-MiniLM-L6-v2") })
        #expect(final.contains { $0.contains("libopenblas") } && final.contains { $0.contains("libhiredis") })
        #expect(final.contains { $0.hasPrefix("ENTRYPOINT") && $0.contains("serve") })
        // The spec is compiled in through a link: the build stage needs the file itself.
        #expect(lines.contains { $0.hasPrefix("COPY openapi.yaml") })
        #expect(try Self.text(".dockerignore").split(separator: "\n").contains("!openapi.yaml"))
    }
}
