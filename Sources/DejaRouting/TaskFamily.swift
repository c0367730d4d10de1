/// What kind of work a prompt asks for; catalogue models carry a quality score per family.
public enum TaskFamily: String, Sendable, CaseIterable, Codable {
    case general, code, math, reasoning, creative
}

/// How demanding a prompt looks. Sets the minimum quality a model needs to be a candidate.
public enum Complexity: String, Sendable, CaseIterable, Codable, Comparable {
    case simple, medium, complex

    public static func < (a: Complexity, b: Complexity) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .simple: 0
        case .medium: 1
        case .complex: 2
        }
    }
}
