import DejaCache
import HTTPTypes
import Hummingbird
import NIOCore
import DejaWire

/// The shadow log's API, behind `AdminGuard`: `GET /api/cache/shadow` (the counts, the would-be
/// hit rate and the newest records), `POST /api/cache/shadow/{id}/label` (a human verdict) and
/// `GET /api/cache/shadow/export` (labelled records as the pairs `deja bench cache --pairs`
/// reads). The records hold questions, so only the operator sees them.
struct ShadowHandlers: Sendable {
    let front: CacheFront
    let admin: AdminGuard
    /// The cache scope a tenant's requests use (the governance directory may move it).
    let scopeForTenant: @Sendable (String) -> String

    static let defaultLimit = 50
    static let maximumLimit = 1000

    func list(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin.authorize(request, context: context)
        let query = request.uri.queryParameters
        let limit = try Self.limit(query.get("limit"))
        let scope = try scope(query.get("tenant"))
        let verdict = query.get("verdict")
        guard verdict == nil || verdict == "would_serve" || verdict == "rejected" else {
            throw GatewayError(status: .badRequest, message: "'verdict' must be would_serve or rejected", param: "verdict")
        }
        let labelFilter = query.get("label")
        let labels = ShadowRecord.Label.allCases.map(\.rawValue)
        guard labelFilter == nil || labelFilter == "unlabelled" || labelFilter == "labelled" || labels.contains(labelFilter!) else {
            throw GatewayError(
                status: .badRequest, message: "'label' must be one of unlabelled, labelled, \(labels.joined(separator: ", "))", param: "label")
        }
        let log = front.cache.shadowLog
        let records = log.records(limit: limit, scope: scope) { record in
            if let verdict, record.wouldServe != (verdict == "would_serve") { return false }
            switch labelFilter {
            case nil: return true
            case "unlabelled": return record.label == nil
            case "labelled": return record.label != nil
            case let name?: return record.label?.rawValue == name
            }
        }
        let configuration = front.configuration
        var o = JSONObject()
        o.append("object", .string("cache.shadow"))
        o.append("mode", .string(configuration.mode.rawValue))
        o.append("tenant_modes", .object(JSONObject(configuration.tenantModes.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value.rawValue)) })))
        o.append("model_modes", .object(JSONObject(configuration.modelModes.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value.rawValue)) })))
        o.append("stats", .object(statistics(scope: scope)))
        o.append("data", .array(records.map { .object(Self.render($0)) }))
        return .json(.object(o))
    }

    func label(_ request: Request, context: DejaRequestContext) async throws -> Response {
        try admin.authorize(request, context: context)
        let text = context.parameters.get("id") ?? ""
        guard text.utf8.count <= 20, !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let id = UInt64(text) else {
            throw GatewayError(status: .badRequest, message: "The record id must be a non-negative integer (as in /api/cache/shadow)", param: "id")
        }
        let bytes = try await request.collectBody(limit: 4096)
        let labels = ShadowRecord.Label.allCases.map(\.rawValue)
        guard let body = (try? JSONParser.parse(bytes.readableBytesView))?.objectValue else {
            throw GatewayError(status: .badRequest, message: "Expected a JSON object {\"label\": \(labels.joined(separator: " | "))}")
        }
        guard let name = body["label"]?.stringValue, let label = ShadowRecord.Label(rawValue: name) else {
            throw GatewayError(status: .badRequest, message: "'label' must be one of \(labels.joined(separator: ", "))", param: "label")
        }
        guard let record = front.cache.shadowLog.label(id, as: label) else {
            throw GatewayError(
                status: .notFound, message: "Unknown shadow record \(id) (never logged, or dropped from the bounded log)", param: "id",
                code: "shadow_record_not_found")
        }
        return .json(.object(Self.render(record)))
    }

    /// One JSON object per line, `{"a": stored, "b": asked, "label": …}` plus the similarity and
    /// the verdict for reference, for every labelled record that was not truncated.
    func export(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin.authorize(request, context: context)
        let scope = try scope(request.uri.queryParameters.get("tenant"))
        let records = front.cache.shadowLog.records(limit: .max, scope: scope) { $0.label != nil && !$0.truncated }
        var out: [UInt8] = []
        // Oldest first, as they were logged.
        for record in records.reversed() {
            var o = JSONObject()
            o.append("a", .string(record.storedQuestion))
            o.append("b", .string(record.askedQuestion))
            o.append("label", .string(record.label!.rawValue))
            o.append("cosine", Self.rounded(record.similarity))
            o.append("verdict", .string(record.wouldServe ? "would_serve" : "rejected"))
            if let check = record.rejectedBy { o.append("rejected_by", .string(check)) }
            o.append("shadow_id", .string(String(record.id)))
            out += JSONWriter.serialize(.object(o))
            out.append(UInt8(ascii: "\n"))
        }
        var fields = HTTPFields()
        fields[.contentType] = "application/x-ndjson"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: out)))
    }

    // MARK: -

    private func statistics(scope: String?) -> JSONObject {
        let log = front.cache.shadowLog
        let s = log.statistics
        let usage = log.usage
        let labelled = log.labelCounts(scope: scope)
        func rate(_ n: Int, _ d: Int) -> JSONValue { d == 0 ? .null : .double((Double(n) / Double(d) * 10_000).rounded() / 10_000) }
        var o = JSONObject()
        o.append("lookups", .int(s.lookups))
        o.append("exact_hits", .int(s.exactHits))
        o.append("would_serve", .int(s.wouldServe))
        o.append("rejected", .int(s.rejected))
        o.append("would_be_semantic_hit_rate", rate(s.wouldServe, s.lookups))
        o.append("would_be_hit_rate", rate(s.wouldServe + s.exactHits, s.lookups))
        o.append("records", .int(usage.records))
        o.append("bytes", .int(usage.bytes))
        o.append("dropped", .int(s.dropped))
        o.append("max_records", .int(log.maximumEntries))
        o.append("labels", .object(JSONObject(ShadowRecord.Label.allCases.map { .init(key: $0.rawValue, value: .int(labelled.counts[$0] ?? 0)) })))
        o.append("labelled_would_serve", .int(labelled.wouldServeLabelled))
        // Of the would-be hits people judged, the share that were wrong: the false-hit rate to expect.
        o.append("labelled_false_hit_rate", rate(labelled.wouldServeWrong, labelled.wouldServeLabelled))
        return o
    }

    private func scope(_ tenant: String?) throws -> String? {
        guard let tenant else { return nil }
        guard !tenant.isEmpty, tenant.utf8.count <= 128 else {
            throw GatewayError(status: .badRequest, message: "'tenant' must be a tenant name of at most 128 bytes", param: "tenant")
        }
        return scopeForTenant(tenant)
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return defaultLimit }
        guard let n = Int(text), (1...maximumLimit).contains(n) else {
            throw GatewayError(status: .badRequest, message: "'limit' must be a whole number from 1 to \(maximumLimit)", param: "limit")
        }
        return n
    }

    static func rounded(_ similarity: Float) -> JSONValue { .double((Double(similarity) * 10_000).rounded() / 10_000) }

    static func render(_ record: ShadowRecord) -> JSONObject {
        var o = JSONObject()
        o.append("id", .string(String(record.id)))
        o.append("object", .string("cache.shadow_record"))
        o.append("created", .int(Int(record.time)))
        o.append("scope", .string(record.scope))
        o.append("model", .string(record.model))
        o.append("entry_id", .string(String(record.entryID)))
        o.append("stored_question", .string(record.storedQuestion))
        o.append("asked_question", .string(record.askedQuestion))
        o.append("truncated", .bool(record.truncated))
        o.append("similarity", rounded(record.similarity))
        o.append("verdict", .string(record.wouldServe ? "would_serve" : "rejected"))
        o.append("rejected_by", record.rejectedBy.map(JSONValue.string) ?? .null)
        o.append("label", record.label.map { .string($0.rawValue) } ?? .null)
        return o
    }
}
