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

    /// Builds the encoder for `precision`. An explicit format is used as configured; `auto`
    /// tries int8, then bf16, keeping the first whose check passes, else fp32. A low-precision
    /// encoder keeps the weights without their float32 projections (42 MB less resident): the
    /// full set is loaded only to pack and check them, then dropped.
    static func chooseEncoder(
        file: SafeTensorsFile, shape: BertWeights.Shape, precision: EncoderPrecision, kernel: EncoderKernel,
        tokenizer: WordPieceTokenizer
    ) throws -> (BertEncoder, [PrecisionCheck]) {
        let full = try BertWeights(file: file, shape: shape)
        func lean(_ packed: PackedLinearWeights) throws -> BertEncoder {
            BertEncoder(weights: try BertWeights(file: file, shape: shape, projections: false), packed: packed, kernel: kernel)
        }
        switch precision {
        case .fp32: return (BertEncoder(weights: full, kernel: kernel), [])
        case .int8: return (try lean(PackedLinearWeights(packing: full, as: .int8)), [])
        case .bf16: return (try lean(PackedLinearWeights(packing: full, as: .bf16)), [])
        case .auto: break
        }
        let reference = BertEncoder(weights: full, kernel: kernel)
        let sequences = checkSentences.map(tokenizer.encode)
        let configuration = Configuration()
        let expected = encode(sequences, with: reference, configuration: configuration)
        var checks: [PrecisionCheck] = []
        for (candidate, format) in [(EncoderPrecision.int8, PackedLinearWeights.Format.int8), (.bf16, .bf16)] {
            let packed = PackedLinearWeights(packing: full, as: format)
            let actual = encode(sequences, with: BertEncoder(weights: full, packed: packed, kernel: kernel), configuration: configuration)
            let least = zip(expected, actual).map { pair in zip(pair.0, pair.1).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.min() ?? 0
            let check = PrecisionCheck(precision: candidate, minimumCosine: least)
            checks.append(check)
            if check.passed { return (try lean(packed), checks) }
        }
        return (reference, checks)
    }
}
