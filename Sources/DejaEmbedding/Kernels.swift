/// The encoder's bias broadcast and pooling (products, attention, LayerNorm and GELU are in
/// CEncoderKernels). They work on raw pointers into preallocated workspaces and allocate
/// nothing.
enum Kernels {
    /// Copies `bias` (length `width`) into each of `rows` rows, so a following GEMM with
    /// `beta = 1` adds the product onto the bias in one pass.
    static func broadcastRows(_ bias: UnsafePointer<Float>, width: Int, rows: Int, into output: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            (output + row * width).update(from: bias, count: width)
        }
    }

    /// Mean of `rows` rows of `width` into `output`, then L2-normalised (`v / max(‖v‖, 1e-12)`).
    static func meanPoolNormalized(_ x: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        output.initialize(repeating: 0, count: width)
        for row in 0..<rows {
            let line = x + row * width
            for index in 0..<width { output[index] += line[index] }
        }
        let inverseRows = 1 / Float(rows)
        var norm: Float = 0
        for index in 0..<width {
            output[index] *= inverseRows
            norm += output[index] * output[index]
        }
        let scale = 1 / max(norm.squareRoot(), 1e-12)
        for index in 0..<width { output[index] *= scale }
    }
}
