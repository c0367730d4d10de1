import DejaHTTPClient
import Logging
import NIOCore
import NIOHTTP1
public import DejaWire

/// The HTTP plumbing every adapter shares: send a JSON request over the upstream client, map
/// transport failures and non-2xx answers to `ProviderError`, bound what is read.
struct UpstreamHTTP: Sendable {
    let provider: String
    let client: UpstreamClient
    let timeout: TimeAmount

    /// Largest error body read from an upstream (error bodies are small; a huge one is truncated).
    static let maxErrorBytes = 64 << 10

    /// Sends a request and collects the whole 2xx body.
    func send(
        url: String, method: HTTPMethod = .POST, deadline: ContinuousClock.Instant?, headers: HTTPHeaders, body: [UInt8]?, maxBytes: Int,
        errorParser: @Sendable ([UInt8]) -> OpenAIErrorBody?
    ) async throws -> [UInt8] {
        let request = try makeRequest(url: url, method: method, headers: headers, body: body)
        let response: CollectedResponse
        do {
            response = try await client.collect(request, limit: max(maxBytes, Self.maxErrorBytes), timeout: timeout(before: deadline))
        } catch {
            throw map(error)
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw Self.statusError(status, provider: provider, headers: response.headers, body: Array(response.body.readableBytesView.prefix(Self.maxErrorBytes)), errorParser: errorParser)
        }
        guard !response.truncated, response.body.readableBytes <= maxBytes else {
            throw ProviderError.responseTooLarge(provider: provider, limit: maxBytes)
        }
        return Array(response.body.readableBytesView)
    }

    /// Sends a request and returns once a 2xx response head arrived; the body is left to stream.
    func open(
        url: String, method: HTTPMethod = .POST, deadline: ContinuousClock.Instant?, headers: HTTPHeaders, body: [UInt8]?,
        errorParser: @Sendable ([UInt8]) -> OpenAIErrorBody?
    ) async throws -> StreamingResponse {
        let request = try makeRequest(url: url, method: method, headers: headers, body: body)
        let response: StreamingResponse
        do {
            response = try await client.stream(request, timeout: timeout(before: deadline))
        } catch {
            throw map(error)
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            var bytes: [UInt8] = []
            do {
                for try await part in response.body {
                    bytes.append(contentsOf: part.readableBytesView.prefix(Self.maxErrorBytes - bytes.count))
                    if bytes.count >= Self.maxErrorBytes { break }
                }
            } catch {
                // The status says enough; a cut error body keeps what arrived.
            }
            throw Self.statusError(status, provider: provider, headers: response.headers, body: bytes, errorParser: errorParser)
        }
        return response
    }

    private func makeRequest(url: String, method: HTTPMethod, headers: HTTPHeaders, body: [UInt8]?) throws -> UpstreamRequest {
        let parsed: UpstreamURL
        do {
            parsed = try UpstreamURL(url)
        } catch {
            throw ProviderError.connectionFailed(provider: provider, detail: "\(error)")
        }
        return UpstreamRequest(method: method, url: parsed, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }

    /// The error for a non-2xx answer: the provider's own message and codes (through its error
    /// parser), its Retry-After, and whether an OpenAI-style 429 says the account is out.
    static func statusError(
        _ status: Int, provider: String, headers: HTTPHeaders, body bytes: [UInt8], errorParser: @Sendable ([UInt8]) -> OpenAIErrorBody?
    ) -> ProviderError {
        let parsed = errorParser(bytes)
        let message =
            parsed?.message
            ?? (bytes.isEmpty ? "upstream answered HTTP \(status)" : String(decoding: bytes.prefix(512), as: UTF8.self))
        var error = ProviderError.upstreamStatus(
            status, provider: provider, message: message, type: parsed?.type, code: parsed?.code,
            retryAfter: headers.first(name: "retry-after"))
        error.rateLimitExhausted =
            status == 429 && Self.isZero(headers.first(name: "x-ratelimit-remaining-requests"))
            && Self.isZero(headers.first(name: "x-ratelimit-remaining-tokens"))
        return error
    }

    /// The provider's timeout, shortened to what is left before the request's deadline (at
    /// least a millisecond, so that a passed deadline times out at once instead of never).
    func timeout(before deadline: ContinuousClock.Instant?) -> TimeAmount {
        guard let deadline else { return timeout }
        let (seconds, attoseconds) = (deadline - .now).components
        let remaining = seconds > Int64.max / 1_000_000_000 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return .nanoseconds(max(1_000_000, min(timeout.nanoseconds, remaining)))
    }

    /// Whether a rate-limit header says nothing is left ("0", surrounding spaces allowed).
    static func isZero(_ value: String?) -> Bool {
        guard let value else { return false }
        return value.split(separator: " ", omittingEmptySubsequences: true) == ["0"]
    }

    /// Maps a transport error to a `ProviderError`.
    func map(_ error: any Error) -> ProviderError {
        if let e = error as? ProviderError { return e }
        if let e = error as? UpstreamClientError {
            switch e {
            case .readTimeout:
                return .timeout(provider: provider)
            default:
                return .connectionFailed(provider: provider, detail: e.description)
            }
        }
        if error is CancellationError { return .connectionFailed(provider: provider, detail: "cancelled") }
        return .connectionFailed(provider: provider, detail: "\(error)")
    }
}

/// Pulls server-sent events out of a streaming upstream body, one upstream read at a time. Each
/// event (and each line, even one that never ends) is capped at `SSEParser.maxEventBytes`; past it
/// the stream is a `malformedResponse`, so a hostile upstream cannot make the gateway buffer
/// without limit.
final class SSEEventReader {
    private enum Source {
        case body(UpstreamBody.AsyncIterator)
        /// Raw byte chunks (tests and replays).
        case chunks(() async throws -> [UInt8]?)
    }

    private var source: Source
    private var parser: SSEParser
    private var pending: [SSEEvent] = []
    private var pendingIndex = 0
    private let provider: String

    init(body: UpstreamBody, provider: String) {
        self.source = .body(body.makeAsyncIterator())
        self.parser = SSEParser()
        self.provider = provider
    }

    init(provider: String, maxEventBytes: Int = 8 << 20, nextChunk: @escaping () async throws -> [UInt8]?) {
        self.source = .chunks(nextChunk)
        self.parser = SSEParser(maxEventBytes: maxEventBytes)
        self.provider = provider
    }

    /// The next event, or nil when the body ended.
    func next() async throws -> SSEEvent? {
        while true {
            if pendingIndex < pending.count {
                defer { pendingIndex += 1 }
                return pending[pendingIndex]
            }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            do {
                switch source {
                case .body(var iterator):
                    let buffer: ByteBuffer?
                    do {
                        buffer = try await iterator.next()
                    } catch UpstreamClientError.readTimeout {
                        throw ProviderError.timeout(provider: provider)
                    } catch {
                        throw ProviderError.streamInterrupted(provider: provider, detail: "\(error)")
                    }
                    source = .body(iterator)
                    guard let buffer else { return nil }
                    pending = try parser.feed(buffer.readableBytesView)
                case .chunks(let next):
                    let chunk: [UInt8]?
                    do {
                        chunk = try await next()
                    } catch let error as ProviderError {
                        throw error
                    } catch {
                        throw ProviderError.streamInterrupted(provider: provider, detail: "\(error)")
                    }
                    guard let chunk else { return nil }
                    pending = try parser.feed(chunk)
                }
            } catch is SSEParser.ParseError {
                throw ProviderError.malformedResponse(
                    provider: provider, detail: "a stream event exceeded the size limit of \(parser.maxEventBytes) bytes")
            }
        }
    }
}
