import DejaCache
import HTTPTypes
import Hummingbird
import NIOCore

/// `X-Idempotency-Key` on the request path: replays the first successful response for the key
/// (per tenant) with `X-Idempotent-Replay: true`; a concurrent duplicate waits for it; the same key
/// with a different body is 422. Streamed responses are kept as the bytes that were sent.
///
/// A response is kept only when it was delivered whole: a 2xx status, a body writer that finished
/// without throwing, no more than the store's `maxResponseBytes`, and — for an event stream — a
/// last event of `data: [DONE]` not preceded by an error event (a stream that failed midway ends
/// with an error event and `[DONE]`, or is cut). Every other ending releases the key, so a retry runs afresh: the handler throwing, a
/// client that disconnects while the body is written (the writer throws), a cancelled task, and a
/// body that is never written at all (the `IdempotencyKeyGuard` the body closure holds releases
/// the key when the dropped response deallocates it).
///
/// When in-flight keys fill the store's budget the request is refused with 503 and
/// `Retry-After: 1` (`idempotency_capacity`): the bound protects the whole gateway, not one
/// tenant's rate, so it is reported as the server's condition rather than as 429.
enum Idempotency {
    /// Response headers worth replaying.
    static let keptHeaders: [HTTPField.Name] = [.contentType, .xProvider, .xModel, .xCache, .xCached, .xCacheSimilarity]

    /// The last bytes of a stream that ended.
    static let streamEnd: [UInt8] = Array("data: [DONE]\n\n".utf8)
    /// How the gateway's error event (written before `[DONE]` when a stream fails) begins.
    static let errorEvent: [UInt8] = Array("data: {\"error\":".utf8)

    /// Whether an event stream's bytes end well: `[DONE]`, and the event before it is not the
    /// gateway's error event.
    static func streamEndedWell(_ bytes: [UInt8]) -> Bool {
        guard bytes.ends(with: streamEnd) else { return false }
        let beforeDone = bytes.count - streamEnd.count
        // The previous event starts after the last blank line before `[DONE]` (or at the start).
        var start = 0
        var i = beforeDone - 2
        while i >= 1 {
            if bytes[i] == 0x0A, bytes[i - 1] == 0x0A {
                start = i + 1
                break
            }
            i -= 1
        }
        return !(beforeDone - start >= errorEvent.count && bytes[start..<(start + errorEvent.count)].elementsEqual(errorEvent))
    }

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
        case .overloaded:
            throw GatewayError(
                status: .serviceUnavailable,
                message: "Too many requests with an X-Idempotency-Key are in progress on this gateway; retry shortly",
                type: "server_error", code: "idempotency_capacity", headers: [.retryAfter: "1"])
        case .cancelled:
            // The waiting request's task was cancelled (its client is gone): nobody reads this,
            // but it is logged and counted as the client's doing (nginx's 499), not a 500.
            throw GatewayError(
                status: HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"),
                message: "The request was cancelled while it waited for another request with its X-Idempotency-Key",
                type: "invalid_request_error", code: "request_cancelled")
        case .replay(let stored):
            var fields = HTTPFields()
            for (name, value) in stored.headers {
                if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
            }
            fields[HTTPField.Name("X-Idempotent-Replay")!] = "true"
            return Response(status: .init(code: stored.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .proceed(let lease):
            let keyGuard = IdempotencyKeyGuard(lease)
            let response: Response
            do {
                response = try await respond()
            } catch {
                lease.release()
                throw error
            }
            guard (200..<300).contains(response.status.code) else {
                lease.release()
                return response
            }
            return capturing(response, keyGuard: keyGuard, maxBytes: store.limits.maxResponseBytes)
        }
    }

    /// `response` with a body that, while it is written, keeps a copy (up to `maxBytes`) and
    /// completes the lease with it once the body was delivered whole, or releases it. The body
    /// closure holds `keyGuard`, so a response dropped unwritten releases the key too.
    static func capturing(_ response: Response, keyGuard: IdempotencyKeyGuard, maxBytes: Int) -> Response {
        var headers: [(String, String)] = []
        for name in keptHeaders {
            if let value = response.headers[name] { headers.append((name.canonicalName, value)) }
        }
        let status = response.status.code
        let kept = headers
        let isStream = response.headers[.contentType]?.hasPrefix("text/event-stream") == true
        let original = response.body
        var captured = response
        captured.body = ResponseBody(contentLength: original.contentLength) { writer in
            let lease = keyGuard.lease
            // Owned by this closure's task alone; the writer passed down uses it in the same task.
            let capture = BodyCapture(limit: maxBytes, expectedBytes: original.contentLength)
            // Settled when the body's last byte has been written, just before the writer's
            // `finish` ends the response: a client that has seen the end can retry at once and
            // find the key stored or free, never still in flight. (A `finish` that then fails
            // leaves a stored answer stored: replaying it is what the key is for.)
            let settle = { (capture: BodyCapture) in
                guard let bytes = capture.bytes, !isStream || streamEndedWell(bytes) else {
                    if capture.isOversize { lease.releaseOversize() } else { lease.release() }
                    return
                }
                lease.complete(StoredResponse(status: status, headers: kept, body: bytes))
            }
            do {
                try await original.write(CapturingWriter(base: writer, capture: capture, settle: settle))
            } catch {
                lease.release()
                throw error
            }
            // The body ended without `finish` (never written whole): free the key.
            if !capture.finished { lease.release() }
        }
        return captured
    }
}

/// Releases an idempotency key when deallocated unless its lease was completed first: the
/// defer-style backstop for paths that lose the response (a body that is never written because
/// the connection closed first, a response dropped by a later stage). Releasing is idempotent.
final class IdempotencyKeyGuard: Sendable {
    let lease: IdempotencyLease

    init(_ lease: IdempotencyLease) {
        self.lease = lease
    }

    deinit { lease.release() }
}

/// What a captured body has written so far. Confined to the task writing the body.
final class BodyCapture {
    private let limit: Int
    private var collected: [UInt8] = []
    private var overflowed = false
    /// The body writer called `finish`: the body went out whole.
    var finished = false

    init(limit: Int, expectedBytes: Int?) {
        self.limit = limit
        if let expectedBytes, expectedBytes <= limit { collected.reserveCapacity(expectedBytes) }
    }

    /// The bytes written, nil once they outgrew the limit. Copied to an exact-size array when
    /// growth left much spare capacity, so the store's byte count is what the copy really holds.
    var bytes: [UInt8]? {
        guard !overflowed else { return nil }
        guard collected.capacity - collected.count > collected.count / 8 + 64 else { return collected }
        return [UInt8](unsafeUninitializedCapacity: collected.count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: collected)
        }
    }

    /// Whether more than the limit was written.
    var isOversize: Bool { overflowed }

    func append(_ buffer: ByteBuffer) {
        guard !overflowed else { return }
        guard collected.count + buffer.readableBytes <= limit else {
            // Too large to keep: stop holding a copy at all.
            overflowed = true
            collected = []
            return
        }
        collected.append(contentsOf: buffer.readableBytesView)
    }
}

/// Passes a response body through to the client's writer, copying what was written into a
/// `BodyCapture` (only after the client's writer accepted it).
struct CapturingWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let capture: BodyCapture
    /// Stores or frees the key once the body is complete (called before `base.finish`).
    let settle: (BodyCapture) -> Void

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await base.write(buffer)
        capture.append(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        let capture = self.capture
        capture.finished = true
        settle(capture)
        try await base.finish(trailingHeaders)
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
