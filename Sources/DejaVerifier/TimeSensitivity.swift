/// What makes a question's answer depend on when it is asked, read from its words.
///
/// Two signals, kept apart because they are used differently:
/// - **Time expressions** ("now", "today", "this week", "latest", "last 24 hours"), normalised
///   so that spellings of one time compare equal ("right now" = "currently" = "at the moment";
///   "newest" = "most recent" = "up to date"). The cache refuses a semantic match whose time
///   expressions differ from the question's (``TimeWordCheck``): "the weather in Paris" never
///   answers "the weather in Paris today".
/// - **Kinds** ("prices", "weather", "scores", "schedules", "news", "status", and one per class
///   of time expression), each of which the gateway maps to a short lifetime — or none, for
///   "now" — so that such answers are not served stale.
///
/// Topic kinds are not read from a question that asks for an explanation ("how is the price of a
/// bond calculated", "explain how weather forecasts work"): what a concept means does not change
/// by the hour. A past year in the text ("who won the 2018 World Cup") likewise marks a settled
/// result, not a live score. A false positive costs only a shorter lifetime; a false negative
/// costs staleness, so the rules lean towards detecting.
///
/// Pure and linear in the words; at most ``maximumScannedCharacters`` of a text are read.
public struct TimeSensitivity: Sendable, Hashable {
    /// Why an answer goes stale.
    public enum Kind: String, CaseIterable, Sendable, Comparable {
        /// The present moment: "now", "right now", "currently", "at the moment", "live".
        case now
        /// A day relative to today: "today", "tonight", "tomorrow", "yesterday", "this morning".
        case today
        /// A period relative to now: "this week", "last month", "next year", "these days", "upcoming".
        case period
        /// The newest state of something: "latest", "newest", "current", "most recent", "up to date".
        case latest
        /// Prices, rates and market values.
        case prices
        /// Weather and forecasts.
        case weather
        /// Scores, standings and who is winning.
        case scores
        /// Timetables, opening hours, departures and delays.
        case schedules
        /// News and what is trending.
        case news
        /// Whether a service is up or down.
        case status

        public static func < (a: Kind, b: Kind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// The kinds found, in declaration order.
    public private(set) var kinds: [Kind] = []
    /// The normalised time expressions found, sorted and unique.
    public private(set) var timeWords: [String] = []

    /// True when nothing time-dependent was found.
    public var isEmpty: Bool { kinds.isEmpty }

    /// Characters of a text read by ``init(_:)``: a longer text is read at its beginning and its
    /// end, half each, so the cost is bounded however long the prompt.
    public static let maximumScannedCharacters = 4096

    /// Reads a text: lower-cased words, clitics ("'s", "n't") removed (see ``words(_:)``).
    public init(_ text: String) {
        self.init(words: Self.words(text))
    }

    /// Reads lower-cased words (``AnalyzedText/Word/lower`` or ``words(_:)``).
    public init<Words: RandomAccessCollection>(words: Words) where Words.Element == String, Words.Index == Int {
        var kinds = Set<Kind>()
        var times = Set<String>()
        let n = words.count
        // Most texts have no word any rule starts from: one hash per word decides.
        guard n > 0, words.contains(where: Self.triggers.contains) else { return }
        let start = words.startIndex
        @inline(__always) func word(_ i: Int) -> String? { i >= 0 && i < n ? words[start + i] : nil }
        func time(_ expression: String, _ kind: Kind) {
            times.insert(expression)
            kinds.insert(kind)
        }
        var explanatory = false
        var hasYear = false
        var hasHowMuch = false
        var hasWho = false
        var hasWhenOrWhatTime = false
        var hasTemperature = false
        var hasOutside = false
        var topics = Set<Kind>()
        for i in 0..<n {
            let w = words[start + i]
            let previous = word(i - 1)
            let next = word(i + 1)
            if Self.explanatoryWords.contains(w) { explanatory = true }
            if w == "how", next == "much" { hasHowMuch = true }
            if w == "who" { hasWho = true }
            if w == "when" || (w == "what" && next == "time") { hasWhenOrWhatTime = true }
            if w.utf8.count == 4, let year = Int(w), (1900...2099).contains(year) { hasYear = true }
            switch w {
            // The present moment.
            case "now":
                if next == "that" || previous == "buy" || previous == "until" || previous == "till" { continue }
                if i == 0, let next, !Self.questionStarts.contains(next) { continue }  // "Now explain…"
                time("now", .now)
            case "currently", "presently":
                time("now", .now)
            case "time", "date", "day":
                // "what time is it", "the current time", "today's date".
                if previous == "what", next == "is", word(i + 2) == "it" { time("now", .now) }
            case "moment":
                if previous == "the", word(i - 2) == "at" || word(i - 2) == "right" { time("now", .now) }
            case "present":
                if previous == "at" { time("now", .now) }
            case "speak":
                if previous == "we", word(i - 2) == "as" { time("now", .now) }
            case "live":
                if let next, Self.liveNouns.contains(next) { time("now", .now) }
            // Days relative to today.
            case "today", "tonight", "tomorrow", "yesterday":
                time(w, .today)
            case "morning", "afternoon", "evening":
                if previous == "this" || previous == "tomorrow" || previous == "yesterday" { time("\(previous!) \(w)", .today) }
            // Periods relative to now.
            case "nowadays":
                time("these days", .period)
            case "days" where previous == "these":
                time("these days", .period)
            case "upcoming":
                time("upcoming", .period)
            case "recent", "recently", "lately":
                if w == "recent" && previous == "most" {
                    time("latest", .latest)
                } else {
                    time("recent", .period)
                }
            case "latest", "newest":
                time("latest", .latest)
            case "current":
                if let previous, Self.physicalCurrent.contains(previous) { continue }  // "alternating current"
                if next == "account" || next == "accounts" || next == "assets" || next == "liabilities" { continue }  // accounting terms
                if next == "time" || next == "date" {
                    time("now", .now)  // "the current time"
                } else {
                    time("latest", .latest)
                }
            case "up":
                if next == "to", word(i + 2) == "date" { time("latest", .latest) }
            default:
                if Self.periodNouns.contains(w) || Self.shortPeriodNouns.contains(w) {
                    // "this week", "last month", "in the past 24 hours", "next quarter".
                    var anchor = previous
                    var count = ""
                    if let p = previous, p.first?.isNumber == true || Self.numberWords.contains(p) {
                        anchor = word(i - 2)
                        count = " " + p
                    }
                    if let anchor, let relation = Self.relativeAnchors[anchor] {
                        time("\(relation)\(count) \(w)", Self.shortPeriodNouns.contains(w) ? .today : .period)
                    }
                }
            }
            // Topics whose values move.
            if Self.priceWords.contains(w) { topics.insert(.prices) }
            if (w == "rate" || w == "rates"), let previous, Self.rateQualifiers.contains(previous) { topics.insert(.prices) }
            if (w == "cost" || w == "costs" || w == "worth") && hasHowMuch { topics.insert(.prices) }
            if w == "worth", next == nil || Self.questionEnds.contains(next!) { topics.insert(.prices) }
            if w == "stock" || w == "stocks" || w == "shares", let next, Self.marketNouns.contains(next) { topics.insert(.prices) }
            if w == "market", next == "cap" || next == "value" || next == "today" { topics.insert(.prices) }
            if Self.weatherWords.contains(w) {
                if w == "forecast" || w == "forecasts", let previous, Self.nonWeatherForecasts.contains(previous) {
                } else {
                    topics.insert(.weather)
                }
            }
            if w == "temperature" { hasTemperature = true }
            if w == "outside" || w == "outdoors" { hasOutside = true }
            if w == "air", next == "quality" { topics.insert(.weather) }
            if w == "score" || w == "scores" {
                if let previous, Self.nonSportScores.contains(previous) {} else { topics.insert(.scores) }
            }
            if Self.standingsWords.contains(w) { topics.insert(.scores) }
            if (w == "won" || w == "winning" || w == "wins" || w == "leading"), hasWho { topics.insert(.scores) }
            if Self.scheduleWords.contains(w) { topics.insert(.schedules) }
            if w == "opening", next == "hours" || next == "times" { topics.insert(.schedules) }
            if Self.openClose.contains(w), hasWhenOrWhatTime || next == "today" || next == "now" || next == "tonight" { topics.insert(.schedules) }
            if w == "next", let next, Self.transportNouns.contains(next) { topics.insert(.schedules) }
            if (w == "delayed" || w == "cancelled" || w == "canceled" || w == "status"), words.contains(where: { Self.transportNouns.contains($0) }) {
                topics.insert(.schedules)
            }
            if Self.newsWords.contains(w) { topics.insert(.news) }
            if w == "outage" || w == "outages" || (w == "down" && (next == nil || Self.questionEnds.contains(next!)) && words.first == "is") {
                topics.insert(.status)
            }
        }
        // A temperature is the weather's when it is outside or of a day ("the temperature tomorrow"),
        // not of an oven or a boiling point.
        if hasTemperature, hasOutside || kinds.contains(.now) || kinds.contains(.today) { topics.insert(.weather) }
        if explanatory { topics.removeAll() }
        if hasYear && !times.contains("today") && !times.contains("now") { topics.remove(.scores) }
        kinds.formUnion(topics)
        self.kinds = kinds.sorted()
        self.timeWords = times.sorted()
    }

    /// The lower-cased words of `text` — of its first and last ``maximumScannedCharacters`` / 2
    /// characters when it is longer (a question about a pasted document usually asks it at one
    /// end): letters and digits, split at everything else; an apostrophe ends a word and drops
    /// the clitic after it ("today's" → "today").
    public static func words(_ text: String) -> [String] {
        let scalars = text.unicodeScalars
        guard !AnalyzedText.exceeds(text, characters: maximumScannedCharacters) else {
            var head = words(scalars.prefix(maximumScannedCharacters / 2))
            head.append("")  // no expression spans the gap
            head += words(scalars.suffix(maximumScannedCharacters / 2))
            return head
        }
        return words(scalars[...])
    }

    private static func words(_ scalars: Substring.UnicodeScalarView) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var skippingClitic = false
        for scalar in scalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if skippingClitic { continue }
                current.append(scalar)
            } else if (scalar == "'" || scalar == "’") && !current.isEmpty {
                words.append(String(current).lowercased())
                current = String.UnicodeScalarView()
                skippingClitic = true
            } else {
                skippingClitic = false
                if !current.isEmpty {
                    words.append(String(current).lowercased())
                    current = String.UnicodeScalarView()
                }
            }
        }
        if !current.isEmpty { words.append(String(current).lowercased()) }
        return words
    }

    /// Every word a rule below starts from; a text with none of them is not time-sensitive.
    static let triggers: Set<String> = {
        var words: Set<String> = [
            "now", "currently", "presently", "moment", "present", "speak", "live", "today", "tonight", "tomorrow",
            "yesterday", "morning", "afternoon", "evening", "nowadays", "days", "upcoming", "recent", "recently", "lately",
            "latest", "newest", "current", "up", "time", "date", "day", "rate", "rates", "cost", "costs", "worth", "stock",
            "stocks", "shares", "market", "temperature", "air", "score", "scores", "won", "winning", "wins", "leading",
            "opening", "next", "delayed", "cancelled", "canceled", "status", "outage", "outages", "down",
        ]
        for set in [periodNouns, shortPeriodNouns, priceWords, weatherWords, standingsWords, scheduleWords, openClose, newsWords] {
            words.formUnion(set)
        }
        return words
    }()

    // MARK: The words
    // Every set below is a closed class of English with one reason: the meaning named in its
    // comment. Topic words name what changes by the hour (a price, the weather, a score).

    /// Words that frame a question as asking what something means or how it works.
    static let explanatoryWords: Set<String> = [
        "explain", "explained", "explaining", "explanation", "define", "definition", "meaning", "mean", "means", "concept",
        "theory", "formula", "calculate", "calculated", "calculating", "calculation", "history", "historical", "difference",
        "differences", "example", "examples", "why", "work", "works", "affect", "affects", "influence", "influences",
        "determine", "determines", "determined",
    ]
    /// Words that may follow a sentence-initial "now" in a question ("Now what is…") rather than
    /// an instruction ("Now explain…").
    static let questionStarts: Set<String> = ["what", "whats", "who", "where", "is", "are", "how", "which", "when"]
    static let questionEnds: Set<String> = ["now", "today", "tonight", "currently", "right", "at", "in", "on"]
    /// "live score", "live updates": the present moment.
    static let liveNouns: Set<String> = [
        "score", "scores", "updates", "update", "results", "result", "coverage", "feed", "stream", "price", "prices", "traffic",
        "weather", "blog", "standings", "odds", "rates", "rate", "status", "map", "tracker", "tracking",
    ]
    /// Electric and ocean currents are not times.
    static let physicalCurrent: Set<String> = ["alternating", "direct", "electric", "electrical", "ocean", "rip", "eddy", "induced", "leakage"]
    /// A number's word before a period noun ("the past two weeks").
    static let numberWords: Set<String> = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "few", "couple", "several"]
    /// The word before a period noun that makes it relative to now, and its normal form.
    static let relativeAnchors: [String: String] = [
        "this": "this", "next": "next", "coming": "next", "last": "last", "past": "last", "previous": "last", "these": "these",
    ]
    /// Periods of a day or more.
    static let periodNouns: Set<String> = [
        "week", "weeks", "weekend", "month", "months", "year", "years", "quarter", "season", "semester", "term", "summer",
        "winter", "spring", "autumn", "fall", "decade", "days", "fortnight",
    ]
    /// Periods shorter than a day: "the last 24 hours" is as fresh as "today".
    static let shortPeriodNouns: Set<String> = ["hour", "hours", "minute", "minutes"]

    static let priceWords: Set<String> = ["price", "prices", "priced", "pricing", "fare", "fares", "valuation"]
    /// "exchange rate", "interest rates", "mortgage rate": prices of money.
    static let rateQualifiers: Set<String> = ["exchange", "interest", "mortgage", "conversion", "fx", "forex", "inflation", "unemployment", "tax", "current", "today"]
    static let marketNouns: Set<String> = ["price", "prices", "market", "markets", "value", "trading", "today", "now", "doing", "up", "down"]
    static let weatherWords: Set<String> = [
        "weather", "forecast", "forecasts", "rain", "raining", "rainy", "snow", "snowing", "sunny", "humidity", "humid",
        "windy", "storm", "storms", "hurricane", "pollen", "heatwave", "frost",
    ]
    /// Forecasts of something other than the weather.
    static let nonWeatherForecasts: Set<String> = ["sales", "revenue", "demand", "budget", "cash", "financial", "earnings", "traffic", "growth"]
    /// Scores that are not a match's: a credit score is not a live result.
    static let nonSportScores: Set<String> = [
        "credit", "test", "exam", "sat", "act", "gre", "gmat", "iq", "z", "f1", "quality", "risk", "health", "confidence",
        "bleu", "lighthouse", "seo", "nps", "fico", "propensity", "anomaly",
    ]
    static let standingsWords: Set<String> = ["standings", "leaderboard", "scoreboard", "halftime", "fixtures", "playoffs"]
    static let scheduleWords: Set<String> = [
        "schedule", "schedules", "timetable", "timetables", "departure", "departures", "arrival", "arrivals", "showtimes",
        "showtime",
    ]
    static let openClose: Set<String> = ["open", "opens", "close", "closes", "closing", "start", "starts", "leave", "leaves", "depart", "departs", "arrive", "arrives", "kick"]
    static let transportNouns: Set<String> = ["train", "trains", "bus", "buses", "flight", "flights", "ferry", "tram", "shuttle", "subway", "metro", "plane"]
    static let newsWords: Set<String> = ["news", "headline", "headlines", "breaking", "trending", "announced", "announcement"]
}
