extension MiniLMEmbedder {
    /// The outcome of one load-time accuracy check: the least cosine between a format's
    /// embeddings and float32's over ``checkSentences``, against the format's bound.
    public struct PrecisionCheck: Sendable, Equatable {
        public var precision: EncoderPrecision
        public var minimumCosine: Float
        public var passed: Bool { minimumCosine >= precision.minimumCosine }
    }

    /// Sentences the load-time check embeds in every format: questions of several domains and
    /// lengths, code, numbers, a non-English line and a long paragraph, so one unlucky outlier
    /// channel shows. They are not the benchmark's texts (those judge the formats separately).
    static let checkSentences = [
        "How do I reset my password?",
        "What is the tallest mountain in Africa?",
        "Convert 250 US dollars to euros at today's rate.",
        "Write a Python function that returns the n-th Fibonacci number.",
        "SELECT name, count(*) FROM orders GROUP BY name HAVING count(*) > 3;",
        "My flight from Boston to Denver was cancelled, can I get a refund?",
        "Explain the difference between a Roth IRA and a traditional IRA.",
        "What are the early symptoms of type 2 diabetes?",
        "Summarise the plot of Pride and Prejudice in three sentences.",
        "Wie spät ist es in Tokio?",
        "ok",
        "Draft a polite email declining a job offer after accepting another one, thanking the recruiter for "
            + "their time, keeping the door open for future roles, and mentioning that the decision was "
            + "difficult because the team and the product were both very appealing.",
        "Is ibuprofen safe to take with coffee on an empty stomach?",
        "git rebase -i HEAD~3 says 'cannot rebase: you have unstaged changes'",
        "The quarterly revenue grew 12.5% year over year to $4.2 billion.",
        "Which is heavier, a kilogram of feathers or a kilogram of steel?",
    ]

    /// Sentences w8a8's smoothing is calibrated on: not ``checkSentences``, so the load-time check
    /// judges the calibrated format on texts it was not calibrated on. The same spread of
    /// domains, lengths, code and numbers.
    static let calibrationSentences = [
        "Can I change the shipping address after placing an order?",
        "Why does my laptop battery drain so fast overnight?",
        "Translate 'where is the train station' into Spanish.",
        "How many tablespoons are in a quarter cup?",
        "Write a SQL query that finds duplicate email addresses in the users table.",
        "What documents do I need to renew a passport for a child?",
        "fix: TypeError: cannot read properties of undefined (reading 'map')",
        "Compare the interest on a 15-year and a 30-year mortgage of $300,000 at 6.5%.",
        "List three exercises that strengthen the lower back.",
        "Was ist der Unterschied zwischen Wetter und Klima?",
        "thanks!",
        "Our team missed the release date twice this quarter; write a short, honest update for the customers that "
            + "explains the delay, what we changed in our process, the new date, and how we will keep them informed "
            + "from now on, without blaming anyone.",
        "Does vitamin D interact with blood pressure medication?",
        "docker compose up fails with 'port is already allocated' on 5432",
        "Net income fell 3.1% to 812 million euros while operating margin held at 18%.",
        "Who wrote the novel One Hundred Years of Solitude, and when was it published?",
    ]

    /// w8a8's smoothing per layer and projection (qkv, output, up, down): for each input channel,
    /// max|activation|^½ / max|weight|^½ (SmoothQuant's migration with α = ½, the method's
    /// default), activations measured by `reference` over ``calibrationSentences``. Dividing the
    /// channel's activations by it and multiplying the weights' row evens the two ranges, so
    /// BERT's outlier channels no longer take an 8-bit row's precision from the others.
    static func smoothing(_ weights: BertWeights, reference: BertEncoder, tokenizer: WordPieceTokenizer) -> [[[Float]]] {
        let activations = reference.projectionInputMaxima(calibrationSentences.map(tokenizer.encode))
        let h = weights.shape.hidden
        let i = weights.shape.intermediate
        return zip(weights.layers, activations).map { layer, maxima in
            let matrices = [(layer.qkvWeight!, 3 * h), (layer.outputWeight!, h), (layer.upWeight!, i), (layer.downWeight!, h)]
            return zip(matrices, maxima).map { matrix, activation in
                let (w, n) = matrix
                return activation.indices.map { t in
                    var largest: Float = 0
                    for j in 0..<n { largest = max(largest, abs(w[t * n + j])) }
                    return (max(activation[t], 1e-5) / max(largest, 1e-5)).squareRoot()
                }
            }
        }
    }

    /// Builds the encoder for `precision`. An explicit format is used as configured (w8a8 only
    /// where the AVX-512 kernel runs, int8 elsewhere); `auto` tries int8, then bf16, keeping the
    /// first whose check passes, else fp32. w8a8 is not among auto's candidates: it passes the
    /// cosine check but moves cache decisions of pairs near a threshold more than int8 does (one
    /// public pair of 120; BENCHMARKS.md §4), so it is the operator's choice for throughput. A
    /// low-precision encoder keeps the weights without their float32 projections (42 MB less
    /// resident): the full set is loaded only to pack, calibrate and check them, then dropped.
    static func chooseEncoder(
        file: SafeTensorsFile, shape: BertWeights.Shape, precision: EncoderPrecision, kernel: EncoderKernel,
        tokenizer: WordPieceTokenizer
    ) throws -> (BertEncoder, [PrecisionCheck]) {
        let full = try BertWeights(file: file, shape: shape)
        func lean(_ packed: PackedLinearWeights) throws -> BertEncoder {
            BertEncoder(weights: try BertWeights(file: file, shape: shape, projections: false), packed: packed, kernel: kernel)
        }
        let reference = BertEncoder(weights: full, kernel: kernel)
        switch precision {
        case .fp32: return (reference, [])
        case .w8a8 where kernel == .avx512:
            let factors = smoothing(full, reference: reference, tokenizer: tokenizer)
            return (try lean(PackedLinearWeights(packing: full, as: .w8a8, smoothing: factors)), [])
        case .int8, .w8a8: return (try lean(PackedLinearWeights(packing: full, as: .int8)), [])
        case .bf16: return (try lean(PackedLinearWeights(packing: full, as: .bf16)), [])
        case .auto: break
        }
        let sequences = checkSentences.map(tokenizer.encode)
        let configuration = Configuration()
        let expected = encode(sequences, with: reference, configuration: configuration)
        var checks: [PrecisionCheck] = []
        for candidate in [EncoderPrecision.int8, .bf16] {
            let packed = PackedLinearWeights(packing: full, as: candidate == .int8 ? .int8 : .bf16)
            let actual = encode(sequences, with: BertEncoder(weights: full, packed: packed, kernel: kernel), configuration: configuration)
            let least = zip(expected, actual).map { pair in zip(pair.0, pair.1).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.min() ?? 0
            let check = PrecisionCheck(precision: candidate, minimumCosine: least)
            checks.append(check)
            if check.passed { return (try lean(packed), checks) }
        }
        return (reference, checks)
    }
}
