import DejaRouting
import Foundation

/// Fits ``StrongModelHead``s on labelled, embedded questions, and estimates how well each choice
/// of head generalises by k-fold cross-validation (out-of-fold scores → ``RoutingMetrics``).
///
/// Everything is deterministic for a given seed: the fold assignment, the initial weights and
/// the batch order come from ``SplitMix64``.
public struct HeadTrainer: Sendable {
    /// One candidate head.
    public enum Choice: Sendable, Hashable, CustomStringConvertible {
        /// Ridge regression with penalty `lambda`.
        case linear(lambda: Float)
        /// One tanh hidden layer of `hidden` units, trained `epochs` passes with Adam.
        case mlp(hidden: Int, epochs: Int)

        public var description: String {
            switch self {
            case .linear(let lambda): "linear(lambda=\(lambda))"
            case .mlp(let hidden, let epochs): "mlp(hidden=\(hidden), epochs=\(epochs))"
            }
        }
    }

    /// The training rows: embedding ++ features per question, and the target.
    public struct Data: Sendable {
        public var embeddings: [[Float]]
        public var features: [[Float]]
        public var targets: [Float]

        public init(embeddings: [[Float]], features: [[Float]], targets: [Float]) {
            precondition(embeddings.count == features.count && features.count == targets.count)
            self.embeddings = embeddings
            self.features = features
            self.targets = targets
        }

        public var count: Int { targets.count }

        func subset(_ rows: [Int]) -> Data {
            Data(embeddings: rows.map { embeddings[$0] }, features: rows.map { features[$0] }, targets: rows.map { targets[$0] })
        }
    }

    public var seed: UInt64 = 7
    public var learningRate: Float = 0.01
    public var weightDecay: Float = 1e-4
    public var batchSize = 128

    public init() {}

    /// Fits one head on all of `data`. The percentile table comes from the training scores.
    public func fit(_ choice: Choice, on data: Data, training: [String: String] = [:]) -> StrongModelHead {
        precondition(data.count > 1, "at least two examples")
        let dimension = data.embeddings[0].count
        let featureCount = data.features[0].count
        // Feature standardisation from the training rows.
        var mean = [Float](repeating: 0, count: featureCount)
        var scale = [Float](repeating: 0, count: featureCount)
        for f in data.features { for j in 0..<featureCount { mean[j] += f[j] } }
        for j in 0..<featureCount { mean[j] /= Float(data.count) }
        for f in data.features { for j in 0..<featureCount { scale[j] += (f[j] - mean[j]) * (f[j] - mean[j]) } }
        for j in 0..<featureCount { scale[j] = max((scale[j] / Float(data.count)).squareRoot(), 1e-6) }
        let inputs = dimension + featureCount
        var x = [Float](repeating: 0, count: data.count * inputs)
        for r in 0..<data.count {
            for i in 0..<dimension { x[r * inputs + i] = data.embeddings[r][i] }
            for j in 0..<featureCount { x[r * inputs + dimension + j] = (data.features[r][j] - mean[j]) / scale[j] }
        }
        var head: StrongModelHead
        switch choice {
        case .linear(let lambda):
            let (w, b) = Self.ridge(x: x, y: data.targets, rows: data.count, inputs: inputs, lambda: lambda)
            head = StrongModelHead(
                kind: .linear, embeddingDimension: dimension, hidden: 0, w1: w, b1: [], w2: [], b2: b, featureMean: mean,
                featureScale: scale, quantiles: [0, 1], training: training)
        case .mlp(let hidden, let epochs):
            let p = mlp(x: x, y: data.targets, rows: data.count, inputs: inputs, hidden: hidden, epochs: epochs)
            head = StrongModelHead(
                kind: .mlp, embeddingDimension: dimension, hidden: hidden, w1: p.w1, b1: p.b1, w2: p.w2, b2: p.b2, featureMean: mean,
                featureScale: scale, quantiles: [0, 1], training: training)
        }
        let raw = (0..<data.count).map { head.rawScore(embedding: data.embeddings[$0], features: data.features[$0]) }.sorted()
        let quantiles = (0...100).map { raw[min(raw.count - 1, Int((Double($0) / 100 * Double(raw.count - 1)).rounded()))] }
        head = StrongModelHead(
            kind: head.kind, embeddingDimension: dimension, hidden: head.hidden, w1: head.w1, b1: head.b1, w2: head.w2, b2: head.b2,
            featureMean: mean, featureScale: scale, quantiles: quantiles, training: training)
        return head
    }

    /// Out-of-fold raw scores: each question scored by a head fitted without its fold.
    public func crossValidatedScores(_ choice: Choice, on data: Data, folds: Int) -> [Double] {
        let assignment = foldAssignment(count: data.count, folds: folds)
        var scores = [Double](repeating: 0, count: data.count)
        for fold in 0..<folds {
            let train = (0..<data.count).filter { assignment[$0] != fold }
            let test = (0..<data.count).filter { assignment[$0] == fold }
            let head = fit(choice, on: data.subset(train))
            for q in test { scores[q] = Double(head.rawScore(embedding: data.embeddings[q], features: data.features[q])) }
        }
        return scores
    }

    /// Which fold each question belongs to (balanced, shuffled by the seed).
    public func foldAssignment(count: Int, folds: Int) -> [Int] {
        var order = Array(0..<count)
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        var assignment = [Int](repeating: 0, count: count)
        for (position, q) in order.enumerated() { assignment[q] = position % folds }
        return assignment
    }

    // MARK: - Ridge regression

    /// Solves (XᵀX + λI) w = Xᵀy with an unpenalised intercept (features centred first).
    static func ridge(x: [Float], y: [Float], rows: Int, inputs: Int, lambda: Float) -> ([Float], Float) {
        var colMean = [Double](repeating: 0, count: inputs)
        for r in 0..<rows { for i in 0..<inputs { colMean[i] += Double(x[r * inputs + i]) } }
        for i in 0..<inputs { colMean[i] /= Double(rows) }
        let yMean = y.reduce(0.0) { $0 + Double($1) } / Double(rows)
        var a = [Double](repeating: 0, count: inputs * inputs)
        var rhs = [Double](repeating: 0, count: inputs)
        var centred = [Double](repeating: 0, count: inputs)
        a.withUnsafeMutableBufferPointer { a in
            for r in 0..<rows {
                for i in 0..<inputs { centred[i] = Double(x[r * inputs + i]) - colMean[i] }
                let yc = Double(y[r]) - yMean
                for i in 0..<inputs {
                    let ci = centred[i]
                    rhs[i] += ci * yc
                    let base = i * inputs
                    for j in i..<inputs { a[base + j] += ci * centred[j] }
                }
            }
            for i in 0..<inputs {
                a[i * inputs + i] += Double(lambda)
                for j in 0..<i { a[i * inputs + j] = a[j * inputs + i] }
            }
        }
        let w = choleskySolve(a, rhs, n: inputs)
        var b = yMean
        for i in 0..<inputs { b -= w[i] * colMean[i] }
        return (w.map { Float($0) }, Float(b))
    }

    /// Solves A w = b for a symmetric positive-definite A (row-major n × n).
    static func choleskySolve(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = i == j ? max(sum, 1e-12).squareRoot() : sum / l[j * n + j]
            }
        }
        var z = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * z[k] }
            z[i] = sum / l[i * n + i]
        }
        var w = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = z[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * w[k] }
            w[i] = sum / l[i * n + i]
        }
        return w
    }

    // MARK: - One-hidden-layer network

    struct Parameters {
        var w1: [Float]
        var b1: [Float]
        var w2: [Float]
        var b2: Float
    }

    /// Mean-squared-error training with Adam and L2 weight decay; tanh hidden units.
    func mlp(x: [Float], y: [Float], rows: Int, inputs: Int, hidden: Int, epochs: Int) -> Parameters {
        var rng = SplitMix64(seed: seed &+ 1)
        let initScale = (1 / Float(inputs)).squareRoot()
        var p = Parameters(
            w1: (0..<(inputs * hidden)).map { _ in rng.normal() * initScale }, b1: [Float](repeating: 0, count: hidden),
            w2: (0..<hidden).map { _ in rng.normal() * (1 / Float(hidden)).squareRoot() }, b2: 0)
        var m1 = [Float](repeating: 0, count: p.w1.count), v1 = m1
        var mb1 = [Float](repeating: 0, count: hidden), vb1 = mb1
        var m2 = [Float](repeating: 0, count: hidden), v2 = m2
        var mb2: Float = 0, vb2: Float = 0
        var step: Float = 0
        var order = Array(0..<rows)
        var h = [Float](repeating: 0, count: batchSize * hidden)
        var g1 = [Float](repeating: 0, count: p.w1.count)
        var gb1 = [Float](repeating: 0, count: hidden)
        var g2 = [Float](repeating: 0, count: hidden)
        let (beta1, beta2, eps): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        for _ in 0..<epochs {
            order.shuffle(using: &rng)
            var start = 0
            while start < rows {
                let batch = Array(order[start..<min(start + batchSize, rows)])
                start += batchSize
                let nb = batch.count
                for k in 0..<g1.count { g1[k] = 0 }
                for k in 0..<hidden { gb1[k] = 0; g2[k] = 0 }
                var gb2: Float = 0
                x.withUnsafeBufferPointer { x in
                    p.w1.withUnsafeBufferPointer { w1 in
                        h.withUnsafeMutableBufferPointer { h in
                            g1.withUnsafeMutableBufferPointer { g1 in
                                for (bi, r) in batch.enumerated() {
                                    let hb = bi * hidden
                                    for k in 0..<hidden { h[hb + k] = p.b1[k] }
                                    let xr = r * inputs
                                    for i in 0..<inputs {
                                        let xi = x[xr + i]
                                        if xi == 0 { continue }
                                        let wb = i * hidden
                                        for k in 0..<hidden { h[hb + k] += xi * w1[wb + k] }
                                    }
                                    var out = p.b2
                                    for k in 0..<hidden {
                                        h[hb + k] = tanhf(h[hb + k])
                                        out += p.w2[k] * h[hb + k]
                                    }
                                    let g = (out - y[r]) / Float(nb)
                                    gb2 += g
                                    var gh = [Float](repeating: 0, count: hidden)
                                    for k in 0..<hidden {
                                        g2[k] += g * h[hb + k]
                                        gh[k] = g * p.w2[k] * (1 - h[hb + k] * h[hb + k])
                                        gb1[k] += gh[k]
                                    }
                                    for i in 0..<inputs {
                                        let xi = x[xr + i]
                                        if xi == 0 { continue }
                                        let wb = i * hidden
                                        for k in 0..<hidden { g1[wb + k] += xi * gh[k] }
                                    }
                                }
                            }
                        }
                    }
                }
                step += 1
                let c1 = 1 - pow(beta1, step)
                let c2 = 1 - pow(beta2, step)
                func adam(_ w: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float]) {
                    for k in 0..<w.count {
                        let gk = g[k] + weightDecay * w[k]
                        m[k] = beta1 * m[k] + (1 - beta1) * gk
                        v[k] = beta2 * v[k] + (1 - beta2) * gk * gk
                        w[k] -= learningRate * (m[k] / c1) / ((v[k] / c2).squareRoot() + eps)
                    }
                }
                adam(&p.w1, g1, &m1, &v1)
                adam(&p.b1, gb1, &mb1, &vb1)
                adam(&p.w2, g2, &m2, &v2)
                var b2 = [p.b2], mb2a = [mb2], vb2a = [vb2]
                adam(&b2, [gb2], &mb2a, &vb2a)
                p.b2 = b2[0]
                mb2 = mb2a[0]
                vb2 = vb2a[0]
            }
        }
        return p
    }
}

/// A small, fast, seedable generator (Steele, Lea & Flood's SplitMix64), so training is the same
/// on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
