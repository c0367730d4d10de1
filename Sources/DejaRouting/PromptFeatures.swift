import DejaWire

/// The explainable facts about a request that the classifier and the learned head read: sizes,
/// shape (tools, images, JSON mode, answer choices) and per-family signal counts.
///
/// Computed in one pass over the final user message's bytes (words lower-cased, ASCII only), so
/// the cost is linear in the text and bounded by ``maxScannedWords``.
public struct PromptFeatures: Sendable, Equatable {
    /// Characters of the final user message.
    public var queryChars = 0
    /// Characters of every message's text (system and history included).
    public var promptChars = 0
    /// User and assistant turns.
    public var conversationDepth = 0
    /// `max_completion_tokens` or `max_tokens`; 0 when the client set none.
    public var requestedOutputTokens = 0
    public var hasTools = false
    public var hasImages = false
    public var wantsJSON = false
    /// Words scanned (at most ``maxScannedWords``).
    public var words = 0
    public var digits = 0
    /// `+ - * / ^ = % $ <` and friends outside words.
    public var operators = 0
    public var lines = 0
    /// Signal words and shapes per family (see ``SignalLexicon``).
    public var code = 0
    public var math = 0
    /// Everyday amount words (`how many`, `per`, `cost`); math only beside numbers.
    public var quantity = 0
    public var reasoning = 0
    public var creative = 0
    /// Lines that look like answer choices (`A. …`, `B) …`).
    public var choiceLines = 0
    /// Answer choices that are only a number (with an optional unit or currency sign).
    public var numericChoices = 0
    /// Characters in answer-choice lines.
    public var choiceChars = 0
    /// Roman-numeral enumerations (`I`, `II`, `III` as words) — combined-statement questions.
    public var romanNumerals = 0
    /// Question marks.
    public var questions = 0
    /// Code fences (```) seen.
    public var fences = 0

    /// Beyond this many words the text is only measured, not read word by word.
    public static let maxScannedWords = 2_000

    public init() {}

    /// The features of a chat request: the final user message is read word by word; the other
    /// messages count toward size and depth.
    public init(request: ChatRequest) {
        self.init()
        let body = request.body
        let messages = body["messages"]?.arrayValue ?? []
        var finalUser: String?
        for (i, message) in messages.enumerated() {
            guard let m = message.objectValue else { continue }
            let role = m["role"]?.stringValue ?? ""
            if role == "user" || role == "assistant" { conversationDepth += 1 }
            var text = ""
            switch m["content"] {
            case .string(let s)?:
                text = s
            case .array(let parts)?:
                for part in parts {
                    guard let p = part.objectValue else { continue }
                    let type = p["type"]?.stringValue ?? ""
                    if type == "image_url" || type == "image" || type == "input_image" { hasImages = true }
                    if let t = p["text"]?.stringValue {
                        if !text.isEmpty { text += "\n" }
                        text += t
                    }
                }
            default:
                break
            }
            promptChars += text.utf8.count
            if i == messages.count - 1, role == "user" { finalUser = text }
        }
        if let tools = body["tools"]?.arrayValue, !tools.isEmpty { hasTools = true }
        if let functions = body["functions"]?.arrayValue, !functions.isEmpty { hasTools = true }
        if let format = body["response_format"]?.objectValue?["type"]?.stringValue, format == "json_object" || format == "json_schema" {
            wantsJSON = true
        }
        requestedOutputTokens = body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue ?? 0
        scan(finalUser ?? "")
    }

    /// The final message's text when it is a user turn (text parts joined by newlines).
    public static func finalUserText(_ request: ChatRequest) -> String? {
        guard let last = request.body["messages"]?.arrayValue?.last?.objectValue, last["role"]?.stringValue == "user" else { return nil }
        switch last["content"] {
        case .string(let s)?:
            return s
        case .array(let parts)?:
            let texts = parts.compactMap { $0.objectValue?["text"]?.stringValue }
            return texts.isEmpty ? nil : texts.joined(separator: "\n")
        default:
            return nil
        }
    }

    /// The features of one bare prompt (as in a labelled file: a single user message).
    public init(prompt: String) {
        self.init()
        conversationDepth = 1
        promptChars = prompt.utf8.count
        scan(prompt)
    }

    /// Reads the text once: words against the lexicon, digits, operators, lines and answer choices.
    private mutating func scan(_ text: String) {
        queryChars = text.utf8.count
        var word: [UInt8] = []
        word.reserveCapacity(32)
        var lineStart = true
        var lineLength = 0
        var choiceLine = false
        var numericChoice = false
        var backticks = 0
        func endLine(_ f: inout PromptFeatures) {
            if choiceLine {
                f.choiceLines += 1
                f.choiceChars += lineLength
                if numericChoice { f.numericChoices += 1 }
            }
            f.lines += 1
            choiceLine = false
            numericChoice = false
            lineLength = 0
        }
        func endWord(_ f: inout PromptFeatures) {
            guard !word.isEmpty else { return }
            if f.words < Self.maxScannedWords {
                f.words += 1
                if let signal = SignalLexicon.signal(word) {
                    switch signal {
                    case .code: f.code += 1
                    case .math: f.math += 1
                    case .quantity: f.quantity += 1
                    case .reasoning: f.reasoning += 1
                    case .creative: f.creative += 1
                    case .roman: f.romanNumerals += 1
                    }
                }
            }
            word.removeAll(keepingCapacity: true)
        }
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if lineStart {
                // `A.` / `B)` / `(c)` at the start of a line: an answer choice.
                var j = i
                if j < bytes.count, bytes[j] == UInt8(ascii: "(") { j += 1 }
                if j + 1 < bytes.count, Self.isChoiceLabel(bytes[j]), bytes[j + 1] == UInt8(ascii: ".") || bytes[j + 1] == UInt8(ascii: ")"),
                    j + 2 >= bytes.count || bytes[j + 2] == UInt8(ascii: " ")
                {
                    choiceLine = true
                    // A choice that starts with a number (an amount, a measure, a count).
                    var k = j + 2
                    while k < bytes.count, bytes[k] == UInt8(ascii: " ") { k += 1 }
                    if k < bytes.count, (bytes[k] >= UInt8(ascii: "0") && bytes[k] <= UInt8(ascii: "9")) || bytes[k] == UInt8(ascii: "$")
                        || bytes[k] == UInt8(ascii: "-")
                    {
                        numericChoice = true
                    }
                    i = j + 2
                    lineStart = false
                    continue
                }
                lineStart = false
            }
            if b == UInt8(ascii: "\n") {
                endWord(&self)
                endLine(&self)
                lineStart = true
                backticks = 0
                i += 1
                continue
            }
            lineLength += 1
            if b == UInt8(ascii: "`") {
                backticks += 1
                if backticks == 3 {
                    fences += 1
                    backticks = 0
                }
            } else {
                backticks = 0
            }
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                digits += 1
            }
            if Self.isLetter(b) || b >= 0x80 || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "'") {
                // Keep the case of roman numerals (only `I`, `II`, `III`, `IV` in capitals count).
                word.append(b)
            } else {
                endWord(&self)
                switch b {
                case UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "^"), UInt8(ascii: "="), UInt8(ascii: "%"),
                    UInt8(ascii: "$"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "-"):
                    operators += 1
                case UInt8(ascii: "?"):
                    questions += 1
                case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ";"):
                    code += 1
                default:
                    break
                }
            }
            i += 1
        }
        endWord(&self)
        endLine(&self)
    }

    /// `A`…`H` (either case): answer-choice labels; `I`, `V`, … are left to roman numerals.
    @inline(__always) static func isChoiceLabel(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "H")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "h"))
    }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    /// The numeric vector the learned head reads beside the embedding, in ``headFeatureNames``
    /// order. Counts are log-scaled or turned into shares so that one long prompt cannot dominate.
    public var headVector: [Float] {
        let q = Double(max(queryChars, 1))
        let stem = Double(max(queryChars - choiceChars, 0))
        func log1p(_ x: Double) -> Float { Float((1 + x).logNatural) }
        return [
            log1p(Double(queryChars)),
            Float(Double(digits) / q),
            log1p(Double(digits)),
            Float(Double(operators) / q),
            romanNumerals >= 2 ? 1 : 0,
            Float(min(choiceLines, 8)) / 4,
            choiceLines > 0 ? log1p(Double(choiceChars) / Double(choiceLines)) : 0,
            choiceLines > 0 ? Float(numericChoices) / Float(choiceLines) : 0,
            log1p(stem),
            Float(min(lines, 100)) / 10,
            log1p(Double(code)),
            log1p(Double(math)),
            log1p(Double(reasoning)),
            log1p(Double(creative)),
            log1p(Double(questions)),
        ]
    }

    /// Names of ``headVector``'s entries (stored in the head's artefact and checked at load).
    public static let headFeatureNames = [
        "log_chars", "digit_share", "log_digits", "operator_share", "roman_enumeration", "choices", "log_choice_length",
        "numeric_choice_share", "log_stem_chars", "lines", "log_code", "log_math", "log_reasoning", "log_creative", "log_questions",
    ]
}

extension Double {
    /// Natural logarithm without Foundation.
    var logNatural: Double {
        // ln(x) = 2·atanh((x−1)/(x+1)) after scaling x into [0.5, 1) by powers of two.
        guard self > 0 else { return -.infinity }
        let e = self.exponent
        let m = self.significand  // in [1, 2)
        let y = (m - 1) / (m + 1)
        let y2 = y * y
        var term = y
        var sum = 0.0
        var k = 1.0
        for _ in 0..<30 {
            sum += term / k
            term *= y2
            k += 2
        }
        return 2 * sum + Double(e) * 0.693_147_180_559_945_3
    }
}
