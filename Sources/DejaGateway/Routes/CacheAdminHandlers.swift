import DejaCache
import DejaEmbedding
import DejaProviders
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/cache/stats` and `POST /api/cache/invalidate`. Guarded by the admin token
/// (`Authorization: Bearer <ADMIN_TOKEN>`) when one is configured; without one they answer only
/// on a loopback-bound gateway, so an exposed gateway never leaves them open by accident.
struct CacheAdminHandlers: Sendable {
    let front: CacheFront
    let adminTokenHash: [UInt8]?
    let loopbackOnly: Bool

    func authorize(_ request: Request) throws {
        if let adminTokenHash {
            guard let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer "),
                SecretHash.equal(SecretHash.sha256(String(auth.dropFirst(7))), adminTokenHash)
            else {
                throw GatewayError(status: .unauthorized, message: "The cache API needs the admin token", type: "authentication_error", code: "invalid_admin_token")
            }
        } else if !loopbackOnly {
            throw GatewayError(
                status: .forbidden, message: "Set ADMIN_TOKEN to use the cache API on a gateway that listens beyond loopback",
                type: "permission_error", code: "admin_token_required")
        }
    }

    func stats(_ request: Request, context: DejaRequestContext) throws -> Response {
        try authorize(request)
        let s = front.cache.statistics()
        var o = JSONObject()
        o.append("enabled", .bool(front.configuration.enabled))
        o.append("embedder", .string(front.cache.embedder.name))
        o.append("threshold", .double(front.configuration.threshold))
        o.append("entries", .int(s.entries))
        o.append("bytes", .int(s.bytes))
        o.append("namespaces", .int(s.namespaces))
        o.append("hits", .object(JSONObject(["exact": .int(s.exactHits), "semantic": .int(s.semanticHits), "total": .int(s.exactHits + s.semanticHits)])))
        o.append("misses", .int(s.misses))
        o.append("bypasses", .int(s.bypasses))
        o.append("hit_ratio", .double((s.hitRatio * 10_000).rounded() / 10_000))
        o.append("coalesced", .int(s.coalesced))
        o.append("evictions", .int(s.evictions))
        o.append("expirations", .int(s.expirations))
        o.append("verifier_rejections", .object(JSONObject(s.rejections.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .int($0.value)) })))
        o.append("in_flight", .int(front.coalescer.inFlight))
        let wrong = front.cache.wrongHitCounts()
        o.append("reported_wrong_hits", .int(wrong.reduce(0) { $0 + $1.count }))
        o.append("reported_wrong_hits_by_namespace", .object(JSONObject(wrong.prefix(10).map { .init(key: $0.namespace, value: .int($0.count)) })))
        o.append("lookup_ms", .object(JSONObject(["p50": .double(ms(s.lookupP50)), "p99": .double(ms(s.lookupP99)), "count": .int(s.lookupCount)])))
        o.append("embedding_ms", .object(JSONObject(["p50": .double(ms(s.embeddingP50)), "p99": .double(ms(s.embeddingP99)), "count": .int(s.embeddingCount)])))
        o.append(
            "top_namespaces",
            .array(
                s.topNamespaces.map {
                    .object(JSONObject(["namespace": .string($0.namespace), "entries": .int($0.entries), "model": .string($0.model), "index": .string($0.index)]))
                }))
        if let mirror = front.mirror { o.append("redis", mirror.statusJSON()) } else { o.append("redis", .object(JSONObject(["enabled": .bool(false)]))) }
        return .json(.object(o))
    }

    func invalidate(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try authorize(request)
        let bytes = try await request.collectBody(limit: 1 << 20)
        guard let body = (try? JSONParser.parse(bytes.readableBytesView))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object such as {\"all\": true}")
        }
        let invalidation: SemanticCache.Invalidation
        if body["all"]?.boolValue == true {
            invalidation = .all
        } else if let id = body["entry_id"]?.stringValue.flatMap(UInt64.init) ?? body["entry_id"]?.intValue.map(UInt64.init) {
            invalidation = .entry(id)
        } else if let ns = body["namespace"]?.stringValue {
            guard let key = CacheKey(hex: ns) else { throw GatewayError(status: .badRequest, message: "'namespace' must be the 64-character hex key from /api/cache/stats", param: "namespace") }
            invalidation = .namespace(key)
        } else if let query = body["query"]?.stringValue {
            let threshold = body["threshold"]?.doubleValue ?? front.configuration.threshold
            guard threshold > 0, threshold <= 1 else { throw GatewayError(status: .badRequest, message: "'threshold' must be in (0, 1]", param: "threshold") }
            invalidation = .query(query, model: body["model"]?.stringValue, threshold: threshold)
        } else if let model = body["model"]?.stringValue {
            invalidation = .model(model)
        } else {
            throw GatewayError(
                status: .badRequest,
                message: "Expected one of {\"all\": true}, {\"model\": …}, {\"namespace\": …}, {\"entry_id\": …}, {\"query\": …, \"model\": …, \"threshold\": …}")
        }
        let removed = try await front.cache.invalidate(invalidation)
        front.mirror?.invalidated(removed.map(\.id), invalidation: invalidation)
        return .json(.object(JSONObject(["removed": .int(removed.count)])))
    }

    /// `POST /api/cache/feedback {"completion_id": "...", "correct": false}`: a client reports a
    /// wrong answer. Open to the tenant that received the completion (its API key decides the
    /// scope); another tenant's completion ids are unknown to it (404).
    func feedback(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let bytes = try await request.collectBody(limit: 64 << 10)
        guard let body = (try? JSONParser.parse(bytes.readableBytesView))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object {\"completion_id\": …, \"correct\": false}")
        }
        guard let id = body["completion_id"]?.stringValue, !id.isEmpty else {
            throw GatewayError(status: .badRequest, message: "Missing required parameter: 'completion_id'", param: "completion_id")
        }
        guard let correct = body["correct"]?.boolValue else {
            throw GatewayError(status: .badRequest, message: "'correct' must be true or false", param: "correct")
        }
        let scope = front.configuration.scope(forTenant: context.tenant)
        guard let result = front.cache.feedback(completionID: id, correct: correct, scope: scope) else {
            throw GatewayError(
                status: .notFound, message: "Unknown completion id '\(id)' (not served from or stored in this cache, or expired from its memory)",
                param: "completion_id", code: "completion_not_found")
        }
        if let removed = result.removed { front.mirror?.invalidated([removed.id], invalidation: .entry(removed.id)) }
        var o = JSONObject()
        o.append("entry_id", result.entryID.map { .string(String($0)) } ?? .null)
        o.append("evicted", .bool(result.evicted))
        if let t = result.namespaceThreshold { o.append("namespace_threshold", .double(t)) }
        return .json(.object(o))
    }

    private func ms(_ seconds: Double) -> Double { (seconds * 1e6).rounded() / 1e3 }
}
