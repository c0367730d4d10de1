import CEncoderKernels
import Synchronization

/// The BERT forward pass of all-MiniLM-L6-v2: embeddings, six post-LayerNorm transformer layers,
/// attention-masked mean pooling and L2 normalisation.
///
/// Sequences in one call are padded to the longest; attention only looks at each sequence's real
/// tokens (the same result as an additive mask, since masked weights are exactly zero in float32),
/// and padded rows are never pooled. The four projections per layer run either through
/// `cblas_sgemm` on the float32 weights or through the low-precision kernels on ``packed``
/// (``EncoderPrecision``); attention, LayerNorm and GELU run in CEncoderKernels and the rest in
/// ``Kernels``, on preallocated ``Workspace`` buffers, so a call
/// allocates only its output.
final class BertEncoder: Sendable {
    let weights: BertWeights
    /// The projections in int8 or bf16, or nil to run them in float32 through BLAS.
    let packed: PackedLinearWeights?
    /// The build of CEncoderKernels that runs: the low-precision products, LayerNorm and GELU.
    let kernel: EncoderKernel
    private let pool: Mutex<[Workspace]>
    /// Workspaces kept for reuse; more are created under contention and dropped when returned.
    private let pooledWorkspaces: Int

    init(weights: BertWeights, packed: PackedLinearWeights? = nil, kernel: EncoderKernel = .best, pooledWorkspaces: Int = 4) {
        precondition(packed != nil || weights.hasProjections, "an fp32 encoder needs the float32 projections")
        self.weights = weights
        self.packed = packed
        self.kernel = kernel
        self.pool = Mutex([])
        self.pooledWorkspaces = pooledWorkspaces
    }

    /// The precision the projections run in.
    var precision: EncoderPrecision {
        switch packed?.format {
        case nil: .fp32
        case .int8: .int8
        case .bf16: .bf16
        case .w8a8: .w8a8
        }
    }

    var dimension: Int { weights.shape.hidden }

    /// A workspace for this encoder: with room for quantised activations when an integer format
    /// (int8, w8a8) runs the projections.
    private func newWorkspace() -> Workspace {
        Workspace(shape: weights.shape, quantizes: packed.map { $0.format != .bf16 } ?? false)
    }

    /// Encodes token sequences (each already `[CLS] … [SEP]`, at most `maxPositions` long) into
    /// normalised sentence vectors, writing vector `n` to `output + n · dimension`. When given,
    /// `states` receives each sequence's last-layer token states (index in `sequences`, then
    /// `sequences[n].count` rows, valid during the call) once the pass is done.
    func encode(
        _ sequences: [[Int32]], into output: UnsafeMutablePointer<Float>,
        states: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil
    ) {
        guard !sequences.isEmpty else { return }
        let workspace = pool.withLock { $0.popLast() } ?? newWorkspace()
        defer {
            pool.withLock { workspaces in
                if workspaces.count < pooledWorkspaces { workspaces.append(workspace) }
            }
        }
        let longest = sequences.map(\.count).max()!
        precondition(longest >= 1 && longest <= weights.shape.maxPositions, "sequence longer than the position table")
        workspace.reserve(rows: Self.gemmRows(sequences.count * longest), length: longest)
        forward(sequences, length: longest, workspace: workspace, output: output, observer: nil)
        guard let states else { return }
        let h = dimension
        for (index, sequence) in sequences.enumerated() {
            states(index, UnsafeBufferPointer(start: workspace.hidden + index * longest * h, count: sequence.count * h))
        }
    }

    /// Encodes one token sequence (`[CLS] … [SEP]`, at most `maxPositions` long) and returns the
    /// last layer's hidden state of every token, row-major (`sequence.count · dimension` floats),
    /// before pooling and normalisation.
    func tokenStates(_ sequence: [Int32]) -> [Float] {
        guard !sequence.isEmpty else { return [] }
        precondition(sequence.count <= weights.shape.maxPositions, "sequence longer than the position table")
        let workspace = pool.withLock { $0.popLast() } ?? newWorkspace()
        defer {
            pool.withLock { workspaces in
                if workspaces.count < pooledWorkspaces { workspaces.append(workspace) }
            }
        }
        let h = dimension
        workspace.reserve(rows: Self.gemmRows(sequence.count), length: sequence.count)
        var pooled = [Float](repeating: 0, count: h)
        pooled.withUnsafeMutableBufferPointer { output in
            forward([sequence], length: sequence.count, workspace: workspace, output: output.baseAddress!, observer: nil)
        }
        return Array(UnsafeBufferPointer(start: workspace.hidden, count: sequence.count * h))
    }

    /// The row count the products run on: the real rows rounded up to a multiple of 4.
    ///
    /// OpenBLAS's AVX2 sgemm kernel handles rows in blocks of 16, then 8, 4, 2 and 1, re-reading
    /// the packed weights once per block; at batch 1 that makes 15 rows cost 30% more than 16
    /// (7.1 ms vs 5.5 ms for the six layers here). Rounding to 4 leaves at most two remainder
    /// blocks, and the few extra zero rows cost far less than a third pass.
    static func gemmRows(_ rows: Int) -> Int {
        (rows + 3) / 4 * 4
    }

    /// Largest magnitude per input channel of each projection (per layer: qkv, output, up, down)
    /// over `sequences`, one pass per sequence in this encoder's precision: the activation
    /// statistics w8a8's smoothing is calibrated on (``PackedLinearWeights``).
    func projectionInputMaxima(_ sequences: [[Int32]]) -> [[[Float]]] {
        let shape = weights.shape
        let widths = [shape.hidden, shape.hidden, shape.hidden, shape.intermediate]
        var maxima = weights.layers.map { _ in widths.map { [Float](repeating: 0, count: $0) } }
        let workspace = newWorkspace()
        var pooled = [Float](repeating: 0, count: shape.hidden)
        for sequence in sequences where !sequence.isEmpty && sequence.count <= shape.maxPositions {
            workspace.reserve(rows: Self.gemmRows(sequence.count), length: sequence.count)
            pooled.withUnsafeMutableBufferPointer { output in
                // Only the sequence's own rows: the rows padded up to the product's multiple of 4
                // hold LayerNorm's bias, not activations of a text.
                forward([sequence], length: sequence.count, workspace: workspace, output: output.baseAddress!) { layer, projection, input in
                    let k = widths[projection]
                    for row in 0..<sequence.count {
                        for channel in 0..<k {
                            maxima[layer][projection][channel] = max(maxima[layer][projection][channel], abs(input[row * k + channel]))
                        }
                    }
                }
            }
        }
        return maxima
    }

    /// Called with (layer, projection: 0 qkv, 1 output, 2 up, 3 down, its input rows) before each
    /// projection; nil on every pass but calibration.
    typealias ProjectionObserver = (Int, Int, UnsafePointer<Float>) -> Void

    private func forward(
        _ sequences: [[Int32]], length: Int, workspace: Workspace, output: UnsafeMutablePointer<Float>, observer: ProjectionObserver?
    ) {
        let shape = weights.shape
        let h = shape.hidden
        let realRows = sequences.count * length
        let rows = Self.gemmRows(realRows)
        let x = workspace.hidden
        embed(sequences, length: length, into: x)
        if rows > realRows {
            // Extra rows are zero: finite through every row-wise step, and never read back.
            (x + realRows * h).update(repeating: 0, count: (rows - realRows) * h)
            (workspace.context + realRows * h).update(repeating: 0, count: (rows - realRows) * h)
        }

        for (index, layer) in weights.layers.enumerated() {
            let packedLayer = packed?.layers[index]
            // Q, K, V in one product: qkv[rows, 3h] = bias + x · Wqkv.
            observer?(index, 0, x)
            project(
                x, rows: rows, weight: layer.qkvWeight, bias: layer.qkvBias, packed: packedLayer?.qkv, k: h, n: 3 * h,
                into: workspace.qkv, workspace: workspace)
            attention(sequences, length: length, workspace: workspace)

            observer?(index, 1, workspace.context)
            project(
                workspace.context, rows: rows, weight: layer.outputWeight, bias: layer.outputBias, packed: packedLayer?.output,
                k: h, n: h, into: workspace.projected, workspace: workspace)
            deja_add_layer_norm_f32(
                kernel.rawValue, x, workspace.projected, rows, h, layer.attentionNormGamma, layer.attentionNormBeta, shape.layerNormEpsilon)

            let i = shape.intermediate
            observer?(index, 2, x)
            project(
                x, rows: rows, weight: layer.upWeight, bias: layer.upBias, packed: packedLayer?.up, k: h, n: i,
                into: workspace.intermediate, workspace: workspace)
            deja_gelu_f32(kernel.rawValue, workspace.intermediate, rows * i)
            observer?(index, 3, workspace.intermediate)
            project(
                workspace.intermediate, rows: rows, weight: layer.downWeight, bias: layer.downBias, packed: packedLayer?.down,
                k: i, n: h, into: workspace.projected, workspace: workspace)
            deja_add_layer_norm_f32(
                kernel.rawValue, x, workspace.projected, rows, h, layer.outputNormGamma, layer.outputNormBeta, shape.layerNormEpsilon)
        }

        for (index, sequence) in sequences.enumerated() {
            Kernels.meanPoolNormalized(x + index * length * h, rows: sequence.count, width: h, into: output + index * h)
        }
    }

    /// `output[rows, n] = bias + input[rows, k] · W`, in the encoder's precision: BLAS on the
    /// float32 `weight`, or the packed form's kernel.
    private func project(
        _ input: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>,
        packed linear: PackedLinearWeights.Linear?, k: Int, n: Int, into output: UnsafeMutablePointer<Float>, workspace: Workspace
    ) {
        guard let linear, let format = packed?.format else {
            // init guarantees the float32 weights when there is no packed form.
            Kernels.broadcastRows(bias, width: n, rows: rows, into: output)
            BLAS.gemm(m: rows, n: n, k: k, a: input, lda: k, b: weight!, ldb: n, beta: 1, c: output, ldc: n)
            return
        }
        switch format {
        case .int8:
            deja_q8_gemm(
                kernel.rawValue, rows, k, n, input, k, linear.data.assumingMemoryBound(to: Int8.self), linear.scales, bias,
                output, n, workspace.quantized, workspace.rowScales)
        case .bf16:
            deja_bf16_gemm(kernel.rawValue, rows, k, n, input, k, linear.data.assumingMemoryBound(to: UInt16.self), bias, output, n)
        case .w8a8:
            // The int16 scratch holds twice the bytes the 8-bit rows need.
            deja_w8a8_gemm(
                kernel.rawValue, rows, k, n, input, k, linear.inverseSmoothing, linear.data.assumingMemoryBound(to: Int8.self),
                linear.scales, linear.columnSums, bias, output, n, UnsafeMutableRawPointer(workspace.quantized).assumingMemoryBound(to: UInt8.self),
                workspace.rowScales, workspace.rowZeros)
        }
    }

    /// Word + token-type + position embeddings, then LayerNorm. Padded rows are zeroed: they are
    /// never attended to or pooled, and zero keeps them finite.
    private func embed(_ sequences: [[Int32]], length: Int, into x: UnsafeMutablePointer<Float>) {
        let h = weights.shape.hidden
        for (index, sequence) in sequences.enumerated() {
            let base = x + index * length * h
            for (position, token) in sequence.enumerated() {
                let row = base + position * h
                let word = weights.wordEmbeddings + Int(token) * h
                let positionRow = weights.positionEmbeddings + position * h
                for k in 0..<h {
                    row[k] = (word[k] + weights.tokenTypeEmbedding[k]) + positionRow[k]
                }
            }
            if sequence.count < length {
                (base + sequence.count * h).update(repeating: 0, count: (length - sequence.count) * h)
            }
        }
        deja_add_layer_norm_f32(
            kernel.rawValue, x, nil, sequences.count * length, h, weights.embeddingNormGamma, weights.embeddingNormBeta,
            weights.shape.layerNormEpsilon)
    }

    /// Multi-head self-attention of every sequence over its own real tokens, into
    /// `workspace.context` (padded rows left at zero).
    private func attention(_ sequences: [[Int32]], length: Int, workspace: Workspace) {
        let shape = weights.shape
        let h = shape.hidden
        let d = shape.headDimension
        let stride = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let scores = workspace.scores
        for (index, sequence) in sequences.enumerated() {
            let n = sequence.count
            let qkv = workspace.qkv + index * length * stride
            let context = workspace.context + index * length * h
            if n < length {
                (context + n * h).update(repeating: 0, count: (length - n) * h)
            }
            // Every head in one fused loop (scores, softmax, weighted values): at these lengths
            // two BLAS calls per head cost more in overhead than in arithmetic.
            deja_attention_f32(kernel.rawValue, qkv, stride, n, shape.heads, d, scale, context, h, scores)
        }
    }
}
