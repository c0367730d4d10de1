/// The word lists behind the analysis: stop words, negation cues, and the vocabularies that make
/// a word a slot (languages, units, currencies, dates, number words).
///
/// Everything is lower-case. The lists are small and hand-written; extend them here rather
/// than in the checks.
enum Lexicon {
    // MARK: Slot vocabularies

    static let programmingLanguages: [String: String] = [
        "python": "python", "python3": "python", "javascript": "javascript", "js": "javascript", "node.js": "javascript", "nodejs": "javascript",
        "typescript": "typescript", "ts": "typescript", "rust": "rust", "go": "go", "golang": "go", "c": "c", "c++": "c++",
        "cpp": "c++", "c#": "c#", "csharp": "c#", "f#": "f#", "java": "java", "swift": "swift", "kotlin": "kotlin",
        "ruby": "ruby", "php": "php", "sql": "sql", "bash": "bash", "shell": "bash", "zsh": "zsh", "powershell": "powershell",
        "perl": "perl", "scala": "scala", "haskell": "haskell", "elixir": "elixir", "erlang": "erlang", "lua": "lua", "r": "r",
        "matlab": "matlab", "julia": "julia", "dart": "dart", "objective-c": "objective-c", "clojure": "clojure",
        "fortran": "fortran", "cobol": "cobol", "assembly": "assembly", "html": "html", "css": "css", "ocaml": "ocaml",
        "zig": "zig", "groovy": "groovy", "vba": "vba", "solidity": "solidity",
    ]

    static let naturalLanguages: [String: String] = [
        "english": "english", "german": "german", "french": "french", "spanish": "spanish", "italian": "italian",
        "portuguese": "portuguese", "dutch": "dutch", "chinese": "chinese", "mandarin": "chinese", "cantonese": "cantonese",
        "japanese": "japanese", "korean": "korean", "russian": "russian", "arabic": "arabic", "hindi": "hindi",
        "bengali": "bengali", "turkish": "turkish", "polish": "polish", "swedish": "swedish", "norwegian": "norwegian",
        "danish": "danish", "finnish": "finnish", "greek": "greek", "hebrew": "hebrew", "latin": "latin", "thai": "thai",
        "vietnamese": "vietnamese", "indonesian": "indonesian", "ukrainian": "ukrainian", "czech": "czech",
        "hungarian": "hungarian", "romanian": "romanian", "persian": "persian", "farsi": "persian", "urdu": "urdu",
        "swahili": "swahili", "tagalog": "tagalog", "irish": "irish", "welsh": "welsh",
    ]

    static let units: [String: String] = [
        "celsius": "celsius", "centigrade": "celsius", "°c": "celsius", "fahrenheit": "fahrenheit", "°f": "fahrenheit",
        "kelvin": "kelvin", "km": "km", "kms": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
        "mile": "mile", "miles": "mile", "meter": "m", "meters": "m", "metre": "m", "metres": "m", "cm": "cm",
        "centimeter": "cm", "centimeters": "cm", "centimetre": "cm", "centimetres": "cm", "mm": "mm", "millimeter": "mm",
        "millimeters": "mm", "inch": "inch", "inches": "inch", "foot": "foot", "feet": "foot", "ft": "foot", "yard": "yard",
        "yards": "yard", "kg": "kg", "kgs": "kg", "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg",
        "gram": "g", "grams": "g", "mg": "mg", "milligram": "mg", "milligrams": "mg", "pound": "pound", "pounds": "pound",
        "lb": "pound", "lbs": "pound", "ounce": "ounce", "ounces": "ounce", "oz": "ounce", "stone": "stone", "ton": "ton",
        "tons": "ton", "tonne": "ton", "tonnes": "ton", "liter": "liter", "liters": "liter", "litre": "liter",
        "litres": "liter", "ml": "ml", "milliliter": "ml", "milliliters": "ml", "gallon": "gallon", "gallons": "gallon",
        "quart": "quart", "quarts": "quart", "pint": "pint", "pints": "pint", "cup": "cup", "cups": "cup",
        "tablespoon": "tablespoon", "tablespoons": "tablespoon", "tbsp": "tablespoon", "teaspoon": "teaspoon",
        "teaspoons": "teaspoon", "tsp": "teaspoon", "mph": "mph", "km/h": "km/h", "kph": "km/h", "kmh": "km/h",
        "knot": "knot", "knots": "knot", "second": "second", "seconds": "second", "sec": "second", "secs": "second",
        "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute", "hour": "hour", "hours": "hour",
        "hr": "hour", "hrs": "hour", "day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
        "month": "month", "months": "month", "year": "year", "years": "year", "yr": "year", "yrs": "year", "decade": "decade", "decades": "decade", "century": "century",
        "centuries": "century", "byte": "byte", "bytes": "byte", "kb": "kb", "kilobyte": "kb", "kilobytes": "kb",
        "mb": "mb", "megabyte": "mb", "megabytes": "mb", "gb": "gb", "gigabyte": "gb", "gigabytes": "gb", "tb": "tb",
        "terabyte": "tb", "terabytes": "tb", "degree": "degree", "degrees": "degree", "radian": "radian",
        "radians": "radian", "watt": "watt", "watts": "watt", "kw": "kw", "kwh": "kwh", "kilowatt": "kw", "kilowatts": "kw", "volt": "volt", "volts": "volt",
        "amp": "amp", "amps": "amp", "calorie": "calorie", "calories": "calorie", "kcal": "calorie", "joule": "joule",
        "joules": "joule", "psi": "psi", "acre": "acre", "acres": "acre", "hectare": "hectare", "hectares": "hectare",
        "ms": "millisecond", "millisecond": "millisecond", "milliseconds": "millisecond",
    ].merging(periodAdjectives) { unit, _ in unit }

    /// Adjectives and adverbs of a period, read as its unit ("monthly" is "per month"): a rate,
    /// never a duration measuring the number before it.
    static let periodAdjectives: [String: String] = [
        "hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "yearly": "year", "annual": "year",
        "annually": "year", "quarterly": "quarter",
    ]

    /// One- and two-letter units that only count right after a number ("5 m", "3 g").
    /// Units a text or a talk is measured in, after a number ("3 sentences", "a 10-page story"):
    /// three sentences do not answer three paragraphs. Not units elsewhere ("the next page").
    static let countUnits: [String: String] = [
        "word": "word", "words": "word", "sentence": "sentence", "sentences": "sentence", "paragraph": "paragraph",
        "paragraphs": "paragraph", "page": "page", "pages": "page", "line": "line", "lines": "line", "character": "character",
        "characters": "character", "chapter": "chapter", "chapters": "chapter", "slide": "slide", "slides": "slide",
        "verse": "verse", "verses": "verse", "stanza": "stanza", "stanzas": "stanza", "bullet": "bullet", "bullets": "bullet",
        "tweet": "tweet", "tweets": "tweet",
    ]

    /// Units read only right after a number ("5 m", "250 w", "50 gal"): alone each is a letter or another word.
    static let shortUnits: [String: String] = ["m": "m", "g": "g", "l": "liter", "h": "hour", "s": "second", "k": "thousand", "w": "watt", "wh": "wh", "f": "fahrenheit", "c": "celsius", "gal": "gallon", "gals": "gallon"]

    static let currencies: [String: String] = [
        "usd": "usd", "dollar": "usd", "dollars": "usd", "bucks": "usd", "eur": "eur", "euro": "eur", "euros": "eur",
        "gbp": "gbp", "sterling": "gbp", "quid": "gbp", "jpy": "jpy", "yen": "jpy", "cny": "cny", "rmb": "cny", "yuan": "cny",
        "renminbi": "cny", "inr": "inr", "rupee": "inr", "rupees": "inr", "chf": "chf", "franc": "chf", "francs": "chf",
        "cad": "cad", "aud": "aud", "nzd": "nzd", "krw": "krw", "won": "krw", "mxn": "mxn", "peso": "peso", "pesos": "peso",
        "brl": "brl", "real": "brl", "reais": "brl", "rub": "rub", "ruble": "rub", "rubles": "rub", "sek": "sek",
        "krona": "sek", "nok": "nok", "dkk": "dkk", "krone": "krone", "pln": "pln", "zloty": "pln", "try": "try",
        "lira": "try", "btc": "btc", "bitcoin": "btc", "bitcoins": "btc", "eth": "eth", "ether": "eth", "ethereum": "eth",
        "cent": "cent", "cents": "cent", "pence": "pence",
    ]

    static let currencySymbols: [Unicode.Scalar: String] = ["$": "usd", "€": "eur", "£": "gbp", "¥": "jpy", "₹": "inr", "₩": "krw", "₽": "rub", "₿": "btc"]

    static let dates: [String: String] = [
        "monday": "monday", "mon": "monday", "tuesday": "tuesday", "tue": "tuesday", "tues": "tuesday",
        "wednesday": "wednesday", "wed": "wednesday", "thursday": "thursday", "thu": "thursday", "thurs": "thursday",
        "friday": "friday", "fri": "friday", "saturday": "saturday", "sunday": "sunday",
        "mondays": "monday", "tuesdays": "tuesday", "wednesdays": "wednesday", "thursdays": "thursday",
        "fridays": "friday", "saturdays": "saturday", "sundays": "sunday",
        "january": "january", "jan": "january", "february": "february", "feb": "february", "march": "march",
        "april": "april", "apr": "april", "may": "may", "june": "june", "jun": "june", "july": "july", "jul": "july",
        "august": "august", "aug": "august", "september": "september", "sep": "september", "sept": "september",
        "october": "october", "oct": "october", "november": "november", "nov": "november", "december": "december",
        "dec": "december", "today": "today", "tonight": "today", "tomorrow": "tomorrow", "yesterday": "yesterday",
        "weekend": "weekend", "weekends": "weekend", "weekday": "weekday", "weekdays": "weekday",
        "spring": "spring", "summer": "summer", "autumn": "autumn", "winter": "winter", "morning": "morning",
        "afternoon": "afternoon", "evening": "evening", "midnight": "midnight", "noon": "noon",
    ]

    /// Number words: the cardinals of ``cardinalWords`` except "one", which is far more often a
    /// pronoun ("which one"; ``TextParser`` counts it only next to another number), and words of
    /// quantity.
    static let numberWords: [String: String] = {
        var table = cardinalWords.filter { $0.key != "one" }.mapValues { String($0) }
        table.merge([
            "zero": "0", "dozen": "12", "twice": "2x", "thrice": "3x", "half": "0.5", "quarter": "0.25", "single": "1",
            "double": "2x", "triple": "3x", "both": "2",
        ]) { _, new in new }
        return table
    }()

    /// Cardinals by value, for numbers written in several words ("one hundred and twenty").
    static let cardinalWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000,
    ]

    static let ordinalWords: [String: String] = [
        "first": "1th", "second": "2th", "third": "3th", "fourth": "4th", "fifth": "5th", "sixth": "6th",
        "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th", "twelfth": "12th",
        "thirteenth": "13th", "fourteenth": "14th", "fifteenth": "15th", "sixteenth": "16th", "seventeenth": "17th",
        "eighteenth": "18th", "nineteenth": "19th", "twentieth": "20th", "thirtieth": "30th", "fortieth": "40th",
        "fiftieth": "50th", "sixtieth": "60th", "seventieth": "70th", "eightieth": "80th", "ninetieth": "90th",
        "hundredth": "100th", "thousandth": "1000th",
    ]

    /// The slot a lower-cased word stands for, if any.
    static func slot(forWord word: String) -> (Slot.Kind, String)? {
        slotWords[word]
    }

    /// Every slot vocabulary in one table (one hash per look-up), earlier vocabularies winning:
    /// programming languages, natural languages, currencies, units, dates.
    private static let slotWords: [String: (Slot.Kind, String)] = {
        var table: [String: (Slot.Kind, String)] = [:]
        for (kind, vocabulary) in [
            (Slot.Kind.programmingLanguage, programmingLanguages), (.naturalLanguage, naturalLanguages), (.currency, currencies),
            (.unit, units), (.date, dates),
        ] {
            for (word, value) in vocabulary where table[word] == nil { table[word] = (kind, value) }
        }
        return table
    }()

    /// Stop words, negation cues, number words and ordinal words: never content words.
    static let nonContentWords: Set<String> = stopWords.union(negations).union(numberWords.keys).union(ordinalWords.keys)

    /// A unit written straight after digits ("5km", "3.5kg", "100mg").
    static func unitForSuffix(_ suffix: String) -> String? {
        units[suffix] ?? shortUnits[suffix]
    }

    // MARK: Function words

    /// Words after which a single capital letter ("C", "R") is a programming language.
    static let languageIntroducers: Set<String> = ["in", "with", "using", "for", "to", "from", "and", "or", "than", "learn", "write"]
    /// The articles, which a phrase may start with or drop ("a Form 1099-NEC" / "Form 1099-NEC").
    static let articles: Set<String> = ["a", "an", "the"]

    /// Words that praise as "best" does before a noun ("the ideal time", "the top bait"). WordNet
    /// files "best" under "good" and none of these with it, so the content check would take the
    /// word for an added restriction.
    static let bestWords: Set<String> = ["best", "ideal", "optimal", "optimum", "top", "perfect", "greatest", "finest"]

    /// Verbs a request opens with or follows "can you" with ("Compare Kafka and RabbitMQ", "can
    /// you explain…"): the modal there asks the assistant, not about ability, and a capital
    /// opening the sentence is no name's.
    static let requestVerbs: Set<String> = [
        "explain", "tell", "help", "show", "give", "list", "write", "describe", "recommend", "suggest", "summarise",
        "summarize", "provide", "share", "clarify", "check", "find", "please", "make", "create", "draft", "translate",
        "outline", "compare", "walk", "send", "point", "let",
    ]
    /// Lower-case words allowed inside a multi-word name ("Bank of America", "Pride and Prejudice").
    static let nameConnectors: Set<String> = ["of", "and", "the", "de", "da", "del", "la", "le", "van", "von", "du", "di", "y", "&"]
    static let determiners: Set<String> = ["the", "a", "an", "my", "your", "our", "this", "that", "its", "their"]
    /// Personal pronouns that stand as a clause's subject.
    static let subjectPronouns: Set<String> = ["i", "we", "you", "they", "he", "she"]
    /// Country names written as initials in capitals, each meaning the same country: "the US",
    /// "the USA" and "the United States" answer alike. (A name spelt out in full is matched to
    /// its initials by ``Acronym``; these differ from their full names' initials.)
    static let countryInitials: [String: String] = ["us": "usa", "usa": "usa", "uk": "uk", "gb": "uk"]
    static let sourceMarkers: Set<String> = ["from"]
    static let targetMarkers: Set<String> = ["to", "into", "towards", "toward"]

    /// Negation cues (the clitic "n't" and "cannot" are recognised while splitting words).
    static let negations: Set<String> = [
        "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "without", "except", "excluding",
        "cannot", "nope", "non", "unless",
    ]

    /// What the stem of a negated contraction stands for: "can't" → "can", "won't" → "will".
    static let negatedBases: [String: String] = ["ca": "can", "wo": "will", "sha": "shall", "ai": "is"]

    /// Negated contractions typed without the apostrophe ("cant", "dont"); "wont" and "shant"
    /// are left out because they are also words ("wont" is read by context in `TextParser`).
    static let unpunctuatedNegations: [String: String] = [
        "cant": "can", "dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is", "arent": "are", "wasnt": "was",
        "werent": "were", "couldnt": "could", "shouldnt": "should", "wouldnt": "would", "havent": "have",
        "hasnt": "has", "hadnt": "had", "mustnt": "must", "neednt": "need",
    ]

    /// Chat spellings typed in lower case, and the words they stand for: sound-alike letters ("u",
    /// "ur", "r"), shorthand ("pls", "thx", "ppl", "abt"), run-together forms ("wanna", "gonna",
    /// "lemme") and contractions typed without their apostrophe that are no other word ("im",
    /// "whats"). WordNet lacks them all, and no rule recovers "you" from "u". Forms that are also
    /// words ("wont", "ill", "were", "its") or carry a negation ("dunno", "idk") are left out.
    static let chatSpellings: [String: String] = [
        "u": "you", "ur": "your", "r": "are", "ya": "you", "pls": "please", "plz": "please", "thx": "thanks",
        "thnx": "thanks", "ty": "thanks", "cuz": "because", "coz": "because", "bc": "because", "bcos": "because", "ppl": "people",
        "abt": "about", "tho": "though", "thru": "through", "smth": "something", "sth": "something", "rn": "right now",
        "wanna": "want to", "gonna": "going to", "gotta": "got to", "lemme": "let me", "gimme": "give me",
        "im": "i", "ive": "i have", "whats": "what", "hows": "how", "wheres": "where", "whos": "who", "thats": "that",
        "theres": "there", "youre": "you", "theyre": "they", "shouldve": "should have", "couldve": "could have",
        "wouldve": "would have",
    ]

    /// Words that carry no content for the content-word check: articles, pronouns, auxiliaries,
    /// prepositions, question words, and the framing of a request ("can you explain", "tell me",
    /// "I want to know"). Direction and polarity words that are stop words here ("on", "off",
    /// "up", "more") are still read by the polarity and order checks.
    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "then", "else", "so", "as", "than", "that", "this", "these", "those",
        "there", "here", "of", "at", "by", "for", "with", "about", "into", "onto", "through", "during", "to", "from",
        "in", "on", "off", "out", "up", "down", "over", "under", "again", "further", "once", "per", "via", "within",
        "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "you", "your", "yours", "yourself", "he", "him",
        "his", "she", "her", "hers", "it", "its", "itself", "they", "them", "their", "theirs", "one", "ones", "someone",
        "something", "anything", "everything", "somebody", "anybody", "everybody", "people", "person",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "whether",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "doing", "have", "has", "had",
        "having", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "ought", "let", "lets",
        "please", "thanks", "thank", "hi", "hello", "hey", "ok", "okay", "yes",
        "tell", "explain", "describe", "show", "give", "know", "want", "wanted", "wondering", "wonder", "like", "way",
        "ways", "get", "got", "getting", "make", "makes", "making", "use", "using", "used", "go", "going", "come",
        "take", "takes", "need", "needs", "needed", "require", "required", "requires", "necessary", "possible",
        "able", "allowed", "any", "some", "each", "every", "all", "just", "also", "very", "really", "actually",
        "usually", "typically", "generally", "exactly", "simply", "basically", "quite", "much", "many", "such", "own",
        "other", "another", "same", "mean", "means", "meaning", "definition", "define", "example", "examples", "help",
        "info", "information", "question", "answer", "details", "number", "thing", "things", "kind", "type",
        "find", "look", "looks", "see", "bring", "put", "keep", "send", "say", "calculate", "compute", "convert",
        "available", "offer", "provide", "different", "command", "keyword", "specific", "certain", "best", "good",
        "tip", "tips", "advice", "recommend", "recommendation", "recommendations", "suggest", "suggestion",
        "suggestions", "idea", "ideas", "few", "several", "couple", "between", "difference", "differences", "differ",
        "differs",
        "s", "t", "d", "ll", "re", "ve", "m",
    ]
}
