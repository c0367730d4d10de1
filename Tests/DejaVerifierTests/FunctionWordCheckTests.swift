import DejaVerifier
import DejaWordNet
import Testing

/// Closed-class words per category (quantifiers, modality, time, tense, scope), with sentences
/// written for these tests — none is a row of the pair files the bench measures.
@Suite struct FunctionWordCheckTests {
    let check = FunctionWordCheck()

    func verdict(_ a: String, _ b: String) -> Verdict? { check.verdict(AnalyzedText(a), AnalyzedText(b)) }

    @Test(arguments: [
        // Quantifiers and exclusivity.
        ("Are all museums in Rome free on Sundays?", "Are any museums in Rome free on Sundays?"),
        ("Does every seat on the train have a power socket?", "Does any seat on the train have a power socket?"),
        ("Which vitamins are found only in animal products?", "Which vitamins are found in animal products?"),
        ("Can I bring both suitcases on board?", "Can I bring either suitcase on board?"),
        ("Do most employers check references?", "Do employers check references?"),
        ("Refund just the shipping fee for order", "Refund the shipping fee for order"),
        // Modality.
        ("Can tenants paint the walls of a rented flat?", "Must tenants paint the walls of a rented flat?"),
        ("Should I report a gift from a client to HR?", "Do I have to report a gift from a client to HR?"),
        ("Is it possible to freeze cooked rice?", "Is it necessary to freeze cooked rice?"),
        // Relative time and tense.
        ("What did the central bank decide last month?", "What will the central bank decide next month?"),
        ("Who was the head coach of the team?", "Who will be the head coach of the team?"),
        ("What were the exam results in this semester?", "What were the exam results in the previous semester?"),
        ("Which phones were released yesterday?", "Which phones were released?"),
        ("How much did flights to Rome cost last Easter?", "How much did flights to Rome cost this Easter?"),
        ("Is the pharmacy open next Sunday?", "Is the pharmacy open this Sunday?"),
        ("Do I need a permit to build a garden shed?", "Should I get a permit to build a garden shed?"),
        // Scope.
        ("What is the fee per student for the trip?", "What is the total fee for the trip?"),
        ("How many hours can I work at most each week?", "How many hours can I work at least each week?"),
        ("What is the average salary of a nurse in Ohio?", "What is the maximum salary of a nurse in Ohio?"),
        // "each" takes things one by one, "all" may take them together.
        ("What is the average rating of each hotel on the list?", "What is the average rating of all hotels on the list?"),
        ("Estimate the cost of each room in the renovation", "Estimate the cost of all rooms in the renovation"),
    ])
    func rejects(_ pair: (String, String)) throws {
        let forward = try #require(verdict(pair.0, pair.1), "\(pair)")
        #expect(forward.check == "function_words")
        #expect(verdict(pair.1, pair.0) != nil, "\(pair) reversed")
    }

    @Test(arguments: [
        // Framing and equivalent function words are not a change of question.
        ("How do I reset my router?", "How can I reset my router?"),
        ("Can you explain how compound interest works?", "Explain how compound interest works"),
        ("Could you tell me the check-in time at the hotel?", "What is the check-in time at the hotel?"),
        ("Do you have any tips for a job interview?", "Do you have some tips for a job interview?"),
        ("Does each employee get a laptop?", "Does every employee get a laptop?"),
        ("Do all trains to the airport stop at the central station?", "Does every train to the airport stop at the central station?"),
        ("Is it possible to cancel a flight online?", "Can I cancel a flight online?"),
        ("What happens if I miss a payment?", "What will happen if I miss a payment?"),
        ("I just want to know how to boil an egg", "How do I boil an egg?"),
        ("What is the current exchange rate for the euro?", "What is the exchange rate for the euro?"),
        ("What is the most expensive city in Europe?", "Which is the most expensive city in Europe?"),
        ("How many days of leave do I get?", "How much leave do I get in days?"),
        ("Do I need to book in advance?", "Must I book in advance?"),
        ("How long does a passport renewal take?", "How long will a passport renewal take?"),
        ("Suggest a few board games for a family night", "Suggest some board games for a family night"),
        ("I hope you can help: how do I descale a kettle?", "How do I descale a kettle?"),
        ("What happens in the last Harry Potter book?", "What happens in the Harry Potter book?"),
    ])
    func accepts(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
        #expect(verdict(pair.1, pair.0) == nil, "\(pair) reversed")
    }

    @Test func theChainRunsItAfterPolarity() {
        let chain = VerifierChain(configuration: .balanced, wordVectors: nil)
        #expect(chain.checks.map(\.name).contains("function_words"))
        var off = VerifierConfiguration.balanced
        off.enableChecks(named: ["slots", "order", "polarity", "content_words"])
        #expect(!VerifierChain(configuration: off, wordVectors: nil).checks.map(\.name).contains("function_words"))
    }

    @Test func aPoliteProgressiveIsNoPastTense() {
        #expect(verdict("I was wondering how to patch a bike tube", "How do I patch a bike tube?") == nil)
        #expect(verdict("We were hoping you could explain escrow", "Can you explain escrow?") == nil)
        // A past question is still past.
        #expect(verdict("Was the museum free on Sundays?", "Is the museum free on Sundays?")?.check == "function_words")
        #expect(verdict("I was charged twice, what do I do?", "I am charged twice, what do I do?")?.check == "function_words")
    }

    @Test func aClauseOpenedByJustAFrames() {
        #expect(verdict("Just a quick check: is tofu gluten free?", "Is tofu gluten free?") == nil)
        #expect(verdict("Can I bring just a backpack?", "Can I bring a backpack?")?.check == "function_words")
    }

    @Test func leastReversesTheScale() {
        #expect(verdict("Which city has the strictest noise rules?", "Which city has the least strict noise rules?")?.check == "function_words")
        #expect(verdict("Which sofa is the least comfortable?", "Which sofa is the most comfortable?")?.check == "function_words")
        // "at least" is a bound, compared as scope.
        #expect(verdict("Do I need at least two references?", "Do I need two references?") == nil)
    }

    @Test func partOfIsAQuantifier() {
        #expect(verdict("Can I withdraw part of my pension early?", "Can I withdraw all of my pension early?")?.check == "function_words")
        #expect(verdict("Can I withdraw part of my pension early?", "Can I withdraw my pension early?")?.check == "function_words")
        #expect(verdict("Which part of the engine is the crankshaft?", "Where in the engine is the crankshaft?") == nil)
    }

    @Test func evaluativeNounsTakeAStance() {
        #expect(verdict("What are the benefits of intermittent fasting?", "What are the risks of intermittent fasting?")?.check == "function_words")
        #expect(verdict("List the upsides of remote work", "List the downsides of remote work")?.check == "function_words")
        #expect(verdict("What are the benefits of intermittent fasting?", "What are the advantages of intermittent fasting?") == nil)
        #expect(verdict("What are the benefits of intermittent fasting?", "Is intermittent fasting good for you?") == nil)
    }

    @Test func aTimeNounAfterModifiersMakesARelativeTime() {
        #expect(verdict("Why is there a fee on my last electricity invoice?", "Why is there a fee on my next electricity invoice?")?.check == "function_words")
        #expect(verdict("Why is there a fee on my last electricity invoice?", "Why is there a fee on my electricity invoice?")?.check == "function_words")
        // "last" as an order, before no time noun, is no time.
        #expect(verdict("What is the last step of a sourdough recipe?", "What is the final step of a sourdough recipe?") == nil)
    }

    @Test func boundsOfAComparisonDiffer() {
        #expect(verdict("Can I get aid if I study less than half-time?", "Can I get aid if I study at least half-time?")?.check == "function_words")
        #expect(verdict("Can I check no more than two bags?", "Can I check at least two bags?")?.check == "function_words")
        #expect(verdict("Is it fine to sleep more than eight hours?", "Is it fine to sleep at least eight hours?") == nil)
        #expect(verdict("Is renting less expensive than buying?", "Is renting cheaper than buying?") == nil)
    }

    @Test func partsAndShares() {
        #expect(verdict("Can I swap a little of the flour for oats?", "Can I swap all of the flour for oats?")?.check == "function_words")
        #expect(verdict("Do the majority of voters support it?", "Do a few voters support it?")?.check == "function_words")
        #expect(verdict("Is a little dog good for a flat?", "Is a small dog good for a flat?") == nil)
    }

    @Test func intensityOnBothSidesMustAgree() {
        #expect(verdict("My knee is slightly sore after running", "My knee is extremely sore after running")?.check == "function_words")
        #expect(verdict("my phone uses slightly more data now", "my phone uses way more data now")?.check == "function_words")
        #expect(verdict("My knee is very sore after running", "My knee is extremely sore after running") == nil)
        // "much" before a noun is no intensity.
        #expect(verdict("How much water should a slightly dehydrated child drink?", "What amount of water should a slightly dehydrated child drink?") == nil)
        // On one side only it is emphasis, not a different question.
        #expect(verdict("My knee is slightly sore after running", "My knee is sore after running") == nil)
    }

    @Test func oneAtATimeAgainstAllTogether() {
        #expect(verdict("We have three kids. What's the airport fee per child?", "We have three kids. What's the airport fee for all children?") != nil)
        #expect(verdict("What's the checked fee for each bag?", "What's the checked fee for all my bags?") != nil)
        #expect(verdict("What's the checked fee for each bag?", "What's the checked fee per bag?") == nil)
    }

    @Test func goingOnAgainstStopping() {
        #expect(verdict("Will my miles expire if I keep flying?", "Will my miles expire if I stop flying?") != nil)
        #expect(verdict("Will my miles expire if I continue flying?", "Will my miles expire if I keep flying?") == nil)
        // "keep … from" is "stop … from".
        #expect(verdict("How do I stop my dog from barking at night?", "How do I keep my dog from barking at night?") == nil)
        // "stop" ending its clause stops what was said before.
        #expect(verdict("my dog keeps barking at night, how do i get him to stop", "how do i get my dog to stop barking at night, he keeps doing it") == nil)
    }

    @Test func onlyMovedToAnotherWord() {
        #expect(verdict("At the audition I was only asked about my age. Bad sign?", "At the audition only I was asked about my age. Bad sign?") != nil)
        #expect(verdict("Can only the tenant use the parking permit to park overnight?", "Can the tenant use the parking permit only to park overnight?") != nil)
        // A verb and its object are one restriction; "the only" is another word.
        #expect(verdict("I only need two eggs for this cake, right?", "I need only two eggs for this cake, right?") == nil)
        #expect(verdict("Is this the only way to reset it?", "Is this the only way to reset it now?") == nil)
    }

    @Test func anExactCountAProhibitionAndAnAnswerInDetail() {
        // An exact count against a bound; "exactly" elsewhere asks nothing of a count.
        #expect(verdict("Find users who logged in at least one time this week", "Find users who logged in exactly one time this week") != nil)
        #expect(verdict("Which flights have exactly 2 stops?", "Which flights have at least 2 stops?") != nil)
        #expect(verdict("What exactly is a mutual fund?", "What is a mutual fund?") == nil)
        // What may not be done against what may.
        #expect(verdict("Which fireworks are allowed in Ohio?", "Which fireworks are banned in Ohio?") != nil)
        #expect(verdict("Is jaywalking prohibited in Denver?", "Is jaywalking banned in Denver?") == nil)
        // The verbs too: which countries ban it, which allow it; a permit is a document.
        #expect(verdict("Which airlines allow e-cigarettes in checked bags?", "Which airlines ban e-cigarettes in checked bags?") != nil)
        #expect(verdict("Which airlines forbid e-cigarettes in checked bags?", "Which airlines ban e-cigarettes in checked bags?") == nil)
        #expect(verdict("Do I need a parking permit in Leeds?", "Do I need a permit to park in Leeds?") == nil)
        // A summary is brief, against an answer in detail.
        #expect(verdict("summarize the causes of the French Revolution", "explain in detail the causes of the French Revolution") != nil)
        #expect(verdict("summarize the causes of the French Revolution", "give me a brief summary of the causes of the French Revolution") == nil)
        // "in detail" asks for length, as "detailed" does; "every detail" does not.
        #expect(verdict("Briefly explain how a heat pump works", "Explain in detail how a heat pump works") != nil)
        #expect(verdict("Explain in more detail how a heat pump works", "Give a detailed explanation of how a heat pump works") == nil)
        #expect(verdict("Check every detail of the lease", "Check the lease") == nil)
        // "a few of" is some, against "all of".
        #expect(verdict("a few of my tomato plants have spots, what is it", "all of my tomato plants have spots, what is it") != nil)
        // "prior to" is "before", no past time.
        #expect(verdict("What should I pack before moving abroad?", "What should I pack prior to moving abroad?") == nil)
        #expect(verdict("What did I pack previously?", "What did I pack?") != nil)
    }

    @Test func aPastHabitAPlanAnExpectationAndTheMedian() {
        // "used to" is a past habit, "going to" a plan.
        #expect(verdict("We used to rent in Denver. Should we buy now?", "We are going to rent in Denver. Should we buy now?") != nil)
        #expect(verdict("What is a hygrometer used to measure?", "What is a hygrometer meant to measure?") == nil)
        #expect(verdict("I'm going to the pharmacy, what should I ask for?", "I'm heading to the pharmacy, what should I ask for?") == nil)
        // What is expected against what is required; "supposed to" is expected too.
        #expect(verdict("Are guests expected to bring a gift?", "Are guests required to bring a gift?") != nil)
        #expect(verdict("Are guests expected to bring a gift?", "Are guests supposed to bring a gift?") == nil)
        // The median is not the average.
        #expect(verdict("What's the median rent in Boston?", "What's the average rent in Boston?") != nil)
    }
}

/// WordNet's antonyms in the polarity check: pairs no curated list names.
@Suite struct WordNetPolarityTests {
    static let wordNet = WordNetTests.shared
    let check = PolarityCheck(wordNet: WordNetPolarityTests.wordNet)
    let curatedOnly = PolarityCheck()

    func verdict(_ check: PolarityCheck, _ a: String, _ b: String) -> Verdict? { check.verdict(AnalyzedText(a), AnalyzedText(b)) }

    @Test(arguments: [
        ("How do I keep sourdough bread moist?", "How do I keep sourdough bread dry?"),
        ("Why is my basement so humid?", "Why is my basement so arid?"),
        ("Is a shallow pool safe for toddlers?", "Is a deep pool safe for toddlers?"),
        ("How do I inflate a bicycle tyre?", "How do I deflate a bicycle tyre?"),
        ("Is the stock market optimistic about tech?", "Is the stock market pessimistic about tech?"),
    ])
    func wordNetOppositesReject(_ pair: (String, String)) throws {
        let result = try #require(verdict(check, pair.0, pair.1), "\(pair)")
        #expect(result.check == "polarity")
        #expect(verdict(check, pair.1, pair.0) != nil)
        // The curated pairs alone do not know these words.
        #expect(verdict(curatedOnly, pair.0, pair.1) == nil, "\(pair) is in the curated list: pick another")
    }

    @Test(arguments: [
        ("How do I purchase a train ticket?", "How do I buy a train ticket?"),
        ("What is a quick breakfast idea?", "What is a fast breakfast idea?"),
        ("How do I repair a leaking tap?", "How do I fix a leaking tap?"),
    ])
    func synonymsPass(_ pair: (String, String)) {
        #expect(verdict(check, pair.0, pair.1) == nil, "\(pair)")
    }
}

/// Role reversal found by aligning the texts' words: two content words change sides of an
/// anchor that keeps its place, whatever the relation word. Sentences written for these tests.
@Suite struct CrossingAlignmentTests {
    let check = OrderCheck()

    func verdict(_ a: String, _ b: String) -> Verdict? { check.verdict(AnalyzedText(a), AnalyzedText(b)) }

    @Test(arguments: [
        ("Why does the dishwasher trip the breaker when the oven is on?", "Why does the oven trip the breaker when the dishwasher is on?"),
        ("Can a landlord sue a tenant for unpaid utility bills?", "Can a tenant sue a landlord for unpaid utility bills?"),
        ("Should I prioritise my pension over my mortgage?", "Should I prioritise my mortgage over my pension?"),
        ("Does coffee interfere with iron absorption from spinach?", "Does spinach interfere with iron absorption from coffee?"),
        ("Can I use olive oil instead of butter in a cake?", "Can I use butter instead of olive oil in a cake?"),
        ("Why do managers distrust consultants?", "Why do consultants distrust managers?"),
    ])
    func reversalsAcrossAnyRelationReject(_ pair: (String, String)) throws {
        let result = try #require(verdict(pair.0, pair.1), "\(pair)")
        #expect(result.check == "order")
        #expect(verdict(pair.1, pair.0) != nil, "\(pair) reversed")
    }

    @Test(arguments: [
        // A phrase moved to the other end crosses no anchor.
        ("In Swift, how do I sort an array of structs by date?", "How do I sort an array of structs by date in Swift?"),
        ("After the interview, how long should I wait to follow up?", "How long should I wait to follow up after the interview?"),
        // Symmetric relations.
        ("What is the difference between a loan and a lease?", "What is the difference between a lease and a loan?"),
        // A change of voice moves the roles with it.
        ("Who approves the travel budget?", "By whom is the travel budget approved?"),
        ("Are refunds processed by the finance team?", "Does the finance team process refunds?"),
        ("Is sugar regulated in the school canteen?", "Does the school canteen regulate sugar?"),
    ])
    func reorderingsPass(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
        #expect(verdict(pair.1, pair.0) == nil, "\(pair) reversed")
    }
}

/// Stance and explicit aggregation, and a participle used as an adjective (not a change of voice).
@Suite struct StanceAndVoiceTests {
    @Test(arguments: [
        ("List the arguments for a congestion charge in the city centre", "List the arguments against a congestion charge in the city centre"),
        ("Write a speech in favour of longer school holidays", "Write a speech against longer school holidays"),
        ("Draft a petition supporting the new cycle lane", "Draft a petition opposing the new cycle lane"),
        ("How many vacation days do the two founders get each year?", "How many vacation days do the two founders get combined each year?"),
    ])
    func functionWordsReject(_ pair: (String, String)) {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText(pair.0), AnalyzedText(pair.1))?.check == "function_words", "\(pair)")
        #expect(check.verdict(AnalyzedText(pair.1), AnalyzedText(pair.0)) != nil, "\(pair) reversed")
    }

    @Test func anAdjectivalParticipleIsNotAChangeOfVoice() {
        let check = OrderCheck()
        let verdict = check.verdict(
            AnalyzedText("Is a handwritten will harder to contest than a typed will?"),
            AnalyzedText("Is a typed will harder to contest than a handwritten will?"))
        #expect(verdict?.check == "order")
    }

    @Test func purposeForIsNotAStance() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("What is a good gift for a teacher?"), AnalyzedText("What is a good gift against a teacher?")) == nil)
    }

    @Test func aPredictionIsNoPossibility() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("Could the volcano erupt this century?"), AnalyzedText("Will the volcano erupt this century?")) != nil)
        #expect(check.verdict(AnalyzedText("Could there be water on Mars?"), AnalyzedText("Is there water on Mars?")) != nil)
        // Beside another modality, or as a request, "will" is only the tense.
        #expect(check.verdict(AnalyzedText("Will I need a visa for Peru?"), AnalyzedText("Do I need a visa for Peru?")) == nil)
        #expect(check.verdict(AnalyzedText("Will you explain closures?"), AnalyzedText("Can you explain closures?")) == nil)
    }

    @Test func lengthAndAudienceAskedForDiffer() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("Write a brief cover letter for a nursing job"), AnalyzedText("Write a detailed cover letter for a nursing job")) != nil)
        #expect(check.verdict(AnalyzedText("Explain in-depth how DNS works"), AnalyzedText("Explain concisely how DNS works")) != nil)
        #expect(check.verdict(AnalyzedText("Explain closures to a beginner"), AnalyzedText("Explain closures to an experienced developer")) != nil)
        #expect(check.verdict(AnalyzedText("Explain closures to a novice"), AnalyzedText("Explain closures to a complete beginner")) == nil)
        // On one side only it is not asked against anything.
        #expect(check.verdict(AnalyzedText("Summarise this article"), AnalyzedText("Give me a concise summary of this article")) == nil)
    }

    @Test func oneOfThemIsNotAllOrAny() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("Do all of the nodes need a cable?"), AnalyzedText("Does one of the nodes need a cable?")) != nil)
        #expect(check.verdict(AnalyzedText("Why can't any of my phones pair?"), AnalyzedText("Why can't one of my phones pair?")) != nil)
        #expect(check.verdict(AnalyzedText("Should I stretch every day?"), AnalyzedText("Should I stretch every other day?")) != nil)
        #expect(check.verdict(AnalyzedText("Should every hiker carry a map?"), AnalyzedText("Should at least one hiker carry a map?")) != nil)
        // "which one of" asks which; a lone "one" is a pronoun.
        #expect(check.verdict(AnalyzedText("Which one of these laptops is lighter?"), AnalyzedText("Which of these laptops is lighter?")) == nil)
    }

    @Test func comparisonAgainstEqualityAndManyAgainstAFew() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("Is Go faster than Rust for web servers?"), AnalyzedText("Is Go as fast as Rust for web servers?")) != nil)
        #expect(check.verdict(AnalyzedText("Is it normal to sneeze a few times a day?"), AnalyzedText("Is it normal to sneeze dozens of times a day?")) != nil)
        // Idioms of "as … as" and "rather than" compare nothing.
        #expect(check.verdict(AnalyzedText("Does it run on Windows as well as Mac?"), AnalyzedText("Does it run on Windows and Mac?")) == nil)
        // After a multiplier "as … as" compares: "twice as fast as" is "2x faster than".
        #expect(check.verdict(AnalyzedText("Is an SSD twice as fast as an HDD?"), AnalyzedText("Is an SSD 2x faster than an HDD?")) == nil)
        #expect(check.verdict(AnalyzedText("Should I rent rather than buy?"), AnalyzedText("Should I rent instead of buying?")) == nil)
    }

    @Test func pastAgainstFutureAndLessAgainstMore() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("I returned the car a day late. What will they charge?"), AnalyzedText("I will return the car a day late. What will they charge?")) != nil)
        #expect(check.verdict(AnalyzedText("Are merino socks warmer than cotton ones?"), AnalyzedText("Are merino socks less warm than cotton ones?")) != nil)
        #expect(check.verdict(AnalyzedText("Are steel pans heavier than cast iron?"), AnalyzedText("Are steel pans less heavy than cast iron?")) != nil)
        // The same comparison said two ways, and the same tense.
        #expect(check.verdict(AnalyzedText("Are merino socks warmer than cotton ones?"), AnalyzedText("Are merino socks more warm than cotton ones?")) == nil)
        #expect(check.verdict(AnalyzedText("I returned the car late. What will they charge?"), AnalyzedText("I returned the car late; what will they charge?")) == nil)
    }

    @Test func aBiteIsPartOfIt() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("My dog ate a bite of a chocolate bar. Should I worry?"), AnalyzedText("My dog ate all of a chocolate bar. Should I worry?")) != nil)
        #expect(check.verdict(AnalyzedText("My dog ate a bite of a chocolate bar. Should I worry?"), AnalyzedText("My dog ate a chocolate bar. Should I worry?")) != nil)
        // Not a partitive without "a … of": "each bite", "slice the bread".
        #expect(check.verdict(AnalyzedText("How do I slice the bread thinly?"), AnalyzedText("How do I cut the bread thinly?")) == nil)
    }

    @Test func frequencyAdverbsDiffer() {
        let check = FunctionWordCheck()
        #expect(check.verdict(AnalyzedText("Do cats always land on their feet?"), AnalyzedText("Do cats usually land on their feet?")) != nil)
        #expect(check.verdict(AnalyzedText("Does the 6 train often skip stops?"), AnalyzedText("Does the 6 train rarely skip stops?")) != nil)
        // "rarely" restricts on its own; "always" on one side mostly frames.
        #expect(check.verdict(AnalyzedText("Why do I get headaches?"), AnalyzedText("Why do I rarely get headaches?")) != nil)
        #expect(check.verdict(AnalyzedText("I've always wondered: how do tides work?"), AnalyzedText("How do tides work?")) == nil)
        // One frequency said two ways; "how often" asks it.
        #expect(check.verdict(AnalyzedText("Why does my dog bark constantly?"), AnalyzedText("Why does my dog bark nonstop?")) == nil)
        #expect(check.verdict(AnalyzedText("How often should I water a cactus?"), AnalyzedText("How frequently should I water a cactus?")) == nil)
    }
}

/// WordNet synonyms and derivational forms match differing content words before any vector is
/// compared; opposites never do.
@Suite struct WordNetContentWordTests {
    let withWordNet = ContentWordCheck(minimumSimilarity: 0.99, wordVectors: nil, wordNet: WordNetTests.shared)
    let vectorsOnly = ContentWordCheck(minimumSimilarity: 0.99, wordVectors: nil)

    @Test(arguments: [
        ("How do I repair a dripping tap?", "How do I fix a dripping tap?"),
        ("Which physician treats migraines?", "Which doctor treats migraines?"),
        ("How long does the approval of a visa take?", "How long does it take to approve a visa?"),
    ])
    func synonymsAndDerivationsMatch(_ pair: (String, String)) {
        #expect(withWordNet.verdict(AnalyzedText(pair.0), AnalyzedText(pair.1)) == nil, "\(pair)")
        #expect(vectorsOnly.verdict(AnalyzedText(pair.0), AnalyzedText(pair.1)) != nil, "\(pair): identical-word matching alone must reject")
    }

    @Test func siblingsAndOppositesDoNotMatch() {
        #expect(withWordNet.verdict(AnalyzedText("How long should I boil an egg?"), AnalyzedText("How long should I boil a potato?")) != nil)
        #expect(withWordNet.verdict(AnalyzedText("Is the water deep?"), AnalyzedText("Is the water shallow?")) != nil)
    }
}
