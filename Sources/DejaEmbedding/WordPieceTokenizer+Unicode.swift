import Foundation

extension WordPieceTokenizer {
    /// Lower-cases each scalar (full mapping, no context: capital sigma is always σ), then applies
    /// NFD and drops non-spacing marks. The two steps commute per scalar, so their order is free.
    static func normalize(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
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

    /// BERT's punctuation: all non-alphanumeric printable ASCII, plus Unicode categories P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return isASCIIPunctuation(value) }
        switch scalar.properties.generalCategory {
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
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B81F).contains(value)
            || (0x2B920...0x2CEAF).contains(value) || (0xF900...0xFAFF).contains(value)
            || (0x2F800...0x2FA1F).contains(value)
    }
}
