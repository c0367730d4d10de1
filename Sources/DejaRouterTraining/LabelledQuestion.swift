import DejaWire

/// One line of a router label file: `{"prompt", "weak_correct", "strong_correct"}` (other members,
/// such as `source` and `subject`, are ignored).
public struct LabelledQuestion: Sendable {
    public var prompt: String
    public var weakCorrect: Bool
    public var strongCorrect: Bool

    public init(prompt: String, weakCorrect: Bool, strongCorrect: Bool) {
        self.prompt = prompt
        self.weakCorrect = weakCorrect
        self.strongCorrect = strongCorrect
    }

    /// What the head learns: P(strong right) − P(weak right) for this question (−1, 0 or 1).
    public var target: Float { Float((strongCorrect ? 1 : 0) - (weakCorrect ? 1 : 0)) }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Parses a JSON-lines file; blank lines are skipped, anything else malformed is an error
    /// naming its line.
    public static func parse(jsonLines bytes: [UInt8]) throws -> [LabelledQuestion] {
        var questions: [LabelledQuestion] = []
        var line = 0
        for slice in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            line += 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let object = (try? JSONParser.parse(slice))?.objectValue, let prompt = object["prompt"]?.stringValue,
                let weak = object["weak_correct"]?.boolValue, let strong = object["strong_correct"]?.boolValue
            else {
                throw Invalid(description: "line \(line): expected {\"prompt\": string, \"weak_correct\": bool, \"strong_correct\": bool}")
            }
            questions.append(LabelledQuestion(prompt: prompt, weakCorrect: weak, strongCorrect: strong))
        }
        return questions
    }
}
