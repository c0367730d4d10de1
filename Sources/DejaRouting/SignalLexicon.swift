/// The words that signal each task family, and roman numerals. Kept short and general on
/// purpose: each entry names a kind of work (a language, an operation, a writing form), not a
/// phrase from any example set. Matching is on lower-cased ASCII words.
enum SignalLexicon {
    enum Signal { case code, math, quantity, reasoning, creative, roman }

    /// A word as the scanner sees it, accumulated byte by byte without allocating: its
    /// lower-cased FNV-1a hash, the hash without its last byte (for plurals), and its shape.
    struct Word {
        static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
        var hash = Word.offset
        var hashWithoutLast = Word.offset
        var length = 0
        var last: UInt8 = 0
        /// Only capital `I` and `V` so far (a roman numeral).
        var roman = true

        @inline(__always) mutating func append(_ b: UInt8) {
            let lower = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            hashWithoutLast = hash
            hash = (hash ^ UInt64(lower)) &* 0x100_0000_01b3
            length += 1
            last = lower
            if b != UInt8(ascii: "I") && b != UInt8(ascii: "V") { roman = false }
        }
    }

    static func signal(_ word: Word, in table: Table) -> Signal? {
        guard word.length > 0 else { return nil }
        // Roman numerals are matched case-sensitively (`II`, `III`, `IV`; a lone `I` is a pronoun).
        if word.roman, word.length <= 4 { return word.length == 1 && word.last == UInt8(ascii: "i") ? nil : .roman }
        guard word.length <= 24 else { return nil }
        if let signal = table.find(word.hash) { return signal }
        // A plural or third-person form of a listed word (`poems`, `computes`).
        if word.length > 3, word.last == UInt8(ascii: "s") { return table.find(word.hashWithoutLast) }
        return nil
    }

    static func hash(_ word: String) -> UInt64 {
        var w = Word()
        for b in word.utf8 { w.append(b) }
        return w.hash
    }

    /// Open addressing over the 64-bit hashes (a 64-bit collision with one of these few hundred
    /// words would only add one signal count).
    struct Table: Sendable {
        private var keys: [UInt64]
        private var values: [Signal?]
        private let mask: Int

        init(_ entries: [(String, Signal)]) {
            var size = 16
            while size < entries.count * 4 { size *= 2 }
            keys = Array(repeating: 0, count: size)
            values = Array(repeating: nil, count: size)
            mask = size - 1
            for (word, signal) in entries {
                let h = SignalLexicon.hash(word)
                var i = Int(truncatingIfNeeded: h >> 7) & mask
                while values[i] != nil, keys[i] != h { i = (i + 1) & mask }
                if values[i] == nil {
                    keys[i] = h
                    values[i] = signal
                }
            }
        }

        @inline(__always) func find(_ h: UInt64) -> Signal? {
            keys.withUnsafeBufferPointer { keys in
                values.withUnsafeBufferPointer { values in
                    var i = Int(truncatingIfNeeded: h >> 7) & mask
                    while let v = values[i] {
                        if keys[i] == h { return v }
                        i = (i + 1) & mask
                    }
                    return nil
                }
            }
        }
    }

    static let table: Table = Table(
        code.map { ($0, .code) } + math.map { ($0, .math) } + quantity.map { ($0, .quantity) } + reasoning.map { ($0, .reasoning) }
            + creative.map { ($0, .creative) })

    /// Programming: languages, tools, and the nouns and verbs of writing software.
    static let code = [
        "code", "function", "functions", "method", "class", "compile", "compiler", "debug", "bug", "stacktrace", "exception",
        "python", "javascript", "typescript", "java", "swift", "rust", "golang", "kotlin", "c++", "cpp", "sql", "bash", "shell",
        "regex", "api", "json", "yaml", "html", "css", "react", "docker", "kubernetes", "git", "refactor", "implement", "algorithm",
        "variable", "array", "struct", "enum", "def", "func", "import", "return", "async", "await", "null", "nil", "npm", "pip",
        "query", "database", "endpoint", "script", "unittest", "segfault", "runtime", "syntax",
    ]

    /// Quantities and operations.
    static let math = [
        "calculate", "compute", "solve", "equation", "equations", "integral", "derivative", "probability", "percent", "percentage",
        "sum", "total", "average", "mean", "median", "ratio", "fraction", "multiply", "divide", "divided", "times", "plus", "minus",
        "sqrt", "root", "logarithm", "exponent", "matrix", "theorem", "polynomial", "geometry", "triangle", "radius", "convert",
        "fahrenheit", "celsius", "algebra", "calculus", "statistics", "variance", "deviation",
    ]

    /// Everyday words about amounts: math only when the text also has numbers (`how many … 12`),
    /// not in a question about interest rates or pros and cons.
    static let quantity = [
        "interest", "profit", "cost", "price", "many", "much", "remaining", "left", "each", "per", "twice", "half", "dozen", "hours",
        "minutes", "miles", "dollars", "area", "volume", "prime", "factor", "vector", "log", "picked", "chance", "odds",
    ]

    /// Analysis, argument, inference.
    static let reasoning = [
        "why", "explain", "reason", "reasoning", "prove", "proof", "justify", "analyze", "analyse", "evaluate", "compare",
        "contrast", "tradeoff", "tradeoffs", "implications", "consequence", "consequences", "infer", "deduce", "argument", "argue",
        "assumption", "hypothesis", "logically", "therefore", "implies", "statement", "statements", "valid", "fallacy",
        "except", "true", "false", "best", "strongest", "weakest", "likely", "unlikely", "cause", "effect",
        // Deliberation: choosing between options.
        "should", "whether", "better", "worse", "versus", "pros", "cons", "decide", "deciding", "choose", "option", "smarter",
        "taller", "shorter", "older", "younger", "puzzle", "riddle", "labeled", "syllogism",
    ]

    /// Writing forms and imagination.
    static let creative = [
        "poem", "poems", "story", "stories", "haiku", "limerick", "sonnet", "lyrics", "song", "rhyme", "fiction", "novel",
        "character", "characters", "plot", "imagine", "creative", "slogan", "tagline", "fairy", "tale", "dialogue", "screenplay",
        "metaphor", "verse", "narrative", "fantasy", "whimsical",
        // Other writing forms and inventive verbs.
        "joke", "toast", "speech", "names", "brainstorm", "invent", "retell", "funny", "voice",
    ]
}
