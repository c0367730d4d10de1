import Foundation

extension WordPieceTokenizer {
    /// Lower-cases each scalar (full mapping, no context: capital sigma is always σ), then applies
    /// NFD and drops non-spacing marks. The two steps commute per scalar, so their order is free.
    ///
    /// Foundation's NFD takes time quadratic in the length of the string it is given, so only
    /// short words go to it whole; longer ones take ``normalizeLong(_:)``.
    static func normalize(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard word.count > longWord else { return normalizeShort(word) }
        return normalizeLong(word)
    }

    /// Words up to this many scalars are decomposed by one Foundation call.
    static let longWord = 64

    static func normalizeShort(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lowered = String.UnicodeScalarView()
        for scalar in word {
            if scalar.properties.changesWhenLowercased {
                lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                lowered.append(scalar)
            }
        }
        let decomposed = String(lowered).decomposedStringWithCanonicalMapping
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(word.count + 4)
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            result.append(scalar)
        }
        return result
    }

    /// ``normalizeShort(_:)`` in linear time: each distinct scalar is decomposed once (NFD of
    /// a single scalar), then the canonical ordering algorithm (a stable sort of each run of
    /// non-starters by combining class) runs over the whole word, then non-spacing marks go.
    /// That is NFD by its definition, so the result is the same scalar for scalar.
    static func normalizeLong(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // A non-spacing mark normalises to nothing on its own, so marks can be skipped before
        // decomposing, unless a kept non-starter could be reordered across them.
        normalizeLong(word, skippingMarks: true) ?? normalizeLong(word, skippingMarks: false)!
    }

    /// ``normalizeLong(_:)``; when `skippingMarks`, nil if the word has a non-starter that is
    /// not a non-spacing mark (the caller then decomposes everything).
    private static func normalizeLong(_ word: [Unicode.Scalar], skippingMarks: Bool) -> [Unicode.Scalar]? {
        // Each decomposed scalar as its value, with bit 31 set for a non-spacing mark, and its
        // combining class; the properties are looked up once per distinct scalar.
        let markBit: UInt32 = 1 << 31
        var decompositions: [UInt32: [(value: UInt32, rank: UInt8)]] = [:]
        var values: [UInt32] = []
        var classes: [UInt8] = []
        values.reserveCapacity(word.count + 8)
        classes.reserveCapacity(word.count + 8)
        var keptNonStarter = false
        func appendDecomposed(_ scalar: Unicode.Scalar) {
            // Nothing below U+00C0 has a canonical decomposition, a non-zero class or is a mark.
            guard scalar.value >= 0xC0 else {
                values.append(scalar.value)
                classes.append(0)
                return
            }
            if decompositions[scalar.value] == nil {
                decompositions[scalar.value] = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.map { part in
                    let isMark = part.properties.generalCategory == .nonspacingMark
                    return (part.value | (isMark ? markBit : 0), part.properties.canonicalCombiningClass.rawValue)
                }
            }
            for part in decompositions[scalar.value]! {
                values.append(part.value)
                classes.append(part.rank)
                if part.rank != 0 && part.value & markBit == 0 { keptNonStarter = true }
            }
        }
        for scalar in word {
            if scalar.value < 0x80 {
                appendDecomposed((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
                continue
            }
            let properties = scalar.properties
            if skippingMarks, scalar.value >= 0x300, properties.generalCategory == .nonspacingMark { continue }
            if properties.changesWhenLowercased {
                for lowered in properties.lowercaseMapping.unicodeScalars { appendDecomposed(lowered) }
            } else {
                appendDecomposed(scalar)
            }
            if skippingMarks, keptNonStarter { return nil }
        }
        var start = 0
        while start < values.count {
            guard classes[start] != 0 else {
                start += 1
                continue
            }
            var end = start + 1
            var ordered = true
            while end < values.count, classes[end] != 0 {
                if classes[end] < classes[end - 1] { ordered = false }
                end += 1
            }
            if !ordered { sortByClass(&values, &classes, start..<end) }
            start = end
        }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(values.count)
        for value in values where value & markBit == 0 {
            result.append(Unicode.Scalar(value)!)
        }
        return result
    }

    /// The scalars whose normalisation contains punctuation, which splits the word they are in
    /// ("≠" becomes "=" and a mark): U+1FEF, U+2260, U+226E, U+226F. `TokenizerBoundsTests`
    /// checks every scalar against this list.
    @inline(__always)
    static func splitsWhenNormalized(_ value: UInt32) -> Bool {
        value == 0x1FEF || value == 0x2260 || value == 0x226E || value == 0x226F
    }

    /// Stable sort of `range` by combining class: insertion sort for short runs, counting sort
    /// (linear) for long ones.
    private static func sortByClass(_ values: inout [UInt32], _ classes: inout [UInt8], _ range: Range<Int>) {
        if range.count <= 16 {
            for i in (range.lowerBound + 1)..<range.upperBound {
                let value = values[i]
                let rank = classes[i]
                var j = i
                while j > range.lowerBound, classes[j - 1] > rank {
                    values[j] = values[j - 1]
                    classes[j] = classes[j - 1]
                    j -= 1
                }
                values[j] = value
                classes[j] = rank
            }
            return
        }
        var positions = [Int](repeating: 0, count: 257)
        for i in range { positions[Int(classes[i]) + 1] += 1 }
        for rank in 1...256 { positions[rank] += positions[rank - 1] }
        let original = Array(values[range])
        let originalClasses = Array(classes[range])
        for (offset, rank) in originalClasses.enumerated() {
            let target = range.lowerBound + positions[Int(rank)]
            positions[Int(rank)] += 1
            values[target] = original[offset]
            classes[target] = rank
        }
    }

    /// BERT's punctuation: all non-alphanumeric printable ASCII, plus Unicode categories P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return isASCIIPunctuation(value) }
        return isPunctuation(scalar.properties.generalCategory)
    }

    /// True for the Unicode punctuation categories (P*); for scalars from U+0080.
    static func isPunctuation(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isASCIIPunctuation(_ value: UInt32) -> Bool {
        (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value)
    }

    /// The CJK ideograph blocks the reference tokenizer isolates. The fifth range starts at
    /// U+2B920 (not U+2B820 as in Google's BERT) because that is what the reference does.
    @inline(__always)
    static func isCJK(_ value: UInt32) -> Bool {
        guard value >= 0x3400 else { return false }
        return (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B81F).contains(value)
            || (0x2B920...0x2CEAF).contains(value) || (0xF900...0xFAFF).contains(value)
            || (0x2F800...0x2FA1F).contains(value)
    }
}
