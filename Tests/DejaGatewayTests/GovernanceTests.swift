import AsyncHTTPClient
import DejaGovernance
import DejaReliability
import DejaSim
import DejaTestSupport
import DejaWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import DejaGateway

/// Issued keys, tenants, rate limits, budgets and the usage ledger, end to end through deja-sim.
@Suite(.serialized) struct GovernanceTests {
    static let adminToken = "admin-token-0123456789abcdef"
    static var admin: [(String, String)] { [("authorization", "Bearer \(adminToken)")] }

    /// Gateways on one simulator, sharing a client; each gateway may have its own configuration.
    struct Rig {
        let sim: Simulator
        let client: HTTPClient
        var gateways: [RunningGateway] = []

        static func configuration(_ simURL: String, store: GovernanceSettings.Store = .memory) -> GatewayConfiguration {
            var c = Harness.simConfiguration(simURL)
            c.adminTokenHash = SecretHash.sha256(GovernanceTests.adminToken)
            c.governance.store = store
            c.governance.revisionPollMs = 50
            c.governance.ledgerFlushMs = 50
            return c
        }

        static func start(
            _ c: GatewayConfiguration, clock: any ReliabilityClock = SystemReliabilityClock(), logger: Logger? = nil
        ) async throws -> RunningGateway {
            var quiet = Logger(label: "deja-test")
            quiet.logLevel = .critical
            return try await Gateway(configuration: c, logger: logger ?? quiet, reliabilityClock: clock).start()
        }

        static func with(_ body: (Simulator, HTTPClient) async throws -> Void) async throws {
            let sim = try await Simulator.start(SimulatorConfiguration(port: 0, logLevel: .critical))
            var cc = HTTPClient.Configuration()
            cc.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: cc)
            do {
                try await body(sim, client)
            } catch {
                try? await client.shutdown()
                await sim.shutdown()
                throw error
            }
            try await client.shutdown()
            await sim.shutdown()
        }
    }

    static func send(
        _ client: HTTPClient, _ g: RunningGateway, _ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> Harness.Reply {
        var request = HTTPClientRequest(url: g.baseURL + path)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "content-type", value: "application/json")
        }
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Harness.Reply(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    static func createKey(_ client: HTTPClient, _ g: RunningGateway, _ body: String) async throws -> (id: String, key: String) {
        let reply = try await send(client, g, .POST, "/api/admin/keys", body: body, headers: admin)
        #expect(reply.status == 201, "\(reply.text)")
        let o = try reply.json()
        return (o.text("id"), o.text("key"))
    }

    static func chat(_ client: HTTPClient, _ g: RunningGateway, key: String?, content: String = "Hello there", model: String = "gpt-4o-mini", extra: String = "") async throws -> Harness.Reply {
        try await send(client, g, .POST, "/v1/chat/completions", body: chatBody(content, model: model, extra: extra), headers: key.map { [("authorization", "Bearer \($0)")] } ?? [])
    }

    static func budget(_ client: HTTPClient, _ g: RunningGateway, scope: String) async throws -> JSONObject {
        let reply = try await send(client, g, .GET, "/api/budget", headers: admin)
        #expect(reply.status == 200, "\(reply.text)")
        let scopes = try reply.json()["scopes"]?.arrayValue ?? []
        return try #require(scopes.compactMap(\.objectValue).first { $0.text("scope") == scope }, "no scope \(scope) in \(reply.text)")
    }

    // MARK: - Keys

    @Test func keyLifecycleCreateUseUpdateRevoke() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            // Without keys the loopback gateway is open; once a key exists, every call needs one.
            #expect(try await Self.chat(client, g, key: nil).status == 200)
            let (id, key) = try await Self.createKey(client, g, #"{"name":"ci","tenant":"team-a","metadata":{"owner":"ops"}}"#)
            #expect(key.hasPrefix("dj-") && key.count == 80 && key.contains(id))
            #expect(try await Self.chat(client, g, key: nil).status == 401)
            #expect(try await Self.chat(client, g, key: key).status == 200)
            // A key of the right shape that was never issued, and the right id with a wrong secret.
            let forged = String(key.dropLast(4)) + (key.hasSuffix("0000") ? "1111" : "0000")
            #expect(try await Self.chat(client, g, key: forged).status == 401)
            #expect(try await Self.chat(client, g, key: "dj-000000000000_" + String(repeating: "a", count: 64)).status == 401)
            // Lists never show the secret or its hash.
            let list = try await Self.send(client, g, .GET, "/api/admin/keys", headers: Self.admin)
            #expect(list.status == 200)
            #expect(!list.text.contains(String(key.dropFirst(16))))
            #expect(!list.text.contains("\"hash\"") && !list.text.contains("salt"))
            let listed = try #require(try list.json()["data"]?.arrayValue?.first?.objectValue)
            #expect(listed.text("display").hasPrefix("dj-" + id + "_…"))
            #expect(listed.text("tenant") == "team-a")
            // The list needs the admin token.
            #expect(try await Self.send(client, g, .GET, "/api/admin/keys", headers: [("authorization", "Bearer \(key)")]).status == 401)
            // Update: a request limit of 1 per minute applies to the next request.
            let patched = try await Self.send(client, g, .PATCH, "/api/admin/keys/\(id)", body: #"{"limits":{"requests_per_window":1,"window_ms":60000}}"#, headers: Self.admin)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(try patched.json()["limits"]?.objectValue?["requests_per_window"] == .number("1"))
            #expect(try await Self.chat(client, g, key: key).status == 200)
            let limited = try await Self.chat(client, g, key: key)
            #expect(limited.status == 429)
            #expect(try limited.errorObject().text("code") == "rate_limit_exceeded")
            // Revoke: refused at once.
            let revoked = try await Self.send(client, g, .DELETE, "/api/admin/keys/\(id)", headers: Self.admin)
            #expect(revoked.status == 200)
            #expect(try revoked.json()["active"] == .bool(false))
            let after = try await Self.chat(client, g, key: key)
            #expect(after.status == 401)
            #expect(try after.errorObject().text("code") == "invalid_api_key")
            // Revoking the last key does not reopen the gateway.
            #expect(try await Self.chat(client, g, key: nil).status == 401)
            #expect(try await Self.send(client, g, .DELETE, "/api/admin/keys/ffffffffffff", headers: Self.admin).status == 404)
        }
    }

    @Test func aPublicGatewayWithOnlyAnAdminTokenRefusesAnonymousCallers() async throws {
        try await Rig.with { sim, client in
            var c = Rig.configuration(sim.baseURL)
            c.host = "0.0.0.0"
            let g = try await Rig.start(c)
            defer { Task { await g.shutdown() } }
            let anonymous = try await Self.chat(client, g, key: nil)
            #expect(anonymous.status == 401)
            #expect(try anonymous.errorObject().text("code") == "missing_api_key")
            let (_, key) = try await Self.createKey(client, g, #"{"tenant":"first"}"#)
            #expect(try await Self.chat(client, g, key: key).status == 200)
        }
    }

    @Test func passthroughRefusesKeysItCannotMeterAndEmbeddingsCheckModels() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let (id, plain) = try await Self.createKey(client, g, #"{"tenant":"p","limits":{"requests_per_window":100}}"#)
            let (_, metered) = try await Self.createKey(client, g, #"{"tenant":"p","allowed_models":["gpt-4o-mini"],"limits":{"monthly_usd":5}}"#)
            let body = chatBody("native")
            let open = try await Self.send(client, g, .POST, "/openai/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(plain)")])
            #expect(open.status == 200, "\(open.text)")
            #expect(open.headers.first(name: "x-ratelimit-limit") == "100")
            let refused = try await Self.send(client, g, .POST, "/openai/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(metered)")])
            #expect(refused.status == 403)
            #expect(try refused.errorObject().text("code") == "passthrough_not_metered")
            let embed = try await Self.send(
                client, g, .POST, "/v1/embeddings", body: #"{"model":"text-embedding-3-small","input":"hi"}"#, headers: [("authorization", "Bearer \(metered)")])
            #expect(embed.status == 403)
            #expect(try embed.errorObject().text("code") == "model_not_allowed")
            // A revoked key cannot be changed (a PATCH racing a revocation cannot bring it back).
            #expect(try await Self.send(client, g, .DELETE, "/api/admin/keys/\(id)", headers: Self.admin).status == 200)
            let patched = try await Self.send(client, g, .PATCH, "/api/admin/keys/\(id)", body: #"{"name":"again"}"#, headers: Self.admin)
            #expect(patched.status == 409)
            #expect(try await Self.chat(client, g, key: plain).status == 401)
        }
    }

    @Test func badKeyRequestsGetClearErrors() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            for body in [
                #"{"limits":{"requests_per_window":0}}"#, #"{"limits":{"alert_at":2}}"#, #"{"limits":{"bogus":1}}"#, #"{"allowed_models":"gpt-*"}"#,
                #"{"expires_at":"yesterday"}"#, #"{"expires_at":1000}"#, #"{"surprise":true}"#, "not json", #"{"name":""}"#,
            ] {
                let reply = try await Self.send(client, g, .POST, "/api/admin/keys", body: body, headers: Self.admin)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                #expect(try reply.errorObject().text("message") != "")
            }
            #expect(try await Self.send(client, g, .POST, "/api/admin/keys", body: "{}", headers: []).status == 401)
            #expect(try await Self.send(client, g, .PATCH, "/api/admin/keys/nope", body: "{}", headers: Self.admin).status == 404)
        }
    }

    @Test func allowedModelGlobsIncludeVirtualModels() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let (_, key) = try await Self.createKey(client, g, #"{"tenant":"t","allowed_models":["gpt-4o-mini*","auto"]}"#)
            #expect(try await Self.chat(client, g, key: key, model: "gpt-4o-mini").status == 200)
            let refused = try await Self.chat(client, g, key: key, model: "gpt-4o")
            #expect(refused.status == 403)
            #expect(try refused.errorObject().text("code") == "model_not_allowed")
            #expect(try await Self.chat(client, g, key: key, model: "cheap").status == 403)
            #expect(try await Self.chat(client, g, key: key, model: "auto").status != 403)
        }
    }

    enum Durable: String, CaseIterable { case sqlite, postgres }

    /// A durable store's settings and what removes it afterwards.
    static func durable(_ kind: Durable) async throws -> (GovernanceSettings.Store, () -> Void) {
        switch kind {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deja-gov-\(UUID().uuidString)")
            return (.sqlite(path: dir.appendingPathComponent("governance.sqlite").path), { try? FileManager.default.removeItem(at: dir) })
        case .postgres:
            let server = try await PostgresServer.start()
            return (.postgres(url: server.url), { server.stop() })
        }
    }

    @Test(arguments: Durable.allCases) func revocationReachesASecondInstanceWithinOneSecond(_ kind: Durable) async throws {
        let (store, cleanup) = try await Self.durable(kind)
        defer { cleanup() }
        try await Rig.with { sim, client in
            var c = Rig.configuration(sim.baseURL, store: store)
            c.governance.revisionPollMs = 250
            let a = try await Rig.start(c)
            let b = try await Rig.start(c)
            defer { Task { await a.shutdown(); await b.shutdown() } }
            let (id, key) = try await Self.createKey(client, a, #"{"tenant":"shared"}"#)
            var seen = false
            let createdAt = ContinuousClock.now
            while ContinuousClock.now - createdAt < .seconds(1) {
                if try await Self.chat(client, b, key: key).status == 200 { seen = true; break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(seen, "B accepted the key created on A within 1 s")
            #expect(try await Self.send(client, a, .DELETE, "/api/admin/keys/\(id)", headers: Self.admin).status == 200)
            let revokedAt = ContinuousClock.now
            var refused = false
            while ContinuousClock.now - revokedAt < .seconds(1) {
                if try await Self.chat(client, b, key: key).status == 401 { refused = true; break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(refused, "B refused the key revoked on A within 1 s")
        }
    }

    // MARK: - Rate limits

    @Test func rateLimitHeadersOnAllowedAndRefusedRequests() async throws {
        try await Rig.with { sim, client in
            var c = Rig.configuration(sim.baseURL)
            c.governance.perAddress = RateLimit(count: 3, period: .seconds(60))
            let g = try await Rig.start(c)
            defer { Task { await g.shutdown() } }
            for expected in [2, 1, 0] {
                let r = try await Self.chat(client, g, key: nil)
                #expect(r.status == 200)
                #expect(r.headers.first(name: "x-ratelimit-limit") == "3")
                #expect(r.headers.first(name: "x-ratelimit-remaining") == String(expected))
                #expect(Int(r.headers.first(name: "x-ratelimit-reset") ?? "") ?? 0 > 0)
            }
            let refused = try await Self.chat(client, g, key: nil)
            #expect(refused.status == 429)
            #expect(try refused.errorObject().text("code") == "rate_limit_exceeded")
            #expect(try refused.errorObject().text("type") == "rate_limit_error")
            let retry = Int(refused.headers.first(name: "retry-after") ?? "") ?? 0
            #expect(retry >= 19 && retry <= 20, "one request per 20 s comes back: \(retry)")
            #expect(refused.headers.first(name: "x-ratelimit-remaining") == "0")
            // The models route counts against the same limit.
            #expect(try await Self.send(client, g, .GET, "/v1/models").status == 429)
            let metrics = try await Self.send(client, g, .GET, "/metrics")
            #expect(metrics.text.contains(#"llm_gateway_rate_limit_exceeded_total{scope="ip"} 2"#))
        }
    }

    @Test func refusedCredentialsCountAgainstTheAddressLimit() async throws {
        try await Rig.with { sim, client in
            var c = Rig.configuration(sim.baseURL)
            c.governance.perAddress = RateLimit(count: 3, period: .seconds(60))
            let g = try await Rig.start(c)
            defer { Task { await g.shutdown() } }
            _ = try await Self.createKey(client, g, #"{"tenant":"guarded"}"#)
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await Self.chat(client, g, key: "dj-000000000000_" + String(repeating: "0", count: 64)).status) }
            #expect(statuses == [401, 401, 401, 429, 429])
        }
    }

    @Test func tokenRateIsReconciledWithTheRealUsage() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let (_, key) = try await Self.createKey(client, g, #"{"tenant":"tpm","limits":{"tokens_per_minute":6000}}"#)
            let first = try await Self.chat(client, g, key: key)
            #expect(first.status == 200)
            // Admission charged the estimate; the answer's usage replaced it.
            let estimateRemaining = Int(first.headers.first(name: "x-ratelimit-remaining-tokens") ?? "") ?? -1
            #expect(first.headers.first(name: "x-ratelimit-limit-tokens") == "6000")
            let usage = try #require(try first.json()["usage"]?.objectValue)
            let used = (usage["prompt_tokens"]?.intValue ?? 0) + (usage["completion_tokens"]?.intValue ?? 0)
            let second = try await Self.chat(client, g, key: key)
            let remaining = Int(second.headers.first(name: "x-ratelimit-remaining-tokens") ?? "") ?? -1
            // After the first request was reconciled to `used` tokens, the second's estimate is the
            // same as the first's: the room left differs by exactly the real usage (± refill).
            // (6000 per minute refills 0.1 token per millisecond.)
            let estimate = 6_000 - estimateRemaining
            #expect(abs((6_000 - used - estimate) - remaining) <= 3, "remaining \(remaining), used \(used), estimate \(estimate)")
            // A request whose estimate exceeds the whole limit is refused without a Retry-After.
            let (_, small) = try await Self.createKey(client, g, #"{"tenant":"tiny","limits":{"tokens_per_minute":5}}"#)
            let refused = try await Self.chat(client, g, key: small, content: String(repeating: "long prompt ", count: 20))
            #expect(refused.status == 429)
            #expect(refused.headers.first(name: "retry-after") == nil)
        }
    }

    // MARK: - Budgets

    @Test func budgetHoldsExactlyAtTheLimitUnderConcurrency() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let limit = 1_000
            let (id, key) = try await Self.createKey(client, g, #"{"tenant":"b","limits":{"monthly_tokens":\#(limit)}}"#)
            let body = chatBody("Budget under load", extra: #""max_tokens":16"#)
            let reservation = max(1, body.utf8.count / 4) + 16
            let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let r = try await Self.send(client, g, .POST, "/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(key)")])
                        return (r.status, r.status == 429 ? (try r.errorObject().text("code")) : "")
                    }
                }
                var out: [(Int, String)] = []
                for try await s in group { out.append(s) }
                return out
            }
            let admitted = statuses.filter { $0.0 == 200 }.count
            #expect(admitted > 0 && admitted < 100)
            #expect(statuses.allSatisfy { $0.0 == 200 || ($0.0 == 429 && $0.1 == "budget_exceeded") })
            let spent = try await SharedGovernanceTests.drain(client, [g], key: key, id: id, body: body, limit: limit)
            #expect(spent >= limit, "the budget was used up: \(spent)")
            #expect(spent < limit + reservation, "overspend at most one reservation: \(spent) vs \(limit) + \(reservation)")
            let next = try await Self.chat(client, g, key: key)
            #expect(next.status == 429)
            #expect(try next.errorObject().text("code") == "budget_exceeded")
            #expect(Int(next.headers.first(name: "retry-after") ?? "") ?? 0 > 0)
        }
    }

    @Test func softAlertAndCacheHitsCostNothing() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let (id, key) = try await Self.createKey(client, g, #"{"tenant":"alerts","limits":{"monthly_tokens":100000,"alert_at":0.0001}}"#)
            #expect(try await Self.chat(client, g, key: key).status == 200)
            let usage = try await Self.budget(client, g, scope: "key:" + id)
            #expect(usage["alerted"] == .bool(true))
            let metrics = try await Self.send(client, g, .GET, "/metrics")
            #expect(metrics.text.contains(#"llm_gateway_budget_alerts_total{scope="key"} 1"#))
            // The key's own view: its scopes only, with a client key.
            let own = try await Self.send(client, g, .GET, "/api/budget", headers: [("authorization", "Bearer \(key)")])
            #expect(own.status == 200)
            let scopes = try own.json()["scopes"]?.arrayValue?.compactMap { $0.objectValue?.text("scope") } ?? []
            #expect(scopes == ["global", "tenant:alerts", "key:" + id])
        }
    }

    @Test func budgetResetsAtTheMonthBoundary() async throws {
        try await Rig.with { sim, client in
            // 2026-12-31T23:59:00Z.
            let clock = ManualClock(wallClockSeconds: 1_798_761_540)
            let g = try await Rig.start(Rig.configuration(sim.baseURL), clock: clock)
            defer { Task { await g.shutdown() } }
            let (_, key) = try await Self.createKey(client, g, #"{"tenant":"m","limits":{"monthly_tokens":10}}"#)
            #expect(try await Self.chat(client, g, key: key).status == 200)
            let refused = try await Self.chat(client, g, key: key)
            #expect(refused.status == 429)
            #expect(refused.headers.first(name: "retry-after") == "60")
            #expect(try refused.errorObject().text("message").contains("2027-01-01T00:00:00Z"))
            clock.advance(by: .seconds(61))
            #expect(try await Self.chat(client, g, key: key).status == 200)
        }
    }

    @Test func anExpiredKeyIsRefused() async throws {
        try await Rig.with { sim, client in
            let clock = ManualClock()
            let g = try await Rig.start(Rig.configuration(sim.baseURL), clock: clock)
            defer { Task { await g.shutdown() } }
            let (_, key) = try await Self.createKey(client, g, #"{"tenant":"brief","expires_in_seconds":60}"#)
            #expect(try await Self.chat(client, g, key: key).status == 200)
            clock.advance(by: .seconds(61))
            let expired = try await Self.chat(client, g, key: key)
            #expect(expired.status == 401)
            #expect(try expired.errorObject().text("code") == "invalid_api_key")
        }
    }

    @Test func globalBudgetInUSD() async throws {
        try await Rig.with { sim, client in
            var c = Rig.configuration(sim.baseURL)
            c.governance.global.monthlyUSD = 0.000001
            let g = try await Rig.start(c)
            defer { Task { await g.shutdown() } }
            #expect(try await Self.chat(client, g, key: nil).status == 200)
            let refused = try await Self.chat(client, g, key: nil)
            #expect(refused.status == 429)
            #expect(try refused.errorObject().text("message").contains("gateway's monthly USD budget"))
            let global = try await Self.budget(client, g, scope: "global")
            #expect((global["spent_usd"]?.doubleValue ?? 0) > 0)
        }
    }

    // MARK: - Durable state and analytics

    @Test(arguments: Durable.allCases) func restartKeepsKeysSpendAndLimits(_ kind: Durable) async throws {
        let (store, cleanup) = try await Self.durable(kind)
        defer { cleanup() }
        try await Rig.with { sim, client in
            let c = Rig.configuration(sim.baseURL, store: store)
            let first = try await Rig.start(c)
            let (id, key) = try await Self.createKey(client, first, #"{"tenant":"durable","limits":{"monthly_tokens":100000,"requests_per_window":50}}"#)
            #expect(try await Self.chat(client, first, key: key).status == 200)
            let before = try await Self.budget(client, first, scope: "key:" + id)
            await first.shutdown()
            let second = try await Rig.start(c)
            defer { Task { await second.shutdown() } }
            #expect(try await Self.chat(client, second, key: nil).status == 401)
            let after = try await Self.budget(client, second, scope: "key:" + id)
            #expect(after["spent_tokens"] == before["spent_tokens"])
            #expect((after["spent_tokens"]?.intValue ?? 0) > 0)
            #expect(after["limit_tokens"] == .number("100000"))
            let r = try await Self.chat(client, second, key: key)
            #expect(r.status == 200)
            #expect(r.headers.first(name: "x-ratelimit-limit") == "50")
        }
    }

    @Test func analyticsTotalsEqualTheRequestsMade() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let (_, a) = try await Self.createKey(client, g, #"{"tenant":"ta"}"#)
            let (_, b) = try await Self.createKey(client, g, #"{"tenant":"tb"}"#)
            var input = 0, output = 0, requests = 0
            for (i, key) in [a, a, a, b, b].enumerated() {
                let r = try await Self.chat(client, g, key: key, content: "analytics \(i)")
                #expect(r.status == 200)
                let usage = try #require(try r.json()["usage"]?.objectValue)
                input += usage["prompt_tokens"]?.intValue ?? 0
                output += usage["completion_tokens"]?.intValue ?? 0
                requests += 1
            }
            let stream = try await Self.chat(client, g, key: b, content: "streamed", extra: #""stream":true"#)
            #expect(stream.status == 200)
            requests += 1
            let refused = try await Self.chat(client, g, key: a, model: "no-such-model")
            #expect(refused.status == 404)
            requests += 1
            let reply = try await Self.send(client, g, .GET, "/api/analytics?group_by=tenant", headers: Self.admin)
            #expect(reply.status == 200, "\(reply.text)")
            let o = try reply.json()
            let totals = try #require(o["totals"]?.objectValue)
            #expect(totals["requests"]?.intValue == requests)
            #expect(totals["errors"]?.intValue == 1)
            #expect((totals["input_tokens"]?.intValue ?? 0) >= input)
            #expect((totals["output_tokens"]?.intValue ?? 0) >= output)
            let groups = o["groups"]?.arrayValue?.compactMap(\.objectValue) ?? []
            // Tenant ta made three answered requests and the refused one.
            #expect(groups.first { $0.text("tenant") == "ta" }?["requests"]?.intValue == 4)
            #expect(groups.first { $0.text("tenant") == "tb" }?["requests"]?.intValue == 3)
            #expect(totals["latency_ms"]?.objectValue?["p50"] != nil)
            let bad = try await Self.send(client, g, .GET, "/api/analytics?group_by=color", headers: Self.admin)
            #expect(bad.status == 400)
            #expect(try await Self.send(client, g, .GET, "/api/analytics?from=20&to=10", headers: Self.admin).status == 400)
            #expect(try await Self.send(client, g, .GET, "/api/analytics", headers: [("authorization", "Bearer \(a)")]).status == 401)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: CLITests.binary.path)))
    func cliCreatesListsUpdatesAndRevokesKeys() async throws {
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL))
            defer { Task { await g.shutdown() } }
            let cli = CLITests()
            let env = ["ADMIN_API_KEY": Self.adminToken, "DEJA_URL": g.baseURL]
            let created = try cli.run(["keys", "create", "--tenant", "cli-team", "--model", "gpt-*", "--requests", "100", "--monthly-usd", "5"], environment: env)
            #expect(created.status == 0, "\(created.output)")
            let key = try #require(created.output.split(separator: "\n").first { $0.hasPrefix("key:") }.map { String($0.dropFirst(4)).trimmingCharacters(in: .whitespaces) })
            let id = try #require(created.output.split(separator: "\n").first { $0.hasPrefix("id:") }.map { String($0.dropFirst(3)).trimmingCharacters(in: .whitespaces) })
            #expect(try await Self.chat(client, g, key: key).status == 200)
            let listed = try cli.run(["keys", "list"], environment: env)
            #expect(listed.status == 0)
            #expect(listed.output.contains(id) && listed.output.contains("cli-team") && !listed.output.contains(String(key.dropFirst(16))))
            let updated = try cli.run(["keys", "update", id, "--requests", "1"], environment: env)
            #expect(updated.status == 0, "\(updated.output)")
            let json = try cli.run(["keys", "list", "--json", "--tenant", "cli-team"], environment: env)
            #expect(json.output.contains(#""requests_per_window":1"#))
            #expect(try cli.run(["keys", "revoke", id], environment: env).status == 0)
            #expect(try await Self.chat(client, g, key: key).status == 401)
            // A wrong admin token: a non-zero exit naming the refusal.
            let refused = try cli.run(["keys", "list"], environment: ["ADMIN_API_KEY": "wrong-token-0123456789", "DEJA_URL": g.baseURL])
            #expect(refused.status != 0)
            #expect(refused.output.contains("refused"))
        }
    }

    @Test func routedRequestsRecordWhatRoutingSaved() async throws {
        try await Rig.with { sim, client in
            var c = Rig.configuration(sim.baseURL)
            RoutingTests.threeProviders(&c, sim.baseURL)
            c.adminTokenHash = SecretHash.sha256(Self.adminToken)
            let g = try await Rig.start(c)
            defer { Task { await g.shutdown() } }
            let cheap = try await Self.chat(client, g, key: nil, content: "What is the capital of France?", model: "cheap")
            #expect(cheap.status == 200)
            let cost = try cheap.json()["x-gateway"]?.objectValue?["cost_usd"]?.doubleValue ?? 0
            let pinned = try await Self.chat(client, g, key: nil, content: "What is the capital of Spain?", model: "small")
            #expect(pinned.status == 200)
            let reply = try await Self.send(client, g, .GET, "/api/analytics?group_by=model", headers: Self.admin)
            let totals = try #require(try reply.json()["totals"]?.objectValue)
            let saved = totals["routing_savings_usd"]?.doubleValue ?? 0
            // The cheap route answered below the strongest candidate's price; the pinned request saved nothing by routing.
            #expect(saved > 0, "\(reply.text)")
            #expect(cost > 0)
        }
    }

    @Test func logsNeverCarryKeysOrPrompts() async throws {
        let sink = LogSink()
        var logger = Logger(label: "deja-test") { _ in sink }
        logger.logLevel = .trace
        try await Rig.with { sim, client in
            let g = try await Rig.start(Rig.configuration(sim.baseURL), logger: logger)
            defer { Task { await g.shutdown() } }
            let (_, key) = try await Self.createKey(client, g, #"{"tenant":"quiet"}"#)
            let prompt = "my secret plan is purple-elephant-42"
            #expect(try await Self.chat(client, g, key: key, content: prompt).status == 200)
            #expect(try await Self.chat(client, g, key: key + "x", content: prompt).status == 401)
            let text = sink.text
            #expect(!text.isEmpty)
            #expect(!text.contains(String(key.dropFirst(16))))
            #expect(!text.contains("purple-elephant-42"))
            #expect(!text.contains(Self.adminToken))
        }
    }
}

/// Collects every log line (message and metadata) for assertions.
final class LogSink: LogHandler, Sendable {
    private let lines = Mutex<[String]>([])

    /// Handler metadata is not kept (one sink is shared by every logger copy); each event's own
    /// metadata, which is where the gateway puts request details, is.
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        var line = "\(event.level) \(event.message)"
        for (k, v) in event.metadata ?? [:] { line += " \(k)=\(v)" }
        lines.withLock { $0.append(line) }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// Governance across instances that share Redis (rate limits and budget reservations, Lua) and
/// PostgreSQL (keys, spend, the ledger).
@Suite(.serialized) struct SharedGovernanceTests {
    typealias G = GovernanceTests

    static func configuration(_ simURL: String, redis: RedisServer, database: String) -> GatewayConfiguration {
        var c = GovernanceTests.Rig.configuration(simURL, store: .postgres(url: database))
        c.cacheSettings.redisURL = "redis://127.0.0.1:\(redis.port)"
        c.cacheSettings.redisHMACKey = RedisMirrorTests.hmacKey
        return c
    }

    @Test func budgetAndRateLimitsHoldAcrossThreeInstances() async throws {
        let redis = try await RedisServer.start()
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        try await GovernanceTests.Rig.with { sim, client in
            let c = Self.configuration(sim.baseURL, redis: redis, database: postgres.url)
            var started: [RunningGateway] = []
            for _ in 0..<3 { started.append(try await GovernanceTests.Rig.start(c)) }
            let gateways = started
            defer { Task { for g in gateways { await g.shutdown() } } }
            let limit = 1_000
            let (id, key) = try await G.createKey(client, gateways[0], #"{"tenant":"fleet","limits":{"monthly_tokens":\#(limit)}}"#)
            // Every instance knows the key within a poll.
            for g in gateways {
                var known = false
                for _ in 0..<40 where !known {
                    known = try await G.send(client, g, .GET, "/v1/models", headers: [("authorization", "Bearer \(key)")]).status == 200
                    if !known { try await Task.sleep(for: .milliseconds(25)) }
                }
                #expect(known)
            }
            let body = chatBody("Fleet budget", extra: #""max_tokens":16"#)
            let reservation = max(1, body.utf8.count / 4) + 16
            let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for g in gateways {
                    for _ in 0..<50 {
                        group.addTask {
                            let r = try await G.send(client, g, .POST, "/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(key)")])
                            return (r.status, r.status == 429 ? (try r.errorObject().text("code")) : "")
                        }
                    }
                }
                var out: [(Int, String)] = []
                for try await r in group { out.append(r) }
                return out
            }
            #expect(results.allSatisfy { $0.0 == 200 || ($0.0 == 429 && $0.1 == "budget_exceeded") })
            #expect(results.contains { $0.0 == 429 })
            // Refusals under load may come early (in-flight reservations are worst cases); once
            // they settle, requests are admitted again until the spend itself reaches the limit.
            let spent = try await Self.drain(client, gateways, key: key, id: id, body: body, limit: limit)
            #expect(spent >= limit, "the shared budget was used up: \(spent)")
            #expect(spent < limit + reservation, "overspend at most one reservation across instances: \(spent) vs \(limit) + \(reservation)")

            // A request limit is one limit for the fleet, not one per instance.
            let (_, limited) = try await G.createKey(client, gateways[0], #"{"tenant":"fleet","limits":{"requests_per_window":9}}"#)
            // Every instance has the new key within a second (its directory lists it).
            let t0 = ContinuousClock.now
            for g in gateways {
                var known = false
                while !known, ContinuousClock.now - t0 < .seconds(1) {
                    known = try await G.send(client, g, .GET, "/api/budget", headers: G.admin).text.contains(String(limited.dropFirst(3).prefix(12)))
                    if !known { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(known)
            }
            var admitted = 0
            for i in 0..<15 {
                let r = try await G.send(client, gateways[i % 3], .GET, "/v1/models", headers: [("authorization", "Bearer \(limited)")])
                if r.status == 200 { admitted += 1 }
                if r.status == 401 { Issue.record("key not yet known on instance \(i % 3)") }
            }
            #expect(admitted == 9)

            // Revoked on one instance, refused on another within a second.
            #expect(try await G.send(client, gateways[2], .DELETE, "/api/admin/keys/\(id)", headers: G.admin).status == 200)
            let start = ContinuousClock.now
            var refused = false
            while !refused, ContinuousClock.now - start < .seconds(1) {
                refused = try await G.send(client, gateways[0], .GET, "/v1/models", headers: [("authorization", "Bearer \(key)")]).status == 401
                if !refused { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(refused)
        }
    }

    /// Sends requests one at a time (round robin) until one is refused with nothing reserved and
    /// the limit spent; returns the scope's spend then. A shared reservation is released by a
    /// task after the answer, so a request can still meet its predecessor's reservation and be
    /// refused below the limit; once the usage shows nothing reserved and room left, the next
    /// request must be admitted (a refusal then is a real admission bug and is recorded).
    static func drain(_ client: HTTPClient, _ gateways: [RunningGateway], key: String, id: String, body: String, limit: Int) async throws -> Int {
        var settledBelowLimit = false
        for i in 0..<400 {
            let r = try await G.send(client, gateways[i % gateways.count], .POST, "/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(key)")])
            guard r.status == 429 else {
                settledBelowLimit = false
                continue
            }
            let usage = try await G.budget(client, gateways[0], scope: "key:" + id)
            let (spent, reserved) = (usage["spent_tokens"]?.intValue ?? 0, usage["reserved_tokens"]?.intValue ?? -1)
            if reserved == 0, spent >= limit { return spent }
            if reserved == 0 {
                if settledBelowLimit { Issue.record("refused with nothing reserved and \(limit - spent) tokens left") }
                settledBelowLimit = true
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        Issue.record("the budget never closed")
        return 0
    }

    @Test func redisDownMidRunFallsBackToLocalSharesWithoutBlocking() async throws {
        let redis = try await RedisServer.start()
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        try await GovernanceTests.Rig.with { sim, client in
            var c = Self.configuration(sim.baseURL, redis: redis, database: postgres.url)
            c.governance.perAddress = RateLimit(count: 1_000, period: .seconds(60))
            let a = try await GovernanceTests.Rig.start(c)
            let b = try await GovernanceTests.Rig.start(c)
            defer { Task { await a.shutdown(); await b.shutdown() } }
            let (_, key) = try await G.createKey(client, a, #"{"tenant":"ops","limits":{"requests_per_window":10}}"#)
            // Both instances have announced themselves.
            try await Task.sleep(for: .milliseconds(1_200))
            #expect(try await G.chat(client, a, key: key).status == 200)
            var health = try await G.send(client, a, .GET, "/health", headers: G.admin)
            #expect(try health.json()["governance"]?.objectValue?.text("counters") == "redis")
            #expect(try health.json()["governance"]?.objectValue?["live_instances"] == .number("2"))
            redis.kill()
            // Requests keep being answered, promptly, with local limits: this instance's share is
            // 10 / 2 instances = 5 per window.
            var statuses: [Int] = []
            let started = ContinuousClock.now
            for _ in 0..<8 { statuses.append(try await G.send(client, a, .GET, "/v1/models", headers: [("authorization", "Bearer \(key)")]).status) }
            #expect(ContinuousClock.now - started < .seconds(4), "no request waits on Redis beyond its timeout")
            #expect(statuses.filter { $0 == 200 }.count == 5, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 3)
            health = try await G.send(client, a, .GET, "/health", headers: G.admin)
            #expect(try health.json()["governance"]?.objectValue?.text("counters") == "local_fallback")
            let metrics = try await G.send(client, a, .GET, "/metrics")
            #expect(metrics.text.contains("llm_gateway_governance_fallback_total"))
        }
    }
}

extension SharedGovernanceTests {
    @Test func spendDuringAPartitionReachesRedisWhenItAnswersAgain() async throws {
        let redis = try await RedisServer.start()
        try redis.enableUser("gov", password: "gov-password")
        try await GovernanceTests.Rig.with { sim, client in
            var c = GovernanceTests.Rig.configuration(sim.baseURL)
            c.cacheSettings.redisURL = "redis://gov:gov-password@127.0.0.1:\(redis.port)"
            c.cacheSettings.redisHMACKey = RedisMirrorTests.hmacKey
            let g = try await GovernanceTests.Rig.start(c)
            defer { Task { await g.shutdown() } }
            let (id, key) = try await G.createKey(client, g, #"{"tenant":"part","limits":{"monthly_tokens":1000000}}"#)
            #expect(try await G.chat(client, g, key: key).status == 200)
            let hash = "deja:budget:\(BudgetMonth(unixSeconds: Date().timeIntervalSince1970)):key:\(id)"
            var before = 0
            for _ in 0..<40 {
                before = Int(try redis.cli(["HGET", hash, "st"])) ?? 0
                if before > 0 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(before > 0)
            try redis.partition(user: "gov")
            var spent = 0
            for i in 0..<3 {
                let r = try await G.chat(client, g, key: key, content: "during the partition \(i)")
                #expect(r.status == 200)
                let usage = try r.json()["usage"]?.objectValue
                spent += (usage?["prompt_tokens"]?.intValue ?? 0) + (usage?["completion_tokens"]?.intValue ?? 0)
            }
            try redis.enableUser("gov", password: "gov-password")
            var after = 0
            for _ in 0..<120 {
                after = Int(try redis.cli(["HGET", hash, "st"])) ?? 0
                if after >= before + spent { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(after == before + spent, "Redis has the spend made while it was cut off: \(after) vs \(before) + \(spent)")
        }
    }
}
