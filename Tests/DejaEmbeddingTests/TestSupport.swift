import DejaEmbedding
import Foundation
import Testing

/// Locates test inputs relative to this file and the installed model.
enum TestSupport {
    /// `<repo>/Tests`.
    static let testsDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// `<repo>`.
    static let repositoryRoot = testsDirectory.deletingLastPathComponent()

    static let fixtureURL = testsDirectory.appendingPathComponent("Fixtures/minilm-reference.json")

    /// `$DEJA_MODEL_DIR`, or `<repo>/.models/all-MiniLM-L6-v2`.
    static var modelDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["DEJA_MODEL_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return repositoryRoot.appendingPathComponent(".models/all-MiniLM-L6-v2", isDirectory: true)
    }

    /// One loaded model shared by every test (loading takes a moment).
    static let sharedEmbedder: Result<MiniLMEmbedder, any Error> = Result {
        try MiniLMEmbedder(configuration: .init(modelDirectory: modelDirectory, precision: .fp32))
    }

    /// The shared model, or a test failure that says how to install it.
    static func embedder(sourceLocation: SourceLocation = #_sourceLocation) throws -> MiniLMEmbedder {
        switch sharedEmbedder {
        case .success(let embedder):
            return embedder
        case .failure(let error):
            Issue.record(
                "all-MiniLM-L6-v2 is not installed at \(modelDirectory.path): run scripts/install-model.sh (or `make model`), or set DEJA_MODEL_DIR. Underlying error: \(error)",
                sourceLocation: sourceLocation
            )
            throw error
        }
    }

    struct Reference: Decodable {
        struct Case: Decodable {
            var id: Int
            var text: String
            var token_ids: [Int32]
            var truncated: Bool
            var embedding: [Float]
        }
        var cases: [Case]
    }

    static let reference: Reference = {
        let data = try! Data(contentsOf: fixtureURL)
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
