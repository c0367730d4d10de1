import Foundation
import HTTPTypes
import Hummingbird

/// The configured client keys, kept only as SHA-256 digests. A presented key is compared with
/// every configured digest without early exit, so timing does not reveal which or how much of a
/// guess matched.
struct ClientKeyring: Sendable {
    let keys: [TenantKey]

    var isEmpty: Bool { keys.isEmpty }

    /// The tenant of `presented`, or nil when no configured key matches.
    func tenant(forKey presented: String) -> String? {
        let digest = SecretHash.sha256(presented)
        var tenant: String?
        for key in keys where SecretHash.equal(key.keyHash, digest) {
            tenant = tenant ?? key.tenant
        }
        return tenant
    }
}

/// Where each SDK puts its key. `/v1/*` and `/openai/*` take OpenAI's `Authorization: Bearer`
/// (and `x-api-key`), `/anthropic/*` Anthropic's `x-api-key`, `/gemini/*` Google's
/// `x-goog-api-key` or `?key=`; every family also accepts a Bearer token.
enum CredentialFamily: Sendable {
    case openAI, anthropic, gemini

    /// Request headers that can carry a credential for this family (lower-case). All of them are
    /// removed before a pass-through request goes upstream when client keys are configured.
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "x-goog-api-key", "proxy-authorization", "x-budget-key"]
}

/// What a request presented as its credential.
enum PresentedCredential: Equatable, Sendable {
    case none
    /// An `Authorization` header with a scheme other than Bearer (e.g. Basic), or malformed.
    case unsupportedScheme
    case key(String)

    /// The credential `request` presents, looked up where `family`'s SDK sends it. The first one
    /// found decides: `Authorization`, then the family's API-key header, then (Gemini) `?key=`.
    static func of(_ request: Request, family: CredentialFamily) -> PresentedCredential {
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .unsupportedScheme }
            let token = parts[1].trimmingSpaces()
            return token.isEmpty ? .unsupportedScheme : .key(token)
        }
        switch family {
        case .openAI, .anthropic:
            if let key = request.headers[.xAPIKey], !key.isEmpty { return .key(key) }
        case .gemini:
            if let key = request.headers[.xGoogAPIKey], !key.isEmpty { return .key(key) }
            if let key = Self.queryKey(request.uri.query) { return .key(key) }
        }
        return .none
    }

    /// The value of the first `key=` member of a query string (Gemini's SDKs and curl examples).
    static func queryKey(_ query: String?) -> String? {
        guard let query, !query.isEmpty else { return nil }
        for member in query.split(separator: "&") where member.hasPrefix("key=") {
            let value = member.dropFirst(4)
            return value.isEmpty ? nil : (String(value).removingPercentEncoding ?? String(value))
        }
        return nil
    }
}

/// Establishes the caller's identity on every client route (`/v1/*`, the pass-through prefixes,
/// `/api/cache/feedback`), fail-closed.
///
/// With client keys configured, a request without a key, with an unknown key or with an
/// unsupported `Authorization` scheme is refused with 401 before anything else runs, so nothing
/// goes upstream. Without client keys the caller is anonymous (the gateway refuses to start on a
/// non-loopback address in that state unless `allow_unauthenticated` is set).
struct ClientAuthenticationMiddleware: RouterMiddleware {
    typealias Context = DejaRequestContext

    let keyring: ClientKeyring
    let family: CredentialFamily
    /// Issued keys and the request rate limits; nil only in tests of static keys alone.
    var governance: Governance?
    /// The native pass-through: its bodies are the providers' own, so the gateway neither checks
    /// their model against a key's allowed models nor meters their tokens and cost. A caller whose
    /// key or tenant has such limits, or any caller while a gateway budget is set, is refused
    /// there (fail closed) and pointed at `/v1`.
    var unmetered = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !keyring.isEmpty || governance?.keysRequired(staticKeys: false) == true {
            do {
                (context.identity, context.grant) = try Self.authenticate(request, keyring: keyring, governance: governance, family: family)
            } catch {
                // A refused credential still counts against its address's limit, so guessing is
                // throttled like any other traffic (429 once the address is over it).
                if let governance {
                    let address = governance.requestScopes(address: context.remoteAddress?.ipAddress, identity: .anonymous, grant: nil)
                    _ = try await governance.admitRequest(address)
                }
                throw error
            }
        }
        guard let governance else { return try await next(request, context) }
        if unmetered, governance.needsMetering(identity: context.identity, grant: context.grant) {
            throw GatewayError(
                status: .forbidden,
                message: "This key has model, token or budget limits, which the native pass-through cannot enforce; use the OpenAI-compatible /v1 endpoints",
                type: "permission_error", code: "passthrough_not_metered")
        }
        let scopes = governance.requestScopes(address: context.remoteAddress?.ipAddress, identity: context.identity, grant: context.grant)
        let decision = try await governance.admitRequest(scopes)
        var response = try await next(request, context)
        // A tighter limit set further in (per model) keeps its own headers.
        if let decision, response.headers[Governance.xRateLimitLimit] == nil { Governance.setHeaders(&response.headers, decision, kind: .requests) }
        return response
    }

    static func authenticate(_ request: Request, keyring: ClientKeyring, family: CredentialFamily) throws -> CallerIdentity {
        try authenticate(request, keyring: keyring, governance: nil, family: family).0
    }

    /// The caller's identity and, for an issued key, its grant. `x-budget-key` may carry an
    /// issued key instead of the usual header, or beside it to charge another key of the same
    /// tenant.
    static func authenticate(
        _ request: Request, keyring: ClientKeyring, governance: Governance?, family: CredentialFamily
    ) throws -> (CallerIdentity, KeyGrant?) {
        let budgetKey = request.headers[.xBudgetKey].flatMap { $0.isEmpty ? nil : $0 }
        var presented = PresentedCredential.of(request, family: family)
        if presented == .none, let budgetKey { presented = .key(budgetKey) }
        let now = governance?.unixSeconds ?? 0
        switch presented {
        case .none:
            throw unauthorized(
                "Missing API key: send your Deja client key as 'Authorization: Bearer <key>'\(family == .anthropic ? " or 'x-api-key'" : family == .gemini ? ", 'x-goog-api-key' or '?key='" : "")",
                code: "missing_api_key")
        case .unsupportedScheme:
            throw unauthorized("Unsupported Authorization scheme: use 'Authorization: Bearer <key>'", code: "unsupported_authorization_scheme")
        case .key(let key):
            let identity: CallerIdentity
            var grant: KeyGrant?
            if let issued = governance?.directory.grant(presented: key, unixSeconds: now) {
                identity = .tenant(issued.tenant)
                grant = issued
            } else if let tenant = keyring.tenant(forKey: key) {
                identity = .tenant(tenant)
            } else {
                throw unauthorized("Invalid API key", code: "invalid_api_key")
            }
            if let budgetKey, budgetKey != key {
                guard let charged = governance?.directory.grant(presented: budgetKey, unixSeconds: now) else {
                    throw unauthorized("Invalid x-budget-key: it must be an active key issued by this gateway", code: "invalid_budget_key")
                }
                guard charged.tenant == identity.tenantName else {
                    throw GatewayError(status: .forbidden, message: "x-budget-key belongs to another tenant", type: "permission_error", code: "budget_key_forbidden")
                }
                grant = charged
            }
            return (identity, grant)
        }
    }

    static func unauthorized(_ message: String, code: String) -> GatewayError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer"
        return GatewayError(status: .unauthorized, message: message, type: "authentication_error", code: code, headers: headers)
    }
}

extension HTTPField.Name {
    static let xAPIKey = Self("x-api-key")!
    static let xGoogAPIKey = Self("x-goog-api-key")!
    static let xBudgetKey = Self("x-budget-key")!
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
