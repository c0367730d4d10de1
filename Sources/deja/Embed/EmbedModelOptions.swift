import ArgumentParser
import DejaEmbedding
import Foundation

/// The options shared by `deja embed` and `deja bench embed` for finding the model.
struct EmbedModelOptions: ParsableArguments {
    @Option(
        name: .customLong("model-dir"),
        help: "Folder with model.safetensors and vocab.txt (default: $DEJA_MODEL_DIR, else .models/all-MiniLM-L6-v2)."
    )
    var modelDirectory: String?

    /// `--model-dir`, else `$DEJA_MODEL_DIR`, else `.models/all-MiniLM-L6-v2` under the working
    /// directory.
    var resolvedModelDirectory: URL {
        if let modelDirectory { return URL(fileURLWithPath: modelDirectory, isDirectory: true) }
        if let path = ProcessInfo.processInfo.environment["DEJA_MODEL_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return MiniLMEmbedder.Configuration.defaultModelDirectory
    }

    /// Loads the model, turning a missing or damaged model into a message that says how to
    /// install it.
    func loadEmbedder(blasThreads: Int? = 1, precision: EncoderPrecision = .auto) throws -> MiniLMEmbedder {
        // EmbeddingError's description names the folder and the install command.
        try MiniLMEmbedder(configuration: .init(modelDirectory: resolvedModelDirectory, blasThreads: blasThreads, precision: precision))
    }
}
