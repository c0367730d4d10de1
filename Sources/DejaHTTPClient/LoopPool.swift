import NIOCore

/// The idle keep-alive connections of one event loop, by destination. Only touched on its loop,
/// so a request that runs on that loop takes and returns connections without locks or thread
/// hops.
final class LoopPool {
    private var idle: [PoolKey: [UpstreamConnectionHandler]] = [:]
    private let maxIdlePerKey: Int
    private let idleTimeout: TimeAmount
    private(set) var isShutDown = false

    init(maxIdlePerKey: Int, idleTimeout: TimeAmount) {
        self.maxIdlePerKey = maxIdlePerKey
        self.idleTimeout = idleTimeout
    }

    /// The most recently parked live connection to `key`, if any.
    func take(_ key: PoolKey) -> UpstreamConnectionHandler? {
        while let connection = idle[key]?.popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Parks an idle connection for reuse, or closes it when the pool is full or shut down.
    func park(_ connection: UpstreamConnectionHandler) {
        guard !isShutDown, idle[connection.key, default: []].count < maxIdlePerKey else {
            connection.close()
            return
        }
        connection.idleSince = .now()
        idle[connection.key, default: []].append(connection)
    }

    /// Closes connections idle for longer than the idle timeout and forgets dead ones.
    func sweep() {
        let cutoff = NIODeadline.now() - idleTimeout
        for key in Array(idle.keys) {
            idle[key]?.removeAll { connection in
                if connection.isActive && connection.idleSince > cutoff { return false }
                connection.close()
                return true
            }
            if idle[key]?.isEmpty == true { idle[key] = nil }
        }
    }

    /// Closes every idle connection; later parks close immediately.
    func shutDown() {
        isShutDown = true
        for connections in idle.values {
            for connection in connections { connection.close() }
        }
        idle.removeAll()
    }
}
