import Hummingbird

/// CORS for the client routes only: `/api/*` (the gateway's own API) never answers a preflight
/// and never carries `Access-Control-Allow-Origin`, so no other site's page can read or drive it.
struct ClientRoutesCORS: RouterMiddleware {
    typealias Context = DejaRequestContext
    let base: CORSMiddleware<DejaRequestContext>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/api/") { return try await next(request, context) }
        return try await base.handle(request, context: context, next: next)
    }
}
