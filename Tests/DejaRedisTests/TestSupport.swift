import DejaTestSupport
import DejaRedis
import Foundation
import Logging
import Synchronization

/// A logger that discards everything, so test output stays readable.
let quietLogger = Logger(label: "deja.redis.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A client for `server` with timeouts generous enough for a loaded debug build.
func makeClient(for server: RedisServer, poolSize: Int = 2) -> RedisClient {
    RedisClient(configuration: testConfiguration(port: server.port, poolSize: poolSize), logger: quietLogger)
}

func testConfiguration(port: Int, poolSize: Int = 2) -> RedisConfiguration {
    RedisConfiguration(
        host: "127.0.0.1",
        port: port,
        connectTimeout: .seconds(2),
        commandTimeout: .seconds(2),
        poolSize: poolSize,
        healthCheckInterval: .milliseconds(200),
        minimumReconnectDelay: .milliseconds(50),
        maximumReconnectDelay: .milliseconds(400)
    )
}

/// Runs `body`, failing with `TestFailure` if it has not finished after `seconds`.
///
/// The bound is a generous "does not hang" check, not a timing assertion. A hung body is left
/// running, but the test fails instead of hanging.
func withinDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = OnceFlag()
    return try await withCheckedThrowingContinuation { continuation in
        Task {
            let result = await Result { try await body() }
            if once.claim() { continuation.resume(with: result) }
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            if once.claim() { continuation.resume(throwing: TestFailure("did not finish within \(seconds) s")) }
        }
    }
}

/// Polls `condition` until it holds; throws if it does not within `seconds`.
func eventually(seconds: Double = 15, _ what: String, _ condition: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("timed out waiting for: \(what)")
}

final class OnceFlag: Sendable {
    private let done = Atomic<Bool>(false)

    /// True for the first caller only.
    func claim() -> Bool {
        self.done.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
