/// Acronyms and numeronyms written out in the other text: "ROI" / "return on investment", "NYC" /
/// "New York City", "FAQ" / "frequently asked questions", "k8s" / "Kubernetes", "i18n" /
/// "internationalization". Found by their letters, not from a list: an acronym is a word of two to
/// six capital letters whose letters are the initials of as many consecutive words of the other
/// text; a numeronym is a letter, a number and a letter that are the first letter, the count of
/// the letters between and the last letter of one word of the other text. ``SlotCheck`` and
/// ``ContentWordCheck`` treat the two as the same words.
enum Acronym {
    /// Where `x`'s acronyms are written out in `y`: (the acronym's word index in `x`, the words of
    /// `y` that spell it). An acronym `y` also contains as it is is not expanded. Linear in the
    /// words for each acronym (a question has none or one).
    static func expansions(_ x: AnalyzedText, in y: AnalyzedText) -> [(acronym: Int, words: Range<Int>)] {
        var result: [(acronym: Int, words: Range<Int>)] = []
        for (index, word) in x.words.enumerated() {
            if !x.ignoresCapitals, let letters = acronymLetters(word) {
                guard !y.stems.contains(word.stem), letters.count <= y.words.count else { continue }
                let initials = y.words.map { $0.lower.unicodeScalars.first }
                var found = false
                for start in 0...(y.words.count - letters.count) {
                    let run = start..<(start + letters.count)
                    if zip(run, letters).allSatisfy({ initials[$0] == $1 }), !y.words[run].contains(where: \.isSymbolic) {
                        result.append((index, run))
                        found = true
                        break
                    }
                }
                // The letters of one compound word: "DB" / "database".
                if !found, let j = y.words.indices.first(where: { spellsOut(letters, y.words[$0]) }) {
                    result.append((index, j..<(j + 1)))
                }
            } else if let (first, inner, last) = numeronym(word) {
                guard !y.stems.contains(word.stem) else { continue }
                for (j, other) in y.words.enumerated() where !other.isSymbolic {
                    let scalars = Array(other.lower.unicodeScalars)
                    if scalars.count == inner + 2, scalars.first == first, scalars.last == last {
                        result.append((index, j..<(j + 1)))
                        break
                    }
                }
            }
        }
        return result
    }

    /// Whether `word` (prose, not in capitals) starts with the acronym's first letter and holds its
    /// other letters in order, being at least six letters and at most three per letter of the
    /// acronym plus two: "database" for "DB"; not "mail" for "ML" (too short), nor "javascript"
    /// for "JS" (too long to tell from chance).
    private static func spellsOut(_ letters: [Unicode.Scalar], _ word: AnalyzedText.Word) -> Bool {
        let length = word.lower.unicodeScalars.count
        guard !word.isSymbolic, length >= 6, length <= 3 * letters.count + 2, word.text != word.text.uppercased() else { return false }
        let scalars = Array(word.lower.unicodeScalars)
        guard scalars.first == letters.first else { return false }
        var i = 0
        for letter in letters {
            guard let found = scalars[i...].firstIndex(of: letter) else { return false }
            i = found + 1
        }
        return true
    }

    /// The lower-case letters of an acronym ("ROI" → r, o, i): two to six ASCII capitals as
    /// written (the caller skips texts in capitals throughout).
    private static func acronymLetters(_ word: AnalyzedText.Word) -> [Unicode.Scalar]? {
        let bytes = word.text.utf8
        guard (2...6).contains(bytes.count), bytes.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return nil }
        return word.lower.unicodeScalars.map { $0 }
    }

    /// A numeronym's first letter, inner count and last letter ("k8s" → k, 8, s): an ASCII letter,
    /// one or two digits (at least 2), an ASCII letter.
    private static func numeronym(_ word: AnalyzedText.Word) -> (Unicode.Scalar, Int, Unicode.Scalar)? {
        let bytes = word.lower.utf8
        guard (3...4).contains(bytes.count), let first = bytes.first, let last = bytes.last, isLetter(first), isLetter(last) else { return nil }
        var inner = 0
        for byte in bytes.dropFirst().dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            inner = inner * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard inner >= 2 else { return nil }
        return (Unicode.Scalar(first), inner, Unicode.Scalar(last))
    }

    private static func isLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
}
