import Foundation
import Testing

/// The `deja` executable's contract with an operator: help, version, and a non-zero exit with a
/// message naming the key on a bad configuration.
@Suite struct CLITests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/deja")

    func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.binary
        if let directory { process.currentDirectoryURL = directory }
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

    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func configCheckReadsTheDotEnvAndMasksSecrets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deja-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            # the seeds' names
            CACHE_TTL_SECONDS=120
            export CACHE_SIMILARITY_THRESHOLD="0.91"
            ADMIN_API_KEY='admin-token-0123456789abcdef'
            OPENAI_API_KEY=sk-dotenv-secret-42  # a comment
            REDIS_URL=redis://:hunter2-redis-pass@127.0.0.1:6390/0
            REDIS_HMAC_KEY=0123456789abcdef0123456789abcdef
            DATABASE_URL=postgres://deja:pg-pass-77@db:5432/deja
            PORT=9001
            """.write(to: dir.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        try "cache:\n  max_entries: 777\n".write(to: dir.appendingPathComponent("deja.yaml"), atomically: true, encoding: .utf8)
        // The environment wins over the .env file.
        let result = try run(["config", "check", "deja.yaml"], environment: ["PORT": "9002"], directory: dir)
        #expect(result.status == 0, "\(result.output)")
        for expected in ["port: 9002", "ttl_seconds: 120.0", "threshold: 0.91", "max_entries: 777", "admin_api_key: ******** (set)", "api_key: ******** (set)"] {
            #expect(result.output.contains(expected), "missing \(expected) in \(result.output)")
        }
        for secret in ["sk-dotenv-secret-42", "admin-token-0123456789abcdef", "hunter2-redis-pass", "pg-pass-77", "0123456789abcdef0123456789abcdef"] {
            #expect(!result.output.contains(secret), "\(secret) printed")
        }
        // An invalid value names the variable; a broken .env names the line.
        let bad = try run(["config", "check"], environment: ["CACHE_SIMILARITY_THRESHOLD": "high"], directory: dir)
        #expect(bad.status == 78)
        #expect(bad.output.contains("CACHE_SIMILARITY_THRESHOLD"))
        try "GOOD=1\nthis line is wrong\n".write(to: dir.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let broken = try run(["config", "check"], directory: dir)
        #expect(broken.status == 78)
        #expect(broken.output.contains(".env line 2"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func sigtermStopsTheServerAndExitsZero() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deja-sigterm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--demo", "--port", "0"]
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        for key in ["PORT", "HOST", "OPENAI_API_KEY", "ADMIN_API_KEY", "REDIS_URL", "DATABASE_URL"] { env[key] = nil }
        env["GOVERNANCE_STORE"] = "sqlite"
        env["DATA_DIR"] = dir.path
        env["LOG_FORMAT"] = "json"
        env["DEJA_MODEL_DIR"] = CacheHarness.modelDirectory
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The banner says where it listens.
        var seen = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while !seen.contains("listening on"), ContinuousClock.now < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        #expect(seen.contains("listening on"), "\(seen)")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    /// `deja bench cache --by-kind`: one row per kind and preset, the pooled leave-one-kind-out
    /// rows, and the verifier's decisions on pairs of kinds it must get right.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func benchCacheByKind() throws {
        let root = Self.binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = root.appendingPathComponent(".models/all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) else { return }
        let pairs = [
            #"{"a": "Can I water tomato plants at noon?", "b": "Must I water tomato plants at noon?", "label": "near_miss", "kind": "modality"}"#,
            #"{"a": "Should I replace my tyres every spring?", "b": "Can I replace my tyres every spring?", "label": "near_miss", "kind": "modality"}"#,
            #"{"a": "Why do cats chase mice?", "b": "Why do mice chase cats?", "label": "near_miss", "kind": "role_reversal"}"#,
            #"{"a": "How do I repair a dripping tap?", "b": "How do I fix a dripping tap?", "label": "paraphrase", "kind": "para_synonym"}"#,
            #"{"a": "How do I reset my router?", "b": "how do i reset my router", "label": "paraphrase", "kind": "para_casing"}"#,
        ].joined(separator: "\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deja-kinds-\(UUID().uuidString).jsonl")
        try pairs.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try run(["bench", "cache", "--pairs", file.path, "--by-kind", "--json", "--model-dir", model.path])
        #expect(result.status == 0, "\(result.output)")
        let line = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("[") })
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]])
        for preset in ["strict", "balanced", "aggressive"] {
            let ofPreset = rows.filter { $0["preset"] as? String == preset }
            #expect(Set(ofPreset.compactMap { $0["kind"] as? String }) == ["modality", "role_reversal", "para_synonym", "para_casing", "pooled"])
            for row in ofPreset where ["modality", "role_reversal"].contains(row["kind"] as? String) {
                #expect(row["measure"] as? String == "near_miss_false_hit_rate")
                #expect(row["leave_one_kind_out"] as? Double == 0, "\(preset) \(row)")
            }
            let casing = try #require(ofPreset.first { $0["kind"] as? String == "para_casing" })
            #expect(casing["leave_one_kind_out"] as? Double == 1, "a re-cased repeat is always served")
        }
    }
}

