public import DejaWire
/// Conversation turns with consecutive same-role contributions merged into one turn: Anthropic
/// requires strictly alternating roles and Gemini prefers them, while OpenAI clients may send
/// several user or tool messages in a row. Empty contributions are dropped.
struct MergedTurns {
    private(set) var turns: [(role: String, items: [JSONValue])] = []

    mutating func add(_ role: String, _ items: [JSONValue]) {
        guard !items.isEmpty else { return }
        if let last = turns.last, last.role == role {
            turns[turns.count - 1].items.append(contentsOf: items)
        } else {
            turns.append((role, items))
        }
    }
}
