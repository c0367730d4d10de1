import DejaEmbedding
import DejaVerifier
import Foundation

/// Loads all-MiniLM-L6-v2 once for the tests that need real word vectors.
enum ModelLocator {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["DEJA_MODEL_DIR"] { return URL(fileURLWithPath: path) }
        // <repo>/Tests/DejaVerifierTests/ModelLocator.swift → <repo>
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.appendingPathComponent(".models/all-MiniLM-L6-v2")
    }()

    static let loaded: Result<(MiniLMEmbedder, InputEmbeddingWordVectors), any Error> = Result {
        let embedder = try MiniLMEmbedder(configuration: .init(modelDirectory: directory))
        return (embedder, InputEmbeddingWordVectors(embedder: embedder))
    }

    struct Missing: Error, CustomStringConvertible {
        var underlying: any Error
        var description: String {
            "all-MiniLM-L6-v2 not found at \(ModelLocator.directory.path) (\(underlying)); run scripts/install-model.sh or set DEJA_MODEL_DIR"
        }
    }

    static func embedder() throws -> MiniLMEmbedder {
        do { return try loaded.get().0 } catch { throw Missing(underlying: error) }
    }

    static func wordVectors() throws -> InputEmbeddingWordVectors {
        do { return try loaded.get().1 } catch { throw Missing(underlying: error) }
    }
}

/// Word vectors from a fixed table, so the content-word check can be tested without the model.
struct TableWordVectors: WordVectors {
    var table: [String: [Float]]
    func vector(for word: String) -> [Float]? { table[word] }
}
