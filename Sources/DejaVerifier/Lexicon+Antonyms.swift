extension Lexicon {
    /// Pairs of words with opposite meanings. A pair word present in one text and not the other
    /// rejects a candidate when the other text has its opposite ("enable" vs "disable"); words
    /// in ``presenceAntonyms`` also reject when the other text lacks them. Matching goes through the stemmer, so inflections count.
    static let antonymPairs: [(String, String)] = [
        ("enable", "disable"), ("increase", "decrease"), ("before", "after"), ("min", "max"),
        ("minimum", "maximum"), ("add", "remove"), ("buy", "sell"), ("import", "export"), ("encrypt", "decrypt"),
        ("upload", "download"), ("adult", "child"), ("adults", "children"), ("adult", "kid"), ("first", "last"),
        ("start", "stop"), ("start", "end"), ("begin", "end"), ("open", "close"), ("open", "closed"), ("push", "pull"),
        ("input", "output"), ("upper", "lower"), ("uppercase", "lowercase"), ("largest", "smallest"),
        ("biggest", "smallest"), ("fastest", "slowest"), ("faster", "slower"), ("fast", "slow"), ("cheap", "expensive"),
        ("cheapest", "expensive"), ("cheapest", "priciest"), ("true", "false"), ("install", "uninstall"),
        ("above", "below"), ("more", "less"), ("more", "fewer"), ("most", "least"), ("high", "low"),
        ("higher", "lower"), ("highest", "lowest"), ("raise", "lower"), ("large", "small"), ("larger", "smaller"),
        ("big", "small"), ("bigger", "smaller"), ("long", "short"), ("longer", "shorter"), ("longest", "shortest"),
        ("old", "new"), ("older", "younger"), ("oldest", "newest"), ("old", "young"), ("best", "worst"),
        ("better", "worse"), ("good", "bad"), ("gain", "lose"), ("win", "lose"), ("win", "loss"), ("profit", "loss"),
        ("positive", "negative"), ("ascending", "descending"), ("asc", "desc"), ("increment", "decrement"),
        ("upgrade", "downgrade"), ("login", "logout"), ("signin", "signout"), ("subscribe", "unsubscribe"),
        ("connect", "disconnect"), ("lock", "unlock"), ("hide", "show"), ("visible", "hidden"), ("allow", "deny"),
        ("allow", "block"), ("accept", "reject"), ("approve", "reject"), ("include", "exclude"), ("inner", "outer"),
        ("internal", "external"), ("public", "private"), ("local", "remote"), ("local", "global"), ("client", "server"),
        ("send", "receive"), ("deposit", "withdraw"), ("debit", "credit"), ("income", "expense"), ("lend", "borrow"),
        ("asset", "liability"), ("advantage", "disadvantage"), ("pro", "con"), ("pros", "cons"), ("benefit", "risk"),
        ("rise", "set"), ("sunrise", "sunset"), ("arrival", "departure"), ("arrive", "depart"), ("arrivals", "departures"),
        ("inbound", "outbound"), ("import", "export"), ("direct", "layover"), ("direct", "connecting"),
        ("domestic", "international"), ("checkin", "checkout"), ("north", "south"), ("east", "west"),
        ("left", "right"), ("top", "bottom"), ("front", "back"), ("forward", "backward"), ("next", "previous"),
        ("early", "late"), ("earliest", "latest"), ("earlier", "later"), ("hot", "cold"), ("warm", "cool"),
        ("wet", "dry"), ("heavy", "light"), ("thick", "thin"), ("hard", "soft"), ("easy", "difficult"), ("easy", "hard"),
        ("safe", "dangerous"), ("legal", "illegal"), ("valid", "invalid"), ("success", "failure"), ("pass", "fail"),
        ("formal", "informal"), ("active", "passive"), ("singular", "plural"), ("male", "female"), ("men", "women"),
        ("man", "woman"), ("boy", "girl"), ("boys", "girls"), ("husband", "wife"), ("mother", "father"),
        ("mom", "dad"), ("son", "daughter"), ("brother", "sister"), ("synonym", "antonym"), ("encode", "decode"),
        ("compress", "decompress"), ("zip", "unzip"), ("serialize", "deserialize"), ("mount", "unmount"),
        ("attach", "detach"), ("insert", "delete"), ("create", "delete"), ("create", "destroy"), ("append", "prepend"),
        ("head", "tail"), ("prefix", "suffix"), ("leading", "trailing"), ("horizontal", "vertical"), ("row", "column"),
        ("rows", "columns"), ("read", "write"), ("get", "set"), ("major", "minor"), ("maximize", "minimize"),
        ("overestimate", "underestimate"), ("overweight", "underweight"), ("overpaid", "underpaid"), ("rent", "own"),
        ("expand", "collapse"), ("zoom", "unzoom"), ("mute", "unmute"), ("pause", "resume"), ("follow", "unfollow"),
        ("block", "unblock"), ("freeze", "unfreeze"), ("pin", "unpin"), ("star", "unstar"), ("like", "dislike"),
        ("agree", "disagree"), ("with", "without"), ("always", "never"), ("all", "none"), ("everyone", "nobody"),
        ("success", "error"), ("deficiency", "overdose"), ("deficiency", "excess"), ("underweight", "obese"),
        ("acute", "chronic"), ("benign", "malignant"), ("lowest", "highest"), ("cheaper", "pricier"),
        ("cheaper", "expensive"), ("in", "out"), ("on", "off"), ("up", "down"), ("over", "under"), ("yes", "no"),
        ("plus", "minus"), ("add", "subtract"), ("multiply", "divide"), ("multiplied", "divided"), ("sum", "difference"),
        ("square", "cube"), ("derivative", "integral"), ("union", "intersection"), ("mean", "median"),
        ("median", "mode"), ("logged", "logout"), ("inhale", "exhale"), ("ingress", "egress"), ("upstream", "downstream"),
        ("uptime", "downtime"), ("upvote", "downvote"), ("entry", "exit"), ("enter", "exit"), ("join", "leave"),
        ("hire", "fire"), ("employer", "employee"), ("landlord", "tenant"), ("buyer", "seller"), ("teacher", "student"),
        ("parent", "child"), ("predecessor", "successor"), ("min", "maximum"), ("minimum", "max"),
        ("quickest", "slowest"), ("quick", "slow"), ("affordable", "expensive"), ("inexpensive", "expensive"),
        ("purchase", "sell"), ("activate", "deactivate"), ("reduce", "increase"), ("boost", "reduce"),
        ("new", "used"), ("new", "secondhand"), ("after", "within"), ("after", "during"), ("after", "until"),
        ("before", "during"), ("before", "since"), ("cause", "effect"), ("causes", "effects"), ("beginner", "advanced"),
        ("beginners", "advanced"), ("beginner", "expert"), ("novice", "expert"), ("prevent", "treat"), ("prevent", "cure"),
        ("prevent", "remove"),
    ]

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
}
