import ArgumentParser
import DejaEmbedding
import Foundation

/// `deja embed "text" …`: prints each text's all-MiniLM-L6-v2 vector as a JSON line, or with
/// `--similarity` the cosine similarity of two texts.
public struct EmbedCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with the built-in all-MiniLM-L6-v2 model.",
        discussion: """
            Prints one JSON object per text: {"text": …, "tokens": …, "embedding": [384 floats]}.
            With --similarity, prints the cosine similarity of exactly two texts.
            Install the model first with `make model` or scripts/install-model.sh.
            """
    )

    @Argument(help: "The texts to embed.")
    var texts: [String]

    @Flag(help: "Print the cosine similarity of two texts instead of their vectors.")
    var similarity = false

    @OptionGroup var model: EmbedModelOptions

    /// Creates the command with default options (ArgumentParser fills them in).
    public init() {}

    /// Requires at least one text, and exactly two with `--similarity`.
    public func validate() throws {
        if similarity && texts.count != 2 {
            throw ValidationError("--similarity needs exactly two texts, got \(texts.count).")
        }
        if texts.isEmpty {
            throw ValidationError("Give at least one text to embed.")
        }
    }

    /// Loads the model and prints the vectors or the similarity.
    public func run() async throws {
        let embedder = try model.loadEmbedder()
        let vectors = try embedder.embedSynchronously(texts)
        if similarity {
            // The vectors are unit length, so the dot product is the cosine.
            let cosine = zip(vectors[0], vectors[1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            print(String(format: "%.6f", cosine))
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (text, vector) in zip(texts, vectors) {
            let line = Line(text: text, tokens: embedder.tokenCount(text), embedding: vector)
            print(String(decoding: try encoder.encode(line), as: UTF8.self))
        }
    }

    private struct Line: Encodable {
        var text: String
        var tokens: Int
        var embedding: [Float]
    }
}
