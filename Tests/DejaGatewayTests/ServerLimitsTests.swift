import DejaHTTPServer
import DejaSim
@testable import DejaGateway
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import NIOHTTP1
import Testing

/// Slow and idle clients are dropped: the timeout handler on an embedded channel with an
/// injected clock (`advanceTime`), the connection limit, and the wiring in a real gateway.
@Suite struct ServerLimitsTests {
    static var limits: ServerLimits {
        var l = ServerLimits()
        l.headerTimeout = .seconds(10)
        l.idleTimeout = .seconds(60)
        l.bodyTimeout = .seconds(30)
        l.writeTimeout = .seconds(20)
        return l
    }

    static func channel() throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: ConnectionTimeoutHandler(limits: limits), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, loop)
    }

    static let head = HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/v1/chat/completions"))

    @Test func aHeadThatNeverCompletesIsDroppedAtTheHeaderTimeout() throws {
        let (channel, loop) = try Self.channel()
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aBodyThatTricklesIsDroppedAtTheBodyTimeout() throws {
        let (channel, loop) = try Self.channel()
        try channel.writeInbound(Self.head)
        for _ in 0..<29 {
            loop.advanceTime(by: .seconds(1))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "x")))
        }
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aRequestBeingAnsweredHasNoReadDeadlineAndKeepAliveIdlesOut() throws {
        let (channel, loop) = try Self.channel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // The upstream may take minutes; no read timer runs meanwhile.
        loop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    /// One request/response cycle on a keep-alive connection, taking a second.
    static func exchange(_ channel: EmbeddedChannel, _ loop: EmbeddedEventLoop) throws {
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        loop.advanceTime(by: .seconds(1))
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
    }

    @Test func theIdleDeadlineCountsFromTheLastResponseOfABusyKeepAliveConnection() throws {
        let (channel, loop) = try Self.channel()
        for _ in 0..<150 { try Self.exchange(channel, loop) }  // 150 s in all, longer than every timeout
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aBodyDeadlineEarlierThanThePendingIdleTimerStillFiresOnTime() throws {
        let (channel, loop) = try Self.channel()
        try Self.exchange(channel, loop)  // idle deadline: 60 s from now
        loop.advanceTime(by: .seconds(1))
        try channel.writeInbound(Self.head)  // body deadline: 30 s from now, before the idle timer
        loop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aClientThatStopsReadingIsDroppedAtTheWriteTimeout() throws {
        let (channel, loop) = try Self.channel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        loop.advanceTime(by: .seconds(15))
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        loop.advanceTime(by: .seconds(15))
        #expect(channel.isActive, "writable again in time: kept")
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        loop.advanceTime(by: .seconds(21))
        #expect(!channel.isActive)
    }

    @Test func theConnectionCounterAdmitsUpToItsLimitAndReleasesOnClose() throws {
        let counter = ConnectionCounter(limit: 2)
        let a = EmbeddedChannel()
        let b = EmbeddedChannel()
        let c = EmbeddedChannel()
        #expect(counter.admit(a))
        #expect(counter.admit(b))
        #expect(!counter.admit(c))
        #expect(counter.current == 2)
        _ = try? a.finish()
        a.embeddedEventLoop.run()
        #expect(counter.current == 1)
        #expect(counter.admit(c))
    }

    @Test func aRealGatewayDropsASlowlorisAndRefusesConnectionsPastItsLimit() async throws {
        try await Harness.with(configure: { c, _ in
            c.serverLimits.headerTimeout = .milliseconds(1500)
            c.serverLimits.maxConnections = 3
        }) { h in
            // Half a head, then silence: closed by the server well before the client gives up.
            let slow = try await RawConnection.connect(port: h.gateway.port)
            let started = ContinuousClock.now
            let (_, closed) = try await slow.exchange("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", timeout: .seconds(10))
            #expect(closed)
            #expect(ContinuousClock.now - started < .seconds(9))

            // Three kept-alive connections, each answered once (so the server has certainly set it
            // up), fill the limit of three; a fourth is closed at once, unanswered.
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try await RawConnection.connect(port: h.gateway.port)
                connection.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let (answer, closedEarly) = await connection.read(until: "{\"status\":\"ok\"}", timeout: .seconds(10))
                #expect(answer.httpStatus == 200 && !closedEarly)
                held.append(connection)
            }
            let refused = try await RawConnection.connect(port: h.gateway.port)
            let (text, refusedClosed) = try await refused.exchange("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout: .seconds(10))
            #expect(refusedClosed)
            #expect(text.isEmpty)
            // Once they go, the gateway serves again.
            for connection in held { connection.close() }
            try await Task.sleep(for: .milliseconds(200))
            let reply = try await h.send(.GET, "/health/live")
            #expect(reply.status == 200)
        }
    }

    /// A client that goes away mid-stream cancels the upstream stream it was reading, on the
    /// direct path and on the pass-through (the simulator counts the stream as aborted).
    @Test func aClientThatLeavesMidStreamCancelsTheUpstreamStream() async throws {
        try await Harness.with { h in
            let body = chatBody(extra: #""stream":true"#)
            for path in ["/v1/chat/completions", "/openai/v1/chat/completions"] {
                let before = h.sim.stats().streamsAborted
                let connection = try await RawConnection.connect(port: h.gateway.port)
                let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-sim-tokens: 400\r\nx-sim-token-ms: 50\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                // Read the first chunk (the stream would last 20 s), then hang up.
                connection.send(head + body)
                let (received, closedByServer) = await connection.read(until: "data: ", timeout: .seconds(10))
                connection.close()
                #expect(!closedByServer)
                #expect(received.contains("data: "), "\(path): \(received.prefix(200))")
                #expect(try await eventually(8) { h.sim.stats().streamsAborted == before + 1 }, "\(path): the upstream stream kept running")
                #expect(h.sim.stats().streamsCompleted == 0)
            }
            let reply = try await h.send(.GET, "/health/live")
            #expect(reply.status == 200)
        }
    }
}
