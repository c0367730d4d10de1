import Synchronization

/// Holds a connection state and fans its changes out to any number of `AsyncStream`s.
final class ConnectionStateBroadcaster: Sendable {
    private struct State {
        var current: RedisConnectionState
        var continuations: [Int: AsyncStream<RedisConnectionState>.Continuation] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>
    /// Held while changes are yielded, so that concurrent updates reach every stream in order.
    private let delivery = Mutex<Void>(())

    init(_ initial: RedisConnectionState) {
        self.state = Mutex(State(current: initial))
    }

    var current: RedisConnectionState {
        self.state.withLock { $0.current }
    }

    /// A stream that starts with the current state and then yields every change.
    func makeStream() -> AsyncStream<RedisConnectionState> {
        // A consumer only needs the latest states; a bounded buffer keeps a stalled one from
        // growing without limit.
        let (stream, continuation) = AsyncStream.makeStream(of: RedisConnectionState.self, bufferingPolicy: .bufferingNewest(8))
        let finished = self.state.withLock { state -> Bool in
            continuation.yield(state.current)
            guard state.current != .closed else { return true }
            let id = state.nextID
            state.nextID += 1
            state.continuations[id] = continuation
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.continuations.removeValue(forKey: id) }
            }
            return false
        }
        if finished { continuation.finish() }
        return stream
    }

    /// Records `new`; yields it to every stream if it differs from the current state.
    ///
    /// Yielding happens outside the state lock (a stream cancelled meanwhile runs its termination
    /// handler, which takes the state lock, while holding the stream's own lock: yielding under
    /// the state lock could deadlock) but under `delivery`, so every stream still sees changes in
    /// the same order.
    func update(_ new: RedisConnectionState) {
        self.delivery.withLock { _ in
            let (targets, closing) = self.state.withLock { state -> ([AsyncStream<RedisConnectionState>.Continuation], Bool) in
                guard state.current != new, state.current != .closed else { return ([], false) }
                state.current = new
                let targets = Array(state.continuations.values)
                if new == .closed { state.continuations = [:] }
                return (targets, new == .closed)
            }
            for continuation in targets { continuation.yield(new) }
            if closing { for continuation in targets { continuation.finish() } }
        }
    }
}
