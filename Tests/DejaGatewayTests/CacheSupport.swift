import DejaCache
import DejaGateway
import DejaProviders
import Foundation
import NIOHTTP1
import Testing
import Tracing

/// Cache-test configuration: the cache on, with the native model from the repository's
/// `.models/` folder (installed by `make test`) or `$DEJA_MODEL_DIR`.
enum CacheHarness {
    static let modelDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["DEJA_MODEL_DIR"], !dir.isEmpty { return dir }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".models/all-MiniLM-L6-v2").path
    }()

    static func enable(_ c: inout GatewayConfiguration) {
        c.cacheSettings.cache.enabled = true
        c.cacheSettings.embedder = .native
        c.cacheSettings.modelDirectory = modelDirectory
    }

    static func with(
        configure: @escaping (inout GatewayConfiguration, String) -> Void = { _, _ in }, tracer: (any Tracer)? = nil,
        _ body: (Harness) async throws -> Void
    ) async throws {
        try await Harness.with(configure: { c, url in
            enable(&c)
            configure(&c, url)
        }, tracer: tracer, body)
    }
}

extension Harness.Reply {
    var cacheStatus: String? { headers.first(name: "x-cache") }

    /// The assistant text of a JSON completion or an SSE stream.
    func assistantText() throws -> String {
        if headers.first(name: "content-type") == "text/event-stream" {
            var assembler = ChatStreamAssembler()
            for event in try Harness.events(body) where !event.isDoneSentinel { assembler.add(event.data) }
            return assembler.completion()?["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?.text("content") ?? ""
        }
        return try json()["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?.text("content") ?? ""
    }
}

import Crypto
import DejaWire

enum SHA {
    static func sha256(_ s: String) -> [UInt8] { Array(SHA256.hash(data: Array(s.utf8))) }
}
