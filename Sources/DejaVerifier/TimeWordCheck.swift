/// Rejects a candidate whose time expressions differ from the question's: "What's the weather in
/// Paris?" never answers "What's the weather in Paris today?", nor "this week's" answer "last
/// week's". Expressions are compared after ``TimeSensitivity`` normalises their spellings ("right
/// now" = "currently", "newest" = "latest"), as sets: one side having any the other lacks rejects.
///
/// Unlike ``FunctionWordCheck``'s relative-time category, an expression of the present on one
/// side only also rejects: a question that names a time asks for that time's answer, and a stored
/// answer that names none may be of any age.
///
/// Cost: the expressions are read once per text, with its analysis; a verdict compares two short
/// sorted arrays.
public struct TimeWordCheck: VerificationCheck {
    /// "time_words".
    public var name: String { "time_words" }

    /// Creates the check.
    public init() {}

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let x = a.timeSensitivity.timeWords
        let y = b.timeSensitivity.timeWords
        if x == y { return nil }
        func list(_ words: [String]) -> String { words.isEmpty ? "none" : words.joined(separator: ", ") }
        return Verdict(check: name, detail: "time \(list(x)) vs \(list(y))")
    }
}
