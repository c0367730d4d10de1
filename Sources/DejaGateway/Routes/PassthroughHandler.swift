import DejaObservability
import DejaHTTPClient
import DejaProviders
import DejaReliability
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Native pass-through: `/openai/v1/*`, `/anthropic/v1/*`, `/gemini/v1beta/*` and `/gemini/v1/*`
/// forward an allow-listed request (method, normalised path, query, body untouched) to the
/// provider of that wire format and stream the answer back untouched, for clients that use a
/// provider's own SDK.
///
/// The caller is authenticated first (`ClientAuthenticationMiddleware`). With client keys
/// configured, the credential the caller sent is its gateway key: it is removed and the
/// operator's provider key added. On a gateway without client keys (local use) a caller's own
/// provider key is forwarded, else the operator's key is added. Keys are never logged.
struct PassthroughHandler: Sendable {
    typealias Family = PassthroughPolicy.Family

    let registry: ProviderRegistry
    let executor: UpstreamExecutor
    let client: UpstreamClient
    let policy: PassthroughPolicy
    /// True when client keys are configured: credential headers then carry gateway keys.
    let clientKeysConfigured: Bool
    let maxBodyBytes: Int
    let timeout: TimeAmount

    func handle(_ family: Family, _ request: Request, context: DejaRequestContext) async throws -> Response {
        guard let settings = registry.passthroughProvider(for: family) else {
            throw GatewayError(
                status: .notFound, message: "No \(family.rawValue) provider is configured for the /\(family.rawValue)/ pass-through",
                code: "provider_not_configured")
        }
        let rest = try Self.upstreamPath(family: family, rawTarget: request.head.path ?? "")
        guard policy.isAllowed(family, provider: settings.name, method: request.method.rawValue, path: rest) else {
            throw GatewayError(
                status: .forbidden,
                message: "\(request.method.rawValue) \(Self.prefix(family))\(rest) is not open on this gateway's pass-through; the operator can allow it with providers.\(settings.name).passthrough_allow",
                code: "passthrough_endpoint_not_allowed")
        }
        // Gateway keys are in use when configured, or when this caller was authenticated (issued keys).
        let clientKeysConfigured = self.clientKeysConfigured || context.identity != .anonymous
        let query: String?
        do {
            query = try PassthroughPolicy.forwardedQuery(request.uri.query, droppingKey: clientKeysConfigured)
        } catch {
            throw GatewayError(status: .badRequest, message: "The query string is too long or has characters a URL cannot carry", code: "invalid_query")
        }
        let body = try await request.collectBody(limit: maxBodyBytes)

        // An OpenAI-kind base URL already ends in its version segment (`…/v1`, or Groq's
        // `…/openai/v1`), so `/openai/v1/x` maps to `base/x`; Anthropic and Gemini base URLs are
        // host roots, and their version segment is part of `rest`.
        var url = settings.baseURL + rest
        if let query { url += "?" + query }
        let upstreamURL: UpstreamURL
        do {
            upstreamURL = try UpstreamURL(url)
        } catch {
            // The message leaves the URL out: its query may carry a key.
            throw GatewayError(
                status: .badGateway, message: "The \(family.rawValue) provider's base URL cannot be used (only http and https URLs can)",
                type: "upstream_error", code: "upstream_unavailable")
        }
        var outbound = UpstreamRequest(method: HTTPMethod(rawValue: request.method.rawValue), url: upstreamURL)
        let requestFields = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        let hopByHop = PassthroughPolicy.connectionListed(requestFields)
        var callerKeyForwarded = false
        for field in requestFields {
            let name = field.name.lowercased()
            if PassthroughPolicy.strippedBothWays.contains(name) || hopByHop.contains(name) || name == "x-request-id" { continue }
            if name == "x-budget-key" { continue }
            if CredentialFamily.credentialHeaders.contains(name) {
                // A gateway key never goes upstream; without client keys it is the caller's own provider key.
                guard !clientKeysConfigured else { continue }
                callerKeyForwarded = true
            }
            outbound.headers.add(name: field.name, value: field.value)
        }
        if family == .gemini, !clientKeysConfigured, PresentedCredential.queryKey(request.uri.query) != nil { callerKeyForwarded = true }
        if !callerKeyForwarded, let key = settings.apiKey, !key.isEmpty {
            switch family {
            case .openai: outbound.headers.replaceOrAdd(name: "authorization", value: "Bearer \(key)")
            case .anthropic: outbound.headers.replaceOrAdd(name: "x-api-key", value: key)
            case .gemini: outbound.headers.replaceOrAdd(name: "x-goog-api-key", value: key)
            }
        }
        outbound.headers.replaceOrAdd(name: "x-request-id", value: context.requestID)
        // The client's trace goes on, with the gateway's span as the caller (its tracestate, when
        // it sent one, is relayed as it is).
        outbound.headers.replaceOrAdd(name: "traceparent", value: context.trace.traceparent)
        if body.readableBytes > 0 {
            outbound.body = body
        }

        let upstream: StreamingResponse
        let provider = settings.name
        let (client, timeout) = (self.client, self.timeout)
        do {
            upstream = try await executor.relay(provider: provider, isFailure: Self.relayedFailure(provider: provider)) {
                do {
                    return try await client.stream(outbound, timeout: timeout)
                } catch {
                    throw (error as? UpstreamClientError) == .readTimeout
                        ? ProviderError.timeout(provider: provider) : ProviderError.connectionFailed(provider: provider, detail: "\(error)")
                }
            }
        } catch let error as ProviderError where error.isTimeout {
            throw GatewayError(status: .gatewayTimeout, message: "The upstream provider '\(provider)' did not answer in time", type: "upstream_error", code: "upstream_timeout")
        } catch {
            // The message leaves the detail out: it may name the URL, whose query may carry a key.
            throw GatewayError(status: .badGateway, message: "Could not reach the upstream provider '\(provider)'", type: "upstream_error", code: "upstream_unavailable")
        }
        context.logger.debug(
            "Pass-through", metadata: ["deja.provider": .string(settings.name), "deja.upstream.status": .stringConvertible(upstream.status.code)])
        let responseHopByHop = PassthroughPolicy.connectionListed(upstream.headers.map { (name: $0.0, value: $0.1) })
        let anonymous = context.identity == .anonymous
        var headers = HTTPFields()
        for (name, value) in upstream.headers {
            let lower = name.lowercased()
            if PassthroughPolicy.strippedBothWays.contains(lower) || responseHopByHop.contains(lower) { continue }
            if anonymous, PassthroughPolicy.isAccountHeader(lower) { continue }
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        headers[.xProvider] = settings.name
        return Response(
            status: HTTPResponse.Status(code: Int(upstream.status.code), reasonPhrase: upstream.status.reasonPhrase),
            headers: headers,
            body: ResponseBody(asyncSequence: upstream.body))
    }

    /// A relayed answer that counts against the provider's health: a 5xx or a 429.
    static func relayedFailure(provider: String) -> (StreamingResponse) -> ProviderError? {
        { response in
            let status = Int(response.status.code)
            guard status >= 500 || status == 429 else { return nil }
            return .upstreamStatus(status, provider: provider, message: "HTTP \(status) relayed from the pass-through")
        }
    }

    static func prefix(_ family: Family) -> String {
        switch family {
        case .openai: "/openai/v1"
        case .anthropic: "/anthropic"
        case .gemini: "/gemini"
        }
    }

    /// The normalised path below the family's prefix (`/chat/completions` for
    /// `/openai/v1/chat/completions`), from the raw request target; 400 when it is not a plain
    /// origin-form path (see `PassthroughPolicy.normalisedPath`).
    static func upstreamPath(family: Family, rawTarget: String) throws -> String {
        let pathPart = rawTarget.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let path: String
        do {
            path = try PassthroughPolicy.normalisedPath(pathPart)
        } catch {
            throw GatewayError(
                status: .badRequest,
                message: "The pass-through path is refused (\(error)): absolute URLs, encoded slashes or dots, '.' and '..' segments and characters outside a URL path are not forwarded",
                code: "invalid_path")
        }
        let prefix = Self.prefix(family)
        guard path.hasPrefix(prefix + "/") else {
            throw GatewayError(status: .badRequest, message: "The pass-through path must start with \(prefix)/", code: "invalid_path")
        }
        return String(path.dropFirst(prefix.count))
    }
}
