import DejaVerifier
import Testing

/// Time-sensitive questions: what is detected (per kind, written for these tests, across
/// domains), what is not (explanations, settled results, other senses of the same words), how
/// spellings of one time are normalised, and the check that refuses a match whose times differ.
@Suite struct TimeSensitivityTests {
    typealias Kind = TimeSensitivity.Kind

    @Test(arguments: [
        // The present moment.
        ("What time is it in Tokyo?", Kind.now),
        ("Is the Golden Gate Bridge open right now?", .now),
        ("Which restaurants near me are currently open?", .now),
        ("How busy is the M25 at the moment?", .now),
        ("What's the current time in Sydney?", .now),
        ("Show me live updates on the eruption", .now),
        // Days relative to today.
        ("What should I cook for dinner tonight?", .today),
        ("Which pharmacies are on duty today?", .today),
        ("What did the Fed decide yesterday?", .today),
        ("What is on TV this evening?", .today),
        ("Summarise the earnings calls from the past 24 hours", .today),
        // Periods relative to now.
        ("Which films come out this week?", .period),
        ("What were the best-selling cars last year?", .period),
        ("Which conferences are planned for next month?", .period),
        ("How has the housing market changed recently?", .period),
        ("What jobs are in demand these days?", .period),
        ("Any upcoming changes to the tax code?", .period),
        // The newest state.
        ("What is the latest version of Kubernetes?", .latest),
        ("Who is the current CEO of Boeing?", .latest),
        ("What are the newest features in iOS?", .latest),
        ("Give me the most recent figures for UK inflation", .latest),
        // Topics whose values move.
        ("What is the price of gold?", .prices),
        ("What is the euro to dollar exchange rate?", .prices),
        ("How much does a return flight to Lisbon cost?", .prices),
        ("What is Bitcoin worth?", .prices),
        ("How are Nvidia shares trading?", .prices),
        ("Will it rain in Berlin on Saturday?", .weather),
        ("What's the weather forecast for Edinburgh?", .weather),
        ("What is the temperature outside in Madrid?", .weather),
        ("Who is winning the Tour de France?", .scores),
        ("What's the score in the Arsenal game?", .scores),
        ("Show me the Premier League standings", .scores),
        ("When does the Louvre open on Sundays?", .schedules),
        ("When is the next train from Leeds to York?", .schedules),
        ("Is flight BA117 delayed?", .schedules),
        ("What are the opening hours of the town hall?", .schedules),
        ("What are today's top news stories?", .news),
        ("Any headlines about the merger?", .news),
        ("Is GitHub down?", .status),
        ("Are there any outages at AWS?", .status),
    ])
    func detectsEachKind(_ text: String, _ kind: Kind) {
        let found = TimeSensitivity(text)
        #expect(found.kinds.contains(kind), "\(text): \(found.kinds)")
    }

    @Test(arguments: [
        // Explanations: what a concept means does not change by the hour.
        "How is the price of a bond calculated?",
        "Explain how weather forecasts work",
        "What is the difference between a stock and a bond?",
        "Why do exchange rates affect exports?",
        // Other senses of the same words.
        "How do I improve my credit score?",
        "What is alternating current?",
        "How do I open a current account in the UK?",
        "Now explain the second step in more detail",
        "What should I do now that Python 2 is end-of-life?",
        "What is the next step after installing Node?",
        "What is the last element of a Python list?",
        "At what temperature does water boil?",
        "How do I escape quotes in a bash string?",
        // Settled results and timeless questions.
        "Who won the 2018 World Cup?",
        "How do I reverse a list in Python?",
        "Write a haiku about autumn leaves",
        "What is the capital of Australia?",
        "",
    ])
    func ignoresWhatDoesNotDependOnTime(_ text: String) {
        let found = TimeSensitivity(text)
        #expect(found.isEmpty, "\(text): \(found.kinds) \(found.timeWords)")
    }

    @Test func spellingsOfOneTimeCompareEqual() {
        let now = ["What's the price of gold right now?", "What's the price of gold currently?", "What is the price of gold at the moment?"]
        for text in now { #expect(TimeSensitivity(text).timeWords == ["now"], "\(text)") }
        let latest = ["What is the latest Xcode?", "What is the newest Xcode?", "What is the most recent Xcode?", "Which Xcode is up to date?"]
        for text in latest { #expect(TimeSensitivity(text).timeWords == ["latest"], "\(text)") }
        #expect(TimeSensitivity("What happened in the past week?").timeWords == ["last week"])
        #expect(TimeSensitivity("What happened last week?").timeWords == ["last week"])
        #expect(TimeSensitivity("What are this year's tax brackets?").timeWords == ["this year"])
        #expect(TimeSensitivity("Sales over the past two weeks").timeWords == ["last two weeks"])
        // Clitics and curly apostrophes.
        #expect(TimeSensitivity("What’s today’s special?").timeWords == ["today"])
    }

    @Test func aHugeTextIsReadAtBothEndsOnly() {
        let filler = String(repeating: "lorem ipsum ", count: 2000)
        #expect(TimeSensitivity("What is the weather today? " + filler).kinds.contains(.today))
        #expect(TimeSensitivity(filler + "What is the weather today?").kinds.contains(.today))
        #expect(TimeSensitivity(String(repeating: "lorem ipsum ", count: 400) + "today " + filler).isEmpty, "the middle is not read")
        #expect(TimeSensitivity.words(filler + filler).count <= TimeSensitivity.maximumScannedCharacters / 2 + 1)
    }

    @Test(arguments: [
        ("What's the weather in Paris?", "What's the weather in Paris today?"),
        ("What's the weather in Paris tomorrow?", "What's the weather in Paris today?"),
        ("What were the top news stories this week?", "What were the top news stories last week?"),
        ("Who is the CEO of Boeing?", "Who is the current CEO of Boeing?"),
        ("What is the latest version of Go?", "What was the version of Go last year?"),
        ("Which trains leave for Leeds tonight?", "Which trains leave for Leeds tomorrow?"),
    ])
    func aMatchWhoseTimesDifferIsRefused(_ query: String, _ candidate: String) {
        let check = TimeWordCheck()
        #expect(check.verdict(AnalyzedText(query), AnalyzedText(candidate))?.check == "time_words", "\(query) / \(candidate)")
        #expect(check.verdict(AnalyzedText(candidate), AnalyzedText(query))?.check == "time_words")
    }

    @Test(arguments: [
        ("What's the price of gold right now?", "What is the price of gold at the moment?"),
        ("What's the newest MacBook?", "Which MacBook is the latest?"),
        ("How do I reverse a list in Python?", "How can I reverse a Python list?"),
        ("What is the weather like in Rome today?", "How's the weather in Rome today?"),
    ])
    func aMatchWithTheSameTimesPasses(_ query: String, _ candidate: String) {
        #expect(TimeWordCheck().verdict(AnalyzedText(query), AnalyzedText(candidate)) == nil, "\(query) / \(candidate)")
    }

    @Test func theChainRunsTheCheckAndItCanBeSwitchedOff() {
        let chain = VerifierChain(configuration: .balanced, wordVectors: nil)
        #expect(chain.checks.map(\.name).contains("time_words"))
        #expect(chain.verify(query: "What is the latest version of Go?", candidate: "What is the version of Go?")?.check == "time_words")
        var off = VerifierConfiguration.balanced
        off.enableChecks(named: Set(VerifierConfiguration.checkNames).subtracting(["time_words"]))
        #expect(!VerifierChain(configuration: off, wordVectors: nil).checks.map(\.name).contains("time_words"))
    }
}
