import DejaTestSupport
import DejaRedis
import Synchronization
import Testing

/// Redis dies and comes back while a client and a subscriber are in use.
@Suite struct RedisRestartTests {
    @Test func failsFastWhileDownThenRecoversByItself() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        let subscriber = RedisSubscriber(configuration: testConfiguration(port: server.port), logger: quietLogger)
        let publisher = makeClient(for: server, poolSize: 1)
        defer {
            subscriber.shutdown()
            client.shutdown()
            publisher.shutdown()
        }
        let clientStates = Recorder<RedisConnectionState>()
        let subscriberStates = Recorder<RedisConnectionState>()
        let watchers = [
            Task { for await state in client.stateChanges() { clientStates.append(state) } },
            Task { for await state in subscriber.stateChanges() { subscriberStates.append(state) } },
        ]
        defer { for watcher in watchers { watcher.cancel() } }

        let messages = subscriber.subscribe(["deja:events"])
        let received = Recorder<String>()
        let reader = Task {
            for await message in messages { received.append(String(decoding: message.payload, as: UTF8.self)) }
        }
        defer { reader.cancel() }

        try await client.set("before", value: [1])
        try await eventually("subscription active") {
            (try? await publisher.publish("deja:events", message: Array("one".utf8))) == 1
        }
        try await eventually("first message delivered") { received.values.contains("one") }

        server.kill()

        // Commands fail with a RedisError, and do not hang.
        let failures = try await withinDeadline(seconds: 10) {
            var failures = 0
            for _ in 0..<20 {
                do { try await client.ping() } catch is RedisError { failures += 1 }
            }
            return failures
        }
        #expect(failures >= 19, "at most one command may slip in before the outage is noticed")
        try await eventually("client reports disconnected") { client.state == .disconnected }
        try await eventually("subscriber reports disconnected") { subscriber.state == .disconnected }

        try await server.restart()

        try await eventually("client reconnects by itself") { (try? await client.ping()) != nil }
        try await client.set("after", value: [2, 0, 255])
        #expect(try await client.get("after") == [2, 0, 255])
        // The restarted server kept nothing: persistence is off.
        #expect(try await client.get("before") == nil)

        try await eventually("subscriber resubscribed") {
            (try? await publisher.publish("deja:events", message: Array("two".utf8))) == 1
        }
        try await eventually("message after restart delivered") { received.values.contains("two") }

        // Both reported the outage and the recovery, so the cache knows to resynchronise.
        try await eventually("client state history") { clientStates.values.suffix(2) == [.disconnected, .connected] }
        try await eventually("subscriber state history") { subscriberStates.values.suffix(2) == [.disconnected, .connected] }
        #expect(clientStates.values.first == .connecting || clientStates.values.first == .connected)
    }
}

/// Values appended from one task and read from another.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])

    func append(_ value: Value) {
        self.storage.withLock { $0.append(value) }
    }

    var values: [Value] {
        self.storage.withLock { $0 }
    }
}
