extension Lexicon {
    /// Opposites WordNet 3.0 lacks, or has in a form the polarity check's WordNet test does not
    /// read. Every pair WordNet already opposes is left to WordNet (`CuratedListsTests` keeps it
    /// so). A pair word present in one text and not the other rejects a candidate when the other
    /// text has its opposite ("enable" vs "disable"); words in ``presenceAntonyms`` also reject
    /// when the other text lacks them. Matching goes through the stemmer, so inflections count.
    static let antonymPairs: [(String, String)] =
        presencePairs + computingPairs + functionWordPairs + conversePairs + domainPairs + adverbPairs + aspectPairs

    /// Pairs of the presence words (``presenceAntonyms``): kept whatever WordNet says, because their
    /// presence alone rejects, a rule WordNet's relations cannot express.
    static let presencePairs: [(String, String)] = [
        ("enable", "disable"), ("increase", "decrease"), ("min", "max"), ("minimum", "maximum"), ("min", "maximum"),
        ("minimum", "max"), ("buy", "sell"), ("purchase", "sell"), ("import", "export"), ("encrypt", "decrypt"),
        ("upload", "download"), ("adult", "child"), ("adults", "children"), ("adult", "kid"), ("push", "pull"),
        ("input", "output"), ("largest", "smallest"), ("biggest", "smallest"), ("fastest", "slowest"),
        ("quickest", "slowest"), ("cheap", "expensive"), ("cheaper", "expensive"), ("cheapest", "expensive"),
        ("cheapest", "priciest"), ("affordable", "expensive"), ("inexpensive", "expensive"), ("true", "false"),
        ("install", "uninstall"), ("above", "below"), ("ascending", "descending"), ("upgrade", "downgrade"),
        ("subscribe", "unsubscribe"), ("lock", "unlock"), ("deposit", "withdraw"), ("encode", "decode"),
        ("reduce", "increase"),
    ]

    /// Software operations and states: WordNet 3.0 (2006) has most of these words only in older
    /// senses ("mount" a horse, a "star" in the sky), or not at all ("logout", "deserialize").
    static let computingPairs: [(String, String)] = [
        ("login", "logout"), ("signin", "signout"), ("logged", "logout"), ("checkin", "checkout"),
        ("serialize", "deserialize"), ("mount", "unmount"), ("insert", "delete"), ("create", "delete"),
        ("create", "destroy"), ("add", "remove"), ("append", "prepend"), ("leading", "trailing"), ("row", "column"),
        ("rows", "columns"), ("read", "write"), ("get", "set"), ("expand", "collapse"), ("zoom", "unzoom"),
        ("mute", "unmute"), ("pause", "resume"), ("follow", "unfollow"), ("star", "unstar"), ("like", "dislike"),
        ("upvote", "downvote"), ("hide", "show"), ("allow", "block"), ("local", "remote"), ("local", "global"),
        ("client", "server"), ("success", "error"), ("asc", "desc"),
    ]

    /// Opposed function words and short words: the WordNet test skips stop words and words of
    /// fewer than three letters, and WordNet does not list prepositions or quantifiers.
    static let functionWordPairs: [(String, String)] = [
        ("before", "after"), ("after", "within"), ("after", "during"), ("after", "until"), ("before", "during"),
        ("before", "since"), ("since", "until"), ("with", "without"), ("all", "none"), ("everyone", "nobody"), ("in", "out"), ("on", "off"), ("into", "out"),
        ("up", "down"), ("over", "under"), ("yes", "no"),
        // "in the first 48 hours" / "after the first 48 hours": counted, so an "in" both texts
        // keep ("… in Ohio") opposes nothing.
        ("after", "in"),
        // "prior to" is "before", "following" (a preposition) "after".
        ("prior", "after"), ("prior", "during"), ("prior", "following"), ("before", "following"),
    ]

    /// Converse roles and directions of one relation or change: WordNet relates them (a buyer and a seller
    /// take part in one sale) but does not call them opposites, yet a question about one is not
    /// answered by the other.
    static let conversePairs: [(String, String)] = [
        ("buyer", "seller"), ("landlord", "tenant"), ("teacher", "student"), ("predecessor", "successor"),
        ("send", "receive"), ("mother", "father"), ("mom", "dad"), ("rent", "own"), ("join", "leave"),
        ("entry", "exit"), ("arrive", "depart"), ("arrival", "departure"), ("arrivals", "departures"),
        ("cause", "effect"), ("causes", "effects"), ("income", "expense"), ("profit", "loss"), ("win", "loss"),
        ("benefit", "risk"), ("boost", "reduce"),
    ]

    /// Contrasts a domain's answers depend on that are not lexical opposites: travel (a direct
    /// flight or one with a layover), shopping (new or used), health (too little or too much, to
    /// prevent or to treat), learning level, and mathematics (operations and averages that are
    /// different computations).
    static let domainPairs: [(String, String)] = [
        ("direct", "layover"), ("direct", "connecting"), ("new", "used"), ("deficiency", "overdose"),
        ("deficiency", "excess"), ("prevent", "treat"), ("prevent", "cure"), ("prevent", "remove"),
        ("beginner", "advanced"), ("beginners", "advanced"), ("beginner", "expert"), ("novice", "expert"),
        ("sum", "difference"), ("square", "cube"), ("derivative", "integral"), ("union", "intersection"),
        ("mean", "median"), ("median", "mode"),
    ]

    /// The phase of an activity: over against started ("once the game is over" / "once the game
    /// has started"). WordNet opposes "start" and "finish" but not these. (Going on against
    /// stopping is the function-word check's: "keep" is a stop only before a verb in -ing.)
    static let aspectPairs: [(String, String)] = [("over", "start"), ("over", "begun")]

    /// Adjectives WordNet opposes whose adverbs it does not ("center horizontally" / "vertically"):
    /// the test reads the adverb as written, the list matches it through the stemmer.
    static let adverbPairs: [(String, String)] = [("horizontal", "vertical")]

    /// Pair words whose mere presence on one side rejects ("install" vs no "install"), because
    /// they have no common synonym the content-word check would accept. Every other pair word
    /// rejects only when its opposite appears on the other side: "delete" and "remove" are
    /// paraphrases, "on Monday" and "more info" are not about polarity at all.
    static let presenceAntonyms: Set<String> = [
        "enable", "disable", "increase", "decrease", "min", "max", "minimum", "maximum", "buy", "sell", "import",
        "export", "encrypt", "decrypt", "upload", "download", "install", "uninstall", "push", "pull", "input",
        "output", "largest", "smallest", "fastest", "slowest", "cheap", "expensive", "cheapest", "true", "false",
        "upgrade", "downgrade", "subscribe", "unsubscribe", "ascending", "descending", "encode", "decode", "lock",
        "unlock", "deposit", "withdraw", "above", "below", "adult",
    ]

    /// Words that may stand in for a presence word without changing the question ("quickest"
    /// for "fastest", "purchase" for "buy", "most affordable" for "cheapest"): a presence word
    /// on one side is excused when the other side has one of these. The opposite direction is
    /// still caught, because each synonym's own antonym is in ``antonymPairs``.
    static let presenceSynonyms: [String: [String]] = [
        "fastest": ["quickest", "speediest"], "slowest": ["longest"], "cheapest": ["affordable", "inexpensive"],
        "cheap": ["affordable", "inexpensive"], "expensive": ["pricey", "costly", "priciest"],
        "largest": ["biggest"], "smallest": ["tiniest"], "buy": ["purchase", "purchased", "bought"],
        "sell": ["sold"], "increase": ["raise", "boost"], "decrease": ["reduce", "lower"],
        "enable": ["activate"], "disable": ["deactivate"], "install": ["setup"], "uninstall": ["remove"],
        "download": ["fetch"], "minimum": ["min", "least"], "maximum": ["max"], "adult": ["adults", "grownup"],
    ]

    /// Prefixes that negate the word they attach to ("unsafe", "disagree", "invalid").
    static let negatingPrefixes: [String] = ["un", "dis", "non", "in", "im", "ir", "il", "de"]

    /// Prefixes of opposite direction or degree before one root: "overpaid" / "underpaid",
    /// "inbound" / "outbound", "upstream" / "downstream", "preoperative" / "postoperative".
    static let opposedPrefixes: [(String, String)] = [("over", "under"), ("in", "out"), ("up", "down"), ("pre", "post")]
}
