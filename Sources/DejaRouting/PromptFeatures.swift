import DejaWire
import Foundation

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
    /// Only this many bytes of the final user message are read (its length is still the whole):
    /// the classifier runs on the request's event loop, so its cost must not grow with the body.
    /// Far above any prompt of the training file (4,896 bytes at most).
    public static let maxScannedBytes = 16 << 10

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
        var text = text
        text.makeContiguousUTF8()
        text.utf8.withContiguousStorageIfAvailable { all in
            scan(bytes: UnsafeBufferPointer(rebasing: all.prefix(Self.maxScannedBytes)))
        }
    }

    private mutating func scan(bytes: UnsafeBufferPointer<UInt8>) {
        let lexicon = SignalLexicon.table
        let counts = Self.byteClasses.withUnsafeBufferPointer { classes in Self.count(bytes, classes: classes, lexicon: lexicon) }
        words = counts.words
        digits = counts.digits
        operators = counts.operators
        lines = counts.lines
        code = counts.code
        math = counts.math
        quantity = counts.quantity
        reasoning = counts.reasoning
        creative = counts.creative
        choiceLines = counts.choiceLines
        numericChoices = counts.numericChoices
        choiceChars = counts.choiceChars
        romanNumerals = counts.romanNumerals
        questions = counts.questions
        fences = counts.fences
    }

    /// What one pass over the text counts.
    private struct Counts {
        var words = 0, digits = 0, operators = 0, lines = 0, code = 0, math = 0, quantity = 0, reasoning = 0, creative = 0
        var choiceLines = 0, numericChoices = 0, choiceChars = 0, romanNumerals = 0, questions = 0, fences = 0

        @inline(__always) mutating func word(_ word: SignalLexicon.Word, _ lexicon: SignalLexicon.Table) {
            guard words < PromptFeatures.maxScannedWords else { return }
            words += 1
            guard let signal = SignalLexicon.signal(word, in: lexicon) else { return }
            switch signal {
            case .code: code += 1
            case .math: math += 1
            case .quantity: quantity += 1
            case .reasoning: reasoning += 1
            case .creative: creative += 1
            case .roman: romanNumerals += 1
            }
        }

        @inline(__always) mutating func endLine(choiceLine: Bool, numericChoice: Bool, length: Int) {
            if choiceLine {
                choiceLines += 1
                choiceChars += length
                if numericChoice { numericChoices += 1 }
            }
            lines += 1
        }
    }

    /// One pass, one table lookup per byte, every counter a local (a pure function of its
    /// arguments, so the optimiser keeps the state in registers).
    private static func count(_ bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>, lexicon: SignalLexicon.Table) -> Counts {
        var counts = Counts()
        var word = SignalLexicon.Word()
        var lineStart = true
        var lineLength = 0
        var choiceLine = false
        var numericChoice = false
        var backticks = 0
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            if lineStart {
                lineStart = false
                if let numeric = answerChoice(bytes, at: i) {
                    choiceLine = true
                    numericChoice = numeric
                    i += bytes[i] == UInt8(ascii: "(") ? 3 : 2
                    continue
                }
            }
            let c = classes[Int(b)]
            if c & wordByte != 0 {
                word.append(b)
                if c & digitByte != 0 { counts.digits += 1 }
                lineLength += 1
                backticks = 0
                i += 1
                continue
            }
            if word.length > 0 {
                counts.word(word, lexicon)
                word = SignalLexicon.Word()
            }
            if c & newlineByte != 0 {
                counts.endLine(choiceLine: choiceLine, numericChoice: numericChoice, length: lineLength)
                choiceLine = false
                numericChoice = false
                lineLength = 0
                lineStart = true
                backticks = 0
                i += 1
                continue
            }
            lineLength += 1
            if c & backtickByte != 0 {
                backticks += 1
                if backticks == 3 {
                    counts.fences += 1
                    backticks = 0
                }
            } else {
                backticks = 0
            }
            if c & operatorByte != 0 { counts.operators += 1 }
            if c & questionByte != 0 { counts.questions += 1 }
            if c & codeByte != 0 { counts.code += 1 }
            i += 1
        }
        if word.length > 0 { counts.word(word, lexicon) }
        counts.endLine(choiceLine: choiceLine, numericChoice: numericChoice, length: lineLength)
        return counts
    }

    /// At a line start: nil unless an answer-choice label follows (`A.`, `B)`, `(c)` then a
    /// space or the end); then whether the choice starts with a number (an amount, a measure).
    private static func answerChoice(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool? {
        var j = i
        if j < bytes.count, bytes[j] == UInt8(ascii: "(") { j += 1 }
        guard j + 1 < bytes.count, isChoiceLabel(bytes[j]), bytes[j + 1] == UInt8(ascii: ".") || bytes[j + 1] == UInt8(ascii: ")"),
            j + 2 >= bytes.count || bytes[j + 2] == UInt8(ascii: " ")
        else { return nil }
        var k = j + 2
        while k < bytes.count, bytes[k] == UInt8(ascii: " ") { k += 1 }
        guard k < bytes.count else { return false }
        let first = bytes[k]
        return (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: "$") || first == UInt8(ascii: "-")
    }

    static let wordByte: UInt8 = 1
    static let digitByte: UInt8 = 2
    static let newlineByte: UInt8 = 4
    static let backtickByte: UInt8 = 8
    static let operatorByte: UInt8 = 16
    static let questionByte: UInt8 = 32
    static let codeByte: UInt8 = 64

    /// What each byte is to the scanner: part of a word (letters, digits, `_`, `'`, and every
    /// non-ASCII byte), a digit, a newline, a backtick, an operator, `?`, or code punctuation.
    static let byteClasses: [UInt8] = (0..<256).map { v in
        let b = UInt8(v)
        var c: UInt8 = 0
        if isLetter(b) || b >= 0x80 || b == UInt8(ascii: "_") || b == UInt8(ascii: "'") { c |= wordByte }
        if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { c |= wordByte | digitByte }
        if b == UInt8(ascii: "\n") { c |= newlineByte }
        if b == UInt8(ascii: "`") { c |= backtickByte }
        if "+*/^=%$<>-".utf8.contains(b) { c |= operatorByte }
        if b == UInt8(ascii: "?") { c |= questionByte }
        if "{};".utf8.contains(b) { c |= codeByte }
        return c
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
        func log1p(_ x: Double) -> Float { Float(Foundation.log1p(x)) }
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
