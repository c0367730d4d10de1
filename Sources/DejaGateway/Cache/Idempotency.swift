import DejaCache
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `X-Idempotency-Key` on the request path: replays the first successful response for the key
/// (per tenant) with `X-Idempotent-Replay: true`; a concurrent duplicate waits for it; the same key
/// with a different body is 422. Streamed responses are kept as the bytes that were sent.
enum Idempotency {
    /// Response headers worth replaying.
    static let keptHeaders: [HTTPField.Name] = [.contentType, .xProvider, .xModel, .xCache, .xCached, .xCacheSimilarity]

    static func run(
        store: IdempotencyStore, key: String, tenant: String, body: ByteBuffer, _ respond: () async throws -> Response
    ) async throws -> Response {
        guard key.utf8.count <= 256 else {
            throw GatewayError(status: .badRequest, message: "X-Idempotency-Key must be at most 256 bytes", param: "X-Idempotency-Key")
        }
        let bodyKey = CacheKey.sha256(body.readableBytesView)
        let recordKey = tenant + "\u{0}" + key
        switch await store.claim(key: recordKey, body: bodyKey) {
        case .conflict:
            throw GatewayError(
                status: .unprocessableContent, message: "X-Idempotency-Key '\(key)' was already used with a different request body",
                type: "invalid_request_error", code: "idempotency_key_conflict")
        case .replay(let stored):
            var fields = HTTPFields()
            for (name, value) in stored.headers {
                if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
            }
            fields[HTTPField.Name("X-Idempotent-Replay")!] = "true"
            return Response(status: .init(code: stored.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .proceed:
            let response: Response
            do {
                response = try await respond()
            } catch {
                store.complete(key: recordKey, response: nil)
                throw error
            }
            guard (200..<300).contains(response.status.code) else {
                store.complete(key: recordKey, response: nil)
                return response
            }
            var headers: [(String, String)] = []
            for name in keptHeaders {
                if let value = response.headers[name] { headers.append((name.canonicalName, value)) }
            }
            let status = response.status.code
            let kept = headers
            let collected = Mutex<[UInt8]>([])
            let original = response.body
            var captured = response
            captured.body = ResponseBody { writer in
                do {
                    try await original.map { buffer in
                        collected.withLock { $0.append(contentsOf: buffer.readableBytesView) }
                        return buffer
                    }.write(writer)
                } catch {
                    store.complete(key: recordKey, response: nil)
                    throw error
                }
                store.complete(key: recordKey, response: StoredResponse(status: status, headers: kept, body: collected.withLock { $0 }))
            }
            return captured
        }
    }
}
