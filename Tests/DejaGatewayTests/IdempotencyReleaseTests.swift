import AsyncHTTPClient
import DejaCache
import DejaProviders
import DejaSim
import Foundation
import NIOHTTP1
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import DejaGateway
import DejaWire

/// `X-Idempotency-Key` ownership ends exactly once, whatever ends the request: a client that hangs
/// up mid-stream, a body never written, a stream that fails midway, an oversize answer. Every wait
/// is bounded by a deadline, so a key left in flight fails the test instead of hanging it.
@Suite struct IdempotencyReleaseTests {
    static let streamBody = chatBody("Tell me a long story about a lighthouse keeper", extra: #""stream":true"#)

    struct DeadlineExceeded: Error {}

    /// Runs `body`, failing with `DeadlineExceeded` after `seconds`.
    static func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
            return value
        }
    }

    /// Sends a chat request on a raw connection, reads until the first SSE event arrives, runs
    /// `whileOpen`, then closes the connection without reading the rest. Returns what was read.
    static func streamThenHangUp(
        port: Int, body: String, headers: [String], whileOpen: () async throws -> Void = {}
    ) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            for header in headers { head += header + "\r\n" }
            try await outbound.write(ByteBuffer(string: head + "\r\n" + body))
            var received = ""
            for try await buffer in inbound {
                received += String(buffer: buffer)
                if received.contains("data: ") { break }
            }
            try await whileOpen()
            return received
        }
    }

    static func store(_ h: Harness) -> IdempotencyStore { h.gateway.gateway.idempotency }

    /// Hands a task started inside a closure to the test body.
    final class TaskBox: Sendable {
        let task = Mutex<Task<Harness.Reply, any Error>?>(nil)
    }

    // MARK: - Through the gateway

    @Test(arguments: [false, true])
    func aClientThatHangsUpMidStreamReleasesItsKey(cacheOn: Bool) async throws {
        try await Harness.with(configure: { c, _ in if cacheOn { CacheHarness.enable(&c) } }) { (h: Harness) async throws in
            let head = try await Self.within(10) {
                try await Self.streamThenHangUp(
                    port: h.gateway.port, body: Self.streamBody, headers: ["X-Idempotency-Key: hang-up-1", "x-sim-tokens: 300", "x-sim-token-ms: 20"])
            }
            #expect(head.hasPrefix("HTTP/1.1 200"))
            // The gateway notices on its next write (within a chunk or two) and frees the key.
            #expect(try await eventually(5) { Self.store(h).inFlightCount == 0 })
            #expect(Self.store(h).recordCount == 0)
            let retry = try await Self.within(15) {
                try await h.post("/v1/chat/completions", json: Self.streamBody, headers: [("x-idempotency-key", "hang-up-1"), ("x-sim-tokens", "5")])
            }
            #expect(retry.status == 200)
            #expect(retry.headers.first(name: "x-idempotent-replay") == nil)
            #expect(try Harness.events(retry.body).last?.isDoneSentinel == true)
            #expect(h.sim.recordedRequests().count == 2)
            // The retry ended well, so it is what the key replays now.
            let replay = try await Self.within(15) {
                try await h.post("/v1/chat/completions", json: Self.streamBody, headers: [("x-idempotency-key", "hang-up-1")])
            }
            #expect(replay.headers.first(name: "x-idempotent-replay") == "true")
            #expect(replay.body == retry.body)
            #expect(h.sim.recordedRequests().count == 2)
        }
    }

    @Test func aWaiterRunsAfreshWhenTheOwnerHangsUp() async throws {
        try await Harness.with { (h: Harness) async throws in
            let waiter = TaskBox()
            _ = try await Self.within(10) {
                try await Self.streamThenHangUp(
                    port: h.gateway.port, body: Self.streamBody, headers: ["X-Idempotency-Key: hang-up-2", "x-sim-tokens: 300", "x-sim-token-ms: 20"]
                ) { () async throws in
                    let task = Task {
                        try await h.post("/v1/chat/completions", json: Self.streamBody, headers: [("x-idempotency-key", "hang-up-2"), ("x-sim-tokens", "5")])
                    }
                    waiter.task.withLock { $0 = task }
                    #expect(try await eventually(5) { Self.store(h).waiterCount == 1 })
                }
            }
            let task = try #require(waiter.task.withLock { $0 })
            let reply = try await Self.within(15) { try await task.value }
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-idempotent-replay") == nil)
            #expect(try Harness.events(reply.body).last?.isDoneSentinel == true)
            #expect(h.sim.recordedRequests().count == 2)
            #expect(Self.store(h).waiterCount == 0)
        }
    }

    @Test(arguments: [false, true])
    func aStreamThatFailsMidwayIsNotStored(cacheOn: Bool) async throws {
        try await Harness.with(configure: { c, _ in if cacheOn { CacheHarness.enable(&c) } }) { (h: Harness) async throws in
            let body = chatBody("Count the stars tonight \(cacheOn)", extra: #""stream":true"#)
            let key = ("x-idempotency-key", "cut-\(cacheOn)")
            let cut = try await Self.within(15) {
                try await h.post("/v1/chat/completions", json: body, headers: [key, ("x-sim-truncate-stream", "3")])
            }
            #expect(cut.status == 200)
            let events = try Harness.events(cut.body)
            #expect(Harness.streamError(events) != nil)
            #expect(Self.store(h).recordCount == 0)
            let retry = try await Self.within(15) { try await h.post("/v1/chat/completions", json: body, headers: [key]) }
            #expect(retry.status == 200)
            #expect(retry.headers.first(name: "x-idempotent-replay") == nil)
            #expect(try Harness.events(retry.body).last?.isDoneSentinel == true)
            let replay = try await Self.within(15) { try await h.post("/v1/chat/completions", json: body, headers: [key]) }
            #expect(replay.headers.first(name: "x-idempotent-replay") == "true")
            #expect(replay.body == retry.body)
            #expect(h.sim.stats().openAIChatStream == 2)
        }
    }

    @Test func aResponseOverTheCapIsAnsweredButNotKept() async throws {
        try await Harness.with { (h: Harness) async throws in
            let body = chatBody("Write the longest essay you can")
            let key = ("x-idempotency-key", "huge-1")
            let huge = try await Self.within(20) {
                try await h.post("/v1/chat/completions", json: body, headers: [key, ("x-sim-tokens", "250000")])
            }
            #expect(huge.status == 200)
            #expect(huge.body.count > Self.store(h).limits.maxResponseBytes)
            #expect(Self.store(h).recordCount == 0)
            #expect(Self.store(h).byteCount == 0)
            #expect(Self.store(h).statistics.oversizeResponses == 1)
            let retry = try await Self.within(15) { try await h.post("/v1/chat/completions", json: body, headers: [key, ("x-sim-tokens", "5")]) }
            #expect(retry.status == 200)
            #expect(retry.headers.first(name: "x-idempotent-replay") == nil)
            #expect(h.sim.stats().openAIChat == 2)
            #expect(Self.store(h).recordCount == 1)
        }
    }

    // MARK: - Idempotency.run and its body capture

    static let requestBody = ByteBuffer(string: chatBody("hello"))

    /// A client writer: records what it accepted, and fails (the client went away) after
    /// `failAfter` writes.
    struct ClientWriter: ResponseBodyWriter {
        struct Gone: Error {}
        let received: Received
        var failAfter = Int.max
        var writes = 0

        mutating func write(_ buffer: ByteBuffer) async throws {
            guard writes < failAfter else { throw Gone() }
            writes += 1
            received.bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            received.finished.store(true, ordering: .relaxed)
        }
    }

    final class Received: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let finished = Atomic<Bool>(false)
        var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
        var didFinish: Bool { finished.load(ordering: .relaxed) }
    }

    static func sse(_ events: [String], done: Bool) -> Response {
        SSE.response(headers: [:]) { writer in
            for event in events { try await SSE.write(Array(event.utf8), to: &writer) }
            if done { try await SSE.writeDone(to: &writer) }
        }
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func run(_ store: IdempotencyStore, key: String = "k", _ respond: () async throws -> Response) async throws -> Response {
        try await Idempotency.run(store: store, key: key, tenant: "tenant:t", body: requestBody, respond)
    }

    @Test func aBodyThatIsNeverWrittenReleasesTheKey() async throws {
        let store = IdempotencyStore(ttlSeconds: 60)
        var response: Response? = try await Self.run(store) { Self.sse(["{}"], done: true) }
        #expect(store.inFlightCount == 1)
        #expect(response != nil)
        response = nil  // the connection closed before the body was written
        #expect(store.inFlightCount == 0)
        #expect(store.recordCount == 0)
    }

    @Test func aClientThatGoesAwayWhileTheBodyIsWrittenReleasesTheKey() async throws {
        let store = IdempotencyStore(ttlSeconds: 60)
        let response = try await Self.run(store) { Self.sse(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], done: true) }
        let received = Received()
        await #expect(throws: ClientWriter.Gone.self) { try await response.body.write(ClientWriter(received: received, failAfter: 1)) }
        #expect(store.inFlightCount == 0)
        #expect(store.recordCount == 0)
    }

    @Test func onlyAStreamThatEndsWithDoneIsKept() async throws {
        let store = IdempotencyStore(ttlSeconds: 60)
        let failed = try await Self.run(store) { Self.sse(["{\"a\":1}", #"{"error":{"message":"boom"}}"#], done: false) }
        let received = Received()
        try await failed.body.write(ClientWriter(received: received))
        #expect(received.didFinish)
        #expect(store.recordCount == 0)
        let good = try await Self.run(store) { Self.sse(["{\"a\":1}"], done: true) }
        let delivered = Received()
        try await good.body.write(ClientWriter(received: delivered))
        #expect(store.recordCount == 1)
        let replay = try await Self.run(store) { Issue.record("a replay must not run"); return Self.json("{}") }
        #expect(replay.headers[HTTPField.Name("X-Idempotent-Replay")!] == "true")
        let replayed = Received()
        try await replay.body.write(ClientWriter(received: replayed))
        #expect(replayed.text == delivered.text)
        #expect(delivered.text.hasSuffix("data: [DONE]\n\n"))
    }

    @Test func jsonIsKeptUpToTheCapOnly() async throws {
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxResponseBytes: 10))
        let over = try await Self.run(store, key: "over") { Self.json(#"{"answer":"too long"}"#) }
        #expect(over.body.contentLength == 21)
        let received = Received()
        try await over.body.write(ClientWriter(received: received))
        #expect(received.text == #"{"answer":"too long"}"#)  // still answered in full
        #expect(store.recordCount == 0)
        #expect(store.statistics.oversizeResponses == 1)
        let within = try await Self.run(store, key: "within") { Self.json(#"{"ok":1}"#) }
        try await within.body.write(ClientWriter(received: Received()))
        #expect(store.recordCount == 1)
        #expect(store.byteCount <= store.limits.maxBytes)
    }

    @Test func failuresAndErrorStatusesReleaseTheKey() async throws {
        struct Boom: Error {}
        let store = IdempotencyStore(ttlSeconds: 60)
        await #expect(throws: Boom.self) { _ = try await Self.run(store) { throw Boom() } }
        #expect(store.recordCount == 0)
        let bad = try await Self.run(store) { Response(status: .badGateway) }
        #expect(bad.status == .badGateway)
        #expect(store.recordCount == 0)
    }

    @Test func aFullStoreAnswers503AndACancelledWaiter499() async throws {
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxRecords: 1))
        guard case .proceed(let lease) = await store.claim(key: "tenant:t\u{0}held", body: CacheKey.sha256([UInt8]())) else {
            Issue.record("expected to own the key")
            return
        }
        do {
            _ = try await Self.run(store, key: "another") { Self.json("{}") }
            Issue.record("expected a refusal")
        } catch let error as GatewayError {
            #expect(error.status.code == 503)
            #expect(error.code == "idempotency_capacity")
            #expect(error.headers[.retryAfter] == "1")
        }
        // A waiter on a held key whose task is cancelled gives up with 499.
        let waiter = Task {
            try await Idempotency.run(store: store, key: "held", tenant: "tenant:t", body: ByteBuffer()) { Self.json("{}") }
        }
        #expect(try await eventually(5) { store.waiterCount == 1 })
        waiter.cancel()
        do {
            _ = try await Self.within(5) { try await waiter.value }
            Issue.record("expected the waiter to give up")
        } catch let error as GatewayError {
            #expect(error.status.code == 499)
        }
        #expect(store.waiterCount == 0)
        lease.release()
    }
}
