import Foundation
import NIOPosix

/// The default embedder: sentence-transformers' all-MiniLM-L6-v2 run natively, in process.
///
/// Produces 384-dimensional, L2-normalised vectors that match the reference Python
/// implementation to within 1e-4 per component, tokens included (see ``WordPieceTokenizer``).
/// Loading maps `model.safetensors` and copies the 43 MB of encoder weights into a GEMM-friendly
/// layout (about 0.1 s); keep one instance per process and share it, it is `Sendable` and safe
/// to call concurrently.
///
/// Cost: one query of ~16 tokens is about 340 MFLOP of matrix products, a few milliseconds on one
/// core; texts passed in one call are sorted by length and run in micro-batches, which is several
/// times cheaper per text. `embed` computes on the calling task's thread (there is no hop), so
/// very large calls occupy a cooperative-pool thread while they run.
///
/// Limits: at most ``Configuration/maxInputsPerCall`` texts per call (2,048 by default; more
/// throws ``EmbeddingError/tooManyInputs`` rather than silently chunking, so callers bound their
/// own work). Texts longer than 256 word pieces are truncated, as sentence-transformers does. An
/// empty (or all-whitespace) string embeds as `[CLS] [SEP]`, exactly like the reference model.
public final class MiniLMEmbedder: Embedder {
    /// Settings for loading and running the model.
    public struct Configuration: Sendable {
        /// The folder holding `model.safetensors` and `vocab.txt`. Default:
        /// `.models/all-MiniLM-L6-v2` relative to the working directory (what
        /// `scripts/install-model.sh` creates at the repository root).
        public var modelDirectory: URL
        /// Longest token sequence including `[CLS]`/`[SEP]`; 256, as sentence-transformers uses.
        public var maxSequenceLength: Int
        /// Most texts accepted by one `embed` call. Default 2,048.
        public var maxInputsPerCall: Int
        /// Most texts run through the encoder together. Default 32.
        public var microBatchSize: Int
        /// Most padded token rows in one micro-batch, which bounds workspace memory
        /// (about 15 KB per row). Default 2,048.
        public var maxRowsPerMicroBatch: Int
        /// OpenBLAS threads to use, set process-wide at load; nil leaves the setting alone.
        /// Default 1, the fastest for single queries on a small server. Ignored when the loaded
        /// BLAS is not OpenBLAS.
        public var blasThreads: Int?
        /// The number format of the encoder's projections (``EncoderPrecision``). Default
        /// `auto`: int8 when its load-time accuracy check passes, else bf16, else fp32.
        public var precision: EncoderPrecision
        /// The low-precision kernel build to run; nil chooses from the CPU and the
        /// `DEJA_ENCODER_KERNEL` environment variable (``EncoderKernel/select(environment:)``).
        public var kernel: EncoderKernel?

        /// The default model folder, `.models/all-MiniLM-L6-v2` under the working directory.
        public static var defaultModelDirectory: URL {
            URL(fileURLWithPath: ".models/all-MiniLM-L6-v2", isDirectory: true)
        }

        /// Creates a configuration; every parameter defaults to the value documented on its property.
        public init(
            modelDirectory: URL = Configuration.defaultModelDirectory,
            maxSequenceLength: Int = 256,
            maxInputsPerCall: Int = 2048,
            microBatchSize: Int = 32,
            maxRowsPerMicroBatch: Int = 2048,
            blasThreads: Int? = 1,
            precision: EncoderPrecision = .auto,
            kernel: EncoderKernel? = nil
        ) {
            self.modelDirectory = modelDirectory
            self.maxSequenceLength = maxSequenceLength
            self.maxInputsPerCall = maxInputsPerCall
            self.microBatchSize = microBatchSize
            self.maxRowsPerMicroBatch = maxRowsPerMicroBatch
            self.blasThreads = blasThreads
            self.precision = precision
            self.kernel = kernel
        }
    }

    /// The model's name, as sentence-transformers spells it.
    public let name = "sentence-transformers/all-MiniLM-L6-v2"
    /// 384.
    public var dimension: Int { encoder.dimension }
    /// The tokenizer, for counting tokens or inspecting word pieces.
    public let tokenizer: WordPieceTokenizer
    /// The settings this instance was loaded with.
    public let configuration: Configuration

    let encoder: BertEncoder

    /// The precision the encoder runs in: the configured one, or what `auto` chose.
    public var precision: EncoderPrecision { encoder.precision }
    /// The low-precision kernel build in use (not used in fp32).
    public var kernel: EncoderKernel { encoder.kernel }

    /// The per-channel factors w8a8 calibrated at load and folded into its weights (per layer:
    /// qkv, output, up and down projections, one per input channel); nil in other precisions.
    public var smoothingFactors: [[[Float]]]? { encoder.packed?.smoothing }
    /// The load-time accuracy checks that were run (for `auto`, each format tried, fastest
    /// first; empty for an explicit precision).
    public let precisionChecks: [PrecisionCheck]

    /// Loads the model from `configuration.modelDirectory`.
    ///
    /// Throws ``EmbeddingError/modelNotFound`` when the folder or a file is missing, and the
    /// safetensors errors (``EmbeddingError/truncatedFile``, ``EmbeddingError/invalidHeader``, …)
    /// when a file is damaged; every such error's description names the folder and the install
    /// command.
    public init(configuration: Configuration = Configuration()) throws {
        let shape = BertWeights.Shape()
        guard configuration.maxSequenceLength >= 2, configuration.maxSequenceLength <= shape.maxPositions,
            configuration.maxInputsPerCall >= 1, configuration.microBatchSize >= 1,
            configuration.maxRowsPerMicroBatch >= configuration.maxSequenceLength
        else {
            throw EmbeddingError.invalidConfiguration.with(detail: "sequence length, batch or row limit out of range")
        }
        let directory = configuration.modelDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EmbeddingError.modelNotFound.with(path: directory.path, detail: "no such folder")
        }
        for file in ["model.safetensors", "vocab.txt"] {
            let path = directory.appendingPathComponent(file).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw EmbeddingError.modelNotFound.with(path: path, detail: "missing \(file)")
            }
        }
        if let threads = configuration.blasThreads {
            BLAS.setThreadCount(threads)
        }
        self.configuration = configuration
        self.tokenizer = try WordPieceTokenizer(
            contentsOf: directory.appendingPathComponent("vocab.txt"),
            maxLength: configuration.maxSequenceLength
        )
        guard tokenizer.vocabularySize == shape.vocabularySize else {
            throw EmbeddingError.invalidVocabulary.with(
                path: directory.appendingPathComponent("vocab.txt").path,
                detail: "\(tokenizer.vocabularySize) entries, expected \(shape.vocabularySize)"
            )
        }
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors"))
        let kernel = configuration.kernel ?? EncoderKernel.select(environment: ProcessInfo.processInfo.environment)
        (self.encoder, self.precisionChecks) = try Self.chooseEncoder(
            file: file, shape: shape, precision: configuration.precision, kernel: kernel, tokenizer: tokenizer)
    }

    /// Sets the number of OpenBLAS threads for the whole process (every later BLAS call, in every
    /// module). Returns false when the loaded BLAS is not OpenBLAS.
    @discardableResult
    public static func setBLASThreadCount(_ count: Int) -> Bool {
        BLAS.setThreadCount(count)
    }

    /// The number of OpenBLAS threads in use, or nil when the loaded BLAS is not OpenBLAS.
    public static var blasThreadCount: Int? {
        BLAS.threadCount()
    }

    /// The number of tokens `text` occupies, `[CLS]` and `[SEP]` included, after truncation to
    /// ``Configuration/maxSequenceLength`` (what the encoder actually processes).
    public func tokenCount(_ text: String) -> Int {
        tokenizer.tokenCount(text)
    }

    /// Embeds `texts`; see the type's documentation for limits and empty strings.
    ///
    /// The encoder pass (milliseconds of BLAS work) runs on NIO's blocking-work thread pool, not
    /// on the calling task's executor: in the gateway that executor is an event loop, and a pass
    /// there would stall every connection served by that loop.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await NIOThreadPool.singleton.runIfActive { try self.embedSynchronously(texts) }
    }

    /// ``embed(_:)``, also handing every text's last-layer token states to `observer`.
    public func embed(_ texts: [String], reportingTokenStatesTo observer: any TokenStateObserver) async throws -> [[Float]] {
        try await NIOThreadPool.singleton.runIfActive { try self.embedSynchronously(texts, reportingTokenStatesTo: observer) }
    }

    /// The synchronous form of ``embed(_:)``, for callers already off the cooperative pool
    /// (benchmarks, command-line tools).
    public func embedSynchronously(_ texts: [String]) throws -> [[Float]] {
        try embedSynchronously(texts, reportingTokenStatesTo: nil)
    }

    /// ``embedSynchronously(_:)``, also handing every text's last-layer token states to
    /// `observer` when there is one.
    public func embedSynchronously(_ texts: [String], reportingTokenStatesTo observer: (any TokenStateObserver)?) throws -> [[Float]] {
        guard texts.count <= configuration.maxInputsPerCall else {
            throw EmbeddingError.tooManyInputs.with(detail: "\(texts.count) texts, limit \(configuration.maxInputsPerCall)")
        }
        guard let observer else { return encode(texts.map(tokenizer.encode)) }
        // One tokenisation serves the pass and the observer (same ids as `encode`).
        let tokenized = texts.map(tokenizer.encodeWithWordOffsets)
        return encode(tokenized.map(\.ids)) { index, states in
            observer.encoder(
                didEncode: EncodedText(text: texts[index], tokens: tokenized[index].ids, wordOffsets: tokenized[index].wordOffsets, states: states))
        }
    }

    /// Embeds already-tokenized sequences (each `[CLS] … [SEP]`, at most
    /// ``Configuration/maxSequenceLength`` long), in order.
    public func encode(_ sequences: [[Int32]]) -> [[Float]] {
        encode(sequences, states: nil)
    }

    /// ``encode(_:)``, handing each sequence's last-layer token states (its index, then
    /// `sequences[index].count` rows) to `states` as they are computed.
    func encode(_ sequences: [[Int32]], states: ((Int, UnsafeBufferPointer<Float>) -> Void)?) -> [[Float]] {
        Self.encode(sequences, with: encoder, configuration: configuration, states: states)
    }

    static func encode(
        _ sequences: [[Int32]], with encoder: BertEncoder, configuration: Configuration,
        states: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil
    ) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let dimension = encoder.dimension
        let h = dimension
        // Sorting by length keeps padding small inside each micro-batch.
        let order = sequences.indices.sorted { sequences[$0].count < sequences[$1].count }
        var flat = [Float](repeating: 0, count: sequences.count * h)
        flat.withUnsafeMutableBufferPointer { output in
            var start = 0
            while start < order.count {
                var end = start
                while end < order.count, end - start < configuration.microBatchSize,
                    (end - start + 1) * sequences[order[end]].count <= configuration.maxRowsPerMicroBatch
                {
                    end += 1
                }
                let batch = order[start..<end].map { sequences[$0] }
                if let states {
                    encoder.encode(batch, into: output.baseAddress! + start * h) { position, rows in
                        states(order[start + position], rows)
                    }
                } else {
                    encoder.encode(batch, into: output.baseAddress! + start * h)
                }
                start = end
            }
        }
        var result = [[Float]](repeating: [], count: sequences.count)
        for (position, original) in order.enumerated() {
            result[original] = Array(flat[(position * h)..<((position + 1) * h)])
        }
        return result
    }
}
