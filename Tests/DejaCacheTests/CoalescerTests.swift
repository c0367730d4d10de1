import Synchronization
import Testing

@testable import DejaCache

@Suite struct CoalescerTests {
    static let key = CacheKey(a: 1, b: 2, c: 3, d: 4)

    func collect(_ events: AsyncStream<FlightEvent>) async -> [String] {
        var seen: [String] = []
        for await event in events {
            switch event {
            case .chunk(let c): seen.append("chunk:" + String(decoding: c, as: UTF8.self))
            case .usage: seen.append("usage")
            case .origin(let o): seen.append("origin:" + o.provider)
            case .completed(let o): seen.append("done:" + String(decoding: o.completion, as: UTF8.self))
            case .failed: seen.append("failed")
            }
        }
        return seen
    }

    @Test func followersShareTheLeadersCallAndSeeEveryChunk() async throws {
        let coalescer = Coalescer()
        let calls = Atomic<Int>(0)
        let gate = AsyncStream<Void>.makeStream()
        let work: @Sendable (FlightPublisher) async -> Void = { publisher in
            calls.add(1, ordering: .relaxed)
            publisher.chunk(Array("a".utf8))
            for await _ in gate.stream { break }
            publisher.chunk(Array("b".utf8))
            publisher.complete(FlightOutcome(completion: Array("ab".utf8), latency: .zero))
            publisher.retire()
        }
        let leader = coalescer.join(key: Self.key, work: work)
        try await Task.sleep(for: .milliseconds(20))
        let follower = coalescer.join(key: Self.key, work: work)
        #expect(leader.leader)
        #expect(!follower.leader)
        gate.continuation.yield()
        let a = await collect(leader.events)
        let b = await collect(follower.events)
        #expect(a == ["chunk:a", "chunk:b", "done:ab"])
        #expect(b == a)
        let callCount = calls.load(ordering: .relaxed)
        #expect(callCount == 1)
        // The flight retires on its own task after its last event: wait for it, bounded.
        #expect(try await CoalescerBoundsTests.eventually { coalescer.inFlight == 0 })
    }

    @Test func aFailureReachesEveryFollower() async throws {
        let coalescer = Coalescer()
        struct Boom: Error {}
        let work: @Sendable (FlightPublisher) async -> Void = { publisher in
            try? await Task.sleep(for: .milliseconds(30))
            publisher.fail(Boom())
        }
        let streams = (0..<5).map { _ in coalescer.join(key: Self.key, work: work).events }
        for s in streams { #expect(await collect(s) == ["failed"]) }
        // The flight retires on its own task after its last event: wait for it, bounded.
        #expect(try await CoalescerBoundsTests.eventually { coalescer.inFlight == 0 })
    }

    @Test func theLastSubscriberLeavingCancelsTheCall() async throws {
        let coalescer = Coalescer()
        let cancelled = Atomic<Bool>(false)
        let work: @Sendable (FlightPublisher) async -> Void = { _ in
            do {
                try await Task.sleep(for: .seconds(10))
            } catch {
                cancelled.store(true, ordering: .relaxed)
            }
        }
        do {
            let joined = coalescer.join(key: Self.key, work: work)
            let task = Task { for await _ in joined.events {} }
            try await Task.sleep(for: .milliseconds(20))
            task.cancel()
            _ = await task.value
        }
        for _ in 0..<100 where !cancelled.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
        let wasCancelled = cancelled.load(ordering: .relaxed)
        #expect(wasCancelled)
        // The flight retires on its own task after its last event: wait for it, bounded.
        #expect(try await CoalescerBoundsTests.eventually { coalescer.inFlight == 0 })
    }

    @Test func oneFollowerLeavingDoesNotCancelTheOthers() async throws {
        let coalescer = Coalescer()
        let work: @Sendable (FlightPublisher) async -> Void = { publisher in
            try? await Task.sleep(for: .milliseconds(100))
            publisher.complete(FlightOutcome(completion: Array("ok".utf8), latency: .zero))
            publisher.retire()
        }
        let leader = coalescer.join(key: Self.key, work: work)
        let follower = coalescer.join(key: Self.key, work: work)
        let leaving = Task { for await _ in leader.events {} }
        leaving.cancel()
        #expect(await collect(follower.events) == ["done:ok"])
    }
}

@Suite struct IdempotencyStoreTests {
    static let body = CacheKey(a: 1, b: 1, c: 1, d: 1)
    static let other = CacheKey(a: 2, b: 2, c: 2, d: 2)

    @Test func replaysConflictsAndExpires() async {
        let store = IdempotencyStore(ttlSeconds: 10)
        guard case .proceed = await store.claim(key: "k", body: Self.body, now: 0) else { Issue.record("expected proceed"); return }
        store.complete(key: "k", response: StoredResponse(status: 200, headers: [], body: [1, 2]), now: 0)
        guard case .replay(let r) = await store.claim(key: "k", body: Self.body, now: 5) else { Issue.record("expected replay"); return }
        #expect(r.body == [1, 2])
        guard case .conflict = await store.claim(key: "k", body: Self.other, now: 5) else { Issue.record("expected conflict"); return }
        guard case .proceed = await store.claim(key: "k", body: Self.other, now: 11) else { Issue.record("expected proceed after expiry"); return }
    }

    @Test func aFailureFreesTheKeyAndWaitersProceed() async throws {
        let store = IdempotencyStore(ttlSeconds: 10)
        guard case .proceed = await store.claim(key: "k", body: Self.body) else { Issue.record("expected proceed"); return }
        let waiter = Task { await store.claim(key: "k", body: Self.body) }
        try await Task.sleep(for: .milliseconds(30))
        store.complete(key: "k", response: nil)
        guard case .proceed = await waiter.value else { Issue.record("a waiter should own the key after a failure"); return }
    }
}
