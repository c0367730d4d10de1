import DejaCache
import DejaObservability
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `GET /metrics`: the Prometheus text exposition. Gauges and counters owned by other components
/// (cache size, Redis errors) are brought up to date at scrape time.
final class MetricsHandler: Sendable {
    let metrics: GatewayMetrics
    let front: CacheFront?
    private let lastRedisErrors = Atomic<Int>(0)

    init(metrics: GatewayMetrics, front: CacheFront?) {
        self.metrics = metrics
        self.front = front
    }

    func handle(_ request: Request, context: DejaRequestContext) -> Response {
        if let front {
            metrics.setCacheEntries(front.cache.entryCount)
            if let mirror = front.mirror {
                let now = mirror.errorCount
                let before = lastRedisErrors.exchange(now, ordering: .relaxed)
                metrics.addRedisErrors(now - before)
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
    }
}
