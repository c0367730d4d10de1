import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway `redis-server` on a free loopback port, for one test. Shared by the test targets
/// that need a real Redis (DejaRedisTests, DejaGatewayTests); no product exposes it.
///
/// Never the system service, never a fixed port. Persistence is off, so a restart comes back empty.
/// The server is stopped with SIGKILL: it inherits the test runner's blocked SIGTERM, so
/// `terminate()` would leave it running.
public final class RedisServer {
    public let port: Int
    private var process: Process?

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts a server and waits until it answers `PING`.
    public static func start() async throws -> RedisServer {
        var lastError: (any Error)?
        // Another process may grab the free port between our probe and redis-server's bind;
        // a fresh port on a second try covers that.
        for _ in 0..<3 {
            let port = try Self.freePort()
            do {
                return RedisServer(port: port, process: try await Self.launch(port: port))
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestFailure("redis-server did not start")
    }

    /// Kills the server at once, as a crash would; safe to call twice.
    public func kill() {
        guard let process = self.process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Starts a new, empty server on the same port.
    public func restart() async throws {
        self.kill()
        self.process = try await Self.launch(port: self.port)
    }

    /// Runs `redis-cli -p <port> <arguments>` and returns its standard output, trimmed.
    ///
    /// The harness talks to Redis without the code under test: to plant hostile data, or to cut
    /// one client off (`ACL SETUSER <user> off` + `CLIENT KILL USER <user>`) while the server
    /// and its data stay up.
    @discardableResult
    public func cli(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-p", "\(self.port)"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("redis-cli \(arguments.first ?? "") exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates (or re-enables) an ACL user with every right, so that a client connecting as
    /// `redis://<user>:<password>@127.0.0.1:<port>` can later be cut off alone.
    public func enableUser(_ user: String, password: String) throws {
        try self.cli(["ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all"])
    }

    /// Cuts every client of `user` off, as a network partition would: its connections are
    /// killed and reconnecting fails authentication until ``enableUser(_:password:)``.
    public func partition(user: String) throws {
        try self.cli(["ACL", "SETUSER", user, "off"])
        try self.cli(["CLIENT", "KILL", "USER", user])
    }

    deinit {
        self.kill()
    }

    private static func launch(port: Int) async throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = ["--port", "\(port)", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("redis-server exited (port \(port) taken?)") }
            // A blocking connect + PING on loopback; at most the 1 s read timeout.
            if answersPing(port: port) { return process }
            try await Task.sleep(for: .milliseconds(20))
        }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("redis-server on port \(port) did not answer PING")
    }

    /// A port nobody listens on right now: bind port 0, read the port the kernel chose, close.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw TestFailure("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something on `port` answers `PING` with `+PONG`, over a raw socket (so the
    /// harness does not depend on the client under test).
    private static func answersPing(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return false }
        let ping = Array("PING\r\n".utf8)
        guard write(fd, ping, ping.count) == ping.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(fd, &buffer, buffer.count)
        return count >= 5 && Array(buffer[0..<5]) == Array("+PONG".utf8)
    }
}

/// A test harness failure with a readable reason.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
