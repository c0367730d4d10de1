@testable import DejaGateway
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The services beside the server: the sweeper sweeps once per tick of its (injected) wait and
/// stops with its group; a gateway's services stop when it shuts down.
@Suite struct BackgroundServicesTests {
    @Test func theSweeperSweepsOncePerTickAndStopsOnGracefulShutdown() async throws {
        let (ticks, tick) = AsyncStream<Void>.makeStream()
        let sweeps = Atomic<Int>(0)
        let (swept, sweptContinuation) = AsyncStream<Int>.makeStream()
        let sweeper = ExpirySweeper(
            wait: {
                var iterator = ticks.makeAsyncIterator()
                guard await iterator.next() != nil else { throw CancellationError() }
            },
            sweep: { sweptContinuation.yield(sweeps.add(1, ordering: .relaxed).newValue) })
        let group = ServiceGroup(configuration: .init(services: [sweeper], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        var counts = swept.makeAsyncIterator()
        tick.yield()
        #expect(await counts.next() == 1)
        tick.yield()
        #expect(await counts.next() == 2)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(sweeps.load(ordering: .relaxed) == 2)
    }

    @Test func theSweeperStopsWhenItsGroupIsCancelledMidWait() async throws {
        let sweeper = ExpirySweeper(every: .seconds(3600)) { Issue.record("no sweep was due") }
        let group = ServiceGroup(configuration: .init(services: [sweeper], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(20))
        running.cancel()
        _ = await running.result  // returns instead of waiting out the hour
    }
}
