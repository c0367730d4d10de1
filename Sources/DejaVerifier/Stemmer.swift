/// A light suffix stripper so that inflected forms of one word compare equal ("files" and
/// "file", "encrypting" and "encrypted", "stopped" and "stop").
///
/// It is deliberately crude and symmetric: both texts go through the same function, so an odd
/// stem ("make" and "making" both become "mak") still matches. It never touches words of three
/// letters or fewer and never strips a suffix when fewer than three letters would remain.
enum Stemmer {
    static func stem(_ word: String) -> String {
        var s = Array(word.utf8)
        guard s.count > 3 else { return word }
        func ends(_ suffix: String) -> Bool {
            let u = Array(suffix.utf8)
            return s.count >= u.count && Array(s[(s.count - u.count)...]) == u
        }
        func drop(_ n: Int) { s.removeLast(n) }
        if ends("'s") {
            drop(2)
        }
        if ends("ies"), s.count > 4 {
            drop(3)
            s.append(UInt8(ascii: "y"))
        } else if ends("sses") || ends("shes") || ends("ches") || ends("xes") || ends("zes") {
            drop(2)
        } else if ends("s"), !ends("ss"), !ends("us"), !ends("is"), s.count > 3 {
            drop(1)
        }
        if ends("ing"), s.count - 3 >= 3 {
            drop(3)
        } else if ends("ied"), s.count > 4 {
            drop(3)
            s.append(UInt8(ascii: "y"))
        } else if ends("ed"), s.count - 2 >= 3 {
            drop(2)
        } else if ends("ly"), s.count - 2 >= 4 {
            drop(2)
        }
        // "stopp" → "stop", "runn" → "run": undouble a final consonant left by -ed / -ing.
        if s.count >= 4, s[s.count - 1] == s[s.count - 2], !"aeiouls".utf8.contains(s[s.count - 1]) {
            drop(1)
        }
        if s.count > 3, s.last == UInt8(ascii: "e") {
            drop(1)
        }
        return String(decoding: s, as: UTF8.self)
    }
}
