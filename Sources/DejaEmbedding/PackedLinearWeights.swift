import CEncoderKernels

/// The encoder's projection weights in a low-precision format, packed once at load into the
/// layout the kernels read (`deja_encoder_kernels.h`): int8 with per-column scales (for 14-bit
/// or, smoothed per input channel, 8-bit activations), or bf16.
///
/// The four projections of the six layers take 10.6 MB in int8 and 21 MB in bf16, against 42 MB
/// in float32: small enough to stay in a 32 MB last-level cache between queries. Biases stay the
/// float32 ones in ``BertWeights``.
final class PackedLinearWeights: @unchecked Sendable {
    // @unchecked: the arena is written during init only and read-only afterwards; it lives as
    // long as this object.

    /// One packed `[k, n]` matrix.
    struct Linear {
        let k: Int
        let n: Int
        /// int8 panels (`deja_q8_packed_bytes`) or bf16 panels, by ``format``.
        let data: UnsafeRawPointer
        /// Per-column scales (int8 and w8a8).
        let scales: UnsafePointer<Float>?
        /// Per-column sums of the quantised weights, for the activations' zero point (w8a8 only).
        let columnSums: UnsafePointer<Int32>?
        /// What each input channel is multiplied by before quantisation: the inverse of the
        /// smoothing folded into the weights' rows (w8a8 only).
        let inverseSmoothing: UnsafePointer<Float>?
    }

    struct Layer {
        let qkv: Linear
        let output: Linear
        let up: Linear
        let down: Linear
    }

    enum Format: Sendable {
        case int8, bf16, w8a8
    }

    let format: Format
    let layers: [Layer]
    /// The w8a8 smoothing folded into the weights (per layer: qkv, output, up, down), if any.
    let smoothing: [[[Float]]]?
    /// Bytes held by the packed weights.
    let byteCount: Int
    private let arena: UnsafeMutableRawPointer

    /// Packs `weights`' projections. `smoothing` (w8a8: per layer, for the qkv, output, up and
    /// down projections, one factor per input channel) is folded into the weights' rows and its
    /// inverse kept for the activations; nil means none.
    init(packing weights: BertWeights, as format: Format, smoothing: [[[Float]]]? = nil) {
        precondition(weights.hasProjections, "packing needs the float32 projections")
        self.format = format
        self.smoothing = format == .w8a8 ? smoothing : nil
        let h = weights.shape.hidden
        let i = weights.shape.intermediate
        let shapes = [(h, 3 * h), (h, h), (h, i), (i, h)]
        func bytes(_ k: Int, _ n: Int) -> Int {
            let payload =
                switch format {
                case .int8: deja_q8_packed_bytes(k, n) + n * 4
                case .bf16: deja_bf16_packed_elements(k, n) * 2
                case .w8a8: deja_w8a8_packed_bytes(k, n) + 2 * n * 4 + k * 4
                }
            return (payload + 63) / 64 * 64
        }
        let total = weights.layers.count * shapes.reduce(0) { $0 + bytes($1.0, $1.1) }
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(total, 64), alignment: 64)
        byteCount = total
        var cursor = arena
        func pack(_ source: UnsafePointer<Float>, _ k: Int, _ n: Int, smoothing: [Float]?) -> Linear {
            defer { cursor += bytes(k, n) }
            switch format {
            case .int8:
                let packed = cursor.bindMemory(to: Int8.self, capacity: deja_q8_packed_bytes(k, n))
                let scales = (cursor + deja_q8_packed_bytes(k, n)).bindMemory(to: Float.self, capacity: n)
                deja_q8_pack(source, k, n, n, packed, scales)
                return Linear(k: k, n: n, data: UnsafeRawPointer(cursor), scales: UnsafePointer(scales), columnSums: nil, inverseSmoothing: nil)
            case .bf16:
                let packed = cursor.bindMemory(to: UInt16.self, capacity: deja_bf16_packed_elements(k, n))
                deja_bf16_pack(source, k, n, n, packed)
                return Linear(k: k, n: n, data: UnsafeRawPointer(cursor), scales: nil, columnSums: nil, inverseSmoothing: nil)
            case .w8a8:
                let size = deja_w8a8_packed_bytes(k, n)
                let packed = cursor.bindMemory(to: Int8.self, capacity: size)
                let scales = (cursor + size).bindMemory(to: Float.self, capacity: n)
                let sums = (cursor + size + n * 4).bindMemory(to: Int32.self, capacity: n)
                let inverse = (cursor + size + 2 * n * 4).bindMemory(to: Float.self, capacity: k)
                for t in 0..<k { inverse[t] = smoothing.map { 1 / $0[t] } ?? 1 }
                deja_w8a8_pack(source, k, n, n, smoothing, packed, scales, sums)
                return Linear(
                    k: k, n: n, data: UnsafeRawPointer(cursor), scales: UnsafePointer(scales), columnSums: UnsafePointer(sums),
                    inverseSmoothing: UnsafePointer(inverse))
            }
        }
        layers = weights.layers.enumerated().map { index, layer in
            let factors = smoothing?[index]
            return Layer(
                qkv: pack(layer.qkvWeight!, h, 3 * h, smoothing: factors?[0]),
                output: pack(layer.outputWeight!, h, h, smoothing: factors?[1]),
                up: pack(layer.upWeight!, h, i, smoothing: factors?[2]),
                down: pack(layer.downWeight!, i, h, smoothing: factors?[3])
            )
        }
    }

    deinit {
        arena.deallocate()
    }
}
