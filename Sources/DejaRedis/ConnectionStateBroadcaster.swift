import Synchronization

/// Holds a connection state and fans its changes out to any number of `AsyncStream`s.
final class ConnectionStateBroadcaster: Sendable {
    private struct State {
        var current: RedisConnectionState
        var continuations: [Int: AsyncStream<RedisConnectionState>.Continuation] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>

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
    /// Yielding happens under the lock so every stream sees changes in the same order;
    /// `yield` never suspends or blocks.
    func update(_ new: RedisConnectionState) {
        let toFinish = self.state.withLock { state -> [AsyncStream<RedisConnectionState>.Continuation] in
            guard state.current != new, state.current != .closed else { return [] }
            state.current = new
            for continuation in state.continuations.values { continuation.yield(new) }
            guard new == .closed else { return [] }
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in toFinish { continuation.finish() }
    }
}
