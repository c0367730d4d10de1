/// The all-MiniLM-L6-v2 weights, laid out for the encoder.
///
/// Linear layers are stored transposed (`[in, out]`, row-major) so every projection is a plain
/// `x · W` GEMM, and the query, key and value projections of a layer are packed side by side into
/// one `[384, 1152]` matrix so they run as one GEMM. Everything is copied once, at load, into a
/// single 64-byte-aligned arena; the source pages of the mapped file are then released, so the
/// copy does not count twice towards resident memory. The word-embedding table (47 MB) is used
/// in place from the mapping: only the rows of tokens actually seen become resident.
///
/// Loaded without its projections (`projections: false`), it holds only what an encoder with
/// low-precision projections (``PackedLinearWeights``) reads: embeddings, biases and LayerNorm
/// parameters, under 1 MB (mostly the position table) instead of 43 MB.
final class BertWeights: @unchecked Sendable {
    // @unchecked: every buffer is written during init only and read-only afterwards; the arena
    // and the mapped file live as long as this object.

    struct Shape: Sendable {
        var vocabularySize = 30522
        var hidden = 384
        var layers = 6
        var heads = 12
        var intermediate = 1536
        var maxPositions = 512
        var typeVocabularySize = 2
        var layerNormEpsilon: Float = 1e-12

        var headDimension: Int { hidden / heads }
    }

    struct Layer {
        var qkvWeight: UnsafePointer<Float>?  // [hidden, 3·hidden]
        var qkvBias: UnsafePointer<Float>  // [3·hidden]
        var outputWeight: UnsafePointer<Float>?  // [hidden, hidden]
        var outputBias: UnsafePointer<Float>
        var attentionNormGamma: UnsafePointer<Float>
        var attentionNormBeta: UnsafePointer<Float>
        var upWeight: UnsafePointer<Float>?  // [hidden, intermediate]
        var upBias: UnsafePointer<Float>
        var downWeight: UnsafePointer<Float>?  // [intermediate, hidden]
        var downBias: UnsafePointer<Float>
        var outputNormGamma: UnsafePointer<Float>
        var outputNormBeta: UnsafePointer<Float>
    }

    let shape: Shape
    let file: SafeTensorsFile
    /// `[vocabularySize, hidden]`, usually pointing into the mapped file.
    let wordEmbeddings: UnsafePointer<Float>
    /// `[maxPositions, hidden]`.
    let positionEmbeddings: UnsafePointer<Float>
    /// Row 0 of the token-type table (every token has type 0).
    let tokenTypeEmbedding: UnsafePointer<Float>
    let embeddingNormGamma: UnsafePointer<Float>
    let embeddingNormBeta: UnsafePointer<Float>
    let layers: [Layer]
    /// Whether the layers' float32 projection weights were loaded (the fp32 encoder needs them).
    let hasProjections: Bool

    private let arena: UnsafeMutableRawPointer

    init(file: SafeTensorsFile, shape: Shape = Shape(), projections: Bool = true) throws {
        self.file = file
        self.shape = shape
        self.hasProjections = projections
        let h = shape.hidden
        let i = shape.intermediate
        let projectionFloats = h * 3 * h + h * h + h * i + i * h
        let perLayer = (projections ? projectionFloats : 0) + 3 * h + h + 2 * h + i + h + 2 * h
        let wordBytes = try file.float32Bytes("embeddings.word_embeddings.weight", shape: [shape.vocabularySize, h])
        let copyWords = Int(bitPattern: wordBytes.baseAddress) % MemoryLayout<Float>.alignment != 0
        let total = shape.layers * perLayer + shape.maxPositions * h + 3 * h + (copyWords ? shape.vocabularySize * h : 0)
        let arena = UnsafeMutableRawPointer.allocate(byteCount: total * 4, alignment: 64)
        self.arena = arena
        var cursor = arena.bindMemory(to: Float.self, capacity: total)

        func take(_ count: Int) -> UnsafeMutablePointer<Float> {
            defer { cursor += count }
            return cursor
        }
        /// Copies a tensor as stored.
        func copy(_ name: String, _ dims: [Int], to destination: UnsafeMutablePointer<Float>) throws {
            let bytes = try file.float32Bytes(name, shape: dims)
            UnsafeMutableRawPointer(destination).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            file.releasePages(of: name)
        }
        func vector(_ name: String, _ count: Int) throws -> UnsafePointer<Float> {
            let destination = take(count)
            try copy(name, [count], to: destination)
            return UnsafePointer(destination)
        }
        /// Copies a PyTorch `[out, in]` weight transposed into columns `column..<column+out` of a
        /// row-major `[in, stride]` matrix.
        func transpose(_ name: String, out: Int, in inner: Int, into matrix: UnsafeMutablePointer<Float>, stride: Int, column: Int)
            throws
        {
            let bytes = try file.float32Bytes(name, shape: [out, inner])
            for o in 0..<out {
                for k in 0..<inner {
                    matrix[k * stride + column + o] = bytes.loadUnaligned(fromByteOffset: (o * inner + k) * 4, as: Float.self)
                }
            }
            file.releasePages(of: name)
        }

        do {
            if copyWords {
                let destination = take(shape.vocabularySize * h)
                UnsafeMutableRawPointer(destination).copyMemory(from: wordBytes.baseAddress!, byteCount: wordBytes.count)
                wordEmbeddings = UnsafePointer(destination)
            } else {
                wordEmbeddings = wordBytes.baseAddress!.assumingMemoryBound(to: Float.self)
            }
            let positions = take(shape.maxPositions * h)
            try copy("embeddings.position_embeddings.weight", [shape.maxPositions, h], to: positions)
            positionEmbeddings = UnsafePointer(positions)
            let types = try file.float32Bytes("embeddings.token_type_embeddings.weight", shape: [shape.typeVocabularySize, h])
            let typeRow = take(h)
            UnsafeMutableRawPointer(typeRow).copyMemory(from: types.baseAddress!, byteCount: h * 4)
            tokenTypeEmbedding = UnsafePointer(typeRow)
            embeddingNormGamma = try vector("embeddings.LayerNorm.weight", h)
            embeddingNormBeta = try vector("embeddings.LayerNorm.bias", h)

            var layers: [Layer] = []
            for index in 0..<shape.layers {
                let prefix = "encoder.layer.\(index)."
                /// A transposed `[in, out]` copy of a projection, or nil without projections.
                func projection(_ name: String, out: Int, in inner: Int) throws -> UnsafePointer<Float>? {
                    guard projections else { return nil }
                    let matrix = take(inner * out)
                    try transpose(prefix + name, out: out, in: inner, into: matrix, stride: out, column: 0)
                    return UnsafePointer(matrix)
                }
                let qkv = projections ? take(h * 3 * h) : nil
                let qkvBias = take(3 * h)
                for (slot, part) in ["query", "key", "value"].enumerated() {
                    if let qkv {
                        try transpose(prefix + "attention.self.\(part).weight", out: h, in: h, into: qkv, stride: 3 * h, column: slot * h)
                    }
                    try copy(prefix + "attention.self.\(part).bias", [h], to: qkvBias + slot * h)
                }
                let output = try projection("attention.output.dense.weight", out: h, in: h)
                let outputBias = try vector(prefix + "attention.output.dense.bias", h)
                let attentionGamma = try vector(prefix + "attention.output.LayerNorm.weight", h)
                let attentionBeta = try vector(prefix + "attention.output.LayerNorm.bias", h)
                let up = try projection("intermediate.dense.weight", out: i, in: h)
                let upBias = try vector(prefix + "intermediate.dense.bias", i)
                let down = try projection("output.dense.weight", out: h, in: i)
                let downBias = try vector(prefix + "output.dense.bias", h)
                let outputGamma = try vector(prefix + "output.LayerNorm.weight", h)
                let outputBeta = try vector(prefix + "output.LayerNorm.bias", h)
                layers.append(
                    Layer(
                        qkvWeight: qkv.map { UnsafePointer($0) }, qkvBias: UnsafePointer(qkvBias),
                        outputWeight: output, outputBias: outputBias,
                        attentionNormGamma: attentionGamma, attentionNormBeta: attentionBeta,
                        upWeight: up, upBias: upBias,
                        downWeight: down, downBias: downBias,
                        outputNormGamma: outputGamma, outputNormBeta: outputBeta
                    )
                )
            }
            self.layers = layers
        } catch {
            arena.deallocate()
            throw error
        }
    }

    deinit {
        arena.deallocate()
    }
}
