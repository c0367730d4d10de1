import DejaTestSupport
import DejaRedis
import Testing

@Suite struct RedisSubscriberTests {
    @Test func deliversMessagesPublishedByAnotherClient() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        let subscriber = RedisSubscriber(configuration: testConfiguration(port: server.port), logger: quietLogger)
        defer {
            subscriber.shutdown()
            client.shutdown()
        }
        let messages = subscriber.subscribe(["deja:invalidate", "deja:entries"])
        // PUBLISH reports how many subscribers received a message: wait until ours is listening.
        try await eventually("subscription active") {
            (try? await client.publish("deja:entries", message: Array("warm-up".utf8))) == 1
        }
        // Redis counts the subscriber once it has read SUBSCRIBE; the subscriber reports itself
        // connected once it has read the confirmation, a moment later.
        try await eventually("subscriber reports connected") { subscriber.isConnected }

        let payload: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x7F]
        #expect(try await client.publish("deja:invalidate", message: payload) == 1)
        #expect(try await client.publish("unrelated", message: [1]) == 0)
        #expect(try await client.publish("deja:entries", message: Array("last".utf8)) == 1)

        let received = try await withinDeadline(seconds: 10) {
            var received: [RedisSubscriber.Message] = []
            for await message in messages where message.payload != Array("warm-up".utf8) {
                received.append(message)
                if received.count == 2 { break }
            }
            return received
        }
        #expect(received == [
            RedisSubscriber.Message(channel: "deja:invalidate", payload: payload),
            RedisSubscriber.Message(channel: "deja:entries", payload: Array("last".utf8)),
        ])
    }

    @Test func waitingForTheSubscriptionMeansTheNextPublishIsDelivered() async throws {
        let server = try await RedisServer.start()
        let client = makeClient(for: server)
        let subscriber = RedisSubscriber(configuration: testConfiguration(port: server.port), logger: quietLogger)
        defer {
            subscriber.shutdown()
            client.shutdown()
        }
        // Connected before anything is subscribed: being connected is not being subscribed.
        try await eventually("subscriber connected") { subscriber.isConnected }
        let messages = subscriber.subscribe(["deja:entries"])
        #expect(await subscriber.waitUntilSubscribed(to: ["deja:entries"], timeout: .seconds(10)))
        // No warm-up and no retry: the very first PUBLISH after the wait reaches the subscriber.
        #expect(try await client.publish("deja:entries", message: Array("first".utf8)) == 1)
        let first = try await withinDeadline(seconds: 10) { () -> RedisSubscriber.Message? in
            for await message in messages { return message }
            return nil
        }
        #expect(first?.payload == Array("first".utf8))
        // A channel nobody subscribed to is never confirmed: the wait ends at its timeout.
        let start = ContinuousClock.now
        #expect(!(await subscriber.waitUntilSubscribed(to: ["never"], timeout: .milliseconds(100))))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test func waitingWithRedisDownEndsAtTheTimeoutAndAfterShutdownAtOnce() async throws {
        let server = try await RedisServer.start()
        let port = server.port
        server.kill()
        let subscriber = RedisSubscriber(configuration: testConfiguration(port: port), logger: quietLogger)
        _ = subscriber.subscribe(["deja:entries"])
        #expect(!(await subscriber.waitUntilSubscribed(to: ["deja:entries"], timeout: .milliseconds(200))))
        subscriber.shutdown()
        let start = ContinuousClock.now
        #expect(!(await subscriber.waitUntilSubscribed(to: ["deja:entries"], timeout: .seconds(30))))
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func shutdownFinishesMessageStreams() async throws {
        let server = try await RedisServer.start()
        let subscriber = RedisSubscriber(configuration: testConfiguration(port: server.port), logger: quietLogger)
        let messages = subscriber.subscribe(["anything"])
        subscriber.shutdown()
        let count = try await withinDeadline(seconds: 10) {
            var count = 0
            for await _ in messages { count += 1 }
            return count
        }
        #expect(count == 0)
        try await eventually("subscriber reports closed") { subscriber.state == .closed }
    }
}
