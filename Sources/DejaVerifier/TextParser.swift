/// The single pass behind ``AnalyzedText``: splits a text into words, then finds slots and
/// negation cues. Works on Unicode scalars; never calls into Foundation.
///
/// Linear in the text: every scalar is read a bounded number of times (quote closers are
/// searched forward only, see ``scanSpans()``), each word's strings are built once, and slot
/// look-ups by word go through per-word tables rather than scans of the slot list.
struct TextParser {
    let scalars: [Unicode.Scalar]
    private(set) var words: [AnalyzedText.Word] = []
    private(set) var slots: [Slot] = []
    private(set) var negations: [String] = []
    /// Word indices that are never content words (parts of slots such as ordinals and code).
    private(set) var nonContent: Set<Int> = []
    private(set) var ignoresCapitals = false

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// A parser of the first `maximumCharacters` scalars of `text` only.
    init(_ text: String, maximumCharacters: Int) {
        scalars = Array(text.unicodeScalars.prefix(max(0, maximumCharacters)))
    }

    mutating func run() {
        scanSpans()
        scanChunks()
        ignoresCapitals = Self.mostlyCapitalised(words)
        findLexiconSlots()
        if !ignoresCapitals { findNames() }
        slots.sort { $0.wordIndex < $1.wordIndex }
        normaliseTimesAndTemperatures()
        let (dated, absorbed) = DateSlots.normalised(slots, words: words)
        slots = dated
        nonContent.formUnion(absorbed)
        assignRoles()
    }

    // MARK: Quoted strings and inline code

    private static let openingQuotes: Set<Unicode.Scalar> = ["\"", "“", "'", "‘", "`"]

    /// Records quoted strings and backtick code as slots; their words are still scanned as prose.
    private mutating func scanSpans() {
        var closers = CloserSearch()
        var index = 0
        while index < scalars.count {
            let c = scalars[index]
            guard Self.openingQuotes.contains(c) else {
                index += 1
                continue
            }
            let before: Unicode.Scalar? = index > 0 ? scalars[index - 1] : nil
            if c == "'" || c == "‘" {
                // An apostrophe inside a word ("what's") does not open a quote.
                if let before, !(before.isWhitespaceFast || "([{".unicodeScalars.contains(before)) {
                    index += 1
                    continue
                }
            }
            let end = closers.closer(of: c, openedAt: index, in: scalars)
            guard end < scalars.count, end > index + 1 else {
                index += 1
                continue
            }
            let inner = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
            let kind: Slot.Kind = c == "`" ? .code : .quoted
            let value = c == "`" ? Self.collapse(inner.lowercased(), keepPunctuation: true) : Self.collapse(inner.lowercased(), keepPunctuation: false)
            if !value.isEmpty {
                // wordIndex is fixed up once words exist; store the scalar offset for now.
                pendingSpans.append((offset: index, slot: Slot(kind: kind, value: value, wordIndex: -1)))
            }
            index = end + 1
        }
    }

    /// Finds where a quote closes: the first closer after the opener (`scalars.count` when
    /// none). Openers are met in increasing order, so the last answer per kind of quote is
    /// reused while it is still ahead: each kind's search moves forward only, and unclosed
    /// quotes ("“a “a “a …") cost one pass rather than one pass each.
    private struct CloserSearch {
        /// Per opening quote: the opener offset searched from and the closer found.
        private var last: [Unicode.Scalar: (from: Int, end: Int)] = [:]

        mutating func closer(of opener: Unicode.Scalar, openedAt index: Int, in scalars: [Unicode.Scalar]) -> Int {
            // No closer lies strictly between `from` and `end`, so for `from <= index < end`
            // the first closer after `index` is `end` again.
            if let known = last[opener], known.from <= index, index < known.end { return known.end }
            let closers: Set<Unicode.Scalar> =
                switch opener {
                case "“": ["”", "\""]
                case "‘": ["’", "'"]
                default: [opener]
                }
            let single = opener == "'" || opener == "‘"
            var end = index + 1
            while end < scalars.count {
                if closers.contains(scalars[end]) {
                    // A closing single quote is followed by a non-letter ("'hi' in", "'hi'.").
                    guard single, end + 1 < scalars.count, scalars[end + 1].isAlphabeticFast else { break }
                }
                end += 1
            }
            last[opener] = (index, end)
            return end
        }
    }

    private var pendingSpans: [(offset: Int, slot: Slot)] = []

    static func collapse(_ text: String, keepPunctuation: Bool) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in text.unicodeScalars {
            let keep = s.isAlphabeticFast || s.isNumericFast || (keepPunctuation && !s.isWhitespaceFast)
            if keep {
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(s)
            } else {
                pendingSpace = true
            }
        }
        return String(out)
    }

    // MARK: Words

    private static let leadingStrip: Set<Unicode.Scalar> = ["\"", "'", "“", "”", "‘", "’", "(", "[", "{", "<", "`", "*", "¿", "¡"]
    private static let trailingStrip: Set<Unicode.Scalar> = [
        "\"", "'", "“", "”", "‘", "’", ")", "]", "}", ">", ",", ";", ":", "!", "?", ".", "`", "*", "…",
    ]
    private static let sentenceEnds: Set<Unicode.Scalar> = [".", "!", "?", ":", "…"]
    private static let dashes: Set<Unicode.Scalar> = ["-", "–", "—"]

    /// The words "e.g." and "i.e." stand for (with or without their dots, before a comma), or nil.
    static func latinAbbreviation(_ range: Range<Int>, in scalars: [Unicode.Scalar]) -> [String]? {
        guard (2...6).contains(range.count) else { return nil }
        var letters = String.UnicodeScalarView()
        for i in range where ![".", ",", ":", ";", ")"].contains(scalars[i]) { letters.append(scalars[i]) }
        switch String(letters).lowercased() {
        case "eg" where range.count >= 3: return ["for", "example"]  // "e.g", "eg." — not a bare "eg"
        case "ie" where scalars[range.lowerBound + 1] == ".": return ["that", "is"]  // "i.e.", not "IE."
        default: return nil
        }
    }

    /// "foot" for digits followed by a prime ("10'", "10′"), "inch" for a double prime ("65\"",
    /// "65″"), each optionally followed by sentence punctuation; nil otherwise.
    static func primeUnit(_ range: Range<Int>, in scalars: [Unicode.Scalar]) -> String? {
        var i = range.lowerBound
        guard i < range.upperBound, scalars[i].isASCII, scalars[i].isNumericFast else { return nil }
        while i < range.upperBound, scalars[i].isASCII, scalars[i].isNumericFast || scalars[i] == "." { i += 1 }
        guard i < range.upperBound else { return nil }
        let unit: String
        switch scalars[i] {
        case "'", "′", "’": unit = "foot"
        case "\"", "″", "”": unit = "inch"
        default: return nil
        }
        for j in (i + 1)..<range.upperBound where ![",", ".", "?", "!", ";", ":", ")"].contains(scalars[j]) { return nil }
        // A quote opened before, in the last 200 characters, closes here: "Route 66", not 66 inches.
        let openers: Set<Unicode.Scalar> = unit == "foot" ? ["'", "‘"] : ["\"", "“"]
        var k = range.lowerBound - 1
        while k >= 0, range.lowerBound - k <= 200 {
            if openers.contains(scalars[k]), k == 0 || scalars[k - 1].isWhitespaceFast { return nil }
            k -= 1
        }
        return unit
    }
    private static let clauseEnds: Set<Unicode.Scalar> = [",", ";"]

    private mutating func scanChunks() {
        var index = 0
        var sentenceInitial = true
        var clauseInitial = true
        var spanCursor = 0
        while index < scalars.count {
            if scalars[index].isWhitespaceFast {
                index += 1
                continue
            }
            var end = index
            while end < scalars.count, !scalars[end].isWhitespaceFast { end += 1 }
            var lo = index
            var hi = end
            while lo < hi, Self.leadingStrip.contains(scalars[lo]) { lo += 1 }
            // A dash standing alone ("curious — how often…") ends a clause.
            if lo < hi, (lo..<hi).allSatisfy({ Self.dashes.contains(scalars[$0]) }) {
                clauseInitial = true
                index = end
                continue
            }
            // Feet and inches written with primes: "10'", "65\"" (not after an opening quote).
            let primeUnit = lo == index ? Self.primeUnit(lo..<hi, in: scalars) : nil
            var endsSentence = false
            var endsClause = false
            while hi > lo, Self.trailingStrip.contains(scalars[hi - 1]) {
                // Keep "()" of a call and the "+" / "#" of C++ / C#.
                if scalars[hi - 1] == ")", hi - lo >= 2, scalars[hi - 2] == "(" { break }
                if Self.sentenceEnds.contains(scalars[hi - 1]) { endsSentence = true }
                if Self.clauseEnds.contains(scalars[hi - 1]) { endsClause = true }
                hi -= 1
            }
            // "e.g." and "i.e." are "for example" and "that is", and end no sentence.
            if let expansion = Self.latinAbbreviation(lo..<end, in: scalars) {
                let before = words.count
                for (k, part) in expansion.enumerated() {
                    appendWord(lo..<hi, text: part, sentenceInitial: sentenceInitial && k == 0, symbolic: false)
                }
                words[before].startsClause = clauseInitial
                sentenceInitial = false
                clauseInitial = endsClause
                index = end
                continue
            }
            // Attach pending quoted/code spans to the first word at or after their offset.
            while spanCursor < pendingSpans.count, pendingSpans[spanCursor].offset < end {
                var slot = pendingSpans[spanCursor].slot
                slot.wordIndex = words.count
                slots.append(slot)
                spanCursor += 1
            }
            if lo < hi {
                let before = words.count
                let slotsBefore = slots.count
                chunk(lo..<hi, sentenceInitial: sentenceInitial)
                if let primeUnit, words.count == before + 1, slots.count == slotsBefore + 1, slots[slotsBefore].kind == .number {
                    slots.append(Slot(kind: .unit, value: primeUnit, wordIndex: before))
                }
                if words.count > before {
                    words[before].startsClause = clauseInitial
                    sentenceInitial = false
                    clauseInitial = false
                }
            }
            if endsSentence { sentenceInitial = true }
            if endsSentence || endsClause { clauseInitial = true }
            index = end
        }
        while spanCursor < pendingSpans.count {
            var slot = pendingSpans[spanCursor].slot
            slot.wordIndex = max(0, words.count - 1)
            slots.append(slot)
            spanCursor += 1
        }
    }

    private func string(_ range: Range<Int>) -> String {
        if scalars[range].allSatisfy(\.isASCII) {
            // The common case: one allocation, no scalar-by-scalar view appends.
            return String(unsafeUninitializedCapacity: range.count) { buffer in
                for (offset, i) in range.enumerated() { buffer[offset] = UInt8(truncatingIfNeeded: scalars[i].value) }
                return range.count
            }
        }
        return String(String.UnicodeScalarView(scalars[range]))
    }

    private mutating func appendWord(_ range: Range<Int>, text: String? = nil, sentenceInitial: Bool, symbolic: Bool) {
        let raw = text ?? string(range)
        // "Pokémon" and "pokemon", "café" and "cafe": typed with or without accents.
        let lower = raw.lowercased().foldingLatinAccents()
        let first = raw.unicodeScalars.first(where: { $0.isAlphabeticFast })
        words.append(
            AnalyzedText.Word(
                text: raw, lower: lower, stem: symbolic ? lower : Stemmer.stem(lower), offsets: range,
                isCapitalised: first?.isUppercaseFast ?? false,
                isSentenceInitial: sentenceInitial, isSymbolic: symbolic
            )
        )
    }

    /// Classifies one whitespace-separated chunk (already stripped of outer punctuation).
    private mutating func chunk(_ range: Range<Int>, sentenceInitial: Bool) {
        var range = range
        let raw = string(range)
        let lower = raw.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("www.") {
            var value = lower
            while value.hasSuffix("/") { value.removeLast() }
            slots.append(Slot(kind: .url, value: value, wordIndex: words.count))
            appendWord(range, sentenceInitial: sentenceInitial, symbolic: true)
            return
        }
        if let at = lower.firstIndex(of: "@"), at != lower.startIndex, lower[at...].contains(".") {
            slots.append(Slot(kind: .email, value: lower, wordIndex: words.count))
            appendWord(range, sentenceInitial: sentenceInitial, symbolic: true)
            return
        }
        // Whole-chunk lexicon entries with punctuation: "c++", "c#", "km/h", "node.js".
        if lower.unicodeScalars.contains(where: { !$0.isAlphabeticFast }), Lexicon.slot(forWord: lower) != nil {
            appendWord(range, sentenceInitial: sentenceInitial, symbolic: false)
            return
        }
        if scalars[range.lowerBound] == "#", range.count > 1, scalars[range.lowerBound + 1].isNumericFast {
            range = (range.lowerBound + 1)..<range.upperBound
        }
        if number(range, sentenceInitial: sentenceInitial) { return }
        if let dot = sentenceBreakDot(range) {
            // "my laptop.what should I check": a space missed after a full stop, not code.
            chunk(range.lowerBound..<dot, sentenceInitial: sentenceInitial)
            chunk((dot + 1)..<range.upperBound, sentenceInitial: true)
            return
        }
        // "$1,250/month", "20/hr": an amount per period, read as the amount and its period.
        if let slash = periodSlash(range) {
            chunk(range.lowerBound..<slash, sentenceInitial: sentenceInitial)
            chunk((slash + 1)..<range.upperBound, sentenceInitial: false)
            return
        }
        let codePunctuation = hasCodePunctuation(range)
        // A unit's symbol ("kW", "kWh", "mAh") is its unit, not code.
        if codePunctuation || isCamelCase(range) && Lexicon.units[lower] == nil {
            slots.append(Slot(kind: .code, value: lower, wordIndex: words.count, isCaseDerived: !codePunctuation))
            nonContent.insert(words.count)
            appendWord(range, sentenceInitial: sentenceInitial, symbolic: codePunctuation)
            return
        }
        // "w/" and "w/o" are "with" and "without" (a negation cue), not two letters.
        if lower == "w/" || lower == "w/o" || lower == "w/out" {
            let expanded = lower == "w/" ? "with" : "without"
            if expanded == "without" { negations.append(expanded) }
            appendWord(range, text: expanded, sentenceInitial: sentenceInitial, symbolic: false)
            return
        }
        // Prose: split on hyphens and slashes between letters ("two-factor", "and/or").
        var start = range.lowerBound
        var first = true
        for i in range.lowerBound...range.upperBound {
            if i == range.upperBound || scalars[i] == "-" || scalars[i] == "/" || scalars[i] == "–" {
                if i > start, i + 1 < range.upperBound, scalars[i] == "-", string(start..<i).lowercased() == "off" {
                    // "off-peak", "off-season": outside the peak, as "non-peak" is.
                    negations.append("non")
                    appendWord(start..<i, text: "non", sentenceInitial: sentenceInitial && first, symbolic: false)
                } else if i > start {
                    proseWord(start..<i, sentenceInitial: sentenceInitial && first)
                }
                first = false
                start = i + 1
            }
        }
    }

    /// The index of the slash in an amount per period ("$1,250/month", "15/hr"): digits (with a
    /// currency sign, separators, "k") before it, a unit of time after it; nil otherwise.
    private func periodSlash(_ range: Range<Int>) -> Int? {
        guard range.count >= 3, range.count <= 24, let slash = range.last(where: { scalars[$0] == "/" }), slash > range.lowerBound else { return nil }
        let before = range.lowerBound..<slash
        guard before.contains(where: { scalars[$0].isNumericFast }),
            before.allSatisfy({ scalars[$0].isNumericFast || ["$", "€", "£", ",", ".", "k", "K"].contains(scalars[$0]) })
        else { return nil }
        let unit = string((slash + 1)..<range.upperBound).lowercased()
        guard let value = Lexicon.units[unit] ?? (unit == "mo" ? "month" : nil), Quantity.periods.contains(value) else { return nil }
        return slash
    }

    /// "_", "::", "()", "->", "^", "=", a digit, a leading "--", or a dotted name: one pass over
    /// the scalars, no string built.
    private func hasCodePunctuation(_ range: Range<Int>) -> Bool {
        if range.count >= 2, scalars[range.lowerBound] == "-", scalars[range.lowerBound + 1] == "-" { return true }
        var previous: Unicode.Scalar = " "
        for i in range {
            let c = scalars[i]
            switch c {
            case "_", "^", "=": return true
            case ":" where previous == ":", ")" where previous == "(", ">" where previous == "-": return true
            default: if c.isNumericFast { return true }
            }
            previous = c
        }
        return isDotted(range)
    }

    /// Words that open a sentence and name no method or attribute: after a dot between letters
    /// ("laptop.what", "again.thanks") they show a missing space, not a dotted name.
    static let sentenceOpeners: Set<String> = [
        "what", "whats", "how", "why", "when", "who", "which", "is", "are", "can", "could", "should", "would", "does", "did",
        "i", "im", "the", "thanks", "thank", "also", "but", "so", "please", "anyone", "my", "it", "this", "hi", "hey",
    ]

    /// The index of the one dot in a chunk of letters whose second part is a sentence opener.
    private func sentenceBreakDot(_ range: Range<Int>) -> Int? {
        guard let dot = range.first(where: { scalars[$0] == "." }), dot - range.lowerBound >= 2, dot + 1 < range.upperBound,
            range.allSatisfy({ $0 == dot || scalars[$0].isAlphabeticFast || scalars[$0] == "'" || scalars[$0] == "’" })
        else { return nil }
        let after = string((dot + 1)..<range.upperBound).lowercased().replacingApostrophes()
        return Self.sentenceOpeners.contains(String(after.filter { $0 != "'" })) ? dot : nil
    }

    private func isDotted(_ range: Range<Int>) -> Bool {
        // "os.path.join", "my_list.append": letters on both sides of an inner dot, and at least
        // one part longer than one letter (so "e.g." and "U.S." are not code).
        var parts: [Int] = []
        var current = 0
        var sawDot = false
        for i in range {
            if scalars[i] == "." {
                guard current > 0 else { return false }
                parts.append(current)
                current = 0
                sawDot = true
            } else {
                current += 1
            }
        }
        parts.append(current)
        return sawDot && parts.allSatisfy { $0 > 0 } && parts.contains(where: { $0 > 1 })
            && scalars[range].contains(where: { $0.isAlphabeticFast })
            && !scalars[range].allSatisfy({ $0 == "." || $0.isNumericFast })
    }

    /// "wont" typed for "won't" ("why wont my car start", "it wont boot"): the noun and adjective
    /// ("as is his wont", "she was wont to") follow a possessive, "as" or "be", or precede "to".
    private func isNegatedWill(after hi: Int) -> Bool {
        if let previous = words.last?.lower,
            ["my", "your", "his", "her", "its", "our", "their", "as", "was", "were", "is", "are", "be", "been"].contains(previous)
        {
            return false
        }
        return nextWord(after: hi) != "to"
    }

    /// The next word after scalar offset `end`, lower-cased letters only (at most 16; empty when
    /// no letter follows the spaces).
    func nextWord(after end: Int) -> String {
        var i = end
        while i < scalars.count, scalars[i].isWhitespaceFast { i += 1 }
        var next = String.UnicodeScalarView()
        while i < scalars.count, scalars[i].isAlphabeticFast, next.count < 16 {
            next.append(scalars[i])
            i += 1
        }
        return String(next).lowercased()
    }

    private func isCamelCase(_ range: Range<Int>) -> Bool {
        // camelCase / PascalCase with an inner capital after a lower-case letter: "getElementById",
        // "iPhone", "PayPal". All-caps words ("HTTP") are not code.
        var sawLower = false
        for i in range {
            let s = scalars[i]
            if !(s.isAlphabeticFast || s == "'" || s == "’" || s == "-") { return false }
            if s.isLowercaseFast { sawLower = true } else if s.isUppercaseFast, sawLower { return true }
        }
        return false
    }

    private mutating func proseWord(_ range: Range<Int>, sentenceInitial: Bool) {
        var hi = range.upperBound
        var lo = range.lowerBound
        while lo < hi, !(scalars[lo].isAlphabeticFast || scalars[lo].isNumericFast) { lo += 1 }
        while hi > lo, !(scalars[hi - 1].isAlphabeticFast || scalars[hi - 1].isNumericFast || scalars[hi - 1] == "+" || scalars[hi - 1] == "#") {
            hi -= 1
        }
        guard lo < hi else { return }
        if number(lo..<hi, sentenceInitial: sentenceInitial) { return }
        var text = string(lo..<hi).replacingApostrophes()
        let lower = text.lowercased()
        if text == lower, let spelled = Lexicon.chatSpellings[lower] {
            // "u", "pls", "wanna": the words they stand for, typed in lower case.
            for (k, part) in spelled.split(separator: " ").enumerated() {
                appendWord(lo..<hi, text: String(part), sentenceInitial: sentenceInitial && k == 0, symbolic: false)
            }
            return
        }
        if let base = Lexicon.unpunctuatedNegations[lower] ?? (lower == "wont" && isNegatedWill(after: hi) ? "will" : nil) {
            // "cant", "dont": a contraction typed without its apostrophe.
            negations.append("n't")
            appendWord(lo..<hi, text: base, sentenceInitial: sentenceInitial, symbolic: false)
            appendWord(lo..<hi, text: "not", sentenceInitial: false, symbolic: false)
            return
        }
        if lower.hasSuffix("n't") {
            let base = String(text.dropLast(3))
            negations.append("n't")
            text = Lexicon.negatedBases[base.lowercased()] ?? base
        } else if lower == "cannot" {
            negations.append("cannot")
            text = String(text.prefix(3))
        } else if let apostrophe = lower.lastIndex(of: "'") {
            let clitic = lower[apostrophe...]
            if ["'s", "'re", "'ll", "'ve", "'d", "'m", "'"].contains(clitic) {
                text = String(text[..<text.index(text.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: apostrophe))])
            }
        }
        guard !text.isEmpty else { return }
        if Lexicon.negations.contains(text.lowercased()), !isTautologicalNot(text, endingAt: hi) { negations.append(text.lowercased()) }
        appendWord(lo..<hi, text: text, sentenceInitial: sentenceInitial, symbolic: false)
        // "my sister's", "my parents'" (the plural's apostrophe was trimmed as punctuation).
        if lower.hasSuffix("'s") || (lower.hasSuffix("s") && hi < scalars.count && (scalars[hi] == "'" || scalars[hi] == "’")) {
            words[words.count - 1].isPossessive = true
        }
        if lower.hasSuffix("n't") || lower == "cannot" {
            // "doesn't" reads as "does not", so a contraction and its expansion compare equal.
            appendWord(lo..<hi, text: "not", sentenceInitial: false, symbolic: false)
        }
    }

    /// "whether or not", and "… or not" closing a clause ("Should I go, or not?"): the question
    /// with its own negation joined by "or" asks the same as without it, so no negation is counted.
    private func isTautologicalNot(_ word: String, endingAt end: Int) -> Bool {
        guard word.lowercased() == "not", let previous = words.last, previous.lower == "or" else { return false }
        if words.count >= 2, words[words.count - 2].lower == "whether" { return true }
        var i = end
        while i < scalars.count, scalars[i] == " " { i += 1 }
        return i == scalars.count || "?,.!;:".unicodeScalars.contains(scalars[i])
    }

    // MARK: Clock times and temperatures

    /// Writes clock times one way and drops a redundant "degrees": "6 pm", "6pm" and "18:00" all
    /// become the time 18:00, "9 am" and "09:00" 09:00, "4:30 pm" 16:30; "350 degrees Fahrenheit"
    /// keeps only the scale, as "350°F" does. Slots are in word order here.
    private mutating func normaliseTimesAndTemperatures() {
        guard slots.contains(where: { $0.kind == .date || $0.kind == .unit || $0.kind == .number }) else { return }
        var out: [Slot] = []
        out.reserveCapacity(slots.count)
        var i = 0
        while i < slots.count {
            let slot = slots[i]
            let next: Slot? = i + 1 < slots.count ? slots[i + 1] : nil
            // "6pm" carries its am/pm as a slot of the same word; "6 pm" as the next word.
            let attached = next.flatMap { n in n.kind == .date && (n.value == "am" || n.value == "pm") && n.wordIndex == slot.wordIndex ? n.value : nil }
            let after = slot.wordIndex + slot.wordCount
            let following = after < words.count && (words[after].lower == "am" || words[after].lower == "pm") ? words[after].lower : nil
            let meridiem = attached ?? following
            if slot.kind == .number || slot.kind == .date, let time = Self.clockTime(slot.value, meridiem: meridiem, isDate: slot.kind == .date) {
                out.append(Slot(kind: .date, value: time, role: slot.role, wordIndex: slot.wordIndex, wordCount: slot.wordCount))
                if following != nil, attached == nil { nonContent.insert(after) }
                i += attached == nil ? 1 : 2
                continue
            }
            if slot.kind == .unit, slot.value == "degree", let next, next.kind == .unit, next.wordIndex == slot.wordIndex + 1,
                ["celsius", "fahrenheit", "kelvin"].contains(next.value)
            {
                nonContent.insert(slot.wordIndex)
                i += 1  // the scale that follows says it
                continue
            }
            out.append(slot)
            i += 1
        }
        slots = out
    }

    /// "HH:MM" for a clock time: an hour of 1–12 with am/pm, or "h:mm" (with am/pm or without);
    /// nil for anything else (a bare number without am/pm is not a time).
    static func clockTime(_ value: String, meridiem: String?, isDate: Bool) -> String? {
        var hour: Int
        var minute = 0
        if isDate {
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1].utf8.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else {
                return nil
            }
            hour = h
            minute = m
        } else {
            guard meridiem != nil, let h = Int(value) else { return nil }
            hour = h
        }
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == "pm" ? 12 : 0)
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return two(hour) + ":" + two(minute)
    }

    // MARK: Numbers

    /// Parses a numeric chunk: sign, currency symbol, digits with separators, then `%`, an
    /// ordinal suffix, `am`/`pm`, a unit ("5km") or hyphenated words ("30-year", "16-year-old"). Dates and
    /// times ("2024-05-01", "05/01/2024", "12:30") become date slots.
    private mutating func number(_ range: Range<Int>, sentenceInitial: Bool) -> Bool {
        var i = range.lowerBound
        var sign = ""
        if i < range.upperBound, scalars[i] == "-" || scalars[i] == "−" || scalars[i] == "+" {
            sign = scalars[i] == "+" ? "" : "-"
            i += 1
        }
        var currency: String?
        if i < range.upperBound, let c = Lexicon.currencySymbols[scalars[i]] {
            currency = c
            i += 1
        }
        guard i < range.upperBound, scalars[i].isNumericFast, scalars[i].isASCII else { return false }
        let digitsStart = i
        var separators = 0
        while i < range.upperBound, scalars[i].isASCII,
            scalars[i].isNumericFast || ((scalars[i] == "," || scalars[i] == "." || scalars[i] == "/" || scalars[i] == ":" || scalars[i] == "-")
                && i + 1 < range.upperBound && scalars[i + 1].isNumericFast)
        {
            if !(scalars[i].isNumericFast) { separators += 1 }
            i += 1
        }
        let digits = string(digitsStart..<i)
        var suffix = string(i..<range.upperBound).lowercased()
        // A letter in parentheses is the same suffix as without them: "401(k)" is "401k".
        var parenthesised = false
        if suffix.hasPrefix("("), suffix.count > 1 {
            let letters = suffix.dropFirst().filter { $0 != ")" }
            if !letters.isEmpty, letters.allSatisfy(\.isLetter), suffix.filter({ $0 == ")" }).count <= 1 {
                suffix = String(letters)
                parenthesised = true
            }
        }
        let wordIndex = words.count
        // "1/2 cup", "3/4 of the budget", "1 1/2 hours": a fraction before a unit or "of"/"a" is a number.
        if suffix.isEmpty, sign.isEmpty, currency == nil, let fraction = fractionValue(digits, endingAt: range.upperBound) {
            if let last = slots.indices.last, slots[last].kind == .number, slots[last].wordIndex + slots[last].wordCount == wordIndex,
                !slots[last].value.contains("."), let whole = Int(slots[last].value), whole >= 0, whole < 1_000_000
            {
                // "1 1/2": one number over two words.
                slots[last].value = Self.canonicalNumber("\(whole)" + fraction.dropFirst())
                slots[last].wordCount += 1
            } else {
                slots.append(Slot(kind: .number, value: fraction, wordIndex: wordIndex))
            }
            nonContent.insert(wordIndex)
            appendWord(range, text: digits, sentenceInitial: sentenceInitial, symbolic: true)
            return true
        }
        if digits.contains("/") || digits.contains(":") || (digits.contains("-") && separators >= 1) {
            // With letters after it ("225/45R17", a tyre size) the chunk is an identifier, whole.
            let isIdentifier = !suffix.isEmpty && suffix != "am" && suffix != "pm"
            slots.append(Slot(kind: isIdentifier ? .code : .date, value: isIdentifier ? digits + suffix : digits, wordIndex: wordIndex))
            appendWord(range, sentenceInitial: sentenceInitial, symbolic: true)
            return true
        }
        var value = Self.canonicalNumber(digits)
        var unit: String?
        var hasTrailingWords = false
        if trailingCurrency(suffix) != nil {
            currency = trailingCurrency(suffix)
        } else if suffix == "%" {
            value += "%"
        } else if suffix == "s" || suffix == "'s" || suffix == "’s", digits.count == 4, digits.hasSuffix("0"), let year = Int(digits) {
            // "the 1800s" is the nineteenth century, "the 1990s" the decade starting in 1990 (an
            // "era", no amount of decades to convert): no seconds.
            if year % 100 == 0 {
                value = "\(year / 100 + 1)th"
                unit = "century"
            } else {
                unit = "era"
            }
        } else if ["st", "nd", "rd", "th"].contains(suffix) {
            value += "th"
        } else if suffix == "am" || suffix == "pm" {
            unit = suffix
        } else if suffix.hasPrefix("-"), suffix.dropFirst().allSatisfy({ $0.isLetter || $0 == "-" }), !suffix.hasSuffix("-"), !suffix.contains("--") {
            hasTrailingWords = true  // "30-year", "16-year-old"
        } else if let power = Self.scaleSuffix(suffix, written: string(i..<range.upperBound), hasCurrency: currency != nil),
            let scaled = Quantity.scaled(value, by: Quantity.Factor(base: "", mantissa: 1, exponent: power))
        {
            value = scaled  // "$1.5M" is 1500000, "$2bn" 2000000000
        } else if !suffix.isEmpty {
            if let canonical = Lexicon.unitForSuffix(suffix) {
                // "$85k" is 85000, as "$85,000" is.
                if canonical == "thousand", let scaled = Self.thousands(value) { value = scaled } else { unit = canonical }
            } else if parenthesised, !digits.contains(where: { !$0.isNumber }) {
                // "403(b)": the identifier "403b", as written without the parentheses.
                slots.append(Slot(kind: .code, value: digits + suffix, wordIndex: wordIndex))
                nonContent.insert(wordIndex)
                appendWord(range, text: digits + suffix, sentenceInitial: sentenceInitial, symbolic: true)
                return true
            } else {
                return false  // "403b", "s24", "mp3": not a number, an identifier.
            }
        }
        slots.append(Slot(kind: .number, value: sign + value, wordIndex: wordIndex))
        if let currency { slots.append(Slot(kind: .currency, value: currency, wordIndex: wordIndex)) }
        if let unit {
            slots.append(Slot(kind: unit == "am" || unit == "pm" ? .date : .unit, value: unit, wordIndex: wordIndex))
        }
        nonContent.insert(wordIndex)
        appendWord(range, text: sign + value, sentenceInitial: sentenceInitial, symbolic: true)
        if hasTrailingWords {
            // The words after the digits' hyphen, one per hyphen-separated part.
            var start = i + 1
            for end in (i + 1)...range.upperBound where end == range.upperBound || scalars[end] == "-" {
                // "15-min", "2-hr": the unit's abbreviation is the unit ("min" is no minimum here).
                if let unit = Self.hyphenUnitAbbreviations[string(start..<end).lowercased()] {
                    appendWord(start..<end, text: unit, sentenceInitial: false, symbolic: false)
                } else {
                    proseWord(start..<end, sentenceInitial: false)
                }
                start = end + 1
            }
        }
        return true
    }

    /// Abbreviated units after a number and a hyphen, as their words ("a 15-min nap", "a 2-hr
    /// drive").
    static let hyphenUnitAbbreviations: [String: String] = ["min": "minute", "mins": "minutes", "hr": "hour", "hrs": "hours"]

    /// The power of ten a suffix scales a number by: "M" or "mn" (or "m", "mm" after a currency) a
    /// million; "bn" (or "b" after a currency) a billion; nil otherwise — "5m" is five metres and
    /// "5mm" five millimetres.
    static func scaleSuffix(_ suffix: String, written: String, hasCurrency: Bool) -> Int? {
        switch suffix {
        case "mn": 6
        case "m" where hasCurrency || written == "M": 6
        case "mm" where hasCurrency: 6
        case "bn": 9
        case "b" where hasCurrency: 9
        default: nil
        }
    }

    /// A fraction written with a slash ("1/2", "3/4"), as an exact decimal, when the word after it
    /// is a unit, "of", "a" or "an" ("1/2 cup", "3/4 of the budget"); nil otherwise ("3/4" alone
    /// may be a date). Only fractions with a finite decimal (halves, quarters, fifths, eighths…).
    func fractionValue(_ digits: String, endingAt end: Int) -> String? {
        let parts = digits.split(separator: "/")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count <= 2, let numerator = Int(parts[0]), let denominator = Int(parts[1]),
            numerator > 0, numerator < denominator, [2, 4, 5, 8, 10, 16, 20, 25].contains(denominator)
        else { return nil }
        let word = nextWord(after: end)
        guard Lexicon.units[word] != nil || ["of", "a", "an"].contains(word) else { return nil }
        // Exact: 10,000 is a multiple of every denominator allowed.
        let tenThousandths = String(numerator * 10_000 / denominator)
        return Self.canonicalNumber("0." + String(repeating: "0", count: 4 - tenThousandths.count) + tenThousandths)
    }

    private func trailingCurrency(_ suffix: String) -> String? {
        guard suffix.unicodeScalars.count == 1, let s = suffix.unicodeScalars.first else { return nil }
        return Lexicon.currencySymbols[s]
    }

    /// A canonical number times 1000, canonical ("1.5" → "1500"); nil when not a whole number.
    static func thousands(_ value: String) -> String? {
        guard let number = Double(value) else { return nil }
        let scaled = (number * 1000).rounded()
        guard abs(scaled - number * 1000) < 1e-6, abs(scaled) < 1e15 else { return nil }
        return String(Int64(scaled))
    }

    /// "1,000" → "1000", "3.50" → "3.5", "2.0" → "2", "007" → "7".
    ///
    /// One pass over the UTF-8 bytes (the digits are ASCII): no string is rebuilt per removed
    /// zero, so a run of a million zeros costs a million steps.
    static func canonicalNumber(_ digits: String) -> String {
        let comma = UInt8(ascii: ","), dot = UInt8(ascii: "."), zero = UInt8(ascii: "0")
        var text = Array(digits.utf8)
        // A comma followed by exactly three digits groups thousands; otherwise it is a decimal comma.
        if let firstComma = text.firstIndex(of: comma) {
            var groups = 2  // the first comma splits two groups
            var run = 0
            var thousands = true
            for byte in text[(firstComma + 1)...] {
                if byte == comma {
                    if run != 3 { thousands = false }
                    groups += 1
                    run = 0
                } else {
                    if byte == dot { thousands = false }
                    run += 1
                }
            }
            if run != 3 { thousands = false }
            if thousands {
                text.removeAll { $0 == comma }
            } else if groups == 2 && !text.contains(dot) {
                text[firstComma] = dot
            }
        }
        var end = text.count
        if text.contains(dot) {
            while end > 0, text[end - 1] == zero { end -= 1 }
            if end > 0, text[end - 1] == dot { end -= 1 }
        }
        var start = 0
        while end - start > 1, text[start] == zero, text[start + 1] != dot { start += 1 }
        return String(decoding: text[start..<end], as: UTF8.self)
    }

    // MARK: Lexicon slots and names

    private mutating func findLexiconSlots() {
        // The last number slot of each word, kept up to date as slots are added, so "is the
        // previous word a number" is one array read instead of a scan of every slot.
        var numberSlot = [Int](repeating: -1, count: words.count)
        for (position, slot) in slots.enumerated() where slot.kind == .number && numberSlot.indices.contains(slot.wordIndex) {
            numberSlot[slot.wordIndex] = position
        }
        var index = 0
        while index < words.count {
            let word = words[index]
            guard !word.isSymbolic else {
                index += 1
                continue
            }
            let previousNumber = index > 0 ? numberSlot[index - 1] : -1
            // "20 percent" → "20%".
            if word.lower == "percent" || word.lower == "pct", previousNumber >= 0 {
                slots[previousNumber].value += "%"
                nonContent.insert(index)
                index += 1
                continue
            }
            // "2 times a day" is "twice a day" ("2x"); "3 times 4" is a product, left alone.
            if word.lower == "times", previousNumber >= 0, !slots[previousNumber].value.hasSuffix("x"),
                !(index + 1 < words.count && (words[index + 1].isSymbolic || Lexicon.numberWords[words[index + 1].lower] != nil))
            {
                slots[previousNumber].value += "x"
                nonContent.insert(index)
                index += 1
                continue
            }
            let previousIsNumber = previousNumber >= 0
            // "1.5 million", "$2 billion": the digits scaled, one number over two words.
            if previousIsNumber, let power = Self.scaleWords[word.lower], words[index - 1].isSymbolic,
                let scaled = Quantity.scaled(slots[previousNumber].value, by: Quantity.Factor(base: "", mantissa: 1, exponent: power))
            {
                slots[previousNumber].value = scaled
                slots[previousNumber].wordCount += 1
                numberSlot[index] = previousNumber
                nonContent.insert(index)
                index += 1
                continue
            }
            if let (value, count) = spelledNumber(at: index) {
                // "one hundred and twenty", "twenty-five", "five-hundred-word": one value.
                numberSlot[index + count - 1] = slots.count
                slots.append(Slot(kind: .number, value: value, wordIndex: index, wordCount: count))
                for w in index..<(index + count) { nonContent.insert(w) }
                index += count
                continue
            } else if let number = Lexicon.numberWords[word.lower] {
                numberSlot[index] = slots.count
                // "half a day", "half an hour": the number spans the article, so the unit it measures follows it.
                // "half a percent" likewise, the number next to the word that makes it a percentage.
                let measuresNext = (word.lower == "half" || word.lower == "quarter") && index + 2 < words.count
                    && ["a", "an"].contains(words[index + 1].lower)
                    && (Lexicon.units[words[index + 2].lower] != nil || ["percent", "pct"].contains(words[index + 2].lower))
                if measuresNext { numberSlot[index + 1] = slots.count }
                slots.append(Slot(kind: .number, value: number, wordIndex: index, wordCount: measuresNext ? 2 : 1))
            } else if index > 0, ["one", "a"].contains(words[index - 1].lower), index + 1 < words.count, words[index + 1].lower == "of",
                let fraction = Self.unitFractions[word.lower]
            {
                // "one tenth of the speed of light", "a fifth of the budget": a fraction, as "10%" is.
                numberSlot[index] = slots.count
                slots.append(Slot(kind: .number, value: fraction, wordIndex: index))
                nonContent.insert(index)
            } else if let ordinal = Lexicon.ordinalWords[word.lower], !(word.lower == "second" && previousIsNumber) {
                numberSlot[index] = slots.count
                slots.append(Slot(kind: .number, value: ordinal, wordIndex: index))
                nonContent.insert(index)
            } else if let (kind, value) = Lexicon.slot(forWord: word.lower) {
                if accepts(kind: kind, value: value, word: word, index: index, previousIsNumber: previousIsNumber) {
                    slots.append(Slot(kind: kind, value: value, wordIndex: index))
                    // A unit or currency is compared as a slot; as a content word it would have
                    // to match "350°F"'s word too.
                    if kind == .unit || kind == .currency { nonContent.insert(index) }
                }
            } else if previousIsNumber, let unit = Lexicon.shortUnits[word.lower] ?? Lexicon.countUnits[word.lower] {
                slots.append(Slot(kind: .unit, value: unit, wordIndex: index))
                nonContent.insert(index)
            }
            index += 1
        }
    }

    /// A cardinal written in words starting at `index` — "seven", "twenty five", "one hundred and
    /// twenty", "two thousand" — as its value in digits and the words it spans; nil when the word
    /// does not start one. "one" counts only next to another number ("one hundred", "twenty
    /// one", "from one to ten", "between one and 100"): alone it is a pronoun ("which one").
    /// Digit words after "point" are decimals: "three point five" is 3.5.
    func spelledNumber(at index: Int) -> (String, Int)? {
        func cardinal(_ i: Int) -> Int? {
            guard i < words.count, !words[i].isSymbolic else { return nil }
            return Lexicon.cardinalWords[words[i].lower]
        }
        func isNumeral(_ i: Int) -> Bool {
            guard i >= 0, i < words.count else { return false }
            return cardinal(i) != nil || (words[i].isSymbolic && words[i].lower.unicodeScalars.first?.isNumericFast == true)
        }
        func decimalDigit(_ i: Int) -> Int? {
            guard i < words.count, !words[i].isSymbolic else { return nil }
            if words[i].lower == "zero" || words[i].lower == "oh" { return 0 }
            guard let value = Lexicon.cardinalWords[words[i].lower], value < 10 else { return nil }
            return value
        }
        // "zero point five": zero counts only before "point".
        let leadingZero = words[index].lower == "zero" && index + 1 < words.count && words[index + 1].lower == "point"
        guard let first = cardinal(index) ?? (leadingZero ? 0 : nil) else { return nil }
        var total = 0
        var current = 0
        var end = leadingZero ? index + 1 : index
        var i = index
        while let value = cardinal(i) {
            // Past a quadrillion ("hundred hundred hundred …") the words are no number anyone
            // asks about; stop before the arithmetic could overflow.
            guard current < Self.largestSpelledNumber, total < Self.largestSpelledNumber else { return nil }
            if value == 100 {
                current = max(current, 1) * 100
            } else if value >= 1000 {
                let (product, overflow) = max(current, 1).multipliedReportingOverflow(by: value)
                guard !overflow, product < Self.largestSpelledNumber else { return nil }
                total += product
                current = 0
            } else {
                // A word below 100 continues the number after nothing, "hundred" or "thousand",
                // or as the unit after a tens word ("twenty five"); "five five" is two numbers.
                let tail = current % 100
                guard i == index || tail == 0 || (tail >= 20 && tail % 10 == 0 && value < 10) else { break }
                current += value
            }
            end = i + 1
            // "one hundred and twenty": "and" joins only after hundred or thousand.
            if value >= 100, i + 2 < words.count, words[i + 1].lower == "and", let next = cardinal(i + 2), next < 100 {
                i += 2
            } else {
                i += 1
            }
        }
        // "two and a half" is 2.5, "one and a quarter" 1.25.
        if end + 2 < words.count, words[end].lower == "and", ["a", "one"].contains(words[end + 1].lower),
            let fraction = ["half": "5", "quarter": "25"][words[end + 2].lower]
        {
            return (Self.canonicalNumber("\(total + current).\(fraction)"), end + 3 - index)
        }
        // "three point five" is 3.5: digit words after "point" are the decimals.
        var decimals = ""
        if end + 1 < words.count, words[end].lower == "point" {
            var k = end + 1
            while let digit = decimalDigit(k) {
                decimals += String(digit)
                k += 1
            }
            if !decimals.isEmpty { end = k }
        }
        let count = end - index
        if !decimals.isEmpty {
            return (Self.canonicalNumber("\(total + current).\(decimals)"), count)
        }
        if first == 1 && count == 1 {
            // A lone "one": a number only when linked to another ("one to ten", "one and 100") or
            // counting a unit of text ("in one sentence", as "in 1 sentence").
            let linked = index + 2 < words.count && ["to", "and", "or"].contains(words[index + 1].lower) && isNumeral(index + 2)
                || index >= 2 && ["to", "and", "or"].contains(words[index - 1].lower) && isNumeral(index - 2)
            let counting = index + 1 < words.count && Lexicon.countUnits[words[index + 1].lower] != nil
            guard linked || counting || countsNoun(after: index) else { return nil }
        }
        guard count > 1 || first == 1 else { return nil }  // single words keep the table's value
        return (String(total + current), count)
    }

    /// Whether a lone "one" at `index` counts the noun after it ("I missed one pill", "replace one
    /// window"), as a number does: a content word follows, and no determiner or "which", "each",
    /// "another"… before it makes it a pronoun ("the blue one", "which one works").
    func countsNoun(after index: Int) -> Bool {
        guard index + 1 < words.count else { return false }
        let next = words[index + 1]
        guard !next.isSymbolic, !Lexicon.nonContentWords.contains(next.lower), !Self.linkingWords.contains(next.lower),
            next.lower.unicodeScalars.allSatisfy(\.isAlphabeticFast), !words[index + 1].startsClause
        else { return false }
        if index > 0, Self.pronounOneDeterminers.contains(words[index - 1].lower) || Lexicon.determiners.contains(words[index - 1].lower) {
            return false
        }
        // "the blue one works": a determiner two words back, an adjective between.
        if index > 1, Lexicon.determiners.contains(words[index - 2].lower) { return false }
        return true
    }

    /// Ordinals that name a fraction with a finite decimal after "one" or "a" and before "of".
    static let unitFractions: [String: String] = [
        "fifth": "0.2", "eighth": "0.125", "tenth": "0.1", "twentieth": "0.05", "hundredth": "0.01", "thousandth": "0.001",
    ]

    /// Words that scale the digits before them.
    static let scaleWords: [String: Int] = ["thousand": 3, "million": 6, "billion": 9, "trillion": 12]

    /// The largest value a number written in words may reach while it is read: 10^15 (each step
    /// multiplies by at most a billion, so nothing overflows before the bound is checked).
    static let largestSpelledNumber = 1_000_000_000_000_000

    /// Prepositions and conjunctions the stop words leave out: "one" before them stands alone
    /// ("Quick one before my meeting").
    static let linkingWords: Set<String> = [
        "before", "after", "since", "until", "till", "because", "while", "though", "although", "unless", "like", "near",
        "around", "without", "against", "toward", "towards", "across", "behind", "beyond", "except", "among", "along",
        "inside", "outside", "above", "below", "beside", "besides", "upon", "despite", "instead", "versus", "vs", "too",
        "either", "anyway", "yet", "more", "less", "last", "please",
    ]

    /// Words after which "one" is a pronoun or part of a fixed phrase ("the only one", "no one").
    static let pronounOneDeterminers: Set<String> = [
        "which", "each", "every", "any", "no", "another", "only", "last", "first", "next", "same", "other", "new", "old",
        "right", "wrong", "good", "better", "best", "big", "little", "small", "his", "her", "these", "those", "some",
        // "How does one apply?", "Can one deduct…?": the generic pronoun after an auxiliary.
        "do", "does", "did", "can", "could", "should", "would", "will", "may", "might", "must", "shall", "is", "was",
    ]

    /// Rules for words that are slots only in some positions.
    private func accepts(kind: Slot.Kind, value: String, word: AnalyzedText.Word, index: Int, previousIsNumber: Bool) -> Bool {
        let nextIsNumber = index + 1 < words.count && words[index + 1].isSymbolic
            && words[index + 1].lower.unicodeScalars.first?.isNumericFast == true
        switch word.lower {
        case "go":
            // The verb is far more common than the language; only "Go" mid-sentence counts.
            return word.text == "Go" && !word.isSentenceInitial
        case "c", "r":
            guard word.text == word.text.uppercased(), index > 0 else { return false }
            return Lexicon.languageIntroducers.contains(words[index - 1].lower)
        case "may", "march":
            return (word.isCapitalised && !word.isSentenceInitial) || previousIsNumber || nextIsNumber
        case "second":
            return previousIsNumber
        case "min", "mins":
            // "5 min", "per min", "a min" measure time; "min and max temp" is the minimum.
            guard index > 0 else { return false }
            return previousIsNumber || ["per", "a", "one", "each", "every", "/"].contains(words[index - 1].lower)
        case "ton", "tons":
            // "Thanks a ton!", "helps a ton": "a ton" ending its clause is a degree, not a weight.
            return !(index > 0 && words[index - 1].lower == "a" && endsClause(at: index, orQuestion: true))
        case "morning", "afternoon", "evening":
            // "Good morning!" greets; it does not ask about mornings.
            return !isGreeting(at: index)
        default:
            return true
        }
    }

    /// True when the word at `index` ends the text or its clause: a comma, full stop, "!", ";",
    /// ":" or dash follows it (or a "?", with `orQuestion`).
    func endsClause(at index: Int, orQuestion: Bool) -> Bool {
        let end = words[index].offsets.upperBound
        guard end < scalars.count else { return true }
        return [",", "!", ".", ";", ":", "—", "–"].contains(scalars[end]) || orQuestion && scalars[end] == "?"
    }

    /// "Good morning", "good evening" as a greeting: "good" starting a sentence, the time word
    /// ending it or its clause ("Good morning!", "Good evening, …").
    func isGreeting(at index: Int) -> Bool {
        guard index > 0, words[index - 1].lower == "good", words[index - 1].isSentenceInitial else { return false }
        return endsClause(at: index, orQuestion: false)
    }

    /// Capitalised words that are not sentence-initial, joined into multi-word names ("New York",
    /// "Pride and Prejudice"). Stop words are not names, except "US" in capitals (the country,
    /// not the pronoun).
    private mutating func findNames() {
        var covered = Set(slots.filter { $0.kind != .quoted && $0.kind != .code || $0.isCaseDerived }.map(\.wordIndex))
        for slot in slots where slot.kind == .code && !slot.isCaseDerived { covered.insert(slot.wordIndex) }
        func isNameWord(_ i: Int) -> Bool {
            let w = words[i]
            return w.isCapitalised && !w.isSymbolic && !covered.contains(i) && w.lower != "i"
                && (!Lexicon.stopWords.contains(w.lower) || isCountryUS(i) || isLetterLabel(i)) && !Lexicon.negations.contains(w.lower)
        }
        // "column A", "Plan A": a capital letter naming one of several, after the noun it labels.
        func isLetterLabel(_ i: Int) -> Bool {
            words[i].text == "A" && i > 0 && !words[i].isSentenceInitial && !words[i - 1].isSymbolic
                && !Lexicon.stopWords.contains(words[i - 1].lower) && !(i + 1 < words.count && !words[i + 1].startsClause && !Lexicon.stopWords.contains(words[i + 1].lower))
        }
        // "US" in capitals is the country, except before its currency ("50 US dollars").
        func isCountryUS(_ i: Int) -> Bool {
            words[i].text == "US" && !(i + 1 < words.count && Lexicon.currencies[words[i + 1].lower] != nil)
        }
        var index = 0
        while index < words.count {
            guard isNameWord(index) else {
                index += 1
                continue
            }
            if words[index].isSentenceInitial {
                // A sentence-initial capital is a name only when a name continues it ("New York …"),
                // and a request's verb never ("Compare Kafka and …").
                guard index + 1 < words.count, isNameWord(index + 1), !words[index + 1].isSentenceInitial,
                    !Lexicon.requestVerbs.contains(words[index].lower)
                else {
                    index += 1
                    continue
                }
            }
            var end = index + 1
            // A possessive ends names joined by a connector: "Messi and Ronaldo's Champions League"
            // is three ("Sam's Club" is one).
            var joined = false
            while end < words.count, !(joined && words[end - 1].isPossessive) {
                if isNameWord(end), !words[end].isSentenceInitial {
                    end += 1
                } else if Lexicon.nameConnectors.contains(words[end].lower), end + 1 < words.count, isNameWord(end + 1),
                    !words[end + 1].isSentenceInitial
                {
                    end += 2
                    joined = true
                } else {
                    break
                }
            }
            var value = words[index..<end].map(\.lower).joined(separator: " ")
            if end == index + 1, words[index].text == words[index].text.uppercased(), let country = Lexicon.countryInitials[value] { value = country }
            slots.append(Slot(kind: .entity, value: value, wordIndex: index, wordCount: end - index, isCaseDerived: true))
            index = end
        }
    }

    private mutating func assignRoles() {
        for i in slots.indices {
            var w = slots[i].wordIndex - 1
            while w >= 0, Lexicon.determiners.contains(words[w].lower) { w -= 1 }
            guard w >= 0 else { continue }
            if Lexicon.sourceMarkers.contains(words[w].lower) {
                slots[i].role = .source
            } else if Lexicon.targetMarkers.contains(words[w].lower) {
                slots[i].role = .target
            }
        }
    }

    static func mostlyCapitalised(_ words: [AnalyzedText.Word]) -> Bool {
        let prose = words.filter { !$0.isSymbolic && $0.lower.unicodeScalars.allSatisfy { $0.isAlphabeticFast } }
        guard prose.count >= 3 else { return false }
        let capitalised = prose.filter(\.isCapitalised).count
        return capitalised * 10 >= prose.count * 7
    }
}

extension String {
    /// The string with the accents of Latin letters removed ("é" → "e", "ñ" → "n"); itself when
    /// it is all ASCII.
    func foldingLatinAccents() -> String {
        guard unicodeScalars.contains(where: { $0.value > 127 }) else { return self }
        var scalars = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if let plain = Self.latinAccents[scalar] {
                scalars.append(plain)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Lower-case accented Latin letters and their plain letters.
    static let latinAccents: [Unicode.Scalar: Unicode.Scalar] = {
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        let groups: [(Unicode.Scalar, String)] = [
            ("a", "àáâãäåā"), ("c", "çćč"), ("e", "èéêëēė"), ("i", "ìíîïī"), ("n", "ñń"), ("o", "òóôõöøō"), ("u", "ùúûüū"),
            ("y", "ýÿ"), ("s", "śš"), ("z", "źżž"),
        ]
        for (plain, accented) in groups {
            for scalar in accented.unicodeScalars { table[scalar] = plain }
        }
        return table
    }()

    /// Folds typographic apostrophes to `'`.
    func replacingApostrophes() -> String {
        guard unicodeScalars.contains(where: { $0 == "’" || $0 == "‘" }) else { return self }
        return String(String.UnicodeScalarView(unicodeScalars.map { $0 == "’" || $0 == "‘" ? "'" : $0 }))
    }
}
