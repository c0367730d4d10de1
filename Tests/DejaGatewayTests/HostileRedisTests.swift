import AsyncHTTPClient
@testable import DejaCache
import DejaGateway
import DejaProviders
import DejaRedis
import DejaSim
import DejaTestSupport
import Foundation
import Logging
import NIOCore
import Testing
import DejaWire

/// The Redis mirror as a trust boundary: whatever someone with write access to Redis puts there,
/// the gateway serves no forged answer, does not crash, and keeps serving; invalidations survive
/// partitions and outages (docs/REDIS.md).
@Suite(.serialized) struct HostileRedisTests {
    /// all-MiniLM-L6-v2, the embedder of the gateway tests.
    static let dimension = 384
    /// `CacheConfiguration.ttlBounds.upperBound`'s default.
    static let maxTTL: Double = 7 * 86_400

    static func codec(key: String = RedisMirrorTests.hmacKey) throws -> CacheMirrorCodec {
        try CacheMirrorCodec(hmacKey: key, dimension: dimension, maxTTLSeconds: maxTTL)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let bits = v.bitPattern
            return [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
    }

    static func hex64(_ seed: String) -> String {
        SHA.sha256(seed).map { String(format: "%02x", $0) }.joined()
    }

    static let completion =
        #"{"id":"chatcmpl-planted","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"A planted answer."},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#

    /// A well-formed entry (before signing), created 10 s before `now`, expiring 10 min after.
    static func validFields(now: Double, seed: String = "control") -> [String: [UInt8]] {
        [
            "v": bytes("2"), "ns": bytes(hex64("ns-" + seed)), "exact": bytes(hex64("exact-" + seed)), "scope": bytes("tenant:default"),
            "model": bytes("sim/gpt-4o-mini"), "query": bytes("What is a planted answer?"),
            "emb": floats(Array(repeating: 0.05, count: dimension)), "completion": bytes(completion),
            "created": bytes(String(now - 10)), "expires": bytes(String(now + 600)), "latency_ms": bytes("12.5"),
        ]
    }

    /// `fields` plus the MAC `codec` computes for them at `id`.
    static func signed(_ id: UInt64, _ fields: [String: [UInt8]], codec: CacheMirrorCodec) -> [String: [UInt8]] {
        var signed = fields
        signed["mac"] = bytes(codec.sign(id: id, fields: fields))
        return signed
    }

    static func rejection(_ result: Result<CacheEntry, CacheMirrorCodec.Rejection>) -> CacheMirrorCodec.Rejection? {
        if case .failure(let reason) = result { return reason }
        return nil
    }

    static func redisClient(_ redis: RedisServer) -> RedisClient {
        var logger = Logger(label: "deja-test")
        logger.logLevel = .critical
        return RedisClient(configuration: RedisConfiguration(port: redis.port, commandTimeout: .seconds(5), poolSize: 1), logger: logger)
    }

    static func cacheEntries(_ client: HTTPClient, _ gateway: RunningGateway) async throws -> Int {
        let response = try await client.execute(HTTPClientRequest(url: gateway.baseURL + "/api/cache/stats"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONParser.parse(Array(body.readableBytesView)).objectValue?["entries"]?.intValue ?? -1
    }

    static func publish(_ redis: RedisServer, _ payload: String) throws {
        try redis.cli(["PUBLISH", CacheMirror.channel, payload])
    }

    /// The one entry id in Redis.
    static func onlyEntryID(_ redis: RedisServer) async throws -> UInt64 {
        let keys = try await RedisKeys.list(port: redis.port)
        try #require(keys.count == 1, "\(keys)")
        return try #require(UInt64(keys[0].dropFirst(CacheMirror.entryPrefix.count)))
    }

    func withEnvironment(_ body: (Simulator, RedisServer, HTTPClient) async throws -> Void) async throws {
        try await RedisMirrorTests().withEnvironment(body)
    }

    // MARK: - Authentication

    @Test func codecAuthenticatesAndRangeChecksWithAnInjectedClock() throws {
        let codec = try Self.codec()
        let now = 1_700_000_000.0
        let fields = Self.signed(42, Self.validFields(now: now), codec: codec)
        let entry = try Self.codec().decode(id: 42, fields: fields, now: now).get()
        #expect(entry.id == 42 && entry.embedding.count == Self.dimension && entry.queryText == "What is a planted answer?")
        // Moved to another id, signed with another key, or unsigned: the MAC does not match.
        #expect(Self.rejection(codec.decode(id: 43, fields: fields, now: now)) == .mac)
        let otherKey = try Self.codec(key: String(repeating: "k", count: 32))
        #expect(Self.rejection(otherKey.decode(id: 42, fields: fields, now: now)) == .mac)
        var unsigned = fields
        unsigned["mac"] = nil
        #expect(Self.rejection(codec.decode(id: 42, fields: unsigned, now: now)) == .mac)
        // One changed byte anywhere breaks it.
        var tampered = fields
        tampered["latency_ms"] = Self.bytes("12.6")
        #expect(Self.rejection(codec.decode(id: 42, fields: tampered, now: now)) == .mac)
        // The clock decides expiry and "created in the future".
        #expect(Self.rejection(codec.decode(id: 42, fields: fields, now: now + 601)) == .timestamps)
        #expect(Self.rejection(codec.decode(id: 42, fields: fields, now: now - 100)) == .timestamps)
        #expect(Self.rejection(codec.decode(id: 42, fields: fields, now: now + 599)) == nil)
        // Ids: canonical decimal UInt64 only.
        #expect(CacheMirrorCodec.parseID("18446744073709551615") == UInt64.max)
        for text in ["18446744073709551616", "+5", "-1", "007", "", "1e3", " 5", "5 ", "abc", "٣"] {
            #expect(CacheMirrorCodec.parseID(text) == nil, "\(text)")
        }
        // A short key is refused with the fix in the message.
        #expect(throws: CacheMirrorError.self) { _ = try Self.codec(key: "short") }
    }

    @Test func forgedTamperedAndUnsignedEntriesAreIgnoredAndCounted() async throws {
        try await withEnvironment { sim, redis, client in
            let first = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port)
            let question = "What is a memory leak?"
            let original = try await RedisMirrorTests.postReply(client, first, question)
            #expect(original.cache == "MISS")
            #expect(try await eventuallyAsync { try await RedisMirrorTests.mirrorWrites(client, first) == 1 })
            await first.shutdown()

            let id = try await Self.onlyEntryID(redis)
            let writer = Self.redisClient(redis)
            defer { writer.shutdown() }
            let genuine = try await writer.hgetall(CacheMirror.entryPrefix + String(id))
            #expect(genuine["v"] == Self.bytes("2") && genuine["mac"]?.count == 64)

            // 1. The genuine entry with its answer replaced (the MAC left as it was).
            let forged = String(decoding: try #require(genuine["completion"]), as: UTF8.self)
                .replacingOccurrences(of: #""content":""#, with: #""content":"FORGED ANSWER. "#)
            try await writer.hset(CacheMirror.entryPrefix + String(id), fields: ["completion": Self.bytes(forged)])
            // 2. A copy without a MAC.
            var unsigned = genuine
            unsigned["mac"] = nil
            unsigned["completion"] = Self.bytes(forged)
            try await writer.hset(CacheMirror.entryPrefix + "1001", fields: unsigned)
            // 3. A copy signed with another key.
            var otherKey = genuine
            otherKey["mac"] = nil
            otherKey["completion"] = Self.bytes(forged)
            let wrongCodec = try Self.codec(key: String(repeating: "x", count: 64))
            try await writer.hset(CacheMirror.entryPrefix + "1002", fields: Self.signed(1002, otherKey, codec: wrongCodec))
            // 4. The old unauthenticated layout (v1).
            var v1 = unsigned
            v1["v"] = Self.bytes("1")
            try await writer.hset(CacheMirror.entryPrefix + "1003", fields: v1)

            let second = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port)
            let stats = try await RedisMirrorTests.mirrorStats(client, second)
            #expect(stats["rejected_entries"]?.intValue == 4)
            #expect(stats["rejections"]?.objectValue?["mac"]?.intValue == 4)
            #expect(stats["restored_entries"]?.intValue == 0)
            // The forged answer is never served: the question goes upstream.
            let reply = try await RedisMirrorTests.postReply(client, second, question)
            #expect(reply.status == 200 && reply.cache == "MISS")
            #expect(!reply.content.contains("FORGED") && !reply.content.isEmpty)
            #expect(sim.stats().openAIChat == 2)

            // A peer message announcing a forged entry is a hint only: fetched, refused, counted.
            try Self.publish(redis, #"{"origin":"evil","op":"insert","id":"1001"}"#)
            #expect(try await eventuallyAsync { try await RedisMirrorTests.mirrorStats(client, second)["rejected_entries"]?.intValue == 5 })
            let again = try await RedisMirrorTests.postReply(client, second, question)
            #expect(again.status == 200 && again.cache == "HIT-EXACT" && !again.content.contains("FORGED"))
            await second.shutdown()
        }
    }

    @Test func aValidEntryMovedToAnotherIDIsRejected() async throws {
        try await withEnvironment { sim, redis, client in
            let first = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port)
            #expect(try await RedisMirrorTests.post(client, first, "What is a race condition?").cache == "MISS")
            #expect(try await eventuallyAsync { try await RedisMirrorTests.mirrorWrites(client, first) == 1 })
            await first.shutdown()

            let id = try await Self.onlyEntryID(redis)
            let moved = id == 77 ? 78 : 77
            #expect(try redis.cli(["COPY", CacheMirror.entryPrefix + String(id), CacheMirror.entryPrefix + String(moved)]) == "1")

            let second = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port)
            let stats = try await RedisMirrorTests.mirrorStats(client, second)
            #expect(stats["restored_entries"]?.intValue == 1)
            #expect(stats["rejected_entries"]?.intValue == 1)
            #expect(stats["rejections"]?.objectValue?["mac"]?.intValue == 1)
            #expect(try await Self.cacheEntries(client, second) == 1)
            #expect(try await RedisMirrorTests.post(client, second, "What is a race condition?") == (200, "HIT-EXACT"))
            await second.shutdown()
        }
    }

    // MARK: - Range checks

    @Test func absurdSignedEntriesAreIgnoredWithoutACrash() async throws {
        try await withEnvironment { sim, redis, client in
            let codec = try Self.codec()
            let now = Date().timeIntervalSince1970
            let writer = Self.redisClient(redis)
            defer { writer.shutdown() }
            let base = Self.validFields(now: now)
            func put(_ id: UInt64, _ change: (inout [String: [UInt8]]) -> Void) async throws {
                var fields = base
                fields["exact"] = Self.bytes(Self.hex64("exact-\(id)"))
                change(&fields)
                // Signed with the gateway's key: only the range checks can refuse these.
                try await writer.hset(CacheMirror.entryPrefix + String(id), fields: Self.signed(id, fields, codec: codec))
            }
            var expected: [String: Int] = [:]
            func hostile(_ id: UInt64, _ reason: String, _ change: (inout [String: [UInt8]]) -> Void) async throws {
                try await put(id, change)
                expected[reason, default: 0] += 1
            }
            try await put(1, { _ in })  // the control: accepted
            let ok = Self.floats(Array(repeating: 0.05, count: Self.dimension))
            try await hostile(2, "embedding") { $0["emb"] = Array(ok.dropLast(4)) }
            try await hostile(3, "embedding") { $0["emb"] = Self.floats([.nan] + Array(repeating: 0.05, count: Self.dimension - 1)) }
            try await hostile(4, "embedding") { $0["emb"] = Self.floats(Array(repeating: .infinity, count: Self.dimension)) }
            try await hostile(5, "size") { $0["emb"] = ok + Self.floats([0.05]) }
            try await hostile(6, "timestamps") { $0["created"] = Self.bytes("-5") }
            try await hostile(7, "timestamps") {
                $0["created"] = Self.bytes("1e300")
                $0["expires"] = Self.bytes("1e300")
            }
            try await hostile(8, "timestamps") {
                $0["created"] = Self.bytes(String(now - 100))
                $0["expires"] = Self.bytes(String(now - 10))
            }
            try await hostile(9, "timestamps") { $0["expires"] = Self.bytes(String(now + 30 * 86_400)) }
            try await hostile(10, "timestamps") { $0["created"] = Self.bytes("nan") }
            try await hostile(11, "latency") { $0["latency_ms"] = Self.bytes("-1") }
            try await hostile(12, "latency") { $0["latency_ms"] = Self.bytes("NaN") }
            try await hostile(13, "keys") { $0["ns"] = Self.bytes(String(repeating: "z", count: 64)) }
            try await hostile(14, "keys") { $0["exact"] = Self.bytes(Self.hex64("upper").uppercased()) }
            try await hostile(15, "size") { $0["completion"] = Self.bytes(#"{"pad":""# + String(repeating: "a", count: 2 << 20) + #""}"#) }
            try await hostile(16, "completion") { $0["completion"] = Self.bytes("not json at all") }
            try await hostile(17, "completion") { $0["completion"] = Self.bytes(#"{"object":"chat.completion.chunk","choices":[]}"#) }
            try await hostile(18, "size") { $0["scope"] = Self.bytes("tenant:" + String(repeating: "s", count: 1024)) }
            try await hostile(19, "text") { $0["query"] = [0x66, 0xff, 0xfe, 0x66] }
            try await hostile(24, "text") { $0["scope"] = Self.bytes("tenant:a\nforged log line") }
            try await hostile(20, "layout") { $0["evil"] = Self.bytes("extra field") }
            try await hostile(21, "layout") { $0["v"] = Self.bytes("3") }
            // Not a hash at all.
            try redis.cli(["SET", CacheMirror.entryPrefix + "22", "a string"])
            expected["layout", default: 0] += 1
            // A malformed MAC.
            var badMAC = base
            badMAC["mac"] = Self.bytes(String(repeating: "zz", count: 32))
            try await writer.hset(CacheMirror.entryPrefix + "23", fields: badMAC)
            expected["mac", default: 0] += 1
            // Ids that are not canonical UInt64s are never fetched.
            for key in ["abc", "99999999999999999999999", "+5", "-1", "007"] {
                try redis.cli(["HSET", CacheMirror.entryPrefix + key, "v", "2"])
                expected["id", default: 0] += 1
            }
            let total = expected.values.reduce(0, +)
            #expect(total == 28)

            let gateway = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port)
            let stats = try await RedisMirrorTests.mirrorStats(client, gateway)
            #expect(stats["restored_entries"]?.intValue == 1)
            #expect(stats["rejected_entries"]?.intValue == total)
            let reasons = try #require(stats["rejections"]?.objectValue)
            for (reason, count) in expected {
                #expect(reasons[reason]?.intValue == count, "\(reason)")
            }
            #expect(reasons.count == expected.count)
            #expect(try await Self.cacheEntries(client, gateway) == 1)
            // Still serving.
            #expect(try await RedisMirrorTests.post(client, gateway, "What is a planted answer?") == (200, "MISS"))
            #expect(try await Self.cacheEntries(client, gateway) == 2)

            // The same entries announced over pub/sub are fetched, refused and counted again.
            for id in [2, 15, 22] { try Self.publish(redis, #"{"origin":"evil","op":"insert","id":"\#(id)"}"#) }
            #expect(try await eventuallyAsync { try await RedisMirrorTests.mirrorStats(client, gateway)["rejected_entries"]?.intValue == total + 3 })

            // Hostile messages: ignored, and a remove cannot drop an entry Redis holds validly.
            let before = try await RedisMirrorTests.mirrorStats(client, gateway)
            let peerEvents = before["peer_events"]?.intValue ?? 0
            let ignored = before["ignored_events"]?.intValue ?? 0
            try Self.publish(redis, "not json")
            try Self.publish(redis, String(repeating: "[", count: 70_000))
            try Self.publish(redis, String(repeating: "[", count: 60_000))  // under the size bound: the parser's depth limit
            let manyIDs = (0..<1001).map { "\"\($0 + 100)\"" }.joined(separator: ",")
            try Self.publish(redis, #"{"origin":"evil","op":"remove","ids":[\#(manyIDs)]}"#)
            try Self.publish(redis, #"{"origin":"evil","op":"explode"}"#)
            try Self.publish(redis, #"{"origin":"evil","op":"insert","id":"abc"}"#)
            try Self.publish(redis, #"{"origin":"evil","op":"remove","ids":["1","-1","abc","18446744073709551616","1e3",5,null]}"#)
            try Self.publish(redis, #"{"origin":"evil","op":"remove","ids":[],"barrier":true}"#)
            #expect(try await eventuallyAsync {
                let s = try await RedisMirrorTests.mirrorStats(client, gateway)
                return s["peer_events"]?.intValue == peerEvents + 5 && s["ignored_events"]?.intValue == ignored + 6
            })
            #expect(try await Self.cacheEntries(client, gateway) == 2)
            #expect(try await RedisMirrorTests.post(client, gateway, "What is a planted answer?") == (200, "HIT-EXACT"))
            await gateway.shutdown()
        }
    }

    // MARK: - Invalidations across partitions and outages

    @Test func theInvalidationLedgerIsBoundedAndBarriersMatchLikeInvalidations() throws {
        var ledger = InvalidationLedger(tombstoneCapacity: 3, pendingCapacity: 5)
        // Pending ids: past the bound the oldest go first, and are counted.
        ledger.enqueue(ids: [1, 2, 3, 4], barrier: nil, at: 10)
        ledger.enqueue(ids: [5, 6, 7], barrier: "all", at: 11)
        #expect(ledger.pendingIDs == 5 && ledger.dropped == 2)
        #expect(ledger.pending.map(\.ids) == [[3, 4], [5, 6, 7]])
        #expect(ledger.pendingBarriers == ["all": 11])
        ledger.enqueue(ids: Array(100..<120), barrier: nil, at: 12)
        #expect(ledger.pendingIDs == 5 && ledger.dropped == 22 && ledger.pending.map(\.ids) == [Array(115..<120)])
        ledger.completed(try #require(ledger.pending.first).sequence)
        #expect(ledger.pendingIDs == 0 && ledger.pending.isEmpty)
        ledger.barriersWritten(["all": 11])
        #expect(ledger.pendingBarriers.isEmpty)
        // Tombstones: bounded, oldest forgotten first, and only until the entry would expire.
        for id in UInt64(1)...4 { ledger.addTombstone(id, until: 100) }
        #expect(!ledger.isTombstoned(1, now: 50) && ledger.isTombstoned(4, now: 50) && !ledger.isTombstoned(4, now: 100))
        // Barriers cover what the invalidation covered, created up to the skew after it.
        var barriers = InvalidationLedger.Barriers()
        let merged = [
            barriers.merge(member: "model:gpt-4o-mini", time: 1000, maxModelBytes: 256),
            barriers.merge(member: "ns:" + Self.hex64("ns-a"), time: 2000, maxModelBytes: 256),
            barriers.merge(member: "ns:XYZ", time: 1000, maxModelBytes: 256),
            barriers.merge(member: "model:" + String(repeating: "m", count: 300), time: 1000, maxModelBytes: 256),
            barriers.merge(member: "all", time: .infinity, maxModelBytes: 256),
        ]
        #expect(merged == [true, true, false, false, false])
        let now = 1_500.0
        func entry(model: String, ns: String, created: Double) throws -> CacheEntry {
            var fields = Self.validFields(now: created + 10)
            fields["model"] = Self.bytes(model)
            fields["ns"] = Self.bytes(Self.hex64(ns))
            fields["created"] = Self.bytes(String(created))
            return try Self.codec().decode(id: 9, fields: Self.signed(9, fields, codec: try Self.codec()), now: created + 1).get()
        }
        #expect(barriers.covers(try entry(model: "sim/gpt-4o-mini", ns: "ns-b", created: 999), skew: 2))
        #expect(barriers.covers(try entry(model: "a/b/gpt-4o-mini", ns: "ns-b", created: 1001.5), skew: 2))
        #expect(!barriers.covers(try entry(model: "sim/gpt-4o-mini", ns: "ns-b", created: 1003), skew: 2))
        #expect(!barriers.covers(try entry(model: "sim/gpt-4o", ns: "ns-b", created: 999), skew: 2))
        #expect(barriers.covers(try entry(model: "sim/other", ns: "ns-a", created: now), skew: 0))
        barriers.prune(before: 1500)
        #expect(barriers.models.isEmpty && barriers.namespaces.count == 1)
        // EXPIRE seconds for any input.
        #expect(CacheMirror.expireSeconds(.nan, cap: 604_800) == 604_800)
        #expect(CacheMirror.expireSeconds(1e300, cap: 604_800) == 604_800)
        #expect(CacheMirror.expireSeconds(-.infinity, cap: 604_800) == 604_800)
        #expect(CacheMirror.expireSeconds(-5, cap: 604_800) == 1)
        #expect(CacheMirror.expireSeconds(59.2, cap: 604_800) == 60)
    }

    @Test func anInvalidationWhileAnInstanceIsPartitionedIsNotResurrected() async throws {
        try await withEnvironment { sim, redis, client in
            try redis.enableUser("a", password: "pw-a")
            try redis.enableUser("b", password: "pw-b")
            let a = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port, user: "a")
            let b = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port, user: "b")
            #expect(try await RedisMirrorTests.post(client, a, "How does TCP slow start work?").cache == "MISS")
            // B learns the entry over pub/sub (asking B first could make it store its own copy).
            #expect(try await eventuallyAsync { try await Self.cacheEntries(client, b) == 1 })
            #expect(try await RedisMirrorTests.post(client, b, "How does TCP slow start work?").cache == "HIT-EXACT")
            let shared = try await Self.onlyEntryID(redis)
            let resyncsBefore = try await RedisMirrorTests.mirrorStats(client, a)["resyncs"]?.intValue ?? 0

            // A is cut off from Redis; Redis and B carry on.
            try redis.partition(user: "a")
            #expect(try await eventuallyAsync(10) { try await RedisMirrorTests.mirrorStats(client, a)["state"]?.stringValue == "disconnected" })
            // A stores an answer Redis never sees...
            #expect(try await RedisMirrorTests.post(client, a, "What does a load balancer do?").cache == "MISS")
            // ...and B invalidates the shared entry by id.
            #expect(try await RedisMirrorTests.invalidate(client, b, #"{"entry_id":"\#(shared)"}"#) == 1)
            #expect(try await eventuallyAsync { try redis.cli(["EXISTS", CacheMirror.tombstonePrefix + String(shared)]) == "1" })
            #expect(try redis.cli(["EXISTS", CacheMirror.entryPrefix + String(shared)]) == "0")
            // A cannot hear it and still holds its copy (serving from memory during a partition).
            #expect(try await RedisMirrorTests.post(client, a, "How does TCP slow start work?").cache == "HIT-EXACT")

            // The partition heals: A resynchronises, sees the tombstone, drops its copy and does
            // not write it back; the answer it stored meanwhile is written back.
            try redis.enableUser("a", password: "pw-a")
            #expect(try await eventuallyAsync(20) {
                let s = try await RedisMirrorTests.mirrorStats(client, a)
                return s["state"]?.stringValue == "connected" && (s["resyncs"]?.intValue ?? 0) > resyncsBefore
            })
            #expect(try await eventuallyAsync { try await RedisKeys.count(port: redis.port) == 1 })
            #expect(try redis.cli(["EXISTS", CacheMirror.entryPrefix + String(shared)]) == "0")
            #expect((try await RedisMirrorTests.mirrorStats(client, a)["invalidated_skipped"]?.intValue ?? 0) >= 1)
            #expect(try await RedisMirrorTests.post(client, a, "How does TCP slow start work?") == (200, "MISS"))
            #expect(try await RedisMirrorTests.post(client, b, "What does a load balancer do?").status == 200)
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test func anInvalidateAllDuringAPartitionCoversWhatThePartitionedInstanceStored() async throws {
        try await withEnvironment { sim, redis, client in
            try redis.enableUser("a", password: "pw-a")
            try redis.enableUser("b", password: "pw-b")
            let a = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port, user: "a")
            let b = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port, user: "b")
            #expect(try await RedisMirrorTests.post(client, a, "What is a mutex?").cache == "MISS")
            // B learns the entry over pub/sub (asking B first could make it store its own copy).
            #expect(try await eventuallyAsync { try await Self.cacheEntries(client, b) == 1 })
            #expect(try await RedisMirrorTests.post(client, b, "What is a mutex?").cache == "HIT-EXACT")
            let resyncsBefore = try await RedisMirrorTests.mirrorStats(client, a)["resyncs"]?.intValue ?? 0

            try redis.partition(user: "a")
            #expect(try await eventuallyAsync(10) { try await RedisMirrorTests.mirrorStats(client, a)["state"]?.stringValue == "disconnected" })
            #expect(try await RedisMirrorTests.post(client, a, "What is a semaphore?").cache == "MISS")
            // B invalidates everything; A's entry from the partition was never in Redis, so only
            // the barrier can cover it.
            #expect(try await RedisMirrorTests.invalidate(client, b, #"{"all":true}"#) == 1)
            #expect(try await eventuallyAsync { !(try redis.cli(["ZSCORE", CacheMirror.invalidationsKey, "all"])).isEmpty })

            try redis.enableUser("a", password: "pw-a")
            #expect(try await eventuallyAsync(20) {
                let s = try await RedisMirrorTests.mirrorStats(client, a)
                return s["state"]?.stringValue == "connected" && (s["resyncs"]?.intValue ?? 0) > resyncsBefore
            })
            // Nothing written back, nothing resurrected.
            #expect(try await RedisKeys.count(port: redis.port) == 0)
            #expect(try await Self.cacheEntries(client, a) == 0)
            #expect(try await RedisMirrorTests.post(client, a, "What is a semaphore?") == (200, "MISS"))
            #expect(try await RedisMirrorTests.post(client, a, "What is a mutex?") == (200, "MISS"))
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test func anInvalidationMadeWhileRedisIsUnreachableIsAppliedOnReconnect() async throws {
        try await withEnvironment { sim, redis, client in
            try redis.enableUser("a", password: "pw-a")
            try redis.enableUser("b", password: "pw-b")
            let a = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port, user: "a")
            let b = try await RedisMirrorTests.gateway(simURL: sim.baseURL, redisPort: redis.port, user: "b")
            #expect(try await RedisMirrorTests.post(client, a, "What is a deadlock?").cache == "MISS")
            // B learns the entry over pub/sub (asking B first could make it store its own copy).
            #expect(try await eventuallyAsync { try await Self.cacheEntries(client, b) == 1 })
            #expect(try await RedisMirrorTests.post(client, b, "What is a deadlock?").cache == "HIT-EXACT")
            let shared = try await Self.onlyEntryID(redis)

            try redis.partition(user: "a")
            #expect(try await eventuallyAsync(10) { try await RedisMirrorTests.mirrorStats(client, a)["state"]?.stringValue == "disconnected" })
            #expect(try await RedisMirrorTests.invalidate(client, a, #"{"entry_id":"\#(shared)"}"#) == 1)
            #expect(try await eventuallyAsync { try await RedisMirrorTests.mirrorStats(client, a)["pending_invalidations"]?.intValue == 1 })
            // Redis and B still have it: the invalidation is queued, not lost.
            #expect(try redis.cli(["EXISTS", CacheMirror.entryPrefix + String(shared)]) == "1")
            #expect(try await RedisMirrorTests.post(client, b, "What is a deadlock?").cache == "HIT-EXACT")

            try redis.enableUser("a", password: "pw-a")
            #expect(try await eventuallyAsync(20) { try await RedisMirrorTests.mirrorStats(client, a)["pending_invalidations"]?.intValue == 0 })
            #expect(try redis.cli(["EXISTS", CacheMirror.entryPrefix + String(shared)]) == "0")
            #expect(try redis.cli(["EXISTS", CacheMirror.tombstonePrefix + String(shared)]) == "1")
            let ttl = Int(try redis.cli(["TTL", CacheMirror.tombstonePrefix + String(shared)])) ?? 0
            #expect(ttl > 0 && ttl <= 3600, "the tombstone lives as long as the entry would have: \(ttl)")
            // B verified the tombstone and dropped its copy.
            #expect(try await eventuallyAsync { try await RedisMirrorTests.post(client, b, "What is a deadlock?").cache == "MISS" })
            #expect(try await RedisMirrorTests.post(client, a, "What is a deadlock?").status == 200)
            await a.shutdown()
            await b.shutdown()
        }
    }

    // MARK: - Configuration

    @Test func redissIsRefusedWithGuidance() throws {
        do {
            _ = try RedisConfiguration(url: "rediss://cache.internal:6380")
            Issue.record("expected rediss:// to be refused")
        } catch {
            #expect(error == .invalidURL)
            let detail = error.detail ?? ""
            for fragment in ["rediss://", "hiredis 0.14", "no TLS", "requirepass", "ACL", "firewall", "stunnel", "spiped", "docs/REDIS.md"] {
                #expect(detail.contains(fragment), "\(fragment)")
            }
        }
        let environment = ["REDIS_URL": "rediss://cache.internal:6380", "REDIS_HMAC_KEY": RedisMirrorTests.hmacKey]
        let error = #expect(throws: ConfigurationError.self) { _ = try ConfigurationLoader().load(path: nil, environment: environment) }
        let message = error?.message ?? ""
        #expect(message.contains("REDIS_URL") && message.contains("hiredis 0.14") && message.contains("stunnel"), "\(message)")
    }

    @Test func aRedisURLWithoutAnHMACKeyFailsToLoad() async throws {
        func message(_ environment: [String: String], yaml: String? = nil) throws -> String? {
            var path: String?
            if let yaml {
                let url = FileManager.default.temporaryDirectory.appendingPathComponent("deja-\(UUID().uuidString).yaml")
                try yaml.write(to: url, atomically: true, encoding: .utf8)
                path = url.path
            }
            defer { if let path { try? FileManager.default.removeItem(atPath: path) } }
            do {
                _ = try ConfigurationLoader().load(path: path, environment: environment)
                return nil
            } catch let error as ConfigurationError {
                return error.message
            }
        }
        let missing = try #require(try message(["REDIS_URL": "redis://127.0.0.1:6379"]))
        #expect(missing.contains("REDIS_HMAC_KEY") && missing.contains("openssl rand -hex 32"))
        let short = try #require(try message(["REDIS_URL": "redis://127.0.0.1:6379", "REDIS_HMAC_KEY": "0123456789abcdef"]))
        #expect(short.contains("REDIS_HMAC_KEY") && short.contains("16 bytes") && short.contains("at least 32"))
        let fromFile = try #require(try message([:], yaml: "cache:\n  redis_url: redis://127.0.0.1:6379\n"))
        #expect(fromFile.contains("REDIS_HMAC_KEY"))
        // With a key (environment or file) it loads.
        #expect(try message(["REDIS_URL": "redis://127.0.0.1:6379", "REDIS_HMAC_KEY": RedisMirrorTests.hmacKey]) == nil)
        #expect(try message([:], yaml: "cache:\n  redis_url: redis://127.0.0.1:6379\n  redis_hmac_key: \(RedisMirrorTests.hmacKey)\n") == nil)
        let loaded = try ConfigurationLoader().load(path: nil, environment: ["REDIS_URL": "redis://127.0.0.1:6379", "REDIS_HMAC_KEY": RedisMirrorTests.hmacKey])
        #expect(loaded.cacheSettings.redisHMACKey == RedisMirrorTests.hmacKey)
        // Without Redis no key is needed.
        #expect(try message([:]) == nil)

        // A gateway built from a configuration that skipped the loader fails closed too.
        let sim = try await Simulator.start(SimulatorConfiguration(port: 0, logLevel: .critical))
        var c = Harness.simConfiguration(sim.baseURL)
        CacheHarness.enable(&c)
        c.cacheSettings.redisURL = "redis://127.0.0.1:1"
        var logger = Logger(label: "deja-test")
        logger.logLevel = .critical
        let refused = #expect(throws: CacheMirrorError.self) { _ = try Gateway(configuration: c, logger: logger) }
        #expect(refused?.message.contains("REDIS_HMAC_KEY") == true)
        await sim.shutdown()
    }
}
