import NIOCore
import NIOHTTP1

/// What the caller of an exchange waits for.
enum ExchangeMode {
    /// Read the whole body (at most `limit` bytes) before answering.
    case collect(limit: Int, promise: EventLoopPromise<CollectedResponse>)
    /// Answer at the response head; the body streams through an `UpstreamBody`.
    case stream(promise: EventLoopPromise<StreamingResponse>)
}

/// One request and its response on one connection. Lives on the connection's event loop and is
/// only touched there; `finished` makes every completion path run at most once.
final class Exchange {
    let request: UpstreamRequest
    let mode: ExchangeMode
    /// Longest silence from the upstream before the exchange fails with `.readTimeout`.
    let timeout: TimeAmount
    var head: HTTPResponseHead?
    var collected = ByteBuffer()
    var source: UpstreamBody.Producer.Source?
    /// The body consumer is behind: the connection holds back reads until it catches up.
    var paused = false
    var finished = false
    var lastActivity = NIODeadline.now()
    var timer: Scheduled<Void>?
    /// The connection running the exchange, once it has one.
    var connection: UpstreamConnectionHandler?

    init(request: UpstreamRequest, mode: ExchangeMode, timeout: TimeAmount) {
        self.request = request
        self.mode = mode
        self.timeout = timeout
    }

    /// Marks the exchange finished and stops its timer; false if it already was.
    func markFinished() -> Bool {
        guard !finished else { return false }
        finished = true
        timer?.cancel()
        timer = nil
        return true
    }

    /// Fails whatever the caller is waiting on: the head promise, the collected body, or the
    /// body stream when the head was already delivered.
    func fail(_ error: UpstreamClientError) {
        guard markFinished() else { return }
        switch mode {
        case .collect(_, let promise):
            promise.fail(error)
        case .stream(let promise):
            if let source {
                source.finish(error)
            } else {
                promise.fail(error)
            }
        }
    }
}

/// Connects the body stream's demand to the connection: more demand resumes reading, a consumer
/// that goes away (cancelled, or the iterator dropped early) aborts the exchange.
struct BodyDelegate: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<UpstreamConnectionHandler>
    let exchange: NIOLoopBound<Exchange>

    func produceMore() {
        let handler = handler
        let exchange = exchange
        handler.eventLoop.execute { handler.value.resume(exchange.value) }
    }

    func didTerminate() {
        let handler = handler
        let exchange = exchange
        handler.eventLoop.execute { handler.value.abort(exchange.value, .cancelled) }
    }
}
