import DejaWire
@testable import DejaGateway
import DejaProviders
import DejaSim
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// Admin authority belongs to the caller: the admin token, or — without one, on a loopback-bound
/// gateway — a local peer addressing localhost, same-origin, with a JSON body. The gateway API
/// never sends CORS headers, and `/health` says more only to an admin.
@Suite struct AdminGuardTests {
    static let adminToken = "admin-token-0123456789"

    /// A raw request to the gateway; returns (status, raw response).
    static func raw(_ h: Harness, _ method: String, _ path: String, headers: [String], body: String = "") async throws -> (Int?, String) {
        let head = (["\(method) \(path) HTTP/1.1"] + headers).joined(separator: "\r\n")
        let text = try await RawConnection.request(port: h.gateway.port, head, body: body)
        return (text.httpStatus, text)
    }

    @Test func theLoopbackConvenienceChecksHostOriginAndContentType() async throws {
        try await CacheHarness.with { h in
            let host = "Host: 127.0.0.1:\(h.gateway.port)"
            #expect(try await Self.raw(h, "GET", "/api/cache/stats", headers: [host]).0 == 200)
            #expect(try await Self.raw(h, "GET", "/api/cache/stats", headers: ["Host: localhost:\(h.gateway.port)"]).0 == 200)
            // DNS rebinding: a page on another name that resolves to 127.0.0.1.
            let rebound = try await Self.raw(h, "GET", "/api/cache/stats", headers: ["Host: evil.example:\(h.gateway.port)"])
            #expect(rebound.0 == 403)
            #expect(rebound.1.contains("admin_host_refused"))
            // Another site's page posting to localhost.
            let crossOrigin = try await Self.raw(
                h, "POST", "/api/cache/invalidate", headers: [host, "Origin: https://evil.example", "Content-Type: application/json"], body: #"{"all":true}"#)
            #expect(crossOrigin.0 == 403)
            #expect(crossOrigin.1.contains("admin_cross_origin"))
            // Same origin is fine.
            let sameOrigin = try await Self.raw(
                h, "POST", "/api/cache/invalidate", headers: [host, "Origin: http://127.0.0.1:\(h.gateway.port)", "Content-Type: application/json"],
                body: #"{"all":true}"#)
            #expect(sameOrigin.0 == 200)
            // An HTML form cannot send JSON.
            for type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
                let form = try await Self.raw(h, "POST", "/api/cache/invalidate", headers: [host, "Content-Type: \(type)"], body: #"{"all":true}"#)
                #expect(form.0 == 415, "\(type)")
            }
            let noType = try await Self.raw(h, "POST", "/api/cache/invalidate", headers: [host], body: #"{"all":true}"#)
            #expect(noType.0 == 415)
            // The gateway still answers its admin.
            #expect(try await Self.raw(h, "GET", "/api/cache/stats", headers: [host]).0 == 200)
        }
    }

    @Test func theGatewayAPINeverSendsCORSHeaders() async throws {
        try await CacheHarness.with { h in
            let host = "Host: 127.0.0.1:\(h.gateway.port)"
            let stats = try await Self.raw(h, "GET", "/api/cache/stats", headers: [host, "Origin: http://127.0.0.1:\(h.gateway.port)"])
            #expect(stats.0 == 200)
            #expect(!stats.1.lowercased().contains("access-control-allow-origin"))
            let preflight = try await Self.raw(
                h, "OPTIONS", "/api/cache/invalidate",
                headers: [host, "Origin: https://evil.example", "Access-Control-Request-Method: POST"])
            #expect(preflight.0 != 200 && preflight.0 != 204)
            #expect(!preflight.1.lowercased().contains("access-control-allow"))
            // Client routes keep CORS for browsers.
            let models = try await Self.raw(h, "GET", "/v1/models", headers: [host, "Origin: https://app.example"])
            #expect(models.1.lowercased().contains("access-control-allow-origin: *"))
        }
    }

    @Test func withAnAdminTokenOnlyTheTokenCounts() async throws {
        try await CacheHarness.with(configure: { c, _ in c.adminTokenHash = SecretHash.sha256(Self.adminToken) }) { h in
            do { let reply = try await h.send(.GET, "/api/cache/stats"); #expect(reply.status == 401, "\(reply.text)") }
            do { let reply = try await h.send(.GET, "/api/cache/stats", headers: [("authorization", "Bearer wrong-token-0000000000")]); #expect(reply.status == 401, "\(reply.text)") }
            do { let reply = try await h.send(.GET, "/api/cache/stats", headers: [("authorization", "Basic eDp5")]); #expect(reply.status == 401, "\(reply.text)") }
            do { let reply = try await h.send(.GET, "/api/cache/stats", headers: [("authorization", "Bearer \(Self.adminToken)")]); #expect(reply.status == 200, "\(reply.text)") }
            let invalidate = try await h.post("/api/cache/invalidate", json: #"{"all":true}"#, headers: [("authorization", "Bearer \(Self.adminToken)")])
            #expect(invalidate.status == 200)
        }
    }

    @Test func anExposedGatewayWithoutATokenHasNoAdminAPI() async throws {
        try await CacheHarness.with(configure: { c, _ in
            c.host = "0.0.0.0"
            c.allowUnauthenticated = true
        }) { h in
            let reply = try await h.send(.GET, "/api/cache/stats")
            #expect(reply.status == 403)
            #expect(try reply.errorObject()["code"] == .string("admin_token_required"))
        }
    }

    @Test func healthSaysOnlyLiveOrReadyWithoutAdminAuthority() async throws {
        try await Harness.with(configure: { c, _ in c.adminTokenHash = SecretHash.sha256(Self.adminToken) }) { h in
            let anonymous = try await h.send(.GET, "/health")
            #expect(anonymous.status == 200)
            #expect(try anonymous.json().keys.sorted() == ["status"])
            #expect(!anonymous.text.contains("base_url") && !anonymous.text.contains("127.0.0.1"))
            let admin = try await h.send(.GET, "/health", headers: [("authorization", "Bearer \(Self.adminToken)")])
            #expect(admin.status == 200)
            #expect(try admin.json()["providers"]?.arrayValue?.count == 1)
            #expect(admin.text.contains("base_url"))
        }
    }

    @Test func metricsCanRequireTheAdminToken() async throws {
        try await Harness.with(configure: { c, _ in
            c.adminTokenHash = SecretHash.sha256(Self.adminToken)
            c.protectMetrics = true
        }) { h in
            let refused = try await h.send(.GET, "/metrics")
            #expect(refused.status == 401)
            let allowed = try await h.send(.GET, "/metrics", headers: [("authorization", "Bearer \(Self.adminToken)")])
            #expect(allowed.status == 200)
        }
        try await Harness.with(configure: { c, _ in c.adminTokenHash = SecretHash.sha256(Self.adminToken) }) { h in
            let open = try await h.send(.GET, "/metrics")
            #expect(open.status == 200)  // off by default
        }
    }

    /// The peer check, decided on a context whose peer is another machine.
    @Test func aRemotePeerIsRefusedWithoutAToken() throws {
        let guardian = AdminGuard(tokenHash: nil, boundToLoopback: true)
        func decide(peer: String, host: String = "127.0.0.1:8080") throws -> AdminGuard.Decision {
            let channel = EmbeddedChannel()
            channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 50_000)
            let context = DejaRequestContext(source: .init(channel: channel, logger: Logger(label: "t")))
            let request = Request(
                head: HTTPRequest(method: .get, scheme: "http", authority: host, path: "/api/cache/stats"), body: .init(buffer: ByteBuffer()))
            return guardian.decide(request, context: context)
        }
        #expect(try decide(peer: "127.0.0.1") == .allowed)
        #expect(try decide(peer: "::1") == .allowed)
        #expect(try decide(peer: "10.0.0.5") == .refused(.notLoopbackPeer))
        #expect(try decide(peer: "192.168.1.20") == .refused(.notLoopbackPeer))
        #expect(try decide(peer: "127.0.0.1", host: "127.0.0.1.evil.example") == .refused(.notLoopbackHost))
        #expect(try decide(peer: "127.0.0.1", host: "[::1]:8080") == .allowed)
        #expect(AdminGuard(tokenHash: nil, boundToLoopback: false).isAuthorized(
            Request(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/"), body: .init(buffer: ByteBuffer())),
            context: DejaRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "t")))) == false)
    }
}
