import CEncoderKernels

/// The encoder's projection weights in a low-precision format, packed once at load into the
/// layout the kernels read (`deja_encoder_kernels.h`): int8 with per-column scales, or bf16.
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
        /// Per-column scales (int8 only).
        let scales: UnsafePointer<Float>?
    }

    struct Layer {
        let qkv: Linear
        let output: Linear
        let up: Linear
        let down: Linear
    }

    enum Format: Sendable {
        case int8, bf16
    }

    let format: Format
    let layers: [Layer]
    /// Bytes held by the packed weights.
    let byteCount: Int
    private let arena: UnsafeMutableRawPointer

    init(packing weights: BertWeights, as format: Format) {
        precondition(weights.hasProjections, "packing needs the float32 projections")
        self.format = format
        let h = weights.shape.hidden
        let i = weights.shape.intermediate
        let shapes = [(h, 3 * h), (h, h), (h, i), (i, h)]
        func bytes(_ k: Int, _ n: Int) -> Int {
            let payload =
                switch format {
                case .int8: deja_q8_packed_bytes(k, n) + n * 4
                case .bf16: deja_bf16_packed_elements(k, n) * 2
                }
            return (payload + 63) / 64 * 64
        }
        let total = weights.layers.count * shapes.reduce(0) { $0 + bytes($1.0, $1.1) }
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(total, 64), alignment: 64)
        byteCount = total
        var cursor = arena
        func pack(_ source: UnsafePointer<Float>, _ k: Int, _ n: Int) -> Linear {
            defer { cursor += bytes(k, n) }
            switch format {
            case .int8:
                let packed = cursor.bindMemory(to: Int8.self, capacity: deja_q8_packed_bytes(k, n))
                let scales = (cursor + deja_q8_packed_bytes(k, n)).bindMemory(to: Float.self, capacity: n)
                deja_q8_pack(source, k, n, n, packed, scales)
                return Linear(k: k, n: n, data: UnsafeRawPointer(cursor), scales: UnsafePointer(scales))
            case .bf16:
                let packed = cursor.bindMemory(to: UInt16.self, capacity: deja_bf16_packed_elements(k, n))
                deja_bf16_pack(source, k, n, n, packed)
                return Linear(k: k, n: n, data: UnsafeRawPointer(cursor), scales: nil)
            }
        }
        layers = weights.layers.map { layer in
            Layer(
                qkv: pack(layer.qkvWeight!, h, 3 * h),
                output: pack(layer.outputWeight!, h, h),
                up: pack(layer.upWeight!, h, i),
                down: pack(layer.downWeight!, i, h)
            )
        }
    }

    deinit {
        arena.deallocate()
    }
}
