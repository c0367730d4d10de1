/// Token counts read from an upstream's usage object. The upstream is not trusted to send sane
/// numbers: a count that is missing, not an integer, negative, or beyond `max` is clamped, and sums
/// saturate at `max`, so `input + cacheRead + cacheWrite` can never overflow (and trap) here, nor
/// hand a neighbour an `Int.max` that overflows when it adds to it.
package enum TokenCount {
    /// The largest count reported (2³¹ − 1): far beyond any model's context window, and small enough
    /// that every consumer can add a few counts in any integer type without overflow.
    package static let max = Int(Int32.max)

    /// A usage field as a count in 0…`max` (0 when missing or not a number).
    package static func read(_ value: JSONValue?) -> Int {
        guard case .number(let text)? = value else { return 0 }
        if let i = value?.intValue { return Swift.min(Swift.max(i, 0), max) }
        // Fractional, or beyond Int's exact range (1e300, 9223372036854775808, 1e400 = +inf):
        // clamped as a Double first, so the conversion cannot trap.
        guard let d = Double(text), !d.isNaN else { return 0 }
        return Int(Swift.min(Swift.max(d, 0), Double(max)).rounded(.down))
    }

    /// `a + b + …` saturating at `max` (inputs are already in 0…`max`).
    package static func sum(_ values: Int...) -> Int {
        var total = 0
        for v in values {
            total = Swift.min(total + Swift.min(Swift.max(v, 0), max), max)
        }
        return total
    }
}
