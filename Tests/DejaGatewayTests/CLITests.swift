import Foundation
import Testing

/// The `deja` executable's contract with an operator: help, version, and a non-zero exit with a
/// message naming the key on a bad configuration.
@Suite struct CLITests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/deja")

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["PORT", "HOST", "OPENAI_API_KEY", "DEFAULT_PROVIDER", "LOG_LEVEL"] { env[key] = nil }
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func helpAndVersion() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("serve"))
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.output.contains("0."))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func badConfigurationExitsNonZeroNamingTheKey() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deja-bad-\(UUID().uuidString).yaml")
        try "server:\n  port: not-a-port\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try run(["serve", "--config", url.path])
        #expect(result.status != 0)
        #expect(result.output.contains("server.port"))
        let env = try run(["serve"], environment: ["PORT": "x"])
        #expect(env.status != 0)
        #expect(env.output.contains("PORT"))
        let missing = try run(["serve", "--config", "/nonexistent/deja.yaml"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("/nonexistent/deja.yaml"))
    }
}
