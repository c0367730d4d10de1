import Synchronization
import Testing

@testable import DejaCache

/// The idempotency store's memory bounds, lease ownership and waiter cancellation. Time is
/// injected (`now:`); nothing sleeps through a TTL.
@Suite struct IdempotencyBudgetTests {
    static let body = CacheKey(a: 1, b: 1, c: 1, d: 1)
    static let other = CacheKey(a: 2, b: 2, c: 2, d: 2)

    static func response(_ bytes: Int) -> StoredResponse {
        StoredResponse(status: 200, headers: [("content-type", "application/json")], body: [UInt8](repeating: 0x61, count: bytes))
    }

    /// Claims `key` and expects to own it.
    static func own(_ store: IdempotencyStore, _ key: String, now: Double = 0) async throws -> IdempotencyLease {
        guard case .proceed(let lease) = await store.claim(key: key, body: body, now: now) else {
            Issue.record("expected to own \(key)")
            throw Unexpected()
        }
        return lease
    }

    struct Unexpected: Error {}

    /// Waits for `condition` for at most two seconds (waiters park asynchronously).
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test func theByteBudgetEvictsTheOldestFinishedRecords() async throws {
        let limits = IdempotencyStore.Limits(maxBytes: 10_000, maxRecords: 1000, maxResponseBytes: 4000)
        let store = IdempotencyStore(ttlSeconds: 60, limits: limits)
        for i in 0..<50 {
            let lease = try await Self.own(store, "k\(i)", now: Double(i))
            #expect(lease.complete(Self.response(1000), now: Double(i)))
            #expect(store.byteCount <= limits.maxBytes)
        }
        // Each record costs its body, header, key and overhead: only the newest few fit.
        let perRecord = 1000 + ("content-type".utf8.count + "application/json".utf8.count + 32) + 3 + IdempotencyStore.recordOverheadBytes
        #expect(store.recordCount == limits.maxBytes / perRecord)
        #expect(store.byteCount == store.recordCount * perRecord)
        #expect(store.statistics.evictions == 50 - store.recordCount)
        guard case .replay(let kept) = await store.claim(key: "k49", body: Self.body, now: 50) else {
            Issue.record("the newest record should replay")
            return
        }
        #expect(kept.body.count == 1000)
        // The oldest was evicted: its key runs afresh.
        guard case .proceed(let lease) = await store.claim(key: "k0", body: Self.body, now: 50) else {
            Issue.record("the oldest record should be gone")
            return
        }
        lease.release()
        #expect(store.byteCount <= limits.maxBytes)
    }

    @Test func theCountBudgetEvictsTheOldestFinishedRecords() async throws {
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxBytes: 1 << 20, maxRecords: 5))
        for i in 0..<12 {
            try await Self.own(store, "k\(i)").complete(Self.response(10), now: 0)
            #expect(store.recordCount <= 5)
        }
        #expect(store.recordCount == 5)
        #expect(store.statistics.evictions == 7)
        for i in 7..<12 {
            guard case .replay = await store.claim(key: "k\(i)", body: Self.body, now: 1) else {
                Issue.record("k\(i) should replay")
                continue
            }
        }
    }

    @Test func inFlightRecordsAreNeverEvictedAndBeyondThemAClaimIsRefused() async throws {
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxBytes: 1 << 20, maxRecords: 3))
        try await Self.own(store, "done").complete(Self.response(10), now: 0)
        let a = try await Self.own(store, "a")
        let b = try await Self.own(store, "b")
        #expect(store.recordCount == 3)
        // The finished record makes room; the in-flight ones stay.
        let c = try await Self.own(store, "c")
        #expect(store.recordCount == 3)
        #expect(store.inFlightCount == 3)
        guard case .overloaded = await store.claim(key: "d", body: Self.body, now: 0) else {
            Issue.record("a claim beyond in-flight records alone must be refused")
            return
        }
        #expect(store.statistics.refusals == 1)
        #expect(store.recordCount == 3)
        // Finishing one frees its slot.
        a.release()
        let d = try await Self.own(store, "d")
        for lease in [b, c, d] { lease.release() }
        #expect(store.recordCount == 0)
        #expect(store.byteCount == 0)
    }

    @Test func inFlightBytesAloneCanFillTheBudget() async throws {
        let key = String(repeating: "x", count: 200)
        let recordBytes = key.utf8.count + 2 + IdempotencyStore.recordOverheadBytes
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxBytes: recordBytes * 2, maxRecords: 100))
        let first = try await Self.own(store, key + "-1")
        let second = try await Self.own(store, key + "-2")
        #expect(store.byteCount == recordBytes * 2)
        guard case .overloaded = await store.claim(key: key + "-3", body: Self.body, now: 0) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(store.byteCount <= recordBytes * 2)
        // A response that cannot fit beside the in-flight record is not kept; the key is free.
        #expect(!first.complete(Self.response(1000)))
        #expect(store.statistics.unstoredResponses == 1)
        second.release()
        #expect(store.byteCount == 0)
    }

    @Test func anOversizeResponseIsNotKeptAndItsKeyIsReleased() async throws {
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxResponseBytes: 100))
        let lease = try await Self.own(store, "big")
        let waiter = Task { await store.claim(key: "big", body: Self.body, now: 0) }
        #expect(try await Self.eventually { store.waiterCount == 1 })
        #expect(!lease.complete(Self.response(101)))
        #expect(store.statistics.oversizeResponses == 1)
        // The waiter runs afresh rather than replaying.
        guard case .proceed(let next) = await waiter.value else {
            Issue.record("the waiter should own the released key")
            return
        }
        #expect(next.complete(Self.response(100)))
        guard case .replay(let kept) = await store.claim(key: "big", body: Self.body, now: 1) else {
            Issue.record("a response at the cap is kept")
            return
        }
        #expect(kept.body.count == 100)
        #expect(store.waiterCount == 0)
    }

    @Test func aLeaseCompletesItsKeyExactlyOnce() async throws {
        let store = IdempotencyStore(ttlSeconds: 60)
        let first = try await Self.own(store, "k")
        first.release()
        #expect(first.isCompleted)
        let second = try await Self.own(store, "k")
        // The first owner's late completion must not finish the second owner's claim.
        #expect(!first.complete(Self.response(5)))
        #expect(store.inFlightCount == 1)
        #expect(second.complete(Self.response(5)))
        #expect(!second.complete(nil))
        guard case .replay = await store.claim(key: "k", body: Self.body, now: 1) else {
            Issue.record("the second owner's response should replay")
            return
        }
    }

    @Test func completingByKeyFinishesAClaimWhoseLeaseWasDropped() async throws {
        let store = IdempotencyStore(ttlSeconds: 60)
        var stale: IdempotencyLease? = try await Self.own(store, "k")
        let waiter = Task { await store.claim(key: "k", body: Self.body, now: 0) }
        #expect(try await Self.eventually { store.waiterCount == 1 })
        // A dropped lease leaves the key in flight (the gateway's guard releases it); the
        // key-based completion still finishes it and wakes the waiter.
        let held = stale
        stale = nil
        #expect(store.inFlightCount == 1)
        store.complete(key: "k", response: nil)
        guard case .proceed(let next) = await waiter.value else {
            Issue.record("the waiter should own the key once it is released")
            return
        }
        // The first owner's lease cannot end the waiter's claim.
        #expect(held?.complete(Self.response(1)) == false)
        #expect(store.inFlightCount == 1)
        next.release()
        #expect(store.recordCount == 0)
        #expect(store.waiterCount == 0)
    }

    @Test func aCancelledWaiterStopsWaiting() async throws {
        let store = IdempotencyStore(ttlSeconds: 60)
        let owner = try await Self.own(store, "k")
        let waiter = Task { await store.claim(key: "k", body: Self.body, now: 0) }
        #expect(try await Self.eventually { store.waiterCount == 1 })
        waiter.cancel()
        guard case .cancelled = await waiter.value else {
            Issue.record("a cancelled waiter returns .cancelled")
            return
        }
        #expect(store.waiterCount == 0)
        #expect(store.inFlightCount == 1)
        // A task cancelled before it waits does not park at all.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await store.claim(key: "k", body: Self.body, now: 0)
        }
        guard case .cancelled = await early.value else {
            Issue.record("an already-cancelled waiter returns .cancelled")
            return
        }
        #expect(store.waiterCount == 0)
        owner.release()
    }

    @Test func waitersAreBounded() async throws {
        let store = IdempotencyStore(ttlSeconds: 60, limits: .init(maxWaiters: 2))
        let owner = try await Self.own(store, "k")
        let waiters = (0..<2).map { _ in Task { await store.claim(key: "k", body: Self.body, now: 0) } }
        #expect(try await Self.eventually { store.waiterCount == 2 })
        guard case .overloaded = await store.claim(key: "k", body: Self.body, now: 0) else {
            Issue.record("a third waiter must be refused")
            return
        }
        #expect(owner.complete(Self.response(3)))
        for waiter in waiters {
            guard case .replay = await waiter.value else {
                Issue.record("waiters replay the owner's response")
                continue
            }
        }
        #expect(store.waiterCount == 0)
    }

    @Test func expiredRecordsAreSweptAndTheirBytesReturned() async throws {
        let store = IdempotencyStore(ttlSeconds: 10)
        for i in 0..<4 { try await Self.own(store, "k\(i)", now: Double(i)).complete(Self.response(50), now: Double(i)) }
        let held = store.byteCount
        #expect(held > 0)
        #expect(store.sweep(now: 11.5) == 2)
        #expect(store.recordCount == 2)
        #expect(store.byteCount == held / 2)
        // A replay of an expired key (not yet swept) runs afresh.
        guard case .proceed(let lease) = await store.claim(key: "k2", body: Self.other, now: 12.5) else {
            Issue.record("an expired key is free")
            return
        }
        lease.release()
        #expect(store.recordCount == 1)
    }

    @Test func limitsComeFromTheCacheConfiguration() {
        var configuration = CacheConfiguration()
        #expect(IdempotencyStore.Limits(configuration) == IdempotencyStore.Limits())
        #expect(IdempotencyStore.Limits().maxBytes == 64 << 20)
        #expect(IdempotencyStore.Limits().maxRecords == 100_000)
        #expect(IdempotencyStore.Limits().maxResponseBytes == 1 << 20)
        configuration.idempotencyTTLSeconds = 5
        configuration.idempotencyMaxBytes = 1000
        configuration.idempotencyMaxRecords = 7
        configuration.idempotencyMaxResponseBytes = 100
        configuration.idempotencyMaxWaiters = 3
        let store = IdempotencyStore(configuration: configuration)
        #expect(store.ttlSeconds == 5)
        #expect(store.limits == IdempotencyStore.Limits(maxBytes: 1000, maxRecords: 7, maxResponseBytes: 100, maxWaiters: 3))
    }
}
