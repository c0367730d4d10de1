/// Quantities written in different units of one dimension: "1 TB" and "1,000 GB", "90 minutes"
/// and "1.5 hours", "2 weeks" and "14 days", "500 g" and "0.5 kg", "3 teaspoons" and "1
/// tablespoon". ``SlotCheck`` compares a text's measured quantities in their dimension's base unit
/// when the slots as written differ, so the same amount passes and a different one ("1 TB" /
/// "1 GB") still differs.
///
/// Only exact, unambiguous factors are listed: metric prefixes, the international inch, foot,
/// yard, mile, pound and ounce (defined in metres and grams), US spoons and cups (defined in
/// teaspoons), time up to a week, months against years (never against days), watts, and degrees
/// Fahrenheit against Celsius (to a tenth of a degree). Units
/// whose size depends on where or when they are used (tons, gallons, pints) and decimal versus
/// binary bytes beyond the decimal reading are left as written. Arithmetic is exact decimal (integer mantissa and power of ten), so
/// "12 inches" is exactly "1 foot".
enum Quantity {
    /// A unit's dimension (its base unit) and size in that base, as mantissa × 10^exponent.
    struct Factor {
        var base: String
        var mantissa: Int64
        var exponent: Int
    }

    static let factors: [String: Factor] = [
        "km": Factor(base: "m", mantissa: 1, exponent: 3), "m": Factor(base: "m", mantissa: 1, exponent: 0),
        "cm": Factor(base: "m", mantissa: 1, exponent: -2), "mm": Factor(base: "m", mantissa: 1, exponent: -3),
        "inch": Factor(base: "m", mantissa: 254, exponent: -4), "foot": Factor(base: "m", mantissa: 3048, exponent: -4),
        "yard": Factor(base: "m", mantissa: 9144, exponent: -4), "mile": Factor(base: "m", mantissa: 1_609_344, exponent: -3),
        "kg": Factor(base: "g", mantissa: 1, exponent: 3), "g": Factor(base: "g", mantissa: 1, exponent: 0),
        "mg": Factor(base: "g", mantissa: 1, exponent: -3), "pound": Factor(base: "g", mantissa: 45_359_237, exponent: -5),
        "ounce": Factor(base: "g", mantissa: 28_349_523_125, exponent: -9),
        "liter": Factor(base: "ml", mantissa: 1, exponent: 3), "ml": Factor(base: "ml", mantissa: 1, exponent: 0),
        "teaspoon": Factor(base: "teaspoon", mantissa: 1, exponent: 0), "tablespoon": Factor(base: "teaspoon", mantissa: 3, exponent: 0),
        "cup": Factor(base: "teaspoon", mantissa: 48, exponent: 0),
        "millisecond": Factor(base: "second", mantissa: 1, exponent: -3), "second": Factor(base: "second", mantissa: 1, exponent: 0),
        "minute": Factor(base: "second", mantissa: 60, exponent: 0), "hour": Factor(base: "second", mantissa: 3600, exponent: 0),
        "day": Factor(base: "second", mantissa: 86400, exponent: 0), "week": Factor(base: "second", mantissa: 604_800, exponent: 0),
        "byte": Factor(base: "byte", mantissa: 1, exponent: 0), "kb": Factor(base: "byte", mantissa: 1, exponent: 3),
        "mb": Factor(base: "byte", mantissa: 1, exponent: 6), "gb": Factor(base: "byte", mantissa: 1, exponent: 9),
        "tb": Factor(base: "byte", mantissa: 1, exponent: 12),
        // Months and years convert to each other (a year is twelve months), never to days.
        "month": Factor(base: "month", mantissa: 1, exponent: 0), "year": Factor(base: "month", mantissa: 12, exponent: 0),
        "decade": Factor(base: "month", mantissa: 120, exponent: 0), "century": Factor(base: "month", mantissa: 1200, exponent: 0),
        "watt": Factor(base: "watt", mantissa: 1, exponent: 0), "kw": Factor(base: "watt", mantissa: 1, exponent: 3),
    ]

    /// Units of time: what an amount is paid or counted per ("$1,250/month").
    static let periods: Set<String> = ["second", "minute", "hour", "day", "week", "month", "year", "quarter"]

    /// `slots` with every amount in cents or pence written in dollars or pounds ("15 cents" as
    /// "0.15 usd"); nil when there is none.
    static func inWholeCurrency(_ slots: [Slot]) -> [Slot]? {
        var result = slots
        var changed = false
        for i in result.indices.dropFirst() where result[i].kind == .currency {
            guard let whole = ["cent": "usd", "pence": "gbp"][result[i].value], result[i - 1].kind == .number,
                let value = scaled(result[i - 1].value, by: Factor(base: whole, mantissa: 1, exponent: -2))
            else { continue }
            result[i - 1].value = value
            result[i].value = whole
            changed = true
        }
        return changed ? result : nil
    }

    /// `slots` with every number measured by a convertible unit right after it ("5 km", "1TB")
    /// written in the unit's base, and the unit as the base; nil when none is convertible.
    ///
    /// A rate word ("$10 hourly", "$12 monthly") is no measure of the number before it: "$1 yearly"
    /// is not "$12 monthly". `words` (the slots' text) tells them; without it none is skipped.
    static func inBaseUnits(_ slots: [Slot], words: [AnalyzedText.Word]? = nil) -> [Slot]? {
        var result = slots
        var changed = false
        for i in result.indices.dropFirst() where result[i].kind == .unit {
            if result[i].value == "fahrenheit", result[i - 1].kind == .number, let celsius = celsius(fahrenheit: result[i - 1].value) {
                result[i - 1].value = celsius
                result[i].value = "celsius"
                changed = true
                continue
            }
            guard let factor = factors[result[i].value] else { continue }
            if let words, result[i].wordIndex < words.count, Lexicon.periodAdjectives[words[result[i].wordIndex].lower] != nil { continue }
            // The number measured: the slot before, ending at this word or sharing it ("1TB").
            let n = i - 1
            guard result[n].kind == .number,
                result[n].wordIndex + result[n].wordCount == result[i].wordIndex || result[n].wordIndex == result[i].wordIndex,
                let value = scaled(result[n].value, by: factor)
            else { continue }
            result[n].value = value
            result[i].value = factor.base
            changed = true
        }
        return changed ? result : nil
    }

    /// A temperature in degrees Fahrenheit in Celsius, to a tenth of a degree ("131" → "55",
    /// "98.6" → "37", "350" → "176.7": a recipe's 180 °C is another oven); nil for a value that
    /// is not a plain decimal.
    static func celsius(fahrenheit value: String) -> String? {
        guard value.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let f = Double(value), abs(f) < 1e6
        else { return nil }
        let tenths = Int(((f - 32) * 50 / 9).rounded())
        let sign = tenths < 0 ? "-" : ""
        let whole = abs(tenths) / 10
        let tenth = abs(tenths) % 10
        return tenth == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(tenth)"
    }

    /// The decimal `value` ("1.5", "-3", "1000") times the factor, canonical; nil for a value
    /// that is not a plain decimal ("20%", "10th") or a product too large to write exactly.
    static func scaled(_ value: String, by factor: Factor) -> String? {
        var mantissa: Int64 = 0
        var exponent = factor.exponent
        var negative = false
        var sawDot = false
        var sawDigit = false
        for (position, byte) in value.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where position == 0:
                negative = true
            case UInt8(ascii: "."):
                guard !sawDot else { return nil }
                sawDot = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times10, overflow) = mantissa.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflow, !carry else { return nil }
                mantissa = sum
                if sawDot { exponent -= 1 }
                sawDigit = true
            default:
                return nil
            }
        }
        guard sawDigit else { return nil }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: factor.mantissa)
        guard !overflow else { return nil }
        var digits = String(product)
        if exponent >= 0 {
            guard exponent <= 24 else { return nil }
            if product != 0 { digits += String(repeating: "0", count: exponent) }
        } else {
            let places = -exponent
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        let canonical = TextParser.canonicalNumber(digits)
        return negative && canonical != "0" ? "-" + canonical : canonical
    }
}
