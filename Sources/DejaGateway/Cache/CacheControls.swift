import DejaCache
import Foundation
import DejaProviders
import HTTPTypes
import Hummingbird
import DejaVerifier
import DejaWire

/// The per-request cache controls: `Cache-Control: no-cache` or body `"x-cache": false` skip the
/// lookup (the answer is still stored); `Cache-Control: no-store` skips storing; `x-cache-ttl`
/// (seconds) and `x-cache-threshold` (a number or a preset name), as headers or body members,
/// override the configured values within their bounds (outside them is a 400).
struct CacheControls: Sendable {
    var skipLookup = false
    var skipStore = false
    var ttlSeconds: Double?
    var threshold: Double
    /// Why the request may not be cached at all, beyond what the fingerprint says.
    var bypassReason: String?
    /// How long a stored answer lives and why (`x-gateway.cache_ttl_s`, `cache_ttl_reason`):
    /// nil when nothing is stored (`no-store`, a bypass other than a time-sensitive one).
    var lifetime: CacheLifetime?

    /// `X-Cache` of an answer that did not come from the cache: `BYPASS` when the lookup was
    /// skipped (`no-cache`, `"x-cache": false`), else `MISS`.
    var missStatus: CacheStatus { skipLookup ? .bypass : .miss }

    init(
        request: Request, chat: ChatRequest, queryText: String, configuration: CacheConfiguration, resolvedModel: String, upstreamModel: String
    ) throws {
        threshold = configuration.threshold(forModel: resolvedModel, upstreamModel: upstreamModel)
        for value in request.headers[values: .cacheControl] {
            for directive in value.split(separator: ",") {
                switch directive.trimmingCharacters(in: .whitespaces).lowercased() {
                case "no-cache": skipLookup = true
                case "no-store": skipStore = true
                default: break
                }
            }
        }
        if chat.body["x-cache"]?.boolValue == false || request.headers[HTTPField.Name("x-cache")!]?.lowercased() == "false" {
            skipLookup = true
        }
        if let ttl = Self.value("x-cache-ttl", request, chat) {
            guard let seconds = Double(ttl), configuration.ttlBounds.contains(seconds) else {
                throw GatewayError(
                    status: .badRequest,
                    message: "x-cache-ttl must be a number of seconds between \(Int(configuration.ttlBounds.lowerBound)) and \(Int(configuration.ttlBounds.upperBound)), got '\(ttl)'",
                    param: "x-cache-ttl")
            }
            ttlSeconds = seconds
        }
        if let text = Self.value("x-cache-threshold", request, chat) {
            let parsed = ThresholdPreset(rawValue: text.lowercased())?.threshold ?? Double(text)
            guard let parsed, configuration.thresholdBounds.contains(parsed) else {
                throw GatewayError(
                    status: .badRequest,
                    message: "x-cache-threshold must be strict, balanced, aggressive or a number between \(configuration.thresholdBounds.lowerBound) and \(configuration.thresholdBounds.upperBound), got '\(text)'",
                    param: "x-cache-threshold")
            }
            threshold = parsed
        }
        if let temperature = chat.body["temperature"]?.doubleValue, temperature > configuration.maxTemperature {
            bypassReason = "temperature above \(configuration.maxTemperature)"
        }
        guard !skipStore || !skipLookup else { return }
        if let ttlSeconds {
            lifetime = CacheLifetime(seconds: ttlSeconds, reason: "request")
        } else if let (seconds, kind) = configuration.timeSensitiveLifetime(TimeSensitivity(queryText)) {
            lifetime = CacheLifetime(seconds: seconds, reason: "time_sensitive:" + kind.rawValue)
            if seconds <= 0 {
                // Answers of the moment: an earlier answer is stale, and this one will be.
                bypassReason = bypassReason ?? "time-sensitive (\(kind.rawValue))"
            } else {
                ttlSeconds = seconds
            }
        } else {
            lifetime = CacheLifetime(seconds: configuration.ttlSeconds, reason: "default")
        }
        if skipStore { lifetime = lifetime?.seconds == 0 ? lifetime : nil }
    }

    /// A control from the header, else from the body member of the same name.
    static func value(_ name: String, _ request: Request, _ chat: ChatRequest) -> String? {
        if let header = request.headers[HTTPField.Name(name)!] { return header }
        switch chat.body[name] {
        case .string(let s)?: return s
        case .number(let n)?: return n
        default: return nil
        }
    }
}

/// How long an answer is kept and why, as `x-gateway` reports it: `request` (`x-cache-ttl`),
/// `time_sensitive:<kind>` (see ``TimeSensitivity``; 0 seconds: not cached at all) or `default`.
struct CacheLifetime: Sendable {
    var seconds: Double
    var reason: String
}
