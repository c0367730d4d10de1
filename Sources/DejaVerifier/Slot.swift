/// A value a question is about, that must be the same in a cached question for its answer to
/// apply: a number, a name, a language, a unit, a date, a quoted string, an identifier.
///
/// Slots are compared as an ordered sequence of `(kind, value)`, so "from A to B" and "from B to
/// A" differ. Values are canonical: lower-cased, numbers parsed ("1,000" is "1000", "three" is
/// "3"), synonyms folded ("km" and "kilometres" are both "km", "$" and "dollars" both "usd").
public struct Slot: Sendable, Hashable, CustomStringConvertible {
    /// What sort of value a slot holds.
    public enum Kind: String, Sendable, Hashable {
        /// A number, with its sign, `%` or ordinal suffix: "-3", "12345", "3.5", "20%", "10th".
        case number
        /// The text of a quoted string.
        case quoted
        /// Inline code or an identifier: backticks, `snake_case`, `camelCase`, `dotted.names`,
        /// `Foo::bar`, `x^2`, `--verbose`.
        case code
        /// A URL.
        case url
        /// An e-mail address.
        case email
        /// A capitalised name that is not at the start of a sentence ("New York", "Tesla").
        case entity
        /// A programming language ("python", "c++", "go").
        case programmingLanguage
        /// A natural language or nationality ("english", "german").
        case naturalLanguage
        /// A unit of measure ("celsius", "km", "pound", "day").
        case unit
        /// A month, weekday, season, relative day or numeric date ("monday", "2024-05-01").
        case date
        /// A currency ("usd", "eur").
        case currency
    }

    /// The direction a slot plays when a preposition marks it: "from X" is a source, "to X" a target.
    public enum Role: Sendable, Hashable {
        case none
        case source
        case target
    }

    /// The sort of value.
    public var kind: Kind
    /// The canonical value.
    public var value: String
    /// Whether a preposition marks it as a source or a target.
    public var role: Role
    /// Index of the first word of the slot in ``AnalyzedText/words``.
    public var wordIndex: Int
    /// Number of words the slot spans.
    public var wordCount: Int
    /// True when the slot was found only because of capital letters (names, `camelCase`). Such
    /// slots are matched in the other text whatever its case, so re-casing never rejects.
    public var isCaseDerived: Bool

    /// Creates a slot.
    public init(kind: Kind, value: String, role: Role = .none, wordIndex: Int, wordCount: Int = 1, isCaseDerived: Bool = false) {
        self.kind = kind
        self.value = value
        self.role = role
        self.wordIndex = wordIndex
        self.wordCount = wordCount
        self.isCaseDerived = isCaseDerived
    }

    /// `kind:value`, for explanations.
    public var description: String { "\(kind.rawValue):\(value)" }
}
