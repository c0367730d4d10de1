import Synchronization
import Testing

@testable import DejaCache

/// The coalescer's bounds: followers per flight and overall, and the late-joiner buffer.
@Suite struct CoalescerBoundsTests {
    static let key = CacheKey(a: 9, b: 8, c: 7, d: 6)
    static let otherKey = CacheKey(a: 1, b: 1, c: 1, d: 1)

    /// Polls `condition` for up to two seconds.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    static func collect(_ events: AsyncStream<FlightEvent>) async -> [String] {
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

    /// A work closure that counts its calls, publishes `chunks`, then waits for a ticket from
    /// `open` before it completes (and, with `holdsRetirement`, for one from `allowRetirement`
    /// before it retires). Tickets, not a shared AsyncStream: several flights wait at once.
    final class GatedWork: Sendable {
        let calls = Atomic<Int>(0)
        let tickets = Atomic<Int>(0)
        let retirements = Atomic<Int>(0)
        /// Flights that have published their chunks.
        let published = Atomic<Int>(0)
        let chunks: [String]
        let holdsRetirement: Bool

        init(chunks: [String] = [], holdsRetirement: Bool = false) {
            self.chunks = chunks
            self.holdsRetirement = holdsRetirement
        }

        var work: @Sendable (FlightPublisher) async -> Void {
            { [self] publisher in
                calls.add(1, ordering: .relaxed)
                for chunk in chunks { publisher.chunk(Array(chunk.utf8)) }
                published.add(1, ordering: .releasing)
                await Self.take(tickets)
                publisher.complete(FlightOutcome(completion: Array("ok".utf8), latency: .zero))
                if holdsRetirement { await Self.take(retirements) }
                publisher.retire()
            }
        }

        private static func take(_ counter: borrowing Atomic<Int>) async {
            while true {
                let available = counter.load(ordering: .acquiring)
                if available > 0, counter.compareExchange(expected: available, desired: available - 1, ordering: .acquiringAndReleasing).exchanged {
                    return
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }

        /// Lets `flights` waiting flights complete.
        func open(_ flights: Int) { tickets.add(flights, ordering: .releasing) }

        /// Lets `flights` completed flights retire.
        func allowRetirement(_ flights: Int) { retirements.add(flights, ordering: .releasing) }

        var callCount: Int { calls.load(ordering: .relaxed) }
        var publishedCount: Int { published.load(ordering: .acquiring) }
    }

    @Test func aFullFlightMakesTheNextRequestStartAJoinableCallOfItsOwn() async throws {
        let coalescer = Coalescer(limits: .init(maxFollowersPerFlight: 2))
        let gated = GatedWork()
        var joined: [(events: AsyncStream<FlightEvent>, leader: Bool)] = []
        for _ in 0..<6 { joined.append(coalescer.join(key: Self.key, work: gated.work)) }
        // A leader and two followers per flight.
        #expect(joined.map(\.leader) == [true, false, false, true, false, false])
        #expect(coalescer.followers == 4)
        #expect(try await Self.eventually { gated.callCount == 2 })
        gated.open(2)
        for j in joined { #expect(await Self.collect(j.events) == ["done:ok"]) }
        #expect(gated.callCount == 2)
        #expect(coalescer.followers == 0)
        #expect(try await Self.eventually { coalescer.inFlight == 0 })
    }

    @Test func beyondTheOverallFollowerBoundARequestRunsAlone() async throws {
        let coalescer = Coalescer(limits: .init(maxFollowersPerFlight: 10, maxFollowers: 1))
        let gated = GatedWork()
        let a = coalescer.join(key: Self.key, work: gated.work)
        let aFollower = coalescer.join(key: Self.key, work: gated.work)
        let b = coalescer.join(key: Self.otherKey, work: gated.work)
        #expect(a.leader && !aFollower.leader && b.leader)
        #expect(coalescer.followers == 1)
        // The overall bound is reached: this request runs its own call, which nobody joins.
        let alone = coalescer.join(key: Self.otherKey, work: gated.work)
        #expect(alone.leader)
        #expect(coalescer.soloFallbacks == 1)
        #expect(coalescer.followers == 1)
        #expect(coalescer.inFlight == 2)
        #expect(try await Self.eventually { gated.callCount == 3 })
        gated.open(3)
        for events in [a.events, aFollower.events, b.events, alone.events] { #expect(await Self.collect(events) == ["done:ok"]) }
        #expect(coalescer.followers == 0)
    }

    @Test func followersThatLeaveGiveTheirSlotsBack() async throws {
        let coalescer = Coalescer(limits: .init(maxFollowersPerFlight: 1, maxFollowers: 1))
        let gated = GatedWork()
        let leader = coalescer.join(key: Self.key, work: gated.work)
        let follower = coalescer.join(key: Self.key, work: gated.work)
        #expect(!follower.leader)
        let reader = Task { await Self.collect(follower.events) }
        reader.cancel()
        _ = await reader.value
        #expect(try await Self.eventually { coalescer.followers == 0 })
        // The slot is free again: the next identical request joins instead of starting a call.
        let again = coalescer.join(key: Self.key, work: gated.work)
        #expect(!again.leader)
        #expect(coalescer.followers == 1)
        gated.open(1)
        #expect(await Self.collect(leader.events) == ["done:ok"])
        #expect(await Self.collect(again.events) == ["done:ok"])
        #expect(gated.callCount == 1)
        #expect(coalescer.followers == 0)
    }

    @Test func theLateJoinerBufferIsBoundedInBytes() async throws {
        let coalescer = Coalescer(limits: .init(maxBufferedBytes: 10))
        let gated = GatedWork(chunks: ["aaaaaa", "bbbbbb"], holdsRetirement: true)
        let leader = coalescer.join(key: Self.key, work: gated.work)
        #expect(try await Self.eventually { gated.publishedCount == 1 })
        // The chunks (12 bytes) outgrew the buffer: a request arriving now would miss them, so it
        // starts a call of its own rather than joining.
        let late = coalescer.join(key: Self.key, work: gated.work)
        #expect(late.leader)
        #expect(try await Self.eventually { gated.callCount == 2 })
        gated.open(2)
        #expect(await Self.collect(leader.events) == ["chunk:aaaaaa", "chunk:bbbbbb", "done:ok"])
        #expect(await Self.collect(late.events) == ["chunk:aaaaaa", "chunk:bbbbbb", "done:ok"])
        // Once finished (still not retired), a joiner gets the answer without the dropped chunks.
        let afterwards = coalescer.join(key: Self.key, work: gated.work)
        #expect(!afterwards.leader)
        #expect(await Self.collect(afterwards.events) == ["done:ok"])
        #expect(coalescer.followers == 0)
        gated.allowRetirement(2)
        #expect(try await Self.eventually { coalescer.inFlight == 0 })
        #expect(gated.callCount == 2)
    }

    @Test func chunksWithinTheBufferStillReachLateJoiners() async throws {
        let coalescer = Coalescer(limits: .init(maxBufferedBytes: 12))
        let gated = GatedWork(chunks: ["aaaaaa", "bbbbbb"])
        let leader = coalescer.join(key: Self.key, work: gated.work)
        #expect(try await Self.eventually { gated.publishedCount == 1 })
        let late = coalescer.join(key: Self.key, work: gated.work)
        #expect(!late.leader)
        gated.open(1)
        #expect(await Self.collect(late.events) == ["chunk:aaaaaa", "chunk:bbbbbb", "done:ok"])
        #expect(await Self.collect(leader.events) == ["chunk:aaaaaa", "chunk:bbbbbb", "done:ok"])
        #expect(gated.callCount == 1)
    }

    @Test func limitsComeFromTheCacheConfiguration() {
        var configuration = CacheConfiguration()
        #expect(Coalescer.Limits(configuration) == Coalescer.Limits())
        configuration.coalescingMaxFollowersPerFlight = 3
        configuration.coalescingMaxFollowers = 5
        configuration.coalescingMaxBufferedBytes = 7
        #expect(Coalescer.Limits(configuration) == Coalescer.Limits(maxFollowersPerFlight: 3, maxFollowers: 5, maxBufferedBytes: 7))
    }
}
