import DejaHTTPClient
import DejaProviders
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Native pass-through: `/openai/v1/*`, `/anthropic/v1/*`, `/gemini/v1beta/*` and `/gemini/v1/*`
/// forward method, path, query, headers (minus hop-by-hop) and body untouched to the provider of
/// that wire format, and stream the answer back untouched, for clients that use a provider's own
/// SDK. The client's own provider key is used when it sends one; otherwise the configured key is
/// injected. Keys are never logged.
struct PassthroughHandler: Sendable {
    enum Family: String, Sendable {
        case openai, anthropic, gemini
    }

    let registry: ProviderRegistry
    let client: UpstreamClient
    let maxBodyBytes: Int
    let timeout: TimeAmount

    /// Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus those the client
    /// library recomputes.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length",
    ]

    func handle(_ family: Family, _ request: Request, context: DejaRequestContext) async throws -> Response {
        guard let settings = registry.passthroughProvider(for: family) else {
            throw GatewayError(
                status: .notFound, message: "No \(family.rawValue) provider is configured for the /\(family.rawValue)/ pass-through",
                code: "provider_not_configured")
        }
        let fullPath = request.uri.path
        let url = Self.upstreamURL(family: family, baseURL: settings.baseURL, path: fullPath, query: request.uri.query)
        let body = try await request.collectBody(limit: maxBodyBytes)

        let upstreamURL: UpstreamURL
        do {
            upstreamURL = try UpstreamURL(url)
        } catch {
            // The message leaves the URL out: its query may carry the client's key.
            throw GatewayError(
                status: .badGateway, message: "The \(family.rawValue) provider's base URL cannot be used (only http and https URLs can)",
                type: "upstream_error", code: "upstream_unavailable")
        }
        var outbound = UpstreamRequest(method: HTTPMethod(rawValue: request.method.rawValue), url: upstreamURL)
        var sawKey = false
        for field in request.headers {
            let name = field.name.canonicalName.lowercased()
            if Self.hopByHop.contains(name) { continue }
            if Self.isCredential(name, family) { sawKey = true }
            outbound.headers.add(name: field.name.canonicalName, value: field.value)
        }
        if family == .gemini, let query = request.uri.query, query.split(separator: "&").contains(where: { $0.hasPrefix("key=") }) {
            sawKey = true
        }
        if !sawKey, let key = settings.apiKey, !key.isEmpty {
            switch family {
            case .openai: outbound.headers.replaceOrAdd(name: "authorization", value: "Bearer \(key)")
            case .anthropic: outbound.headers.replaceOrAdd(name: "x-api-key", value: key)
            case .gemini: outbound.headers.replaceOrAdd(name: "x-goog-api-key", value: key)
            }
        }
        outbound.headers.replaceOrAdd(name: "x-request-id", value: context.requestID)
        if body.readableBytes > 0 {
            outbound.body = body
        }

        let upstream: StreamingResponse
        do {
            upstream = try await client.stream(outbound, timeout: timeout)
        } catch {
            registry.health.recordFailure(settings.name, .connectionFailed(provider: settings.name, detail: "\(error)"))
            if error == .readTimeout {
                throw GatewayError(status: .gatewayTimeout, message: "The upstream provider '\(settings.name)' did not answer in time", type: "upstream_error", code: "upstream_timeout")
            }
            throw GatewayError(status: .badGateway, message: "Could not reach the upstream provider '\(settings.name)'", type: "upstream_error", code: "upstream_unavailable")
        }
        context.logger.debug(
            "Pass-through", metadata: ["deja.provider": .string(settings.name), "deja.upstream.status": .stringConvertible(upstream.status.code)])
        var headers = HTTPFields()
        for (name, value) in upstream.headers where !Self.hopByHop.contains(name.lowercased()) {
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        headers[.xProvider] = settings.name
        return Response(
            status: HTTPResponse.Status(code: Int(upstream.status.code), reasonPhrase: upstream.status.reasonPhrase),
            headers: headers,
            body: ResponseBody(asyncSequence: upstream.body))
    }

    static func isCredential(_ lowercasedName: String, _ family: Family) -> Bool {
        switch family {
        case .openai: lowercasedName == "authorization"
        case .anthropic: lowercasedName == "x-api-key" || lowercasedName == "authorization"
        case .gemini: lowercasedName == "x-goog-api-key" || lowercasedName == "authorization"
        }
    }

    /// The upstream URL for a pass-through path. An OpenAI-kind base URL already ends in its
    /// version segment (`…/v1`, or Groq's `…/openai/v1`), so `/openai/v1/x` maps to `base/x`;
    /// Anthropic and Gemini base URLs are host roots, so the version segment is kept.
    static func upstreamURL(family: Family, baseURL: String, path: String, query: String?) -> String {
        let rest: Substring
        switch family {
        case .openai: rest = path.dropFirst("/openai/v1".count)
        case .anthropic: rest = path.dropFirst("/anthropic".count)
        case .gemini: rest = path.dropFirst("/gemini".count)
        }
        var url = baseURL + rest
        if let query, !query.isEmpty { url += "?" + query }
        return url
    }
}
