/// A light suffix stripper so that inflected forms of one word compare equal ("files" and
/// "file", "encrypting" and "encrypted", "stopped" and "stop").
///
/// It is deliberately crude and symmetric: both texts go through the same function, so an odd
/// stem ("make" and "making" both become "mak") still matches. It never touches words of three
/// letters or fewer and never strips a suffix when fewer than three letters, or no vowel, would
/// remain.
enum Stemmer {
    /// Plurals no suffix rule undoes, as their singulars ("women" is "woman", so "a man in
    /// women's shoes" and "a woman in men's shoes" share their words and differ by order).
    static let irregularPlurals: [String: String] = [
        "men": "man", "women": "woman", "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse",
        "geese": "goose", "wives": "wife", "knives": "knife", "halves": "half",
    ]

    static func stem(_ word: String) -> String {
        if let singular = irregularPlurals[word] { return stem(singular) }
        var word = word
        return word.withUTF8 { bytes in
            guard bytes.count > 3 else { return nil }
            // One small buffer; suffix tests compare bytes in place (no arrays per test).
            var s = [UInt8](bytes)
            var n = s.count
            func ends(_ suffix: StaticString) -> Bool {
                let k = suffix.utf8CodeUnitCount
                guard n >= k else { return false }
                let p = suffix.utf8Start
                for i in 0..<k where s[n - k + i] != p[i] { return false }
                return true
            }
            func replaceLast(_ count: Int, with byte: UInt8) {
                n -= count
                s[n] = byte
                n += 1
            }
            if ends("'s") { n -= 2 }
            if ends("ies"), n > 4 {
                replaceLast(3, with: UInt8(ascii: "y"))
            } else if ends("sses") || ends("shes") || ends("ches") || ends("xes") || ends("zes") {
                n -= 2
            } else if ends("s"), !ends("ss"), !ends("us"), !ends("is"), n > 3 {
                n -= 1
            }
            // A stem without a vowel is no stem: "string", "spring" stay whole.
            func hasVowel(before end: Int) -> Bool { s[0..<end].contains { "aeiouy".utf8.contains($0) } }
            if ends("ing"), n - 3 >= 3, hasVowel(before: n - 3) {
                n -= 3
            } else if ends("ied"), n > 4 {
                replaceLast(3, with: UInt8(ascii: "y"))
            } else if ends("ed"), n - 2 >= 3, hasVowel(before: n - 2) {
                n -= 2
            } else if ends("ly"), !ends("ply"), n - 2 >= 4 {  // "apply", "reply" are verbs
                n -= 2
            }
            // "stopp" → "stop", "runn" → "run": undouble a final consonant left by -ed / -ing.
            if n >= 4, s[n - 1] == s[n - 2], !"aeiouls".utf8.contains(s[n - 1]) {
                n -= 1
            }
            if n > 3, s[n - 1] == UInt8(ascii: "e") {
                n -= 1
            }
            return n == s.count ? nil : String(decoding: s[0..<n], as: UTF8.self)
        } ?? word
    }
}
