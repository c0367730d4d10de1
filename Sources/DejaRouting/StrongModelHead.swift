import Foundation

/// The learned needs-the-strong-model score: a small network (or a linear model) over the
/// all-MiniLM-L6-v2 embedding the cache computes anyway and the prompt's ``PromptFeatures``.
///
/// Trained offline (`deja router train`) on questions labelled with whether a weak and a strong
/// model answered them correctly, to predict P(strong right) − P(weak right). The raw output is
/// turned into a percentile of the training questions' scores, so 0.8 reads "needs the strong
/// model more than 80 % of the training questions did". Scoring is a few thousand
/// multiply-adds, no allocation beyond the hidden layer.
public struct StrongModelHead: Sendable {
    public enum Kind: String, Sendable, Codable {
        /// One tanh hidden layer.
        case mlp
        /// A weighted sum (ridge regression).
        case linear
    }

    public let kind: Kind
    public let embeddingDimension: Int
    public let hidden: Int
    /// Input-major `inputs × hidden` (MLP) or `inputs` (linear) weights.
    package let w1: [Float]
    package let b1: [Float]
    package let w2: [Float]
    package let b2: Float
    package let featureMean: [Float]
    package let featureScale: [Float]
    /// Raw scores of the training questions at percentiles 0, 1, …, 100.
    package let quantiles: [Float]
    /// What the artefact says about its training (file, rows, cross-validated figures).
    public let training: [String: String]

    public var inputCount: Int { embeddingDimension + featureMean.count }

    public init(
        kind: Kind, embeddingDimension: Int, hidden: Int, w1: [Float], b1: [Float], w2: [Float], b2: Float, featureMean: [Float],
        featureScale: [Float], quantiles: [Float], training: [String: String] = [:]
    ) {
        self.kind = kind
        self.embeddingDimension = embeddingDimension
        self.hidden = hidden
        self.w1 = w1
        self.b1 = b1
        self.w2 = w2
        self.b2 = b2
        self.featureMean = featureMean
        self.featureScale = featureScale
        self.quantiles = quantiles
        self.training = training
    }

    /// The raw score (before the percentile): the model's estimate of P(strong right) − P(weak right).
    public func rawScore(embedding: [Float], features: [Float]) -> Float {
        precondition(embedding.count == embeddingDimension && features.count == featureMean.count, "input size")
        let inputs = inputCount
        switch kind {
        case .linear:
            var sum = b2
            w1.withUnsafeBufferPointer { w in
                for i in 0..<embeddingDimension { sum += w[i] * embedding[i] }
                for j in 0..<features.count { sum += w[embeddingDimension + j] * (features[j] - featureMean[j]) / featureScale[j] }
            }
            return sum
        case .mlp:
            var h = b1
            let hidden = self.hidden
            h.withUnsafeMutableBufferPointer { h in
                w1.withUnsafeBufferPointer { w in
                    func add(_ x: Float, row: Int) {
                        guard x != 0 else { return }
                        let base = row * hidden
                        for k in 0..<hidden { h[k] += x * w[base + k] }
                    }
                    for i in 0..<embeddingDimension { add(embedding[i], row: i) }
                    for j in 0..<features.count { add((features[j] - featureMean[j]) / featureScale[j], row: embeddingDimension + j) }
                }
                _ = inputs
            }
            var out = b2
            for k in 0..<hidden { out += w2[k] * tanhf(h[k]) }
            return out
        }
    }

    /// The score as a percentile (0…1) of the training questions' scores.
    public func score(embedding: [Float], features: [Float]) -> Double {
        percentile(rawScore(embedding: embedding, features: features))
    }

    /// Where a raw score falls among the training scores, interpolated between percentiles.
    public func percentile(_ raw: Float) -> Double {
        guard let first = quantiles.first, let last = quantiles.last, quantiles.count > 1 else { return 0.5 }
        if raw <= first { return 0 }
        if raw >= last { return 1 }
        var lo = 0
        var hi = quantiles.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if quantiles[mid] <= raw { lo = mid } else { hi = mid }
        }
        let span = quantiles[hi] - quantiles[lo]
        let within = span > 0 ? Double((raw - quantiles[lo]) / span) : 0
        return (Double(lo) + within) / Double(quantiles.count - 1)
    }
}

// MARK: - The artefact file

extension StrongModelHead {
    /// The JSON artefact `deja router train` writes and the gateway loads.
    public struct Artefact: Codable, Sendable {
        public var format = "deja.strong-head.v1"
        public var kind: Kind
        public var embeddingModel = "all-MiniLM-L6-v2"
        public var embeddingDimension: Int
        public var features: [String]
        public var featureMean: [Float]
        public var featureScale: [Float]
        public var hidden: Int
        public var w1: [Float]
        public var b1: [Float]
        public var w2: [Float]
        public var b2: Float
        public var quantiles: [Float]
        public var training: [String: String]

        enum CodingKeys: String, CodingKey {
            case format, kind, features, hidden, w1, b1, w2, b2, quantiles, training
            case embeddingModel = "embedding_model"
            case embeddingDimension = "embedding_dimension"
            case featureMean = "feature_mean"
            case featureScale = "feature_scale"
        }
    }

    /// An artefact that cannot be used (wrong format, sizes that do not agree, other features).
    public struct InvalidArtefact: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads and checks an artefact: its features must be today's ``PromptFeatures/headFeatureNames``.
    public init(artefact data: Data) throws {
        let a: Artefact
        do {
            a = try JSONDecoder().decode(Artefact.self, from: data)
        } catch {
            throw InvalidArtefact(description: "the strong-model head is not readable: \(error)")
        }
        guard a.format == "deja.strong-head.v1" else { throw InvalidArtefact(description: "unknown head format \(a.format)") }
        guard a.features == PromptFeatures.headFeatureNames else {
            throw InvalidArtefact(description: "the head was trained on other prompt features (\(a.features.joined(separator: ","))); retrain it")
        }
        let inputs = a.embeddingDimension + a.features.count
        let sizesAgree: Bool
        switch a.kind {
        case .mlp:
            sizesAgree = a.hidden > 0 && a.w1.count == inputs * a.hidden && a.b1.count == a.hidden && a.w2.count == a.hidden
        case .linear:
            sizesAgree = a.w1.count == inputs
        }
        guard sizesAgree, a.featureMean.count == a.features.count, a.featureScale.count == a.features.count,
            a.featureScale.allSatisfy({ $0 > 0 && $0.isFinite }), a.quantiles.count >= 2,
            zip(a.quantiles, a.quantiles.dropFirst()).allSatisfy({ $0 <= $1 }),
            (a.w1 + a.b1 + a.w2 + [a.b2]).allSatisfy(\.isFinite)
        else { throw InvalidArtefact(description: "the strong-model head's sizes or values are inconsistent") }
        self.init(
            kind: a.kind, embeddingDimension: a.embeddingDimension, hidden: a.hidden, w1: a.w1, b1: a.b1, w2: a.w2, b2: a.b2,
            featureMean: a.featureMean, featureScale: a.featureScale, quantiles: a.quantiles, training: a.training)
    }

    /// The head shipped with the gateway (`Resources/strong-head.json`, trained on the RouteLLM
    /// labels by `deja router train`; embedded in the binary at build time).
    public static func shipped() throws -> StrongModelHead {
        try StrongModelHead(artefact: Data(PackageResources.strong_head_json))
    }

    /// The artefact form of this head.
    public var artefact: Artefact {
        Artefact(
            kind: kind, embeddingDimension: embeddingDimension, features: PromptFeatures.headFeatureNames, featureMean: featureMean,
            featureScale: featureScale, hidden: hidden, w1: w1, b1: b1, w2: w2, b2: b2, quantiles: quantiles, training: training)
    }
}
