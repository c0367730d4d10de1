@testable import DejaVerifier
import DejaWordNet
import Testing

/// The polarity check as the gateway runs it: with WordNet (which `make setup` installs), whose
/// antonyms replace the curated pairs it knows.
@Suite struct PolarityCheckTests {
    let check = PolarityCheck(wordNet: WordNet.shared)

    func verdict(_ a: String, _ b: String) -> Verdict? { check.verdict(AnalyzedText(a), AnalyzedText(b)) }

    @Test func withinATimeAgainstAfterIt() {
        #expect(verdict("can I shower in the first 24 hours of a new tattoo", "can I shower after the first 24 hours of a new tattoo") != nil)
        // An "in" both texts keep opposes nothing.
        #expect(verdict("What should I do after a car accident in Ohio?", "What should I do following a car accident in Ohio?") == nil)
    }

    @Test func verbsMadeFromOpposedAdjectives() throws {
        let wordNet = try #require(WordNet.shared)
        #expect(PolarityCheck.opposedVerbsInEn(["loosen"], ["tighten"], wordNet: wordNet) != nil)
        #expect(PolarityCheck.opposedVerbsInEn(["widen"], ["narrow"], wordNet: wordNet) != nil)
        #expect(PolarityCheck.opposedVerbsInEn(["loosen"], ["unscrew"], wordNet: wordNet) == nil)
        #expect(verdict("How do I loosen a stuck bolt on my bike?", "How do I tighten a stuck bolt on my bike?") != nil)
    }

    @Test func thePhaseOfAnActivity() {
        // Over against started: WordNet lacks these opposites.
        #expect(check.verdict(AnalyzedText("Can I still enter once the race is over?"), AnalyzedText("Can I still enter once the race has started?")) != nil)
        #expect(check.verdict(AnalyzedText("Can I still enter once the race is over?"), AnalyzedText("Can I still enter once the race has finished?")) == nil)
    }

    @Test func opposedPrefixesAndDirections() {
        #expect(verdict("Which interview questions are overused?", "Which interview questions are underused?") != nil)
        #expect(verdict("Is inbound traffic blocked?", "Is outbound traffic blocked?") != nil)
        #expect(verdict("Rules for bringing pets into Canada", "Rules for taking pets out of Canada") != nil)
        // One root, no opposed prefix: "outcome" is no opposite of "income".
        #expect(verdict("Is the update overdue?", "Is the update late?") == nil)
    }

    @Test func aNegationMovedToAnotherObjectOfTheSameVerb() {
        #expect(check.verdict(AnalyzedText("my cat wont eat her food but will eat treats"), AnalyzedText("my cat eats her food but wont eat treats")) != nil)
        #expect(check.verdict(AnalyzedText("Why won't my cat eat her food?"), AnalyzedText("Why won't my cat eat her dinner?")) == nil)
    }

    @Test(arguments: [
        ("Why can I log in?", "Why can't I log in?"),
        ("Which animals are mammals?", "Which animals are not mammals?"),
        ("Products with free shipping", "Products without free shipping"),
        ("My package arrived", "My package never arrived"),
        ("List everything", "List everything except images"),
        ("Who came?", "Nobody came?"),
        ("I can do it", "I cannot do it"),
    ])
    func negationRejects(_ pair: (String, String)) throws {
        let result = try #require(verdict(pair.0, pair.1), "\(pair)")
        #expect(result.check == "polarity")
        #expect(result.detail.contains("negation"))
    }

    @Test(arguments: [
        ("How do I enable CORS?", "How do I disable CORS?"),
        ("How do I increase the limit?", "How do I decrease the limit?"),
        ("Eat before a workout", "Eat after a workout"),
        ("Has the bridge been closed since Monday?", "Has the bridge been closed until Monday?"),
        ("Find the min value", "Find the max value"),
        ("Find the minimum value", "Find the maximum value"),
        ("Add a user", "Remove a user"),
        ("Should I buy Tesla stock?", "Should I sell Tesla stock?"),
        ("Import a CSV", "Export a CSV"),
        ("Encrypt a file", "Decrypt a file"),
        ("Upload a file", "Download a file"),
        ("Dose for adults", "Dose for children"),
        ("Get the first element", "Get the last element"),
        ("Start the service", "Stop the service"),
        ("Open the file", "Close the file"),
        ("Push the branch", "Pull the branch"),
        ("Read the input", "Read the output"),
        ("Convert to upper case", "Convert to lower case"),
        ("The largest planet", "The smallest planet"),
        ("The fastest car", "The slowest car"),
        ("A cheap hotel", "An expensive hotel"),
        ("Pass true", "Pass false"),
        ("Install Docker", "Uninstall Docker"),
        ("Turn on dark mode", "Turn off dark mode"),
        ("Income above the limit", "Income below the limit"),
        ("Use more salt", "Use less salt"),
        ("Is this valid?", "Is this invalid?"),
        ("Write a formal email", "Write an informal email"),
        ("How much does a used Honda Civic cost?", "How much does a new Honda Civic cost?"),
        ("Can I return it after 30 days?", "Can I return it within 30 days?"),
        ("What are the causes of acid rain?", "What are the effects of acid rain?"),
        ("Good books to learn Spanish for beginners", "Good books to learn Spanish for advanced learners"),
        ("How do I prevent mold in the shower?", "How do I remove mold in the shower?"),
    ])
    func antonymsReject(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1)?.check == "polarity", "\(pair)")
        #expect(verdict(pair.1, pair.0)?.check == "polarity", "\(pair) reversed")
    }

    @Test(arguments: [
        ("The quickest route to the airport", "The slowest route to the airport"),
        ("The cheapest hotel", "The most expensive hotel"),
        ("The most affordable hotel", "The most expensive hotel"),
        ("Where can I purchase a ticket?", "Where can I sell a ticket?"),
    ])
    func aSynonymDoesNotExcuseAnOpposite(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1)?.check == "polarity", "\(pair)")
        #expect(verdict(pair.1, pair.0)?.check == "polarity", "\(pair) reversed")
    }

    @Test func presenceOfAStrictPairWordRejects() throws {
        let result = try #require(verdict("How do I enable CORS?", "How do I configure CORS?"))
        #expect(result.detail.contains("'enable' only in the query"))
    }

    @Test(arguments: [
        ("Why doesn't my code compile?", "Why is my code not compiling?"),
        ("Is the shop open on Monday?", "Is the shop open on Monday"),
        ("How do I delete a branch?", "How do I remove a branch?"),
        ("What can't I bring on a plane?", "Which items can I not bring on a plane?"),
        ("Increase the font size", "How do I increase the font size?"),
        ("The quickest route to the airport", "The fastest route to the airport"),
        ("The cheapest way to travel", "The most affordable way to travel"),
        ("Where can I buy a ticket?", "Where can I purchase a ticket?"),
        // "after" on one side only is not a polarity change: its opposites are listed words.
        ("Can I return a laptop if the box has been opened?", "Can I return a laptop after the box was opened?"),
    ])
    func samePolarityPasses(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test(arguments: [
        ("Tell me whether or not I should use the Oxford comma", "Tell me whether I should use the Oxford comma"),
        ("Should I refinance my mortgage or not?", "Should I refinance my mortgage?"),
        ("Is it worth learning Rust, or not?", "Is it worth learning Rust?"),
    ])
    func aQuestionJoinedWithItsOwnNegationIsNotNegated(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test(arguments: [
        ("Should I refinance or not refinance my mortgage?", "Should I refinance my mortgage?"),
        ("Is it safe or not safe to swim here?", "Is it safe to swim here?"),
    ])
    func anOrNotThatNegatesAWordStillCounts(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1)?.check == "polarity", "\(pair)")
    }

    @Test(arguments: [
        ("Is it cheaper to buy a laptop online?", "Is it less expensive to buy a laptop online?"),
        ("Which route is less dangerous at night?", "Which route is safer at night?"),
    ])
    func lessAndTheOppositeSayTheSame(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
        #expect(verdict(pair.1, pair.0) == nil, "\(pair) reversed")
    }

    @Test func lessAndTheSameWordIsStillAnOpposite() {
        #expect(verdict("Is it more expensive to buy online?", "Is it less expensive to buy online?")?.check == "polarity")
    }


    @Test func opposedParticlesAreCountedWhenTheTextsShareOne() {
        #expect(verdict("How do I switch on dark mode on my phone?", "How do I switch off dark mode on my phone?")?.check == "polarity")
        #expect(verdict("How do I switch on dark mode on my phone?", "How can I switch on dark mode on my phone?") == nil)
    }


    @Test func unlessIsANegatedCondition() {
        #expect(verdict("Is there a fee if I cancel early?", "Is there a fee unless I cancel early?")?.check == "polarity")
    }

    @Test func aNegationMovedBetweenSharedWordsChangesTheQuestion() {
        #expect(verdict("Why is my app crashing though the cache isn't full?", "Why is my app not crashing though the cache is full?")?.check == "polarity")
        // The same words negated, or a negation on a fronted auxiliary, pass.
        #expect(verdict("The printer is not working", "The printer isn't working") == nil)
        #expect(verdict("Why is my Go code not compiling?", "Why doesn't my Go code compile?") == nil)
        #expect(PolarityCheck.negatedStems(AnalyzedText("Why doesn't it start?")) == nil)
        #expect(PolarityCheck.negatedStems(AnalyzedText("a house without a garden, not a flat")) == ["flat", "garden"])
        // A negative pronoun, or a cue with nothing to negate in reach, is not compared.
        #expect(verdict("Is it safe to not eat for a day?", "Is it safe to eat nothing for a day?")?.detail.hasPrefix("negation of") != true)
        #expect(PolarityCheck.negatedStems(AnalyzedText("travel unless I have a passport")) == nil)
    }


    @Test func aPresenceWordIsExcusedByItsDerivedForm() {
        #expect(verdict("How do I install a ceiling fan?", "What does the installation of a ceiling fan involve?") == nil)
        #expect(verdict("How do I install a ceiling fan?", "What does a ceiling fan involve?")?.check == "polarity")
    }
}
