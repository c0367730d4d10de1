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
    /// Set when `/metrics` requires the admin token (`protect_metrics`).
    let admin: AdminGuard?
    private let lastRedisErrors = Atomic<Int>(0)

    init(metrics: GatewayMetrics, front: CacheFront?, admin: AdminGuard?) {
        self.metrics = metrics
        self.front = front
        self.admin = admin
    }

    func handle(_ request: Request, context: DejaRequestContext) throws -> Response {
        try admin?.authorize(request, context: context)
        if let front {
            metrics.setCacheEntries(front.cache.entryCount)
            if let mirror = front.mirror {
                metrics.setRedisUp(component: "cache_mirror", up: mirror.isConnected)
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
