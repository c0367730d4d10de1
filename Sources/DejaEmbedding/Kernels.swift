#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Element-wise and row-wise float kernels of the encoder (everything that is not a matrix
/// product). They work on raw pointers into preallocated workspaces and allocate nothing.
enum Kernels {
    typealias Vector = SIMD8<Float>

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    /// Copies `bias` (length `width`) into each of `rows` rows, so a following GEMM with
    /// `beta = 1` adds the product onto the bias in one pass.
    static func broadcastRows(_ bias: UnsafePointer<Float>, width: Int, rows: Int, into output: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            (output + row * width).update(from: bias, count: width)
        }
    }

    /// `x[row] = LayerNorm(x[row] + residual[row]) · gamma + beta` for `rows` rows of `width`
    /// (a multiple of 16); pass `residual: nil` for a plain LayerNorm.
    static func addLayerNorm(
        _ x: UnsafeMutablePointer<Float>,
        residual: UnsafePointer<Float>?,
        rows: Int,
        width: Int,
        gamma: UnsafePointer<Float>,
        beta: UnsafePointer<Float>,
        epsilon: Float
    ) {
        precondition(width % 16 == 0)
        let inverseWidth = 1 / Float(width)
        for row in 0..<rows {
            let line = x + row * width
            var sumA = Vector(), sumB = Vector()
            var index = 0
            if let residual {
                let other = residual + row * width
                while index < width {
                    let a = load(line + index) + load(other + index)
                    let b = load(line + index + 8) + load(other + index + 8)
                    store(a, line + index)
                    store(b, line + index + 8)
                    sumA += a
                    sumB += b
                    index += 16
                }
            } else {
                while index < width {
                    sumA += load(line + index)
                    sumB += load(line + index + 8)
                    index += 16
                }
            }
            let mean = (sumA + sumB).sum() * inverseWidth
            let meanVector = Vector(repeating: mean)
            var squaresA = Vector(), squaresB = Vector()
            index = 0
            while index < width {
                let a = load(line + index) - meanVector
                let b = load(line + index + 8) - meanVector
                squaresA.addProduct(a, a)
                squaresB.addProduct(b, b)
                index += 16
            }
            let variance = (squaresA + squaresB).sum() * inverseWidth
            let scale = Vector(repeating: 1 / (variance + epsilon).squareRoot())
            index = 0
            while index < width {
                let normalized = (load(line + index) - meanVector) * scale
                store(normalized * load(gamma + index) + load(beta + index), line + index)
                index += 8
            }
        }
    }

    /// Exact (erf-form) GELU in place: `x · ½ · (1 + erf(x / √2))`.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let half = Vector(repeating: 0.5)
        let one = Vector(repeating: 1)
        let inverseSqrt2 = Vector(repeating: 0.70710678118654752)
        var index = 0
        while index + 8 <= count {
            let value = load(x + index)
            store(half * value * (one + erf(value * inverseSqrt2)), x + index)
            index += 8
        }
        while index < count {
            x[index] = 0.5 * x[index] * (1 + erff(x[index] * 0.70710678118654752))
            index += 1
        }
    }

    /// erf to within a few float ulps: a rational minimax approximation on [−4, 4] (outside it
    /// erf is ±1 in float32), the one Eigen and XLA use for float erf.
    @inline(__always)
    static func erf(_ input: Vector) -> Vector {
        let x = input.clamped(lowerBound: Vector(repeating: -4), upperBound: Vector(repeating: 4))
        let x2 = x * x
        var p = x2 * Vector(repeating: -2.72614225801306e-10) + Vector(repeating: 2.77068142495902e-08)
        p = x2 * p + Vector(repeating: -2.10102402082508e-06)
        p = x2 * p + Vector(repeating: -5.69250639462346e-05)
        p = x2 * p + Vector(repeating: -7.34990630326855e-04)
        p = x2 * p + Vector(repeating: -2.95459980854025e-03)
        p = x2 * p + Vector(repeating: -1.60960333262415e-02)
        p = x * p
        var q = x2 * Vector(repeating: -1.45660718464996e-05) + Vector(repeating: -2.13374055278905e-04)
        q = x2 * q + Vector(repeating: -1.68282697438203e-03)
        q = x2 * q + Vector(repeating: -7.37332916720468e-03)
        q = x2 * q + Vector(repeating: -1.42647390514189e-02)
        return p / q
    }

    /// Softmax in place over one row of `count` scores.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for index in 0..<count { maximum = max(maximum, row[index]) }
        var sum: Float = 0
        for index in 0..<count {
            let value = expf(row[index] - maximum)
            row[index] = value
            sum += value
        }
        let inverse = 1 / sum
        for index in 0..<count { row[index] *= inverse }
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
