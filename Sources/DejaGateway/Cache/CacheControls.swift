import DejaCache
import Foundation
import DejaProviders
import HTTPTypes
import Hummingbird
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

    /// `X-Cache` of an answer that did not come from the cache: `BYPASS` when the lookup was
    /// skipped (`no-cache`, `"x-cache": false`), else `MISS`.
    var missStatus: CacheStatus { skipLookup ? .bypass : .miss }

    init(request: Request, chat: ChatRequest, configuration: CacheConfiguration, resolvedModel: String, upstreamModel: String) throws {
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
