extension Lexicon {
    /// Pairs of words with opposite meanings. A pair word present in one text and not the other
    /// rejects a candidate ("enable" vs "disable", or "enable" vs nothing), except for the
    /// ``weakAntonyms`` below. Matching goes through the stemmer, so inflections count.
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
    ]

    /// Pair words so common in other senses ("on Monday", "in Paris", "more info") that only the
    /// opposite appearing in the other text rejects, not their mere presence.
    static let weakAntonyms: Set<String> = [
        "in", "out", "on", "off", "up", "down", "over", "under", "more", "less", "with", "all", "get", "set", "read",
        "write", "like", "head", "back", "front", "right", "left", "light", "hard", "easy", "good", "bad", "better",
        "best", "high", "low", "long", "short", "big", "large", "small", "old", "new", "young", "fast", "slow", "next",
        "top", "pass", "mean", "square", "star", "pin", "block", "own", "rent", "row", "leading", "major", "minor",
        "local", "public", "private", "direct", "early", "late", "hot", "cold", "warm", "cool", "yes", "no", "always",
        "never", "none", "nobody", "everyone", "most", "least", "first", "last", "sum", "union", "join", "leave",
        "entry", "enter", "man", "men", "safe", "benefit", "risk", "pro", "con", "active", "win", "gain", "show",
        "plus", "mode", "logged", "heavy", "wet", "dry", "thin", "thick", "soft", "credit", "client", "server",
        "success", "error", "positive", "negative", "forward", "previous", "lower", "upper", "create", "child", "kid",
        "children", "sunrise", "fail", "failure",
    ]

    /// Pair words so common in other senses ("on Monday", "in Paris", "more info") that only the
    /// opposite appearing in the other text rejects, not their mere presence.
    static let weakAntonyms: Set<String> = [
        "in", "out", "on", "off", "up", "down", "over", "under", "more", "less", "with", "all", "get", "set", "read",
        "like", "head", "back", "front", "right", "left", "light", "hard", "easy", "good", "bad", "better", "best",
        "high", "low", "long", "short", "big", "large", "small", "old", "new", "young", "fast", "slow", "next",
        "top", "pass", "mean", "square", "star", "pin", "block", "set", "own", "rent", "row", "leading", "major",
        "minor", "local", "public", "private", "direct", "early", "late", "hot", "cold", "warm", "cool", "yes", "no",
        "always", "never", "none", "nobody", "everyone", "most", "least", "first", "last", "sum", "union", "join",
        "leave", "entry", "enter", "open", "start", "end", "begin", "man", "men", "safe", "create", "benefit", "risk",
        "pro", "con", "active", "win", "gain", "show", "hide", "lower", "upper", "plus", "mode", "logged", "heavy",
        "wet", "dry", "thin", "thick", "soft", "credit", "debit", "client", "server", "internal", "external",
        "income", "expense", "success", "error", "failure", "fail", "valid", "legal", "positive", "negative",
        "forward", "previous", "insert", "delete", "add", "remove", "send", "receive", "read", "write", "import",
        "export", "push", "pull", "input", "output", "buy", "sell", "increase", "decrease", "before", "after",
    ]

    /// Prefixes that negate the word they attach to ("unsafe", "disagree", "invalid").
    static let negatingPrefixes: [String] = ["un", "dis", "non", "in", "im", "ir", "il", "de"]
}
