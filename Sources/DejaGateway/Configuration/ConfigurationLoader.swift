import DejaEmbedding
import Configuration
import DejaHTTPServer
import DejaCache
import DejaGovernance
import DejaObservability
import DejaReliability
import DejaRouting
import DejaVerifier
import Foundation
import HTTPTypes
import Logging
import Yams

/// Builds a `GatewayConfiguration` from an optional YAML file and the environment.
///
/// Precedence: environment variables over the file over built-in defaults. The environment layer is
/// read through swift-configuration's `EnvironmentVariablesProvider`; the YAML tree is walked with
/// Yams (the parser behind swift-configuration's YAML trait) because validation needs to enumerate
/// keys: an unknown key or a value of the wrong form is a start-up error naming the key and the
/// expected form, never silently ignored.
public struct ConfigurationLoader: Sendable {
    /// The environment variables that override file settings.
    public static let environmentKeys = [
        "PORT", "HOST", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GROQ_API_KEY", "TOGETHER_API_KEY",
        "OLLAMA_URL", "DEFAULT_PROVIDER", "LOG_LEVEL", "REQUEST_TIMEOUT_MS", "MAX_BODY_BYTES", "REDIS_URL", "REDIS_HMAC_KEY", "IDEMPOTENCY_TTL_MS",
        "ADMIN_TOKEN", "ADMIN_API_KEY", "ALLOW_UNAUTHENTICATED", "PROTECT_METRICS", "MAX_CONNECTIONS", "DEJA_MODEL_DIR",
        "DATA_DIR", "GOVERNANCE_STORE", "RATE_LIMIT_MAX", "RATE_LIMIT_WINDOW_MS", "GLOBAL_MONTHLY_USD_BUDGET", "GLOBAL_MONTHLY_TOKEN_BUDGET",
        "REDACT_PROMPTS", "USAGE_RETENTION_DAYS", "DATABASE_URL", "LOG_FORMAT", "LOG_PRETTY", "CACHE_TTL_SECONDS", "CACHE_SIMILARITY_THRESHOLD",
        "CACHE_MAX_ENTRIES", "DEJA_BUILD", "SHUTDOWN_GRACE_MS", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]

    /// Built-in providers: enabled as soon as their key (or, for Ollama, URL) is configured.
    static let builtIns: [(name: String, kind: ProviderKind, baseURL: String, patterns: [String], keyVariable: String?)] = [
        ("openai", .openai, "https://api.openai.com/v1", ["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "text-embedding-*"], "OPENAI_API_KEY"),
        ("anthropic", .anthropic, "https://api.anthropic.com", ["claude-*"], "ANTHROPIC_API_KEY"),
        ("gemini", .gemini, "https://generativelanguage.googleapis.com", ["gemini-*", "text-embedding-004", "gemini-embedding-*"], "GEMINI_API_KEY"),
        ("groq", .openai, "https://api.groq.com/openai/v1", [], "GROQ_API_KEY"),
        ("together", .openai, "https://api.together.xyz/v1", [], "TOGETHER_API_KEY"),
        ("ollama", .openai, "http://localhost:11434/v1", [], nil),
    ]

    static let topLevelKeys = [
        "server", "log_level", "default_provider", "demo", "providers", "cache", "tenants", "admin_api_key", "admin_token",
        "allow_unauthenticated", "protect_metrics", "local_embeddings", "reliability", "routing", "governance",
    ]
    static let governanceKeys = [
        "store", "data_dir", "sqlite_path", "database_url", "rate_limit_max", "rate_limit_window_ms", "models", "global_monthly_usd_budget",
        "global_monthly_token_budget", "global_alert_at", "redact_prompts", "usage_retention_days", "revision_poll_ms", "ledger_flush_ms",
        "assumed_max_output_tokens",
    ]
    static let routingKeys = [
        "default_strategy", "strategies", "virtual_models", "min_quality", "prefer_local_margin", "plan_length", "catalogue_file", "models",
        "strong_head", "assumed_output_tokens",
    ]
    static let virtualModelKeys = ["strategy", "min_quality", "allow", "prefer_provider"]
    static let reliabilityKeys = [
        "max_attempts", "initial_backoff_ms", "max_backoff_ms", "max_retry_after_ms", "retry_budget_ratio", "retry_budget_window_seconds",
        "retry_budget_min_retries", "request_deadline_ms", "max_request_deadline_ms", "failure_threshold", "window_seconds", "cooldown_seconds",
        "escalation_window_seconds", "fallbacks", "hedge_after_ms", "cache_fallback_answers", "error_class_header", "degraded_marker", "test_mode_enabled",
    ]
    static let localEmbeddingKeys = ["max_tokens_per_request", "batch_size", "concurrent_batches"]
    static let cacheKeys = [
        "enabled", "threshold", "model_thresholds", "threshold_min", "threshold_max", "ttl_seconds", "max_entries", "max_bytes",
        "stored_finish_reasons", "max_temperature", "shared_scope_tenants", "index_promotion_threshold", "candidates_per_lookup",
        "idempotency_ttl_ms", "max_entry_bytes", "per_scope_max_entries", "per_scope_max_bytes", "idempotency_max_bytes", "idempotency_max_records", "idempotency_max_response_bytes", "idempotency_max_waiters", "coalescing_max_followers_per_flight", "coalescing_max_followers", "coalescing_max_buffered_bytes", "embedder", "model_dir", "remote_embedder", "redis_url", "redis_hmac_key", "embedding_memo_entries", "embedding_memo_bytes", "verifier", "feedback_raises_threshold", "feedback_threshold_step", "blas_threads", "encoder_precision",
        "time_sensitive", "mode", "tenant_modes", "model_modes", "shadow_log_entries", "shadow_log_bytes",
    ]
    static let timeSensitiveKeys = ["enabled", "ttl_seconds"]
    static let verifierKeys = [
        "enabled", "checks", "min_word_similarity", "min_contextual_similarity", "preamble_min_similarity", "context_memo_texts",
        "context_memo_bytes", "max_analysed_chars", "analysis_memo_bytes",
    ]
    static let verifierCheckNames = VerifierConfiguration.checkNames
    static let remoteEmbedderKeys = ["base_url", "api_key", "model", "dimension"]
    static let serverKeys = [
        "host", "port", "max_body_bytes", "request_timeout_ms", "cors_allowed_origins", "max_connections", "header_timeout_ms",
        "idle_timeout_ms", "body_timeout_ms", "write_timeout_ms", "max_header_bytes", "shutdown_grace_ms",
    ]
    static let providerKeys = [
        "kind", "base_url", "api_key", "models", "model_patterns", "timeout_ms", "forward_headers", "default_max_tokens", "enabled",
        "passthrough_allow", "catalogue",
    ]

    public init() {}

    /// Loads the configuration. `path` nil means no file; `environment` defaults to the process's.
    public func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration {
        var file = FileSettings()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("Cannot read the configuration file '\(path)'")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("\(path): the configuration file is not UTF-8 text")
            }
            file = try parseYAML(text, source: path)
        }
        return try merge(file, environment: environment)
    }

    /// Parses and validates YAML configuration text.
    func parseYAML(_ text: String, source: String) throws -> FileSettings {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError("\(source): not valid YAML: \(error)")
        }
        var settings = FileSettings()
        guard let root else { return settings }  // empty file
        guard let mapping = root.mapping else { throw ConfigurationError("\(source): the top level must be a mapping of keys") }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "server":
                guard let server = value.mapping else { throw ConfigurationError("server: expected a mapping with keys \(Self.serverKeys.joined(separator: ", "))") }
                for (k, v) in server {
                    let sub = k.string ?? ""
                    let path = "server.\(sub)"
                    switch sub {
                    case "host": settings.host = try string(v, path)
                    case "port": settings.port = try Self.port(try scalar(v, path), key: path)
                    case "max_body_bytes": settings.maxBodyBytes = try Self.positiveInt(try scalar(v, path), key: path)
                    case "request_timeout_ms": settings.requestTimeoutMs = try Self.positiveInt(try scalar(v, path), key: path)
                    case "cors_allowed_origins": settings.corsAllowedOrigins = try stringList(v, path)
                    case "max_connections": settings.serverLimits.maxConnections = try Self.positiveInt(try scalar(v, path), key: path)
                    case "header_timeout_ms": settings.serverLimits.headerTimeout = .milliseconds(try Self.positiveInt(try scalar(v, path), key: path))
                    case "idle_timeout_ms": settings.serverLimits.idleTimeout = .milliseconds(try Self.positiveInt(try scalar(v, path), key: path))
                    case "body_timeout_ms": settings.serverLimits.bodyTimeout = .milliseconds(try Self.positiveInt(try scalar(v, path), key: path))
                    case "write_timeout_ms": settings.serverLimits.writeTimeout = .milliseconds(try Self.positiveInt(try scalar(v, path), key: path))
                    case "max_header_bytes": settings.serverLimits.maxHeaderBytes = try Self.positiveInt(try scalar(v, path), key: path)
                    case "shutdown_grace_ms": settings.shutdownGraceMs = try Self.positiveInt(try scalar(v, path), key: path)
                    default: throw unknownKey(path, expected: Self.serverKeys)
                    }
                }
            case "log_level": settings.logLevel = try Self.logLevel(try scalar(value, key), key: key)
            case "default_provider": settings.defaultProvider = try string(value, key)
            case "demo": settings.demo = try bool(value, key)
            case "cache": try parseCache(value, into: &settings.cache)
            case "admin_api_key", "admin_token": settings.adminToken = try string(value, key)
            case "allow_unauthenticated": settings.allowUnauthenticated = try bool(value, key)
            case "protect_metrics": settings.protectMetrics = try bool(value, key)
            case "local_embeddings":
                guard let m = value.mapping else { throw ConfigurationError("local_embeddings: expected a mapping with keys \(Self.localEmbeddingKeys.joined(separator: ", "))") }
                for (k, v) in m {
                    let sub = k.string ?? ""
                    let path = "local_embeddings.\(sub)"
                    switch sub {
                    case "max_tokens_per_request": settings.localEmbeddings.maxTokensPerRequest = try Self.positiveInt(try scalar(v, path), key: path)
                    case "batch_size": settings.localEmbeddings.batchSize = try Self.positiveInt(try scalar(v, path), key: path)
                    case "concurrent_batches": settings.localEmbeddings.concurrentBatches = try Self.positiveInt(try scalar(v, path), key: path)
                    default: throw unknownKey(path, expected: Self.localEmbeddingKeys)
                    }
                }
            case "reliability": try parseReliability(value, into: &settings.reliability)
            case "routing": try parseRouting(value, into: &settings.routing, source: source)
            case "governance": try parseGovernance(value, into: &settings.governance)
            case "tenants":
                guard let list = value.sequence else { throw ConfigurationError("tenants: expected a list of {key, tenant} mappings") }
                for (i, item) in list.enumerated() {
                    guard let m = item.mapping else { throw ConfigurationError("tenants[\(i)]: expected a mapping with key and tenant") }
                    var key: String?
                    var tenant: String?
                    for (k, v) in m {
                        switch k.string ?? "" {
                        case "key": key = try string(v, "tenants[\(i)].key")
                        case "tenant": tenant = try string(v, "tenants[\(i)].tenant")
                        default: throw unknownKey("tenants[\(i)].\(k.string ?? "")", expected: ["key", "tenant"])
                        }
                    }
                    guard let key, !key.isEmpty, let tenant, !tenant.isEmpty else {
                        throw ConfigurationError("tenants[\(i)]: both key and tenant are required")
                    }
                    guard key.utf8.count >= 16, key.utf8.count <= 512, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                        throw ConfigurationError("tenants[\(i)].key: a client key must be 16 to 512 printable ASCII characters without spaces (e.g. `openssl rand -hex 24`)")
                    }
                    guard tenant.utf8.count <= 64, tenant.utf8.allSatisfy({ Self.isTenantCharacter($0) }) else {
                        throw ConfigurationError("tenants[\(i)].tenant: a tenant name is 1 to 64 letters, digits, '.', '-' or '_' (got '\(tenant.prefix(64))')")
                    }
                    settings.tenants.append(TenantKey(key: key, tenant: tenant))
                }
            case "providers":
                guard let providers = value.mapping else { throw ConfigurationError("providers: expected a mapping of provider names to settings") }
                for (nameNode, body) in providers {
                    guard let name = nameNode.string, Self.isValidName(name) else {
                        throw ConfigurationError("providers: provider names must be lower-case letters, digits, '-' or '_' (got '\(nameNode.string ?? "?")')")
                    }
                    settings.providers.append((name, try parseProvider(body, name: name)))
                }
            default:
                throw unknownKey(key, expected: Self.topLevelKeys)
            }
        }
        return settings
    }

    /// `governance:`: the store, the per-address and per-model limits, the global budget, the
    /// ledger's retention and prompt redaction.
    private func parseGovernance(_ node: Node, into g: inout FileGovernance) throws {
        guard let mapping = node.mapping else { throw ConfigurationError("governance: expected a mapping with keys \(Self.governanceKeys.joined(separator: ", "))") }
        for (k, v) in mapping {
            let key = k.string ?? ""
            let path = "governance.\(key)"
            switch key {
            case "store": g.store = try string(v, path)
            case "data_dir": g.dataDir = try string(v, path)
            case "sqlite_path": g.sqlitePath = try string(v, path)
            case "database_url": g.databaseURL = try string(v, path)
            case "rate_limit_max": g.rateLimitMax = try Self.nonNegativeInt(try scalar(v, path), key: path)
            case "rate_limit_window_ms": g.rateLimitWindowMs = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 1...86_400_000, key: path)
            case "global_monthly_usd_budget": g.globalUSD = try Self.nonNegativeDouble(try scalar(v, path), key: path)
            case "global_monthly_token_budget": g.globalTokens = try Self.nonNegativeInt(try scalar(v, path), key: path)
            case "global_alert_at":
                guard let d = Double(try scalar(v, path)), d > 0, d <= 1 else { throw ConfigurationError("\(path): expected a share within (0, 1]") }
                g.alertAt = d
            case "redact_prompts": g.redactPrompts = try bool(v, path)
            case "usage_retention_days": g.retentionDays = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 1...36_500, key: path)
            case "revision_poll_ms": g.revisionPollMs = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 10...60_000, key: path)
            case "ledger_flush_ms": g.ledgerFlushMs = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 10...600_000, key: path)
            case "assumed_max_output_tokens": g.assumedMaxOutput = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 1...10_000_000, key: path)
            case "models":
                guard let models = v.mapping else { throw ConfigurationError("\(path): expected a mapping of model patterns to {requests_per_window, window_ms, tokens_per_minute}") }
                for (patternNode, body) in models {
                    let pattern = patternNode.string ?? ""
                    guard !pattern.isEmpty, pattern.utf8.count <= 128, let fields = body.mapping else {
                        throw ConfigurationError("\(path): expected {requests_per_window, window_ms, tokens_per_minute} under a model pattern")
                    }
                    var limits = GovernanceLimits()
                    for (fk, fv) in fields {
                        let fpath = "\(path).\(pattern).\(fk.string ?? "")"
                        switch fk.string {
                        case "requests_per_window": limits.requestsPerWindow = try Self.positiveInt(try scalar(fv, fpath), key: fpath)
                        case "window_ms": limits.windowMs = try Self.bounded(try Self.positiveInt(try scalar(fv, fpath), key: fpath), 1...86_400_000, key: fpath)
                        case "tokens_per_minute": limits.tokensPerMinute = try Self.positiveInt(try scalar(fv, fpath), key: fpath)
                        default: throw unknownKey(fpath, expected: ["requests_per_window", "window_ms", "tokens_per_minute"])
                        }
                    }
                    g.models.append((pattern, limits))
                }
            default: throw unknownKey(path, expected: Self.governanceKeys)
            }
        }
    }

    /// `routing:`: strategies and virtual models (checked as a whole), the catalogue (a
    /// replacement file and/or entries that override or extend it) and the learned head.
    private func parseRouting(_ node: Node, into r: inout RoutingSettings, source: String) throws {
        guard let mapping = node.mapping else { throw ConfigurationError("routing: expected a mapping with keys \(Self.routingKeys.joined(separator: ", "))") }
        var catalogueFile: String?
        var entries: [CatalogueFile.Entry] = []
        for (k, v) in mapping {
            let key = k.string ?? ""
            let path = "routing.\(key)"
            func unit() throws -> Double {
                guard let d = Double(try scalar(v, path)), (0...1).contains(d) else { throw ConfigurationError("\(path): expected a number within 0…1") }
                return d
            }
            switch key {
            case "default_strategy": r.policy.defaultStrategy = try string(v, path)
            case "strategies":
                guard let strategies = v.mapping else { throw ConfigurationError("\(path): expected a mapping of names to {cost, quality, latency}") }
                for (nameNode, body) in strategies {
                    let name = nameNode.string ?? ""
                    guard Self.isValidName(name), let weights = body.mapping else {
                        throw ConfigurationError("\(path).\(name): expected {cost: …, quality: …, latency: …} under a lower-case name")
                    }
                    var w = StrategyWeights(cost: 0, quality: 0, latency: 0)
                    for (wk, wv) in weights {
                        let wpath = "\(path).\(name).\(wk.string ?? "")"
                        guard let d = Double(try scalar(wv, wpath)), d >= 0, d.isFinite else { throw ConfigurationError("\(wpath): expected a weight of 0 or more") }
                        switch wk.string {
                        case "cost": w.cost = d
                        case "quality": w.quality = d
                        case "latency": w.latency = d
                        default: throw unknownKey(wpath, expected: ["cost", "quality", "latency"])
                        }
                    }
                    r.policy.strategies[name] = w
                }
            case "virtual_models":
                guard let models = v.mapping else { throw ConfigurationError("\(path): expected a mapping of names to {strategy, min_quality, allow, prefer_provider}") }
                for (nameNode, body) in models {
                    let name = nameNode.string ?? ""
                    guard !name.isEmpty, name.utf8.count <= 64, !name.contains("/") else {
                        throw ConfigurationError("\(path): virtual model names must be 1–64 characters without '/'")
                    }
                    var model = VirtualModel(name: name)
                    if let fields = body.mapping {
                        for (fk, fv) in fields {
                            let fpath = "\(path).\(name).\(fk.string ?? "")"
                            switch fk.string {
                            case "strategy": model.strategy = try string(fv, fpath)
                            case "min_quality":
                                guard let d = Double(try scalar(fv, fpath)), (0...1).contains(d) else { throw ConfigurationError("\(fpath): expected a number within 0…1") }
                                model.minQuality = d
                            case "allow": model.allow = try stringList(fv, fpath)
                            case "prefer_provider": model.preferProvider = try string(fv, fpath)
                            default: throw unknownKey(fpath, expected: Self.virtualModelKeys)
                            }
                        }
                    } else if !(body.scalar?.string ?? "").isEmpty {
                        throw ConfigurationError("\(path).\(name): expected a mapping with keys \(Self.virtualModelKeys.joined(separator: ", "))")
                    }
                    r.policy.virtualModels[name] = model
                }
            case "min_quality":
                guard let floors = v.mapping else { throw ConfigurationError("\(path): expected {simple, medium, complex}") }
                for (fk, fv) in floors {
                    let fpath = "\(path).\(fk.string ?? "")"
                    guard let d = Double(try scalar(fv, fpath)), (0...1).contains(d) else { throw ConfigurationError("\(fpath): expected a number within 0…1") }
                    switch fk.string {
                    case "simple": r.policy.floors.simple = d
                    case "medium": r.policy.floors.medium = d
                    case "complex": r.policy.floors.complex = d
                    default: throw unknownKey(fpath, expected: ["simple", "medium", "complex"])
                    }
                }
            case "prefer_local_margin": r.policy.localMargin = try unit()
            case "plan_length": r.policy.planLength = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 1...10, key: path)
            case "assumed_output_tokens": r.policy.assumedOutputTokens = try Self.bounded(try Self.positiveInt(try scalar(v, path), key: path), 1...1_000_000, key: path)
            case "catalogue_file": catalogueFile = try string(v, path)
            case "models":
                guard v.sequence != nil else { throw ConfigurationError("\(path): expected a list of model entries (id, provider, price, …)") }
                do {
                    entries = try CatalogueFile.entries(try Yams.serialize(node: v), source: path)
                } catch let error as CatalogueFile.Invalid {
                    throw ConfigurationError(error.description)
                }
            case "strong_head":
                if let flag = v.scalar?.string.lowercased(), ["false", "off", "none"].contains(flag) {
                    r.headEnabled = false
                } else {
                    r.headPath = try string(v, path)
                }
            default: throw unknownKey(path, expected: Self.routingKeys)
            }
        }
        if catalogueFile != nil || !entries.isEmpty {
            do {
                var catalogue = try CatalogueFile.shipped()
                if let catalogueFile {
                    catalogue = try CatalogueFile.parse(try String(contentsOfFile: catalogueFile, encoding: .utf8), source: catalogueFile)
                }
                r.catalogue = try CatalogueFile.apply(entries, to: catalogue, source: "routing.models")
            } catch let error as CatalogueFile.Invalid {
                throw ConfigurationError(error.description)
            } catch {
                throw ConfigurationError("routing.catalogue_file: cannot read \(catalogueFile ?? ""): \(error.localizedDescription)")
            }
        }
        do {
            try r.policy.validate()
        } catch {
            throw ConfigurationError("routing: \(error.description)")
        }
        _ = source
    }

    private func parseReliability(_ node: Node, into r: inout ReliabilitySettings) throws {
        guard let mapping = node.mapping else {
            throw ConfigurationError("reliability: expected a mapping with keys \(Self.reliabilityKeys.joined(separator: ", "))")
        }
        for (k, v) in mapping {
            let key = k.string ?? ""
            let path = "reliability.\(key)"
            func int() throws -> Int { try Self.positiveInt(try scalar(v, path), key: path) }
            switch key {
            case "max_attempts": r.executor.retry.maxAttempts = try Self.bounded(try int(), 1...10, key: path)
            case "initial_backoff_ms": r.executor.retry.initialBackoff = .milliseconds(try Self.bounded(try int(), 1...60_000, key: path))
            case "max_backoff_ms": r.executor.retry.maxBackoff = .milliseconds(try Self.bounded(try int(), 1...600_000, key: path))
            case "max_retry_after_ms": r.executor.retry.maxRetryAfter = .milliseconds(try Self.bounded(try int(), 1...600_000, key: path))
            case "retry_budget_ratio":
                guard let ratio = Double(try scalar(v, path)), ratio.isFinite, (0...10).contains(ratio) else {
                    throw ConfigurationError("\(path): expected a number between 0 and 10 (0.2: retries add at most 20 % of calls)")
                }
                r.executor.budget.ratio = ratio
            case "retry_budget_window_seconds": r.executor.budget.window = .seconds(try Self.bounded(try int(), 1...3600, key: path))
            case "retry_budget_min_retries":
                guard let n = Int(try scalar(v, path)), (0...1_000_000).contains(n) else {
                    throw ConfigurationError("\(path): expected a whole number between 0 and 1000000")
                }
                r.executor.budget.minimumPerWindow = n
            case "request_deadline_ms": r.requestDeadlineMs = try Self.bounded(try int(), 1...86_400_000, key: path)
            case "max_request_deadline_ms": r.maxRequestDeadlineMs = try Self.bounded(try int(), 1...86_400_000, key: path)
            case "failure_threshold": r.executor.breakers.failureThreshold = try Self.bounded(try int(), 1...1000, key: path)
            case "window_seconds": r.executor.breakers.window = .seconds(try Self.bounded(try int(), 1...86_400, key: path))
            case "cooldown_seconds": r.executor.breakers.cooldown = .seconds(try Self.bounded(try int(), 1...86_400, key: path))
            case "escalation_window_seconds": r.executor.breakers.escalationWindow = .seconds(try Self.bounded(try int(), 1...86_400, key: path))
            case "cache_fallback_answers": r.cacheFallbackAnswers = try bool(v, path)
            case "error_class_header":
                let name = try string(v, path)
                guard HTTPField.Name(name) != nil else { throw ConfigurationError("\(path): '\(name)' is not a valid header name") }
                r.errorClassHeader = name
            case "degraded_marker":
                let marker = try string(v, path)
                guard !marker.isEmpty, marker.utf8.count <= 128 else { throw ConfigurationError("\(path): expected 1 to 128 characters") }
                r.degradedMarker = marker
            case "test_mode_enabled": r.testModeEnabled = try bool(v, path)
            case "hedge_after_ms":
                guard let models = v.mapping else {
                    throw ConfigurationError("\(path): expected a mapping of model names to milliseconds, e.g. gpt-4o-mini: 800")
                }
                for (modelNode, value) in models {
                    guard let model = modelNode.string, !model.isEmpty else { throw ConfigurationError("\(path): model names must be strings") }
                    r.hedgeAfterMs[model] = try Self.bounded(try Self.positiveInt(try scalar(value, "\(path).\(model)"), key: "\(path).\(model)"), 1...600_000, key: "\(path).\(model)")
                }
            case "fallbacks":
                guard let chains = v.mapping else {
                    throw ConfigurationError("\(path): expected a mapping of model names to lists of fallback models, e.g. gpt-4o-mini: [claude-3-5-haiku-latest]")
                }
                for (modelNode, list) in chains {
                    guard let model = modelNode.string, !model.isEmpty else { throw ConfigurationError("\(path): model names must be strings") }
                    let chain = try stringList(list, "\(path).\(model)")
                    guard chain.count <= 8 else { throw ConfigurationError("\(path).\(model): at most 8 fallbacks") }
                    r.fallbacks[model] = chain
                }
            default: throw unknownKey(path, expected: Self.reliabilityKeys)
            }
        }
    }

    static func bounded(_ value: Int, _ range: ClosedRange<Int>, key: String) throws -> Int {
        guard range.contains(value) else { throw ConfigurationError("\(key): expected \(range.lowerBound) to \(range.upperBound), got \(value)") }
        return value
    }

    private func parseCache(_ node: Node, into cache: inout CacheSettings) throws {
        guard let mapping = node.mapping else { throw ConfigurationError("cache: expected a mapping with keys \(Self.cacheKeys.joined(separator: ", "))") }
        for (k, v) in mapping {
            let sub = k.string ?? ""
            let path = "cache.\(sub)"
            switch sub {
            case "enabled": cache.cache.enabled = try bool(v, path)
            case "threshold": cache.cache.threshold = try Self.threshold(try scalar(v, path), key: path)
            case "model_thresholds":
                guard let m = v.mapping else { throw ConfigurationError("\(path): expected a mapping of model names to thresholds") }
                for (model, t) in m {
                    let name = model.string ?? ""
                    cache.cache.modelThresholds[name] = try Self.threshold(try scalar(t, "\(path).\(name)"), key: "\(path).\(name)")
                }
            case "threshold_min":
                cache.cache.thresholdBounds = try Self.threshold(try scalar(v, path), key: path)...cache.cache.thresholdBounds.upperBound
            case "threshold_max":
                cache.cache.thresholdBounds = cache.cache.thresholdBounds.lowerBound...(try Self.threshold(try scalar(v, path), key: path))
            case "ttl_seconds": cache.cache.ttlSeconds = Double(try Self.positiveInt(try scalar(v, path), key: path))
            case "max_entries": cache.cache.maxEntries = try Self.positiveInt(try scalar(v, path), key: path)
            case "max_bytes": cache.cache.maxBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "stored_finish_reasons": cache.cache.storedFinishReasons = Set(try stringList(v, path))
            case "max_temperature":
                guard let t = Double(try scalar(v, path)), (0...2).contains(t) else {
                    throw ConfigurationError("\(path): expected a number between 0 and 2")
                }
                cache.cache.maxTemperature = t
            case "shared_scope_tenants": cache.cache.sharedScopeTenants = Set(try stringList(v, path))
            case "index_promotion_threshold": cache.cache.indexPromotionThreshold = try Self.positiveInt(try scalar(v, path), key: path)
            case "candidates_per_lookup": cache.cache.candidatesPerLookup = try Self.positiveInt(try scalar(v, path), key: path)
            case "max_entry_bytes": cache.cache.maxEntryBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "per_scope_max_entries": cache.cache.perScopeMaxEntries = try Self.positiveInt(try scalar(v, path), key: path)
            case "per_scope_max_bytes": cache.cache.perScopeMaxBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "idempotency_max_bytes": cache.cache.idempotencyMaxBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "idempotency_max_records": cache.cache.idempotencyMaxRecords = try Self.positiveInt(try scalar(v, path), key: path)
            case "idempotency_max_response_bytes": cache.cache.idempotencyMaxResponseBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "idempotency_max_waiters": cache.cache.idempotencyMaxWaiters = try Self.positiveInt(try scalar(v, path), key: path)
            case "coalescing_max_followers_per_flight": cache.cache.coalescingMaxFollowersPerFlight = try Self.positiveInt(try scalar(v, path), key: path)
            case "coalescing_max_followers": cache.cache.coalescingMaxFollowers = try Self.positiveInt(try scalar(v, path), key: path)
            case "coalescing_max_buffered_bytes": cache.cache.coalescingMaxBufferedBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "idempotency_ttl_ms": cache.cache.idempotencyTTLSeconds = Double(try Self.positiveInt(try scalar(v, path), key: path)) / 1000
            case "time_sensitive":
                guard let m = v.mapping else { throw ConfigurationError("\(path): expected a mapping with keys \(Self.timeSensitiveKeys.joined(separator: ", "))") }
                for (tk, tv) in m {
                    let tsub = tk.string ?? ""
                    let tpath = "\(path).\(tsub)"
                    switch tsub {
                    case "enabled": cache.cache.timeSensitivityEnabled = try bool(tv, tpath)
                    case "ttl_seconds":
                        let kinds = TimeSensitivity.Kind.allCases.map(\.rawValue)
                        guard let ttls = tv.mapping else { throw ConfigurationError("\(tpath): expected a mapping of kinds (\(kinds.joined(separator: ", "))) to seconds") }
                        for (kk, kv) in ttls {
                            let name = kk.string ?? ""
                            let kpath = "\(tpath).\(name)"
                            guard let kind = TimeSensitivity.Kind(rawValue: name) else {
                                throw ConfigurationError("\(kpath): unknown kind (expected one of \(kinds.joined(separator: ", ")))")
                            }
                            guard let seconds = Int(try scalar(kv, kpath)), seconds >= 0, seconds <= 7 * 86_400 else {
                                throw ConfigurationError("\(kpath): expected whole seconds from 0 (not cached) to 604800")
                            }
                            cache.cache.timeSensitiveTTLs[kind] = Double(seconds)
                        }
                    default: throw unknownKey(tpath, expected: Self.timeSensitiveKeys)
                    }
                }
            case "mode": cache.cache.mode = try Self.cacheMode(try scalar(v, path), key: path)
            case "tenant_modes", "model_modes":
                guard let m = v.mapping else { throw ConfigurationError("\(path): expected a mapping of names to serve or shadow") }
                for (name, mv) in m {
                    let key = name.string ?? ""
                    let mode = try Self.cacheMode(try scalar(mv, "\(path).\(key)"), key: "\(path).\(key)")
                    if sub == "tenant_modes" { cache.cache.tenantModes[key] = mode } else { cache.cache.modelModes[key] = mode }
                }
            case "shadow_log_entries": cache.cache.shadowLogEntries = try Self.positiveInt(try scalar(v, path), key: path)
            case "shadow_log_bytes": cache.cache.shadowLogBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "embedder":
                let text = try scalar(v, path)
                guard let kind = CacheSettings.EmbedderKind(rawValue: text) else {
                    throw ConfigurationError("\(path): expected one of native, hashing, remote (got '\(text)')")
                }
                cache.embedder = kind
            case "model_dir": cache.modelDirectory = try string(v, path)
            case "redis_url": cache.redisURL = try string(v, path)
            case "redis_hmac_key": cache.redisHMACKey = try string(v, path)
            case "blas_threads": cache.blasThreads = try Self.positiveInt(try scalar(v, path), key: path)
            case "encoder_precision":
                let text = try scalar(v, path)
                guard let precision = EncoderPrecision(rawValue: text) else {
                    throw ConfigurationError("\(path): expected one of fp32, bf16, int8, w8a8, auto (got '\(text)')")
                }
                cache.encoderPrecision = precision
            case "feedback_raises_threshold": cache.cache.feedbackRaisesThreshold = try bool(v, path)
            case "feedback_threshold_step":
                guard let x = Double(try scalar(v, path)), x > 0, x <= 0.1 else { throw ConfigurationError("\(path): expected a number in (0, 0.1]") }
                cache.cache.feedbackThresholdStep = x
            case "embedding_memo_entries": cache.embeddingMemoEntries = try Self.positiveInt(try scalar(v, path), key: path)
            case "embedding_memo_bytes": cache.embeddingMemoBytes = try Self.positiveInt(try scalar(v, path), key: path)
            case "verifier":
                guard let m = v.mapping else { throw ConfigurationError("\(path): expected a mapping with keys \(Self.verifierKeys.joined(separator: ", "))") }
                for (vk, vv) in m {
                    let vsub = vk.string ?? ""
                    let vpath = "\(path).\(vsub)"
                    switch vsub {
                    case "enabled": cache.verifierEnabled = try bool(vv, vpath)
                    case "checks":
                        let names = try stringList(vv, vpath)
                        for name in names where !Self.verifierCheckNames.contains(name) {
                            throw ConfigurationError("\(vpath): unknown check '\(name)' (expected some of \(Self.verifierCheckNames.joined(separator: ", ")))")
                        }
                        cache.verifierChecks = Set(names)
                    case "min_word_similarity":
                        guard let x = Double(try scalar(vv, vpath)), (-1...1).contains(x) else {
                            throw ConfigurationError("\(vpath): expected a number between -1 and 1")
                        }
                        cache.verifierMinimumWordSimilarity = x
                    case "min_contextual_similarity":
                        guard let x = Double(try scalar(vv, vpath)), (-1...1).contains(x) else {
                            throw ConfigurationError("\(vpath): expected a number between -1 and 1")
                        }
                        cache.verifierMinimumContextualSimilarity = x
                    case "preamble_min_similarity":
                        let text = try scalar(vv, vpath)
                        if text == "off" {
                            cache.verifierPreambleSimilarity = nil
                        } else {
                            guard let x = Double(text), (0...1).contains(x) else { throw ConfigurationError("\(vpath): expected a number between 0 and 1, or off") }
                            cache.verifierPreambleSimilarity = x
                        }
                    case "context_memo_texts": cache.verifierContextMemoTexts = try Self.positiveInt(try scalar(vv, vpath), key: vpath)
                    case "context_memo_bytes": cache.verifierContextMemoBytes = try Self.positiveInt(try scalar(vv, vpath), key: vpath)
                    case "max_analysed_chars": cache.verifierMaxAnalysedCharacters = try Self.positiveInt(try scalar(vv, vpath), key: vpath)
                    case "analysis_memo_bytes": cache.verifierAnalysisMemoBytes = try Self.positiveInt(try scalar(vv, vpath), key: vpath)
                    default: throw unknownKey(vpath, expected: Self.verifierKeys)
                    }
                }
            case "remote_embedder":
                guard let m = v.mapping else { throw ConfigurationError("\(path): expected a mapping with keys \(Self.remoteEmbedderKeys.joined(separator: ", "))") }
                for (rk, rv) in m {
                    let rsub = rk.string ?? ""
                    let rpath = "\(path).\(rsub)"
                    switch rsub {
                    case "base_url": cache.remoteBaseURL = try Self.url(try string(rv, rpath), key: rpath)
                    case "api_key": cache.remoteAPIKey = try string(rv, rpath)
                    case "model": cache.remoteModel = try string(rv, rpath)
                    case "dimension": cache.remoteDimension = try Self.positiveInt(try scalar(rv, rpath), key: rpath)
                    default: throw unknownKey(rpath, expected: Self.remoteEmbedderKeys)
                    }
                }
            default: throw unknownKey(path, expected: Self.cacheKeys)
            }
        }
        guard cache.cache.thresholdBounds.contains(cache.cache.threshold) else {
            throw ConfigurationError("cache.threshold: \(cache.cache.threshold) is outside threshold_min...threshold_max")
        }
        if cache.embedder == .remote, cache.remoteBaseURL == nil || cache.remoteModel == nil || cache.remoteDimension == nil {
            throw ConfigurationError("cache.remote_embedder: base_url, model and dimension are required when cache.embedder is remote")
        }
    }

    /// `serve` or `shadow`.
    static func cacheMode(_ text: String, key: String) throws -> CacheConfiguration.Mode {
        guard let mode = CacheConfiguration.Mode(rawValue: text) else { throw ConfigurationError("\(key): expected serve or shadow, got '\(text)'") }
        return mode
    }

    /// A similarity threshold: a number in (0, 1] or a preset name.
    static func threshold(_ text: String, key: String) throws -> Double {
        if let preset = ThresholdPreset(rawValue: text.lowercased()) { return preset.threshold }
        guard let value = Double(text), value > 0, value <= 1 else {
            throw ConfigurationError("\(key): expected a number in (0, 1] or one of strict, balanced, aggressive, got '\(text)'")
        }
        return value
    }

    private func parseProvider(_ node: Node, name: String) throws -> FileProviderSettings {
        var provider = FileProviderSettings()
        if node.scalar?.string == "" || node.scalar?.tag.description == "tag:yaml.org,2002:null" { return provider }
        guard let mapping = node.mapping else { throw ConfigurationError("providers.\(name): expected a mapping with keys \(Self.providerKeys.joined(separator: ", "))") }
        for (k, v) in mapping {
            let sub = k.string ?? ""
            let path = "providers.\(name).\(sub)"
            switch sub {
            case "kind":
                let text = try string(v, path)
                guard let kind = ProviderKind(rawValue: text) else {
                    throw ConfigurationError("\(path): expected one of openai, anthropic, gemini (got '\(text)')")
                }
                provider.kind = kind
            case "base_url": provider.baseURL = try Self.url(try string(v, path), key: path)
            case "api_key": provider.apiKey = try string(v, path)
            case "models": provider.models = try stringList(v, path)
            case "model_patterns": provider.modelPatterns = try stringList(v, path)
            case "timeout_ms": provider.timeoutMs = try Self.positiveInt(try scalar(v, path), key: path)
            case "forward_headers": provider.forwardHeaders = try stringList(v, path).map { $0.lowercased() }
            case "default_max_tokens": provider.defaultMaxTokens = try Self.positiveInt(try scalar(v, path), key: path)
            case "enabled": provider.enabled = try bool(v, path)
            case "catalogue": provider.catalogue = try stringList(v, path)
            case "passthrough_allow":
                provider.passthroughAllow = try stringList(v, path)
                for rule in provider.passthroughAllow where PassthroughPolicy.Rule(rule) == nil {
                    throw ConfigurationError("\(path): expected entries like \"POST /files\" or \"GET /files/*\" (a method and a path below the pass-through prefix), got '\(rule)'")
                }
            default: throw unknownKey(path, expected: Self.providerKeys)
            }
        }
        return provider
    }

    /// Applies environment overrides and built-in defaults, then checks cross-references.
    func merge(_ file: FileSettings, environment: [String: String]) throws -> GatewayConfiguration {
        let env = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))
        func envString(_ name: String) -> String? {
            guard let v = env.string(forKey: ConfigKey(name.lowercased().split(separator: "_").map(String.init))), !v.isEmpty else {
                return nil
            }
            return v
        }
        var config = GatewayConfiguration()
        config.host = envString("HOST") ?? file.host ?? config.host
        if let v = envString("PORT") { config.port = try Self.port(v, key: "PORT") } else if let p = file.port { config.port = p }
        if let v = envString("MAX_BODY_BYTES") { config.maxBodyBytes = try Self.positiveInt(v, key: "MAX_BODY_BYTES") } else if let p = file.maxBodyBytes { config.maxBodyBytes = p }
        if let v = envString("REQUEST_TIMEOUT_MS") { config.requestTimeoutMs = try Self.positiveInt(v, key: "REQUEST_TIMEOUT_MS") } else if let p = file.requestTimeoutMs { config.requestTimeoutMs = p }
        if let v = envString("LOG_LEVEL") { config.logLevel = try Self.logLevel(v, key: "LOG_LEVEL") } else if let l = file.logLevel { config.logLevel = l }
        if let c = file.corsAllowedOrigins { config.corsAllowedOrigins = c }
        config.serverLimits = file.serverLimits
        if let v = envString("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT") {
            config.traceContent = try Self.bool(v, key: "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
        }
        if let v = envString("SHUTDOWN_GRACE_MS") { config.shutdownGraceMs = try Self.positiveInt(v, key: "SHUTDOWN_GRACE_MS") } else if let g = file.shutdownGraceMs {
            config.shutdownGraceMs = g
        }
        if let v = envString("MAX_CONNECTIONS") { config.serverLimits.maxConnections = try Self.positiveInt(v, key: "MAX_CONNECTIONS") }
        config.localEmbeddings = file.localEmbeddings
        config.reliability = file.reliability
        config.routing = file.routing
        if let strategy = envString("DEFAULT_ROUTING_STRATEGY") {
            guard config.routing.policy.strategies[strategy] != nil else {
                throw ConfigurationError("DEFAULT_ROUTING_STRATEGY: unknown strategy '\(strategy)' (known: \(config.routing.policy.strategies.keys.sorted().joined(separator: ", ")))")
            }
            config.routing.policy.defaultStrategy = strategy
        }
        if let v = envString("RETRY_MAX_ATTEMPTS") {
            config.reliability.executor.retry.maxAttempts = try Self.bounded(try Self.positiveInt(v, key: "RETRY_MAX_ATTEMPTS"), 1...10, key: "RETRY_MAX_ATTEMPTS")
        }
        if let v = envString("REQUEST_DEADLINE_MS") {
            config.reliability.requestDeadlineMs = try Self.bounded(try Self.positiveInt(v, key: "REQUEST_DEADLINE_MS"), 1...86_400_000, key: "REQUEST_DEADLINE_MS")
        }
        if let v = envString("ALLOW_UNAUTHENTICATED") { config.allowUnauthenticated = try Self.bool(v, key: "ALLOW_UNAUTHENTICATED") } else {
            config.allowUnauthenticated = file.allowUnauthenticated ?? false
        }
        if let v = envString("PROTECT_METRICS") { config.protectMetrics = try Self.bool(v, key: "PROTECT_METRICS") } else {
            config.protectMetrics = file.protectMetrics ?? false
        }
        config.demo = file.demo ?? false
        config.cacheSettings = file.cache
        // The variable names of the gateways Deja replaces, beside the YAML keys.
        if let v = envString("CACHE_TTL_SECONDS") { config.cacheSettings.cache.ttlSeconds = Double(try Self.positiveInt(v, key: "CACHE_TTL_SECONDS")) }
        if let v = envString("CACHE_SIMILARITY_THRESHOLD") { config.cacheSettings.cache.threshold = try Self.threshold(v, key: "CACHE_SIMILARITY_THRESHOLD") }
        if let v = envString("CACHE_MAX_ENTRIES") { config.cacheSettings.cache.maxEntries = try Self.positiveInt(v, key: "CACHE_MAX_ENTRIES") }
        if let v = envString("LOG_FORMAT") {
            guard let format = LogFormat(rawValue: v.lowercased()) else { throw ConfigurationError("LOG_FORMAT: expected json or text, got '\(v)'") }
            config.logFormat = format
        } else if let v = envString("LOG_PRETTY"), try Self.bool(v, key: "LOG_PRETTY") {
            config.logFormat = .text
        }
        config.tenants = file.tenants
        // Per-scope quotas default to a share of the cache once more than one scope can exist.
        config.cacheSettings.cache.scopeCount = config.cacheSettings.cache.scopeCount(forTenants: file.tenants.map(\.tenant))
        if let url = envString("REDIS_URL") { config.cacheSettings.redisURL = url }
        if let key = envString("REDIS_HMAC_KEY") { config.cacheSettings.redisHMACKey = key }
        if let problem = CacheMirror.configurationProblem(redisURL: config.cacheSettings.redisURL, hmacKey: config.cacheSettings.redisHMACKey) {
            throw ConfigurationError(problem)
        }
        if let v = envString("IDEMPOTENCY_TTL_MS") {
            config.cacheSettings.cache.idempotencyTTLSeconds = Double(try Self.positiveInt(v, key: "IDEMPOTENCY_TTL_MS")) / 1000
        }
        if let dir = envString("DEJA_MODEL_DIR"), config.cacheSettings.modelDirectory == nil { config.cacheSettings.modelDirectory = dir }
        if let token = envString("ADMIN_API_KEY") ?? envString("ADMIN_TOKEN") ?? file.adminToken, !token.isEmpty {
            guard token.utf8.count >= 16 else {
                throw ConfigurationError("ADMIN_API_KEY: the admin token must be at least 16 characters (e.g. `openssl rand -hex 24`)")
            }
            config.adminTokenHash = SecretHash.sha256(token)
        }

        config.governance = try Self.governance(file.governance, envString)

        var fileProviders = file.providers
        for builtIn in Self.builtIns {
            let index = fileProviders.firstIndex { $0.0 == builtIn.name }
            var entry = index.map { fileProviders[$0].1 } ?? FileProviderSettings()
            if let index { fileProviders.remove(at: index) }
            if let variable = builtIn.keyVariable, let key = envString(variable) { entry.apiKey = key }
            if builtIn.name == "ollama", let url = envString("OLLAMA_URL") {
                let base = try Self.url(url, key: "OLLAMA_URL")
                entry.baseURL = base.hasSuffix("/v1") || base.hasSuffix("/v1/") ? base : base + "/v1"
                if entry.enabled == nil { entry.enabled = true }
            }
            let hasKey = !(entry.apiKey ?? "").isEmpty
            let active = entry.enabled ?? (builtIn.keyVariable == nil ? false : hasKey)
            guard active else { continue }
            config.providers.append(
                ProviderSettings(
                    name: builtIn.name, kind: entry.kind ?? builtIn.kind, baseURL: entry.baseURL ?? builtIn.baseURL,
                    apiKey: entry.apiKey, models: entry.models, modelPatterns: entry.modelPatterns ?? builtIn.patterns,
                    timeoutMs: entry.timeoutMs, forwardHeaders: entry.forwardHeaders, defaultMaxTokens: entry.defaultMaxTokens,
                    passthroughAllow: entry.passthroughAllow, catalogueProviders: entry.catalogue))
        }
        for (name, entry) in fileProviders where entry.enabled ?? true {
            guard let baseURL = entry.baseURL else {
                throw ConfigurationError("providers.\(name).base_url: required for a custom provider (an http:// or https:// URL)")
            }
            config.providers.append(
                ProviderSettings(
                    name: name, kind: entry.kind ?? .openai, baseURL: baseURL, apiKey: entry.apiKey, models: entry.models,
                    modelPatterns: entry.modelPatterns ?? [], timeoutMs: entry.timeoutMs, forwardHeaders: entry.forwardHeaders,
                    defaultMaxTokens: entry.defaultMaxTokens, passthroughAllow: entry.passthroughAllow, catalogueProviders: entry.catalogue))
        }
        if let name = envString("DEFAULT_PROVIDER") ?? file.defaultProvider {
            guard config.provider(named: name) != nil else {
                let known = config.providers.map(\.name)
                let source = envString("DEFAULT_PROVIDER") != nil ? "DEFAULT_PROVIDER" : "default_provider"
                throw ConfigurationError(
                    "\(source): '\(name)' is not an enabled provider (enabled: \(known.isEmpty ? "none" : known.joined(separator: ", ")); a built-in provider is enabled by setting its API key)"
                )
            }
            config.defaultProvider = name
        } else if config.providers.count == 1 {
            config.defaultProvider = config.providers[0].name
        }
        return config
    }

    /// Governance settings: the file's, then the environment's. The default store is SQLite at
    /// `<data_dir>/governance.sqlite` (`data_dir` defaults to `data`).
    static func governance(_ file: FileGovernance, _ env: (String) -> String?) throws -> GovernanceSettings {
        var g = GovernanceSettings()
        let dataDir = env("DATA_DIR") ?? file.dataDir ?? "data"
        let databaseURL = env("DATABASE_URL") ?? file.databaseURL
        // A database URL selects PostgreSQL unless a store is named.
        let storeName = (env("GOVERNANCE_STORE") ?? file.store ?? (databaseURL != nil ? "postgres" : "sqlite")).lowercased()
        switch storeName {
        case "sqlite": g.store = .sqlite(path: file.sqlitePath ?? (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + "governance.sqlite")
        case "memory": g.store = .memory
        case "postgres", "postgresql":
            guard let databaseURL, let scheme = URL(string: databaseURL)?.scheme, ["postgres", "postgresql"].contains(scheme) else {
                throw ConfigurationError("DATABASE_URL: the postgres store needs a URL like postgres://user:password@host:5432/database")
            }
            g.store = .postgres(url: databaseURL)
        default:
            throw ConfigurationError("\(env("GOVERNANCE_STORE") != nil ? "GOVERNANCE_STORE" : "governance.store"): expected sqlite, postgres or memory, got '\(storeName)'")
        }
        let max = try env("RATE_LIMIT_MAX").map { try nonNegativeInt($0, key: "RATE_LIMIT_MAX") } ?? file.rateLimitMax ?? 100
        let window = try env("RATE_LIMIT_WINDOW_MS").map { try bounded(try positiveInt($0, key: "RATE_LIMIT_WINDOW_MS"), 1...86_400_000, key: "RATE_LIMIT_WINDOW_MS") }
            ?? file.rateLimitWindowMs ?? 60_000
        g.perAddress = max == 0 ? nil : RateLimit(count: max, period: .milliseconds(window))
        g.perModel = file.models.map { (pattern: $0.0, limits: $0.1) }
        g.global.monthlyUSD = try env("GLOBAL_MONTHLY_USD_BUDGET").map { try nonNegativeDouble($0, key: "GLOBAL_MONTHLY_USD_BUDGET") } ?? file.globalUSD
        g.global.monthlyTokens = try env("GLOBAL_MONTHLY_TOKEN_BUDGET").map { try nonNegativeInt($0, key: "GLOBAL_MONTHLY_TOKEN_BUDGET") } ?? file.globalTokens
        g.global.alertAt = file.alertAt
        g.redactPrompts = try env("REDACT_PROMPTS").map { try bool($0, key: "REDACT_PROMPTS") } ?? file.redactPrompts ?? true
        g.usageRetentionDays = try env("USAGE_RETENTION_DAYS").map { try bounded(try positiveInt($0, key: "USAGE_RETENTION_DAYS"), 1...36_500, key: "USAGE_RETENTION_DAYS") }
            ?? file.retentionDays ?? g.usageRetentionDays
        if let v = file.revisionPollMs { g.revisionPollMs = v }
        if let v = file.ledgerFlushMs { g.ledgerFlushMs = v }
        if let v = file.assumedMaxOutput { g.assumedMaxOutputTokens = v }
        return g
    }

    static func nonNegativeInt(_ text: String, key: String) throws -> Int {
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
            throw ConfigurationError("\(key): expected an integer of 0 or more, got '\(text)'")
        }
        return v
    }

    static func nonNegativeDouble(_ text: String, key: String) throws -> Double {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v >= 0, v.isFinite else {
            throw ConfigurationError("\(key): expected a number of 0 or more, got '\(text)'")
        }
        return v
    }

    // MARK: - Scalar parsing (shared by file and environment)

    static func port(_ text: String, key: String) throws -> Int {
        guard let p = Int(text.trimmingCharacters(in: .whitespaces)), (0...65535).contains(p) else {
            throw ConfigurationError("\(key): expected a port number 0-65535, got '\(text)'")
        }
        return p
    }

    static func positiveInt(_ text: String, key: String) throws -> Int {
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v > 0 else {
            throw ConfigurationError("\(key): expected a positive integer, got '\(text)'")
        }
        // Timeouts become nanosecond counts: a day is the most any of them may be.
        if key.hasSuffix("timeout_ms") || key.hasSuffix("TIMEOUT_MS") {
            guard v <= 86_400_000 else { throw ConfigurationError("\(key): expected at most 86400000 (one day), got '\(text)'") }
        }
        return v
    }

    static func logLevel(_ text: String, key: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError("\(key): expected one of trace, debug, info, notice, warning, error, critical, got '\(text)'")
        }
        return level
    }

    static func url(_ text: String, key: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw ConfigurationError("\(key): expected an http:// or https:// URL, got '\(text)'")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func isTenantCharacter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    static func bool(_ text: String, key: String) throws -> Bool {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError("\(key): expected true or false, got '\(text)'")
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    private func scalar(_ node: Node, _ key: String) throws -> String {
        guard let s = node.scalar?.string else { throw ConfigurationError("\(key): expected a single value, not a list or mapping") }
        return s
    }

    private func string(_ node: Node, _ key: String) throws -> String {
        try scalar(node, key)
    }

    private func bool(_ node: Node, _ key: String) throws -> Bool {
        switch try scalar(node, key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw ConfigurationError("\(key): expected true or false, got '\(other)'")
        }
    }

    private func stringList(_ node: Node, _ key: String) throws -> [String] {
        guard let sequence = node.sequence else { throw ConfigurationError("\(key): expected a list of strings, e.g. [\"a\", \"b\"]") }
        return try sequence.map { try scalar($0, key) }
    }

    private func unknownKey(_ key: String, expected: [String]) -> ConfigurationError {
        ConfigurationError("\(key): unknown configuration key (expected one of: \(expected.joined(separator: ", ")))")
    }
}

/// Values read from the file, before environment overrides and defaults (nil = not set).
struct FileSettings {
    var host: String?
    var port: Int?
    var maxBodyBytes: Int?
    var requestTimeoutMs: Int?
    var corsAllowedOrigins: [String]?
    var logLevel: Logger.Level?
    var defaultProvider: String?
    var demo: Bool?
    var providers: [(String, FileProviderSettings)] = []
    var cache = CacheSettings()
    var tenants: [TenantKey] = []
    var adminToken: String?
    var allowUnauthenticated: Bool?
    var protectMetrics: Bool?
    var serverLimits = ServerLimits()
    var shutdownGraceMs: Int?
    var localEmbeddings = LocalEmbeddingLimits()
    var reliability = ReliabilitySettings()
    var routing = RoutingSettings()
    var governance = FileGovernance()
}

/// The `governance:` section as written (defaults and the environment are applied in `merge`).
struct FileGovernance {
    var store: String?
    var dataDir: String?
    var sqlitePath: String?
    var databaseURL: String?
    var rateLimitMax: Int?
    var rateLimitWindowMs: Int?
    var models: [(String, GovernanceLimits)] = []
    var globalUSD: Double?
    var globalTokens: Int?
    var alertAt: Double?
    var redactPrompts: Bool?
    var retentionDays: Int?
    var revisionPollMs: Int?
    var ledgerFlushMs: Int?
    var assumedMaxOutput: Int?
}

struct FileProviderSettings {
    var kind: ProviderKind?
    var baseURL: String?
    var apiKey: String?
    var models: [String] = []
    var modelPatterns: [String]?
    var timeoutMs: Int?
    var forwardHeaders: [String] = []
    var defaultMaxTokens: Int?
    var enabled: Bool?
    var passthroughAllow: [String] = []
    var catalogue: [String] = []
}
