/// Rejects a candidate that swaps the two sides of a directional word: "convert a list to a
/// tuple" vs "convert a tuple to a list", "from monthly to annual" vs "from annual to monthly",
/// "grams in a kilogram" vs "kilograms in a gram", "the blue one, not the black one" vs "the black one, not the blue one".
///
/// ``SlotCheck`` already catches swapped slots (names, units, languages); this check covers plain
/// words. Around every connector ("to", "into", "from", "than", "in", "per", "vs", "not") it takes up
/// to ``window`` content words on each side, up to the next connector, and rejects when a word
/// before the connector in one text is after it in the other and vice versa.
///
/// Cost: one comparison per pair of sides (one per text) around the same connector; a pair of
/// texts with more than ``maximumComparedPairs`` such pairs (a one-line question has a handful) is
/// rejected without comparing, as a pair the check cannot vouch for.
public struct OrderCheck: VerificationCheck {
    /// "order".
    public var name: String { "order" }
    /// How many content words on each side of a connector are considered. Default 3.
    public var window: Int

    /// Creates the check.
    public init(window: Int = 3) {
        self.window = window
    }

    static let connectors: Set<String> = ["to", "into", "from", "than", "in", "per", "vs", "versus", "onto", "towards", "not"]

    struct Side: Hashable {
        var connector: String
        var left: [String]
        var right: [String]
    }

    func sides(_ text: AnalyzedText) -> [Side] {
        var result: [Side] = []
        let words = text.words
        func isKey(_ i: Int) -> Bool {
            let w = words[i]
            return !Lexicon.stopWords.contains(w.lower) && !Lexicon.negations.contains(w.lower)
        }
        for (i, word) in words.enumerated() where Self.connectors.contains(word.lower) {
            var left: [String] = []
            var j = i - 1
            while j >= 0, left.count < window, !Self.connectors.contains(words[j].lower) {
                if isKey(j) { left.append(words[j].stem) }
                j -= 1
            }
            var right: [String] = []
            j = i + 1
            while j < words.count, right.count < window, !Self.connectors.contains(words[j].lower) {
                if isKey(j) { right.append(words[j].stem) }
                j += 1
            }
            if !left.isEmpty && !right.isEmpty { result.append(Side(connector: word.lower, left: left, right: right)) }
        }
        return result
    }

    /// The most pairs of distinct sides (same connector, one side from each text) a verdict
    /// compares: 4,096.
    public static let maximumComparedPairs = 4096

    public func verdict(_ a: AnalyzedText, _ b: AnalyzedText) -> Verdict? {
        let sa = sides(a)
        guard !sa.isEmpty else { return nil }
        let sb = sides(b)
        // A one-line question has a side or two: compare them directly.
        if sa.count * sb.count <= 64 {
            for x in sa {
                for y in sb where x.connector == y.connector {
                    if let verdict = swap(x, y) { return verdict }
                }
            }
            return nil
        }
        // Equal sides give equal answers, so only the first of each is compared, and only with
        // the other text's sides of the same connector: the same first verdict as comparing
        // every pair, at a fraction of the work for long texts.
        let distinctA = Self.distinct(sa)
        var byConnector: [String: [Side]] = [:]
        for side in Self.distinct(sb) { byConnector[side.connector, default: []].append(side) }
        let pairs = distinctA.reduce(0) { $0 + (byConnector[$1.connector]?.count ?? 0) }
        if pairs > Self.maximumComparedPairs {
            return Verdict(check: name, detail: "\(pairs) pairs of connector sides, too many to compare")
        }
        for x in distinctA {
            for y in byConnector[x.connector] ?? [] {
                if let verdict = swap(x, y) { return verdict }
            }
        }
        return nil
    }

    /// The rejection when a word before the connector in `x` is after it in `y` and vice versa.
    private func swap(_ x: Side, _ y: Side) -> Verdict? {
        guard let before = x.left.first(where: { y.right.contains($0) }),
            let after = x.right.first(where: { y.left.contains($0) && $0 != before })
        else { return nil }
        // Words on both sides of the connector in either text say nothing about order.
        if x.right.contains(before) || y.left.contains(before) || x.left.contains(after) || y.right.contains(after) {
            return nil
        }
        return Verdict(
            check: name,
            detail: "'\(before) \(x.connector) \(after)' in the query vs '\(after) \(y.connector) \(before)' in the candidate"
        )
    }

    /// `sides` without repeats, first occurrences in order.
    private static func distinct(_ sides: [Side]) -> [Side] {
        var seen = Set<Side>()
        return sides.filter { seen.insert($0).inserted }
    }
}
