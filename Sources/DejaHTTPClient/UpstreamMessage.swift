public import NIOCore
public import NIOHTTP1

/// One HTTP/1.1 request to an upstream. The body is sent whole with a `Content-Length`.
public struct UpstreamRequest: Sendable {
    public var method: HTTPMethod
    public var url: UpstreamURL
    public var headers: HTTPHeaders
    public var body: ByteBuffer?

    public init(method: HTTPMethod = .POST, url: UpstreamURL, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An upstream's response: the head, and a body that is either already collected or still
/// streaming from the connection.
public struct UpstreamResponseHead: Sendable {
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
}

/// A response whose body has been read in full (up to a limit).
public struct CollectedResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    /// The body, or its first `limit` bytes when `truncated`.
    public let body: ByteBuffer
    /// True when the body was longer than the limit asked for; the rest was not read and the
    /// connection was closed.
    public let truncated: Bool
}

/// A response whose body streams: iterate `body` once. Cancelling the iterating task, or
/// dropping the iterator before the end, closes the upstream connection.
public struct StreamingResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    public let body: UpstreamBody
}

/// The streaming body of an upstream response, as the connection delivers it, with
/// back-pressure: the connection stops reading while the consumer is behind.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, BodyDelegate
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async throws -> ByteBuffer? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// Reads the rest of the body; throws `UpstreamBodyTooLarge` past `limit` bytes.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var result = ByteBuffer()
        for try await var part in self {
            guard result.readableBytes + part.readableBytes <= limit else { throw UpstreamBodyTooLarge(limit: limit) }
            result.writeBuffer(&part)
        }
        return result
    }
}

/// A body exceeded the number of bytes the caller was prepared to read.
public struct UpstreamBodyTooLarge: Error, Sendable {
    public let limit: Int
}
