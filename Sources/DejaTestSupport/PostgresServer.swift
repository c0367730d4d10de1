import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server (Debian's `postgresql` package) on a free loopback port, for
/// one test: a fresh cluster in a temporary folder, trust authentication on loopback, durability
/// off (fsync, synchronous commit), removed when stopped. PostgreSQL refuses to run as root, so
/// under root the cluster belongs to the `postgres` system user and its programs run as that user
/// through `setpriv`, which execs in place (so the process we hold is the server itself).
public final class PostgresServer {
    public let port: Int
    public let directory: URL
    private var process: Process?

    /// `postgres://deja@127.0.0.1:<port>/deja`.
    public var url: String { "postgres://deja@127.0.0.1:\(port)/deja" }

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// The folder of `initdb` and `postgres`, nil when PostgreSQL is not installed.
    public static var binDirectory: URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).compactMap(Int.init).sorted(by: >)
        for v in versions {
            let bin = root.appendingPathComponent("\(v)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("postgres").path) { return bin }
        }
        return nil
    }

    public static var isAvailable: Bool { binDirectory != nil }

    /// Creates a cluster and a `deja` database, starts the server and waits until it accepts
    /// connections.
    public static func start() async throws -> PostgresServer {
        guard let bin = binDirectory else { throw TestFailure("PostgreSQL is not installed (scripts/setup.sh installs it)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deja-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data")
        if geteuid() == 0 { try run("/usr/bin/chown", ["postgres:postgres", directory.path]) }
        try runAsOwner(bin.appendingPathComponent("initdb").path, ["-D", data.path, "-U", "deja", "--auth=trust", "-E", "UTF8", "--no-sync"])
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try RedisServer.freePort()
            do {
                let process = try await launch(bin: bin, data: data, socketDirectory: directory, port: port)
                let server = PostgresServer(port: port, directory: directory, process: process)
                try runAsOwner(bin.appendingPathComponent("createdb").path, ["-h", "127.0.0.1", "-p", "\(port)", "-U", "deja", "deja"])
                return server
            } catch {
                lastError = error
            }
        }
        try? FileManager.default.removeItem(at: directory)
        throw lastError ?? TestFailure("postgres did not start")
    }

    /// Stops the server (fast shutdown, then SIGKILL after 5 s) and removes the cluster.
    public func stop() {
        guard let process = self.process else { return }
        Glibc.kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        self.process = nil
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private static func launch(bin: URL, data: URL, socketDirectory: URL, port: Int) async throws -> Process {
        let process = Process()
        let arguments = [
            "-D", data.path, "-p", "\(port)", "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(socketDirectory.path)",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100",
        ]
        let postgres = bin.appendingPathComponent("postgres").path
        if geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", postgres] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: postgres)
            process.arguments = arguments
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("postgres exited (port \(port) taken?)") }
            if (try? runAsOwner(bin.appendingPathComponent("pg_isready").path, ["-h", "127.0.0.1", "-p", "\(port)", "-q"])) != nil { return process }
            try await Task.sleep(for: .milliseconds(50))
        }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("postgres on port \(port) did not accept connections")
    }

    /// Runs a PostgreSQL program as the cluster's owner; throws on a non-zero exit.
    static func runAsOwner(_ program: String, _ arguments: [String]) throws {
        if geteuid() == 0 {
            try run("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program] + arguments)
        } else {
            try run(program, arguments)
        }
    }

    static func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(program) exited with \(process.terminationStatus)") }
    }
}
