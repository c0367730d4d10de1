/// The words that signal each task family, and roman numerals. Kept short and general on
/// purpose: each entry names a kind of work (a language, an operation, a writing form), not a
/// phrase from any example set. Matching is on lower-cased ASCII words.
enum SignalLexicon {
    enum Signal { case code, math, quantity, reasoning, creative, roman }

    static func signal(_ word: [UInt8]) -> Signal? {
        // Roman numerals are matched case-sensitively (`I`, `II`, `III`, `IV` as capitals).
        if word.count <= 4, word.allSatisfy({ $0 == UInt8(ascii: "I") || $0 == UInt8(ascii: "V") }), word.count >= 1 {
            return word == [UInt8(ascii: "I")] ? nil : .roman
        }
        guard word.count <= 24 else { return nil }
        // Lower-cased FNV-1a of the word, so a lookup allocates nothing (a 64-bit collision with
        // one of these few hundred words would only add one signal count).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var withoutS: UInt64 = hash
        for (k, b) in word.enumerated() {
            let lower = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b
            if k == word.count - 1 { withoutS = hash }
            hash = (hash ^ UInt64(lower)) &* 0x100_0000_01b3
        }
        if let signal = table[hash] { return signal }
        // A plural or third-person form of a listed word (`poems`, `computes`).
        let last = word[word.count - 1]
        if word.count > 3, last == UInt8(ascii: "s") || last == UInt8(ascii: "S") { return table[withoutS] }
        return nil
    }

    static func hash(_ word: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in word.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    static let table: [UInt64: Signal] = {
        var t: [UInt64: Signal] = [:]
        for w in code { t[hash(w)] = .code }
        for w in math { t[hash(w)] = .math }
        for w in quantity { t[hash(w)] = .quantity }
        for w in reasoning { t[hash(w)] = .reasoning }
        for w in creative { t[hash(w)] = .creative }
        return t
    }()

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
