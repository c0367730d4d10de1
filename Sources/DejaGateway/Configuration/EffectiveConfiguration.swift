import DejaCache
import DejaGovernance
import DejaHTTPServer
import DejaObservability
import DejaReliability
import DejaRouting
import Foundation
import Logging

/// The configuration a gateway would run with, as YAML-like text with every secret masked:
/// what `deja config check` prints after validating a file and the environment.
public enum EffectiveConfiguration {
    /// A secret's presence, never its value.
    static func masked(_ secret: String?) -> String { secret.map { $0.isEmpty ? "(empty)" : "******** (set)" } ?? "(not set)" }

    /// A URL with its password (and a `?password=` query value) replaced.
    static func maskedURL(_ url: String?) -> String {
        guard let url else { return "(not set)" }
        guard var parts = URLComponents(string: url) else { return "******** (unparseable URL, hidden)" }
        if parts.password != nil { parts.password = "********" }
        // Any query value may be a credential (`?key=`, `?sig=`, `?access_token=`…): all are hidden.
        parts.queryItems = parts.queryItems?.map { URLQueryItem(name: $0.name, value: $0.value == nil ? nil : "********") }
        return parts.string ?? "******** (hidden)"
    }

    public static func describe(_ c: GatewayConfiguration) -> String {
        var lines: [String] = []
        func add(_ indent: Int, _ key: String, _ value: Any) { lines.append(String(repeating: "  ", count: indent) + "\(key): \(value)") }
        lines.append("server:")
        add(1, "host", c.host)
        add(1, "port", c.port)
        add(1, "max_body_bytes", c.maxBodyBytes)
        add(1, "request_timeout_ms", c.requestTimeoutMs)
        add(1, "max_connections", c.serverLimits.maxConnections)
        add(1, "cors_allowed_origins", c.corsAllowedOrigins)
        add(0, "log_level", c.logLevel.rawValue)
        add(0, "log_format", c.logFormat?.rawValue ?? "auto (text on a terminal, else json)")
        add(0, "demo", c.demo)
        add(0, "admin_api_key", c.adminTokenHash == nil ? "(not set)" : "******** (set)")
        add(0, "allow_unauthenticated", c.allowUnauthenticated)
        add(0, "protect_metrics", c.protectMetrics)
        add(0, "client_keys", "\(c.tenants.count) configured (tenants: \(Set(c.tenants.map(\.tenant)).sorted().joined(separator: ", ")))")
        lines.append("providers:" + (c.providers.isEmpty ? " []  # none: demo mode answers from the built-in simulator" : ""))
        for p in c.providers {
            add(1, p.name, "")
            add(2, "kind", p.kind.rawValue)
            add(2, "base_url", maskedURL(p.baseURL))
            add(2, "api_key", masked(p.apiKey))
            if !p.models.isEmpty { add(2, "models", p.models) }
            if !p.modelPatterns.isEmpty { add(2, "model_patterns", p.modelPatterns) }
        }
        lines.append("cache:")
        let cache = c.cacheSettings
        add(1, "enabled", cache.cache.enabled)
        add(1, "threshold", cache.cache.threshold)
        add(1, "ttl_seconds", cache.cache.ttlSeconds)
        add(1, "max_entries", cache.cache.maxEntries)
        add(1, "embedder", cache.embedder.rawValue)
        add(1, "verifier", cache.verifierEnabled ? "on (\(cache.verifierChecks.sorted().joined(separator: ", ")))" : "off")
        add(1, "redis_url", maskedURL(cache.redisURL))
        add(1, "redis_hmac_key", masked(cache.redisHMACKey))
        if cache.embedder == .remote {
            add(1, "remote_embedder.base_url", maskedURL(cache.remoteBaseURL))
            add(1, "remote_embedder.api_key", masked(cache.remoteAPIKey))
        }
        lines.append("governance:")
        switch c.governance.store {
        case .memory: add(1, "store", "memory")
        case .sqlite(let path): add(1, "store", "sqlite (\(path))")
        case .postgres(let url): add(1, "store", "postgres (\(maskedURL(url)))")
        }
        add(1, "rate_limit_per_address", c.governance.perAddress.map { "\($0.count) per \($0.period)" } ?? "off")
        add(1, "redact_prompts", c.governance.redactPrompts)
        add(1, "usage_retention_days", c.governance.usageRetentionDays)
        lines.append("routing:")
        add(1, "default_strategy", c.routing.policy.defaultStrategy)
        add(1, "virtual_models", c.routing.policy.virtualModels.keys.sorted())
        lines.append("reliability:")
        add(1, "request_deadline_ms", c.reliability.requestDeadlineMs)
        add(1, "max_attempts", c.reliability.executor.retry.maxAttempts)
        return lines.joined(separator: "\n") + "\n"
    }
}
