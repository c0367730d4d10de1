import NIOCore
import NIOHTTP1
import Synchronization
import Testing
@testable import DejaHTTPClient

@Suite struct UpstreamClientTests {
    private static func request(_ server: ScriptedServer, _ path: String, body: String? = nil) throws -> UpstreamRequest {
        UpstreamRequest(
            method: .POST, url: try UpstreamURL("http://127.0.0.1:\(server.port)\(path)"),
            headers: ["content-type": "application/json"], body: body.map { ByteBuffer(string: $0) })
    }

    /// Echoes the request body; `/close` asks to close; `/big` sends 100 kB.
    private static let echo: ScriptedServer.Script = { path, body in
        switch path {
        case "/close":
            return [.write(ScriptedServer.response(headers: ["connection: close"], body: "bye")), .close]
        case "/big":
            return [.write(ScriptedServer.response(body: String(repeating: "x", count: 100_000)))]
        case "/error":
            return [.write(ScriptedServer.response(status: "429 Too Many Requests", headers: ["retry-after: 7"], body: #"{"error":{"message":"slow down"}}"#))]
        default:
            return [.write(ScriptedServer.response(body: "echo:" + String(decoding: body, as: UTF8.self)))]
        }
    }

    @Test func collectsBodiesAndReusesOneConnection() async throws {
        let server = try await ScriptedServer(script: Self.echo)
        let client = UpstreamClient()
        for index in 0..<5 {
            let response = try await client.collect(try Self.request(server, "/x", body: "n\(index)"), limit: 1 << 20, timeout: .seconds(5))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "echo:n\(index)")
            #expect(!response.truncated)
        }
        #expect(server.accepted.load(ordering: .relaxed) == 1)
        #expect(server.requests.load(ordering: .relaxed) == 5)
        client.shutdown()
        await server.stop()
    }

    @Test func connectionCloseIsHonoured() async throws {
        let server = try await ScriptedServer(script: Self.echo)
        let client = UpstreamClient()
        for _ in 0..<2 {
            let response = try await client.collect(try Self.request(server, "/close"), limit: 1024, timeout: .seconds(5))
            #expect(String(buffer: response.body) == "bye")
        }
        #expect(server.accepted.load(ordering: .relaxed) == 2)
        client.shutdown()
        await server.stop()
    }

    @Test func errorStatusesAndHeadersArriveIntact() async throws {
        let server = try await ScriptedServer(script: Self.echo)
        let client = UpstreamClient()
        let response = try await client.collect(try Self.request(server, "/error"), limit: 1024, timeout: .seconds(5))
        #expect(response.status == .tooManyRequests)
        #expect(response.headers.first(name: "retry-after") == "7")
        #expect(String(buffer: response.body).contains("slow down"))
        client.shutdown()
        await server.stop()
    }

    @Test func bodiesPastTheLimitAreTruncatedAndTheConnectionDropped() async throws {
        let server = try await ScriptedServer(script: Self.echo)
        let client = UpstreamClient()
        let response = try await client.collect(try Self.request(server, "/big"), limit: 1000, timeout: .seconds(5))
        #expect(response.truncated)
        #expect(response.body.readableBytes == 1000)
        let next = try await client.collect(try Self.request(server, "/x", body: "again"), limit: 1024, timeout: .seconds(5))
        #expect(String(buffer: next.body) == "echo:again")
        #expect(server.accepted.load(ordering: .relaxed) == 2)
        client.shutdown()
        await server.stop()
    }

    @Test func bodiesThatEndWithTheConnectionAreRead() async throws {
        let server = try await ScriptedServer { _, _ in
            [.write(Array("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end".utf8)), .close]
        }
        let client = UpstreamClient()
        let response = try await client.collect(try Self.request(server, "/"), limit: 1024, timeout: .seconds(5))
        #expect(String(buffer: response.body) == "until the end")
        client.shutdown()
        await server.stop()
    }

    @Test func silenceLongerThanTheTimeoutFails() async throws {
        let server = try await ScriptedServer { _, _ in
            [.wait(milliseconds: 2000), .write(ScriptedServer.response(body: "late"))]
        }
        let client = UpstreamClient()
        let start = ContinuousClock.now
        await #expect(throws: UpstreamClientError.readTimeout) {
            _ = try await client.collect(try Self.request(server, "/"), limit: 1024, timeout: .milliseconds(150))
        }
        #expect(ContinuousClock.now - start < .milliseconds(1500))
        client.shutdown()
        await server.stop()
    }

    @Test func slowButSteadyBodiesDoNotTimeOut() async throws {
        let server = try await ScriptedServer { _, _ in
            var actions: [ScriptedServer.Action] = [.write(Array("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n".utf8))]
            for byte in "hello".utf8 { actions += [.wait(milliseconds: 80), .write([byte])] }
            return actions
        }
        let client = UpstreamClient()
        let response = try await client.collect(try Self.request(server, "/"), limit: 1024, timeout: .milliseconds(200))
        #expect(String(buffer: response.body) == "hello")
        client.shutdown()
        await server.stop()
    }

    @Test func refusedConnectionsAndEarlyClosesAreTransportErrors() async throws {
        let client = UpstreamClient()
        // Port 1 on loopback has no listener.
        await #expect {
            _ = try await client.collect(UpstreamRequest(url: try UpstreamURL("http://127.0.0.1:1/")), limit: 10, timeout: .seconds(2))
        } throws: { error in
            if case .connectFailed = error as? UpstreamClientError { return true }
            return false
        }
        let server = try await ScriptedServer { _, _ in [.close] }
        await #expect(throws: UpstreamClientError.connectionClosed) {
            _ = try await client.collect(try Self.request(server, "/"), limit: 10, timeout: .seconds(2))
        }
        client.shutdown()
        await server.stop()
    }

    @Test func garbageIsAProtocolError() async throws {
        let server = try await ScriptedServer { _, _ in [.write(Array("NOT HTTP AT ALL\r\n\r\n".utf8))] }
        let client = UpstreamClient()
        await #expect {
            _ = try await client.collect(try Self.request(server, "/"), limit: 10, timeout: .seconds(2))
        } throws: { error in
            if case .protocolError = error as? UpstreamClientError { return true }
            return false
        }
        client.shutdown()
        await server.stop()
    }

    @Test func streamsChunksInOrder() async throws {
        let server = try await ScriptedServer { _, _ in
            var actions: [ScriptedServer.Action] = [.write(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".utf8))]
            for index in 0..<5 {
                let text = "part\(index);"
                actions += [.wait(milliseconds: 10), .write(Array((String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n").utf8))]
            }
            actions.append(.write(Array("0\r\n\r\n".utf8)))
            return actions
        }
        let client = UpstreamClient()
        let response = try await client.stream(try Self.request(server, "/"), timeout: .seconds(2))
        var text = ""
        var parts = 0
        for try await part in response.body {
            text += String(buffer: part)
            parts += 1
        }
        #expect(text == "part0;part1;part2;part3;part4;")
        #expect(parts >= 2)
        // The connection went back to the pool.
        let again = try await client.collect(try Self.request(server, "/"), limit: 1 << 10, timeout: .seconds(2))
        #expect(again.status == .ok)
        #expect(server.accepted.load(ordering: .relaxed) == 1)
        client.shutdown()
        await server.stop()
    }

    @Test func cancellingAStreamClosesTheUpstreamConnection() async throws {
        let server = try await ScriptedServer { _, _ in
            var actions: [ScriptedServer.Action] = [.write(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".utf8))]
            for _ in 0..<100 { actions += [.write(Array("2\r\nab\r\n".utf8)), .wait(milliseconds: 50)] }
            return actions
        }
        let client = UpstreamClient()
        let task = Task {
            let response = try await client.stream(try Self.request(server, "/"), timeout: .seconds(5))
            for try await _ in response.body {}
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        _ = await task.result
        try await waitUntil { server.closed.load(ordering: .relaxed) == 1 }
        client.shutdown()
        await server.stop()
    }

    @Test func cancellingBeforeTheHeadFailsFastAndCloses() async throws {
        let server = try await ScriptedServer { _, _ in [.wait(milliseconds: 5000)] }
        let client = UpstreamClient()
        let task = Task {
            try await client.collect(try Self.request(server, "/"), limit: 10, timeout: .seconds(10))
        }
        try await Task.sleep(for: .milliseconds(150))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(throws: UpstreamClientError.cancelled) { try result.get() }
        try await waitUntil { server.closed.load(ordering: .relaxed) == 1 }
        client.shutdown()
        await server.stop()
    }

    @Test func slowConsumersPauseReadingWithoutTimingOut() async throws {
        // 64 chunks of 16 kB sent at once; the consumer takes 400 ms in all, longer than the
        // 200 ms timeout, but a paused connection is not a silent upstream.
        let server = try await ScriptedServer { _, _ in
            var actions: [ScriptedServer.Action] = [.write(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".utf8))]
            let chunk = String(repeating: "y", count: 16_384)
            for _ in 0..<64 { actions.append(.write(Array((String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n").utf8))) }
            actions.append(.write(Array("0\r\n\r\n".utf8)))
            return actions
        }
        let client = UpstreamClient()
        let response = try await client.stream(try Self.request(server, "/"), timeout: .milliseconds(200))
        var total = 0
        var reads = 0
        for try await part in response.body {
            total += part.readableBytes
            reads += 1
            if reads % 4 == 0 { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(total == 64 * 16_384)
        client.shutdown()
        await server.stop()
    }

    @Test func concurrentRequestsAllSucceed() async throws {
        let server = try await ScriptedServer(script: Self.echo)
        let client = UpstreamClient()
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let response = try await client.collect(try Self.request(server, "/x", body: "\(index)"), limit: 1024, timeout: .seconds(5))
                    return String(buffer: response.body)
                }
            }
            var seen = Set<String>()
            for try await text in group { seen.insert(text) }
            #expect(seen == Set((0..<64).map { "echo:\($0)" }))
        }
        #expect(server.accepted.load(ordering: .relaxed) <= 64)
        #expect(server.requests.load(ordering: .relaxed) == 64)
        client.shutdown()
        await server.stop()
    }

    @Test func aShutDownClientRefusesRequests() async throws {
        let server = try await ScriptedServer(script: Self.echo)
        let client = UpstreamClient()
        _ = try await client.collect(try Self.request(server, "/x"), limit: 1024, timeout: .seconds(5))
        client.shutdown()
        await #expect(throws: UpstreamClientError.shutdown) {
            _ = try await client.collect(try Self.request(server, "/x"), limit: 1024, timeout: .seconds(5))
        }
        // The parked connection was closed.
        try await waitUntil { server.closed.load(ordering: .relaxed) == 1 }
        await server.stop()
    }
}

/// Polls `condition` for up to two seconds.
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<200 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition not met within 2 s")
}

@Suite struct UpstreamClientCancellationTests {
    @Test func anAlreadyCancelledTaskSendsNothing() async throws {
        let server = try await ScriptedServer { _, _ in [.write(ScriptedServer.response(body: "x"))] }
        let client = UpstreamClient()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.collect(
                UpstreamRequest(url: try UpstreamURL("http://127.0.0.1:\(server.port)/")), limit: 10, timeout: .seconds(2))
        }
        await #expect(throws: UpstreamClientError.cancelled) { _ = try await task.value }
        #expect(server.requests.load(ordering: .relaxed) == 0)
        client.shutdown()
        await server.stop()
    }
}
