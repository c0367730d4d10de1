import HTTPTypes
import Hummingbird

/// Establishes the caller's tenant from `Authorization: Bearer <key>` (or `x-api-key`).
///
/// With no static keys configured, every request is tenant `default` and any key is ignored
/// (clients of an open gateway often send placeholders). With keys configured, a request without
/// a key is tenant `default`, and a request with an unknown key is refused with 401, so a typo
/// never silently lands in another tenant's cache. Keys are compared by SHA-256 digest in
/// constant time; the key itself is never stored or logged.
struct TenantMiddleware: RouterMiddleware {
    typealias Context = DejaRequestContext

    let keys: [TenantKey]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty, let presented = Self.presentedKey(request) else { return try await next(request, context) }
        let digest = SecretHash.sha256(presented)
        var tenant: String?
        for key in keys where SecretHash.equal(key.keyHash, digest) {
            // No early exit: every configured key is compared.
            tenant = tenant ?? key.tenant
        }
        guard let tenant else {
            throw GatewayError(status: .unauthorized, message: "Invalid API key", type: "authentication_error", code: "invalid_api_key")
        }
        var context = context
        context.tenant = tenant
        return try await next(request, context)
    }

    static func presentedKey(_ request: Request) -> String? {
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]) }
            return nil
        }
        return request.headers[HTTPField.Name("x-api-key")!]
    }
}
