import DejaCache
import DejaEmbedding
import DejaProviders
import HTTPTypes
import Hummingbird
import NIOCore
import DejaWire

/// `GET /api/cache/stats` and `POST /api/cache/invalidate`, behind `AdminGuard` (the admin token,
/// or the checked loopback convenience); `POST /api/cache/feedback`, open to the client tenant that
/// received the completion.
struct CacheAdminHandlers: Sendable {
    let front: CacheFront
    let admin: AdminGuard
    let idempotency: IdempotencyStore

    func stats(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin.authorize(request, context: context)
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
        o.append("oversize_entries_skipped", .int(front.cache.oversizeEntriesSkipped))
        let idem = idempotency.statistics
        o.append(
            "idempotency",
            .object(JSONObject([
                "records": .int(idempotency.recordCount), "bytes": .int(idempotency.byteCount), "evictions": .int(idem.evictions),
                "oversize_responses": .int(idem.oversizeResponses), "refusals": .int(idem.refusals),
            ])))
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
        try admin.authorize(request, context: context)
        let bytes = try await request.collectBody(limit: 1 << 20)
        let invalidation = try Self.parseInvalidation(bytes.readableBytesView, defaultThreshold: front.configuration.threshold)
        let removed = try await front.cache.invalidate(invalidation)
        front.mirror?.invalidated(removed.map(\.id), invalidation: invalidation)
        return .json(.object(JSONObject(["removed": .int(removed.count)])))
    }

    /// Longest query text an invalidation by query may carry (it is embedded like a question).
    static let maxInvalidationQueryBytes = 8192

    /// The invalidation a request body asks for. Every member is checked before use: a wrong type,
    /// an id that is not a non-negative 64-bit integer, a threshold outside (0, 1] or an over-long
    /// string is a 400 naming the member.
    static func parseInvalidation(_ bytes: some Collection<UInt8>, defaultThreshold: Double) throws -> SemanticCache.Invalidation {
        guard let body = (try? JSONParser.parse(bytes))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object such as {\"all\": true}")
        }
        func string(_ key: String, maxBytes: Int) throws -> String? {
            guard let value = body[key], !value.isNull else { return nil }
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= maxBytes else {
                throw GatewayError(status: .badRequest, message: "'\(key)' must be a non-empty string of at most \(maxBytes) bytes", param: key)
            }
            return text
        }
        if let all = body["all"], !all.isNull {
            guard let flag = all.boolValue else { throw GatewayError(status: .badRequest, message: "'all' must be true or false", param: "all") }
            if flag { return .all }
        }
        if let value = body["entry_id"], !value.isNull {
            let digits: String?
            switch value {
            case .string(let s): digits = s
            case .number(let n): digits = n
            default: digits = nil
            }
            guard let digits, digits.utf8.count <= 20, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let id = UInt64(digits)
            else {
                throw GatewayError(status: .badRequest, message: "'entry_id' must be a non-negative integer id (as in x-gateway.cache_entry_id)", param: "entry_id")
            }
            return .entry(id)
        }
        if let ns = try string("namespace", maxBytes: 64) {
            guard let key = CacheKey(hex: ns) else {
                throw GatewayError(status: .badRequest, message: "'namespace' must be the 64-character hex key from /api/cache/stats", param: "namespace")
            }
            return .namespace(key)
        }
        let model = try string("model", maxBytes: 256)
        if let query = try string("query", maxBytes: maxInvalidationQueryBytes) {
            var threshold = defaultThreshold
            if let value = body["threshold"], !value.isNull {
                guard let t = value.doubleValue, t.isFinite, t > 0, t <= 1 else {
                    throw GatewayError(status: .badRequest, message: "'threshold' must be a number in (0, 1]", param: "threshold")
                }
                threshold = t
            }
            return .query(query, model: model, threshold: threshold)
        }
        if let model { return .model(model) }
        throw GatewayError(
            status: .badRequest,
            message: "Expected one of {\"all\": true}, {\"model\": …}, {\"namespace\": …}, {\"entry_id\": …}, {\"query\": …, \"model\": …, \"threshold\": …}")
    }

    /// `POST /api/cache/feedback {"completion_id": "...", "correct": false}`: a client reports a
    /// wrong answer. Open to the tenant that received the completion (its API key decides the
    /// scope); another tenant's completion ids are unknown to it (404).
    func feedback(_ request: Request, context: DejaRequestContext) async throws -> Response {
        let bytes = try await request.collectBody(limit: 64 << 10)
        guard let body = (try? JSONParser.parse(bytes.readableBytesView))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object {\"completion_id\": …, \"correct\": false}")
        }
        guard let idValue = body["completion_id"], !idValue.isNull else {
            throw GatewayError(status: .badRequest, message: "Missing required parameter: 'completion_id'", param: "completion_id")
        }
        // Completion ids are short and printable; anything else is refused before it is echoed.
        guard let id = idValue.stringValue, !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
            throw GatewayError(status: .badRequest, message: "'completion_id' must be a completion id (printable, at most 128 bytes)", param: "completion_id")
        }
        guard let correct = body["correct"]?.boolValue else {
            throw GatewayError(status: .badRequest, message: "'correct' must be true or false", param: "correct")
        }
        let scope = context.identity.cacheScope(front.configuration)
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
