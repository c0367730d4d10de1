import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP plumbing every adapter shares: send a JSON request over the pooled client, map
/// transport failures and non-2xx answers to `ProviderError`, bound what is read.
struct UpstreamHTTP: Sendable {
    let provider: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// Largest error body read from an upstream (error bodies are small; a huge one is truncated).
    static let maxErrorBytes = 64 << 10

    /// Sends a request and collects the whole 2xx body.
    func send(
        url: String, method: HTTPMethod = .POST, headers: HTTPHeaders, body: [UInt8]?, maxBytes: Int,
        errorParser: @Sendable ([UInt8]) -> OpenAIErrorBody?
    ) async throws -> [UInt8] {
        let response = try await open(url: url, method: method, headers: headers, body: body, errorParser: errorParser)
        do {
            let buffer = try await response.body.collect(upTo: maxBytes)
            return Array(buffer.readableBytesView)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw ProviderError.responseTooLarge(provider: provider, limit: maxBytes)
        } catch {
            throw map(error)
        }
    }

    /// Sends a request and returns once a 2xx response head arrived; the body is left to stream.
    func open(
        url: String, method: HTTPMethod = .POST, headers: HTTPHeaders, body: [UInt8]?,
        errorParser: @Sendable ([UInt8]) -> OpenAIErrorBody?
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw map(error)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let bytes: [UInt8]
            do {
                bytes = Array(try await response.body.collect(upTo: Self.maxErrorBytes).readableBytesView)
            } catch {
                bytes = []
            }
            let status = Int(response.status.code)
            let parsed = errorParser(bytes)
            let message =
                parsed?.message
                ?? (bytes.isEmpty
                    ? "upstream answered HTTP \(status)" : String(decoding: bytes.prefix(512), as: UTF8.self))
            throw ProviderError.upstreamStatus(
                status, provider: provider, message: message, type: parsed?.type, code: parsed?.code,
                retryAfter: response.headers.first(name: "retry-after"))
        }
        return response
    }

    /// Maps a transport error to a `ProviderError`.
    func map(_ error: any Error) -> ProviderError {
        if let e = error as? ProviderError { return e }
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .timeout(provider: provider)
            case .connectTimeout, .remoteConnectionClosed, .cancelled:
                return .connectionFailed(provider: provider, detail: "\(e)")
            default:
                return .connectionFailed(provider: provider, detail: "\(e)")
            }
        }
        if error is CancellationError { return .connectionFailed(provider: provider, detail: "cancelled") }
        return .connectionFailed(provider: provider, detail: "\(error)")
    }
}

/// Pulls server-sent events out of a streaming upstream body, one upstream read at a time.
final class SSEEventReader {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var parser = SSEParser()
    private var pending: [SSEEvent] = []
    private var pendingIndex = 0
    private let provider: String

    init(body: HTTPClientResponse.Body, provider: String) {
        self.iterator = body.makeAsyncIterator()
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
            let buffer: ByteBuffer?
            do {
                buffer = try await iterator.next()
            } catch let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded {
                throw ProviderError.timeout(provider: provider)
            } catch {
                throw ProviderError.streamInterrupted(provider: provider, detail: "\(error)")
            }
            guard let buffer else { return nil }
            do {
                pending = try parser.feed(buffer.readableBytesView)
            } catch {
                throw ProviderError.malformedResponse(provider: provider, detail: "a stream event exceeded the size limit")
            }
        }
    }
}
