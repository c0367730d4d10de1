import DejaWordNet
@testable import DejaVerifier
import Testing

@Suite struct SlotCheckTests {
    let check = SlotCheck()

    func verdict(_ a: String, _ b: String) -> Verdict? { check.verdict(AnalyzedText(a), AnalyzedText(b)) }

    @Test func oneDateWrittenManyWays() {
        #expect(AnalyzedText("on 12 August 2026").slots.map(\.description) == ["date:2026-08-12"])
        #expect(verdict("Is the eclipse on 12 August 2026?", "Is the eclipse on 2026-08-12?") == nil)
        #expect(verdict("Bought on 03/15/2024", "Bought on March 15th, 2024") == nil)
        #expect(verdict("Bought on 15/03/2024", "Bought on the 15th of March 2024") == nil)
        #expect(verdict("Is the office open on March 4?", "Is the office open on 3/4?") == nil)
        // Another day, month or year still differs; a range is no date.
        #expect(verdict("Bought on 03/15/2024", "Bought on March 16, 2024") != nil)
        #expect(verdict("Is the eclipse on 12 August 2026?", "Is the eclipse on 2027-08-12?") != nil)
        #expect(AnalyzedText("wait 10-15 minutes").slots.map(\.description) == ["date:10-15", "unit:minute"])
    }

    @Test func raceTimesSignsAndHalvesAreNumbers() {
        #expect(verdict("How do I pace a marathon to finish under 4 hours?", "How do I pace a marathon to finish under 4:00:00?") == nil)
        #expect(verdict("How do I pace a marathon to finish under 4 hours?", "How do I pace a marathon to finish under 3:30:00?") != nil)
        #expect(AnalyzedText("meet at 3:45:10").slots.map(\.description) == ["date:3:45:10"])
        #expect(verdict("Is -14 LUFS right for streaming?", "Is minus 14 LUFS right for streaming?") == nil)
        #expect(verdict("Is -14 LUFS right for streaming?", "Is 14 LUFS right for streaming?") != nil)
        #expect(AnalyzedText("what is 10 minus 4").slots.map(\.description) == ["number:10", "number:4"])
        #expect(verdict("I painted it 12 hours ago", "I painted it half a day ago") == nil)
        #expect(verdict("My rent went up 50%", "My rent went up by half") == nil)
        #expect(verdict("My rent went up 25%", "My rent went up by half") != nil)
    }

    @Test func spellingsOfOneValueAgree() {
        // A currency left implied by one side, with every number equal.
        #expect(verdict("Is $100,000 of coverage enough?", "Is 100k of coverage enough?") == nil)
        #expect(verdict("Is $100,000 of coverage enough?", "Is 200k of coverage enough?") != nil)
        #expect(verdict("Is $100 enough?", "Is €100 enough?") != nil)
        // Quoted or not, the same words.
        #expect(verdict("How do I fix 'permission denied' in Docker?", "how do i fix permission denied in docker") == nil)
        #expect(verdict("How do I fix 'permission denied' in Docker?", "how do i fix access denied in docker") != nil)
        // A name spelt like code ("GitHub") or as a known name ("github").
        #expect(verdict("Set up CI with GitHub Actions", "set up ci with github actions") == nil)
    }

    @Test func aFrontedPhraseMayMoveToTheEnd() {
        #expect(verdict("Using GitHub Actions, how do I deploy a Python app to AWS Lambda?", "How do I deploy a Python app to AWS Lambda using GitHub Actions?") == nil)
        #expect(verdict("On Ubuntu, how do I install Docker?", "How do I install Docker on Ubuntu?") == nil)
        #expect(verdict("On Ubuntu, how do I install Docker?", "On Docker, how do I install Ubuntu?") != nil)
        // A source keeps its role only in front.
        #expect(verdict("From Boston, how long is the drive to Chicago?", "How long is the drive from Chicago to Boston?") != nil)
    }

    @Test func labelsAccentsAndWatts() {
        // A capital letter labelling one of several ("column A").
        #expect(verdict("Look up a value in column A and return it from column B", "Look up a value in column B and return it from column A") != nil)
        #expect(verdict("Is Plan A cheaper than Plan B?", "is plan a cheaper than plan b") == nil)
        // Accents typed or not.
        #expect(verdict("What's the best team in Pokémon Unite?", "whats the best team in pokemon unite") == nil)
        #expect(verdict("a 1000W microwave", "a 1,000 watt microwave") == nil)
    }

    @Test func aHyphenatedUnitAbbreviationIsTheUnit() {
        #expect(AnalyzedText("a 15-min nap").words.map(\.lower).contains("minute"))
        #expect(verdict("Is a 20 minute nap better than a 40 minute one?", "Is a 20-min nap better than a 40-min one?") == nil)
        #expect(verdict("Is a 20 minute nap better than a 40 minute one?", "Is a 20-min nap better than a 40-hr one?") != nil)
    }

    @Test func twiceIsTwoTimes() {
        #expect(verdict("Should I water tomatoes 2 times a day?", "Should I water tomatoes twice a day?") == nil)
        #expect(verdict("Should I water tomatoes 3 times a day?", "Should I water tomatoes twice a day?") != nil)
        #expect(verdict("What is 3 times 4?", "What is 3x 4?") != nil)
    }

    @Test func temperaturesErasAndNames() {
        // Fahrenheit against Celsius, to a tenth of a degree.
        #expect(verdict("Is 40°C too hot for a dog walk?", "Is 104°F too hot for a dog walk?") == nil)
        #expect(verdict("Is 98.6F a normal temperature?", "Is 37C a normal temperature?") == nil)
        #expect(verdict("Preheat the oven to 200C?", "Preheat the oven to 350F?") != nil)
        // "the 1900s" is the twentieth century and no seconds; "the 1970s" is not 1970.
        #expect(verdict("Fashion trends of the 1900s", "Fashion trends of the twentieth century") == nil)
        #expect(verdict("Fashion trends of the 1900s", "Fashion trends of the 1800s") != nil)
        #expect(verdict("Music of the 1970s", "Music of 1970") != nil)
        // A request's verb opens no name, and a possessive ends one.
        #expect(verdict("Compare Postgres and MySQL for analytics", "Compare MySQL and Postgres for analytics") == nil)
        #expect(verdict("Compare Postgres and MySQL for analytics", "Compare Postgres and SQLite for analytics") != nil)
        #expect(verdict("Compare Federer and Nadal's Wimbledon titles", "Compare Nadal and Federer's Wimbledon titles") == nil)
    }

    @Test func theUSInCapitalsIsTheCountry() {
        #expect(verdict("Do I need a visa to work in the USA?", "Do I need a visa to work in the US?") == nil)
        #expect(verdict("Do I need a visa to work in the UK?", "Do I need a visa to work in the US?") != nil)
        #expect(verdict("Can you ship to us?", "Can you ship to the US?") != nil)
        #expect(verdict("Can you send us the invoice?", "Can you send the invoice to us?") == nil)
        // Before its currency it is the currency's: "50 US dollars" is 50 USD.
        #expect(verdict("Free shipping over 50 USD?", "Free shipping over 50 US dollars?") == nil)
    }

    @Test(arguments: [
        ("convert Celsius to Fahrenheit", "convert Fahrenheit to Celsius"),
        ("flights from London to New York", "flights from New York to London"),
        ("translate from English to German", "translate from German to English"),
        ("Where is my order #12345?", "Where is my order #12346?"),
        ("Run 5 km", "Run 5 miles"),
        ("What is -3 squared?", "What is 3 squared?"),
        ("What is 3.5 times 2?", "What is 35 times 2?"),
        ("What is 20% of 50?", "What is 20 of 50?"),
        ("Who is the 10th president?", "Who is the 12th president?"),
        ("Translate 'good morning' into Spanish", "Translate 'good night' into Spanish"),
        ("What does `map` do?", "What does `filter` do?"),
        ("Why does my_list.append fail?", "Why does my_list.extend fail?"),
        ("What does std::move do?", "What does std::forward do?"),
        ("What does getElementById return?", "What does querySelector return?"),
        ("Open https://example.com/a", "Open https://example.com/b"),
        ("Email help@example.com", "Email billing@example.com"),
        ("Reverse a list in Python", "Reverse a list in Java"),
        ("Read a file in C++", "Read a file in C#"),
        ("HTTP request in Go", "HTTP request in Rust"),
        ("Say hello in Japanese", "Say hello in Chinese"),
        ("Weather in Rome in July", "Weather in Rome in January"),
        ("Is the museum open on Monday?", "Is the museum open on Tuesday?"),
        ("Convert 100 USD to EUR", "Convert 100 USD to GBP"),
        ("How much is 5 dollars?", "How much is 5 euros?"),
        ("What is the capital of Spain?", "What is the capital of Portugal?"),
        ("Summarize it in three sentences", "Summarize it in five sentences"),
        ("Convert 10 inches to centimeters", "Convert 10 centimeters to inches"),
        ("How many euros is $50?", "How many dollars is 50 euros?"),
        ("How many minutes are in 2 hours?", "How many hours are in 2 minutes?"),
        // A word between a unit and its number leaves the roles unknown: the order as written decides.
        ("How many square km are in 5 square miles?", "Convert 5 square km to square miles"),
        ("How many US dollars is 50 Canadian dollars?", "Convert 50 US dollars to Canadian dollars"),
        ("How many cubic feet are in 10 cubic meters?", "Convert 10 cubic feet to cubic meters"),
        ("How many grams are in 3 metric tons?", "Convert 3 grams to metric tons"),
    ])
    func differingSlotsReject(_ pair: (String, String)) {
        let result = verdict(pair.0, pair.1)
        #expect(result?.check == "slots", "\(pair)")
    }

    @Test(arguments: [
        ("Convert 5 km to miles", "convert 5 kilometres to miles please"),
        ("Summarize this in three sentences", "Give me a 3 sentence summary of this"),
        ("What is the capital of Spain?", "what is the capital of spain"),
        ("Flights from London to New York", "I'm looking for flights from London to New York"),
        ("Do I need a visa to go to Japan from Canada?", "Visa needed from Canada to Japan?"),
        ("How far is the Moon from the Earth?", "What is the distance from the Earth to the Moon?"),
        ("Cost of $1,000 in euros", "Cost of 1000 dollars in EUR"),
        ("Transfer 20 percent", "Transfer 20%"),
        ("What is 2.50 plus 1?", "what's 2.5 plus 1"),
        // Where the asked-for unit is written does not matter; the given quantity and the
        // order of several asked-for units do.
        ("Convert 5 km to miles", "How many miles is 5 km?"),
        ("Convert 3.5 kg to pounds", "How many pounds is 3.5 kg?"),
        ("Convert $50 to euros", "How many euros is $50?"),
    ])
    func sameSlotsInOrderPass(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test func explanationNamesTheSlots() throws {
        let result = try #require(verdict("Where is my order #12345?", "Where is my order #12346?"))
        #expect(result.detail.contains("number:12345"))
        #expect(result.detail.contains("number:12346"))
        let swapped = try #require(verdict("convert Celsius to Fahrenheit", "convert Fahrenheit to Celsius"))
        #expect(swapped.detail.contains("different order"))
    }

    @Test func analysisFindsSlotsWithOffsets() {
        let text = AnalyzedText("Fly from New York to Paris on Monday for $300")
        #expect(text.slots.map(\.description) == ["entity:new york", "entity:paris", "date:monday", "number:300", "currency:usd"])
        #expect(text.slots[0].role == .source)
        #expect(text.slots[1].role == .target)
        let fly = text.words[0]
        #expect(fly.offsets == 0..<3)
        #expect(fly.isSentenceInitial)
    }
}

/// Slots of different kinds may change places; numbers written in words are one value; times,
/// temperatures and units of text are written one way.
extension SlotCheckTests {
    @Test(arguments: [
        ("In March, what is the weather usually like in Kyoto?", "What is the weather usually like in Kyoto in March?"),
        ("For a Python beginner, is Django a good first framework?", "Is Django a good first framework for a Python beginner?"),
        ("On Fridays, does the Louvre open late?", "Does the Louvre open late on Fridays?"),
        // A unit no number measures moves freely against the numbers.
        ("How much should I put aside each week to buy a car at 25?", "To buy a car at 25, how much should I put aside each week?"),
        ("How do I update Node.js on Debian?", "how do i update nodejs on debian"),
        ("What is the monthly fee for the premium plan?", "What is the fee per month for the premium plan?"),
    ])
    func slotsOfDifferentKindsMayMove(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test(arguments: [
        ("In Berlin, is it cheaper to live than in Munich?", "In Munich, is it cheaper to live than in Berlin?"),
        ("How many miles are in 10 km?", "Convert 10 miles to km"),
        ("Translate this French letter into German", "Translate this German letter into French"),
        // A period's adjective is its unit; a size with letters is one identifier.
        ("What is the monthly fee for the premium plan?", "What is the yearly fee for the premium plan?"),
        ("Which rims fit 205/55R16 tyres?", "Which rims fit 205/55R17 tyres?"),
        // Units no number measures keep their order among themselves; a measured unit stays with its number.
        ("How do I convert weeks to days in Excel?", "How do I convert days to weeks in Excel?"),
        ("Convert 5 square km to square miles", "How many km are in 5 square miles?"),
    ])
    func slotsOfOneKindKeepTheirOrder(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1)?.check == "slots", "\(pair)")
    }

    @Test(arguments: [
        ("Print the numbers from 1 to 10", "Print the numbers from one to ten"),
        ("Pick a random number between 1 and 100", "Pick a random number between one and one hundred"),
        ("Write a 500-word essay", "Write a five-hundred-word essay"),
        ("Is 120 too many guests?", "Is one hundred and twenty too many guests?"),
        ("What happened in 2024 with 25 members?", "What happened in 2024 with twenty-five members?"),
        ("Split the bill 3000 ways", "Split the bill three thousand ways"),
        ("Can a 17-year-old open a bank account?", "Can a seventeen-year-old open a bank account?"),
        ("Is $2k enough for a used bike?", "Is $2,000 enough for a used bike?"),
        ("Is a 1.5k budget enough for a wedding dress?", "Is a 1500 budget enough for a wedding dress?"),
        ("Summarize the report in one sentence", "Summarize the report in 1 sentence"),
    ])
    func numbersInWordsAreTheirValue(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test(arguments: [
        ("Is the shop open after 6 pm?", "Is the shop open after 18:00?"),
        ("Is the shop open after 6pm?", "Is the shop open after 18:00?"),
        ("The meeting moved from 9 am to 10:30 am", "The meeting moved from 09:00 to 10:30"),
        ("Can I catch the 4:30 pm train?", "Can I catch the 16:30 train?"),
        ("Bake it at 350°F for how long?", "Bake it at 350 degrees Fahrenheit for how long?"),
        ("Water boils at 100°C", "Water boils at 100 degrees Celsius"),
    ])
    func timesAndTemperaturesAreWrittenOneWay(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test(arguments: [
        ("Is the shop open after 6 pm?", "Is the shop open after 6 am?"),
        ("Is the shop open after 6 pm?", "Is the shop open after 19:00?"),
        ("Can I catch the 4:30 pm train?", "Can I catch the 4:30 am train?"),
        ("Bake it at 350°F", "Bake it at 350°C"),
        ("Rotate it 90 degrees", "Rotate it 90 degrees Celsius"),
        // Units a text is measured in.
        ("Summarize War and Peace in 3 sentences", "Summarize War and Peace in 3 paragraphs"),
        ("Write a 10-page story about a lighthouse", "Write a 10-paragraph story about a lighthouse"),
        ("Give me 5 bullet points on solar power", "Give me 5 slides on solar power"),
        ("Describe the plot in one paragraph", "Describe the plot in one sentence"),
        ("Is $2k enough for a used bike?", "Is $2 enough for a used bike?"),
    ])
    func differentTimesAndTemperaturesStillDiffer(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1)?.check == "slots", "\(pair)")
    }

    @Test func countWordsAreUnitsOnlyAfterANumber() {
        #expect(AnalyzedText("Turn to the next page").slots.allSatisfy { $0.kind != .unit })
        #expect(AnalyzedText("Write 3 paragraphs").slots.contains { $0.kind == .unit && $0.value == "paragraph" })
    }

    @Test func spelledNumbersStillDiffer() {
        #expect(verdict("Print the numbers from one to ten", "Print the numbers from one to twenty")?.check == "slots")
        #expect(verdict("Is one hundred and twenty too many?", "Is one hundred and thirty too many?")?.check == "slots")
        // "one" alone is a pronoun, not a number.
        #expect(verdict("Which one is faster, Rust or Go?", "Which is faster, Rust or Go?")?.detail.contains("number") != true)
        #expect(AnalyzedText("Which one should I pick?").slots.allSatisfy { $0.kind != .number })
        let slots = AnalyzedText("between five and five hundred").slots.filter { $0.kind == .number }.map(\.value)
        #expect(slots == ["5", "500"])
    }


    @Test func decimalsSpelledAfterPointAreNumbers() {
        #expect(verdict("Is a 2.5 star rating good for a hotel?", "Is a two point five star rating good for a hotel?") == nil)
        #expect(verdict("Is zero point five percent interest worth it?", "Is 0.5% interest worth it?") == nil)
        #expect(verdict("Is a 2.5 star rating good for a hotel?", "Is a two point six star rating good for a hotel?")?.check == "slots")
        #expect(AnalyzedText("one point two five").slots.map(\.value) == ["1.25"])
    }

    @Test func aLetterInParenthesesIsTheSameSuffix() {
        #expect(verdict("Can I roll a 403(b) into an IRA?", "can i roll a 403b into an IRA") == nil)
        #expect(verdict("What is a 401(k) match?", "What is a 403(b) match?")?.check == "slots")
    }

    @Test(arguments: [
        ("I paid for 3 lamps and received one.", "I paid for three lamps and received 1."),
        ("Do I need to replace one tire or both?", "Do I need to replace a tire or both?"),
        ("How many ounces are in one pound?", "How many ounces are in a pound?"),
        ("fastest way 2 learn touch typing", "fastest way to learn touch typing"),
        ("is this gift good 4 a toddler", "is this gift good for a toddler"),
    ])
    func aNumberMatchesTheWordItReadsAsInTheSamePlace(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test func aNumberReadAsAWordElsewhereStillDiffers() {
        // "one" counting a noun is the number 1: not "every", and not "a" between other words.
        #expect(verdict("Do I need a permit to cut down one tree?", "Do I need a permit to cut down every tree?")?.check == "slots")
        #expect(verdict("Book 2 rooms near the stadium", "Book the rooms near the stadium")?.check == "slots")
        #expect(verdict("I paid for 3 lamps and received one.", "I paid for 3 lamps and received 2.")?.check == "slots")
        // A pronoun "one" is no number.
        for text in ["Which one is lighter?", "Quick one before lunch: what is a roux?", "The blue one works better", "One of my keys is stuck", "How does one become a notary?"] {
            #expect(AnalyzedText(text).slots.allSatisfy { $0.kind != .number }, "\(text)")
        }
        #expect(AnalyzedText("I lost one glove").slots.map(\.description) == ["number:1"])
    }

    @Test(arguments: [
        ("Is a 2TB drive enough for photos?", "Is a 2,000 GB drive enough for photos?"),
        ("Can I cook a roast in 90 minutes?", "Can I cook a roast in 1.5 hours?"),
        ("Is a 12 inch pizza enough for two?", "Is a 1 foot pizza enough for two?"),
        ("Can I carry 500 g of honey on a plane?", "Can I carry 0.5 kg of honey on a plane?"),
        ("Is 2 weeks enough for Japan?", "Is 14 days enough for Japan?"),
        ("Add 3 teaspoons of salt?", "Add 1 tablespoon of salt?"),
    ])
    func oneAmountInTwoUnitsAgrees(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test(arguments: [
        ("Is a 2TB drive enough for photos?", "Is a 2GB drive enough for photos?"),
        ("Can I cook a roast in 90 minutes?", "Can I cook a roast in 90 hours?"),
        ("Is a 5 km run good for beginners?", "Is a 5 mile run good for beginners?"),
        ("Can I carry 500 g of honey on a plane?", "Can I carry 5 kg of honey on a plane?"),
    ])
    func differentAmountsStillDiffer(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1)?.check == "slots", "\(pair)")
    }

    @Test func quantitiesScaleExactly() {
        let hour = Quantity.factors["hour"]!
        #expect(Quantity.scaled("1.5", by: hour) == "5400")
        #expect(Quantity.scaled("-2", by: Quantity.factors["km"]!) == "-2000")
        #expect(Quantity.scaled("12", by: Quantity.factors["inch"]!) == Quantity.scaled("1", by: Quantity.factors["foot"]!))
        #expect(Quantity.scaled("250", by: Quantity.factors["mg"]!) == "0.25")
        // Not a plain decimal, or too large to write exactly.
        #expect(Quantity.scaled("20%", by: hour) == nil)
        #expect(Quantity.scaled("99999999999999999", by: hour) == nil)
        #expect(Quantity.scaled("1", by: Quantity.Factor(base: "x", mantissa: 1, exponent: 30)) == nil)
    }

    @Test func ordinalWordsAreNumbersNotNames() {
        #expect(verdict("What does the 19th Amendment say?", "What does the Nineteenth Amendment say?") == nil)
        #expect(verdict("What does the 19th Amendment say?", "What does the Fifteenth Amendment say?")?.check == "slots")
    }


    @Test func primesAreFeetAndInches() {
        #expect(verdict("Is a 9' ceiling too low for a loft bed?", "Is a 9 ft ceiling too low for a loft bed?") == nil)
        #expect(verdict("Will a 55\" TV fit on this stand?", "Will a 55-inch TV fit on this stand?") == nil)
        #expect(verdict("Is a 9' ceiling too low for a loft bed?", "Is a 9 inch ceiling too low for a loft bed?")?.check == "slots")
        // A number in quotes is no length.
        #expect(AnalyzedText("Press the '5' key twice").slots.allSatisfy { $0.kind != .unit })
    }

    @Test func halvesAndQuartersInWords() {
        #expect(AnalyzedText("two and a half cups").slots.map(\.description) == ["number:2.5", "unit:cup"])
        #expect(AnalyzedText("one and a quarter hours").slots.map(\.description) == ["number:1.25", "unit:hour"])
        #expect(verdict("Bake it for 1.5 hours?", "Bake it for one and a half hours?") == nil)
    }

    @Test func aProductNameWithItsSuffixIsTheSameProduct() {
        #expect(verdict("How do I index a field in Mongo?", "How do I index a field in MongoDB?") == nil)
        #expect(verdict("Is Postgres good for analytics?", "Is PostgreSQL good for analytics?") == nil)
        // Another word, a version, or a short stem is another thing.
        #expect(verdict("Is Java good for beginners?", "Is JavaScript good for beginners?")?.check == "slots")
        #expect(verdict("Should I learn Swift?", "Should I learn SwiftUI?")?.check == "slots")
        #expect(verdict("Is Mongo good for analytics?", "Is MariaDB good for analytics?")?.check == "slots")
    }

    @Test func hugeNumbersNeitherOverflowNorMatch() {
        // Digits past Int64 in a convertible unit, and spelled multipliers past a quadrillion.
        #expect(verdict("Is 9223372036854775808 km far?", "Is it far?")?.check == "slots")
        #expect(verdict("Is 922337203685477580.8 kg heavy?", "Is 1 kg heavy?")?.check == "slots")
        let hundreds = Array(repeating: "hundred", count: 12).joined(separator: " ")
        _ = AnalyzedText("I have \(hundreds) reasons")
        _ = AnalyzedText("hundred hundred hundred hundred hundred billion billion")
        #expect(AnalyzedText("two hundred thousand").slots.map(\.value) == ["200000"])
    }

    @Test func aQuoteClosingAfterANumberIsNoPrime() {
        #expect(AnalyzedText("Who sang the song \"Route 66\"?").slots.allSatisfy { $0.kind != .unit })
        #expect(AnalyzedText("Is a 9' ceiling too low?").slots.contains { $0.kind == .unit && $0.value == "foot" })
    }

    @Test(arguments: [
        ("Can I swap 1/2 cup of butter for oil?", "Can I swap half a cup of butter for oil?"),
        ("Bake for 1 1/2 hours?", "Bake for 1.5 hours?"),
        ("Is $1.5M enough to retire?", "Is $1,500,000 enough to retire?"),
        ("Is $1.5 million enough to retire?", "Is $1,500,000 enough to retire?"),
        ("Is a $2bn valuation high for a startup?", "Is a $2 billion valuation high for a startup?"),
        ("How do I reach 1.5M users?", "How do I reach 1,500,000 users?"),
    ])
    func fractionsAndScaledNumbersAreTheirValue(_ pair: (String, String)) {
        #expect(verdict(pair.0, pair.1) == nil, "\(pair)")
    }

    @Test func fractionsAndScalesStillDiffer() {
        #expect(verdict("Can I swap 1/2 cup of butter for oil?", "Can I swap 1/4 cup of butter for oil?")?.check == "slots")
        #expect(verdict("Is $1.5M enough to retire?", "Is $1.5 billion enough to retire?")?.check == "slots")
        // A slash between numbers with no unit after is a date, and "5m" is five metres.
        #expect(AnalyzedText("Is the shop open on 3/4?").slots.map(\.description) == ["date:--03-04"])
        #expect(AnalyzedText("Is a 5m ladder enough?").slots.map(\.description) == ["number:5", "unit:m"])
        #expect(AnalyzedText("Is a 5mm drill bit enough?").slots.map(\.description) == ["number:5", "unit:mm"])
        #expect(AnalyzedText("a $5mm deal").slots.map(\.description) == ["number:5000000", "currency:usd"])
        #expect(AnalyzedText("open 24/7 for 1/3 of the year").slots.map(\.description) == ["date:24/7", "date:--01-03", "unit:year"])
    }

    @Test func numbersThatKeepTheirThingsMayTradePlaces() {
        #expect(verdict("How much food for a 30 pound dog and 2 small cats?", "With 2 small cats and a 30 pound dog, how much food?") == nil)
        #expect(verdict("Can a 15 amp breaker run 3 space heaters?", "Can 3 space heaters run on a 15 amp breaker?") == nil)
        // Numbers that trade their things, or count nothing of their own, still differ.
        #expect(verdict("Is a 3 bedroom house or a 2 bedroom condo better?", "Is a 2 bedroom house or a 3 bedroom condo better?") != nil)
        #expect(verdict("I feed 2 dogs and 5 cats, how much food?", "I feed 5 dogs and 2 cats, how much food?") != nil)
        #expect(verdict("Scale the team from 10 to 20 engineers", "Scale the team from 20 to 10 engineers") != nil)
        // A measure's thing follows "of": the measures trading things differ.
        #expect(verdict("I've done 3 years of Go and 6 years of Rust. Which job fits?", "I've done 6 years of Go and 3 years of Rust. Which job fits?") != nil)
        #expect(verdict("Use 2 cups of flour and 1 cup of sugar", "Use 1 cup of sugar and 2 cups of flour") == nil)
        let counted = SlotCheck.counts(AnalyzedText("a 20 gallon tank with 10 small fish").slots, in: AnalyzedText("a 20 gallon tank with 10 small fish"))
        #expect(counted == [["20", "gallon", "tank"], ["10", "small", "fish"]])
    }

    @Test func coordinatedNamesAndRunTogetherTerms() {
        // Names joined by "and" in either order are one coordination.
        #expect(verdict("Can I sync Outlook and Google Calendar on one phone?", "Can I sync Google Calendar and Outlook on one phone?") == nil)
        #expect(verdict("Can I sync Outlook and Google Calendar on one phone?", "Can I sync Outlook and Apple Calendar on one phone?") != nil)
        // Slots on either side of "or", "and" or "vs", in either order; not around "to" or "than".
        #expect(verdict("Is Costco or Sam's Club cheaper for groceries?", "Is Sam's Club or Costco cheaper for groceries?") == nil)
        #expect(verdict("Should I get a Pixel 8 or a Pixel 9?", "Should I get a Pixel 9 or a Pixel 8?") == nil)
        #expect(verdict("Is Costco cheaper than Walmart?", "Is Walmart cheaper than Costco?") != nil)
        #expect(verdict("Move my files from Dropbox to Mega", "Move my files from Mega to Dropbox") != nil)
        // A hyphenated term and the word that runs it together.
        #expect(verdict("Why does my printer drop off the Wi-Fi?", "why does my printer drop off the wifi") == nil)
        #expect(verdict("How do I set up e-mail on my phone?", "how do i set up email on my phone") == nil)
        #expect(verdict("Why does my printer drop off the Wi-Fi?", "why does my printer drop off the ethernet") != nil)
    }

    @Test func aNameWithASlipOfTheKeysIsTheSameName() throws {
        let wordNet = try #require(WordNet.shared)
        func withWordNet(_ a: String, _ b: String) -> Verdict? { check.verdict(AnalyzedText(a, wordNet: wordNet), AnalyzedText(b, wordNet: wordNet)) }
        #expect(withWordNet("Is Stardew Valley fun to play solo?", "is stardew vally fun to play solo") == nil)
        #expect(withWordNet("How do I get to Yellowstone Park from Denver?", "how do i get to yellowstone prak from denver") == nil)
        // Two names WordNet knows are two places, however alike.
        #expect(withWordNet("Can I drive in Austria with a US license?", "Can I drive in Australia with a US license?") != nil)
        // Without WordNet's look-ups nothing is excused.
        #expect(verdict("Is Stardew Valley fun to play solo?", "is stardew vally fun to play solo") != nil)
    }

    @Test func moreWaysToWriteOneAmount() {
        // An amount per period with a slash.
        #expect(verdict("Is $900/month too much for a parking spot?", "Is 900 dollars a month too much for a parking spot?") == nil)
        #expect(verdict("Is $900/month too much for a parking spot?", "Is $900/week too much for a parking spot?") != nil)
        // Years as months, watts as kilowatts, cents as dollars.
        #expect(verdict("What's the payment on a loan over 3 years?", "What's the payment on a loan over 36 months?") == nil)
        #expect(verdict("What's the payment on a loan over 3 years?", "What's the payment on a loan over 30 months?") != nil)
        // A rate word is no duration: $1 a year is not $12 a month, nor $1 a day $24 an hour.
        #expect(verdict("I pay 1 yearly for the app, is that fair?", "I pay 12 monthly for the app, is that fair?") != nil)
        #expect(verdict("The sitter charges 1 daily, is that fair?", "The sitter charges 24 hourly, is that fair?") != nil)
        #expect(verdict("Will a 1500W heater trip the breaker?", "Will a 1.5 kW heater trip the breaker?") == nil)
        #expect(verdict("Is 12 cents per kWh expensive?", "Is $0.12 per kWh expensive?") == nil)
        #expect(verdict("Is 12 cents per kWh expensive?", "Is $12 per kWh expensive?") != nil)
        // "gal" after a number, "half a percent", "one tenth of", a range with a hyphen.
        #expect(verdict("How heavy is a 20 gal aquarium full of water?", "How heavy is a 20 gallon aquarium full of water?") == nil)
        #expect(verdict("Is a rate cut of half a percent likely?", "Is a rate cut of 0.5% likely?") == nil)
        #expect(verdict("Can a drone fly at one tenth of the speed of sound?", "Can a drone fly at 10% of the speed of sound?") == nil)
        #expect(verdict("Can a drone fly at one tenth of the speed of sound?", "Can a drone fly at 20% of the speed of sound?") != nil)
        #expect(verdict("card games for 3-5 people", "card games for three to five people") == nil)
        #expect(verdict("card games for 3-5 people", "card games for three to six people") != nil)
        // A temperature's letter right after the number.
        #expect(verdict("Should I roast carrots at 425F?", "Should I roast carrots at 425 degrees Fahrenheit?") == nil)
        #expect(verdict("Should I roast carrots at 220C?", "Should I roast carrots at 220F?") != nil)
    }
}
