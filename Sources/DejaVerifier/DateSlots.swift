/// Writes one calendar date, one race time and one signed number one way, so the slot check
/// compares values rather than spellings: "12 August 2026", "August 12th, 2026", "2026-08-12"
/// and "08/12/2026" are the date 2026-08-12; "March 15" and "3/15" the day --03-15; "finish in
/// 2:00:00" is two hours (7,200 seconds, as "2 hours" is in base units); "minus 14" is -14.
///
/// A numeric date with both fields ≤ 12 ("03/04/2024") is read month first, as US writers do;
/// a field above 12 decides ("15/03/2024" is 15 March). Three-part clock readings are durations
/// except after "at" ("at 3:45:10" stays a time of day). Subtraction ("10 minus 4") keeps its
/// numbers.
enum DateSlots {
    static let months: [String: Int] = [
        "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
    ]

    /// `slots` (in word order) rewritten, and the word indices whose words became part of a
    /// number or date (no longer content words).
    static func normalised(_ slots: [Slot], words: [AnalyzedText.Word]) -> (slots: [Slot], absorbed: [Int]) {
        guard slots.contains(where: { $0.kind == .date || $0.kind == .number }) else { return (slots, []) }
        var out: [Slot] = []
        out.reserveCapacity(slots.count)
        var absorbed: [Int] = []
        var i = 0
        func lower(_ index: Int) -> String? { words.indices.contains(index) ? words[index].lower : nil }
        while i < slots.count {
            var slot = slots[i]
            if slot.kind == .date, let iso = numericDate(slot.value) {
                slot.value = iso
                out.append(slot)
                i += 1
                continue
            }
            if slot.kind == .date, lower(slot.wordIndex - 1) != "at", let seconds = raceTime(slot.value) {
                out.append(Slot(kind: .number, value: seconds, role: slot.role, wordIndex: slot.wordIndex, wordCount: slot.wordCount))
                out.append(Slot(kind: .unit, value: "second", role: slot.role, wordIndex: slot.wordIndex, wordCount: slot.wordCount))
                i += 1
                continue
            }
            // Month, day[, year] / day [of] month[ year].
            if let (date, count, span) = writtenDate(slots, at: i, words: words) {
                out.append(Slot(kind: .date, value: date, role: slot.role, wordIndex: slot.wordIndex, wordCount: span))
                absorbed.append(contentsOf: slot.wordIndex..<(slot.wordIndex + span))
                i += count
                continue
            }
            if slot.kind == .number, slot.wordCount == 1, let sign = lower(slot.wordIndex - 1), sign == "minus" || sign == "negative",
                !(slot.wordIndex >= 2 && words[slot.wordIndex - 2].isSymbolic && words[slot.wordIndex - 2].lower.unicodeScalars.first?.isNumericFast == true),
                slot.value.unicodeScalars.first?.isNumericFast == true, !slot.value.hasSuffix("%"), Double(slot.value) != nil
            {
                slot.value = "-" + slot.value
                slot.wordIndex -= 1
                slot.wordCount += 1
                absorbed.append(slot.wordIndex)
            }
            out.append(slot)
            i += 1
        }
        return (out, absorbed)
    }

    /// "2026-08-12", "2026/08/12", "08/12/2026", "15/03/2024", "3/15" as "2026-08-12" … "--03-15";
    /// nil for anything else.
    static func numericDate(_ value: String) -> String? {
        let separator: Character = value.contains("/") ? "/" : "-"
        let parts = value.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCIIDigitFast) }) else { return nil }
        let numbers = parts.compactMap { Int($0) }
        if parts.count == 3, parts[0].count == 4 {
            return iso(year: numbers[0], month: numbers[1], day: numbers[2])
        }
        // Two parts only with a slash: "10-15" is a range.
        guard parts.count == 2 ? separator == "/" : parts[2].count == 4, parts[0].count <= 2, parts[1].count <= 2 else { return nil }
        let year = parts.count == 3 ? numbers[2] : nil
        // Without a year the day never comes first: "24/7" is no date of July.
        guard parts.count == 3 || numbers[0] <= 12 else { return nil }
        let (month, day) = numbers[0] > 12 ? (numbers[1], numbers[0]) : (numbers[0], numbers[1])
        return iso(year: year, month: month, day: day)
    }

    static func iso(year: Int?, month: Int, day: Int) -> String? {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let mm = month < 10 ? "0\(month)" : "\(month)"
        let dd = day < 10 ? "0\(day)" : "\(day)"
        guard let year else { return "--\(mm)-\(dd)" }
        guard (1000...2999).contains(year) else { return nil }
        return "\(year)-\(mm)-\(dd)"
    }

    /// "2:00:00", "3:45:10": hours, minutes and seconds as a number of seconds.
    static func raceTime(_ value: String) -> String? {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 2, parts[2].count == 2, parts[0].count <= 3,
            let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2]), m < 60, s < 60
        else { return nil }
        return String(h * 3600 + m * 60 + s)
    }

    /// A date written with its month's name starting at slot `index`: the date, the slots it
    /// used and the words it spans.
    static func writtenDate(_ slots: [Slot], at index: Int, words: [AnalyzedText.Word]) -> (String, Int, Int)? {
        func day(_ slot: Slot) -> Int? {
            guard slot.kind == .number, slot.wordCount == 1 else { return nil }
            var digits = slot.value
            if digits.hasSuffix("th") { digits.removeLast(2) }
            guard !digits.isEmpty, digits.count <= 2, digits.allSatisfy(\.isASCIIDigitFast), let d = Int(digits), (1...31).contains(d) else { return nil }
            return d
        }
        func year(_ slot: Slot) -> Int? {
            guard slot.kind == .number, slot.wordCount == 1, slot.value.count == 4, slot.value.allSatisfy(\.isASCIIDigitFast), let y = Int(slot.value),
                (1000...2999).contains(y)
            else { return nil }
            return y
        }
        func month(_ slot: Slot) -> Int? { slot.kind == .date && slot.wordCount == 1 ? months[slot.value] : nil }
        func follows(_ next: Int, _ previous: Slot, allowingOf: Bool = false) -> Bool {
            guard next < slots.count else { return false }
            let gap = slots[next].wordIndex - (previous.wordIndex + previous.wordCount)
            return gap == 0 || (allowingOf && gap == 1 && words[previous.wordIndex + previous.wordCount].lower == "of")
        }
        let first = slots[index]
        var monthValue: Int
        var dayValue: Int
        var used: Int
        if let m = month(first), follows(index + 1, first), let d = day(slots[index + 1]) {
            (monthValue, dayValue, used) = (m, d, 2)
        } else if let d = day(first), follows(index + 1, first, allowingOf: true), let m = month(slots[index + 1]) {
            (monthValue, dayValue, used) = (m, d, 2)
        } else {
            return nil
        }
        var yearValue: Int?
        let last = slots[index + used - 1]
        if follows(index + used, last), let y = year(slots[index + used]) {
            yearValue = y
            used += 1
        }
        guard let date = iso(year: yearValue, month: monthValue, day: dayValue) else { return nil }
        let end = slots[index + used - 1]
        return (date, used, end.wordIndex + end.wordCount - first.wordIndex)
    }
}

extension Character {
    fileprivate var isASCIIDigitFast: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
