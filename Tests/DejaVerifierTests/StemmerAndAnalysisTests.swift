import DejaVerifier
import Testing

@Suite struct AnalysisTests {
    @Test func inflectionsShareAStem() {
        let a = AnalyzedText("files encrypting stopped")
        let b = AnalyzedText("file encrypted stop")
        #expect(a.words.map(\.stem) == b.words.map(\.stem))
    }

    @Test func aStemKeepsAVowel() {
        // "string" is no "str" + "ing" (Rust's "&str" is another type), nor "shred" "shr" + "ed".
        #expect(AnalyzedText("String strings").words.map(\.stem) == ["string", "string"])
        #expect(AnalyzedText("str").words.map(\.stem) == ["str"])
        #expect(AnalyzedText("shred").words.map(\.stem) == ["shred"])
        #expect(AnalyzedText("parsing parsed").words.map(\.stem) == ["pars", "pars"])
    }

    @Test func contractionsReadAsNegations() {
        let text = AnalyzedText("Why doesn't it work?")
        #expect(text.negations == ["n't"])
        #expect(text.normalizedWords == AnalyzedText("why does not it work").normalizedWords)
    }

    @Test func contentWordsSkipFramingAndStopWords() {
        #expect(AnalyzedText("Can you please explain what a memory leak is?").contentWords == ["memory", "leak"])
    }

    @Test func shoutingDerivesNoNames() {
        let text = AnalyzedText("WHAT IS THE CAPITAL OF FRANCE")
        #expect(text.ignoresCapitals)
        #expect(text.slots.isEmpty)
    }

    @Test func numbersAreCanonical() {
        #expect(AnalyzedText("1,000 and 3.50 and #42 and 5km and twelve and 3rd").slots.map(\.description) == [
            "number:1000", "number:3.5", "number:42", "number:5", "unit:km", "number:12", "number:3th",
        ])
    }

    @Test func hyphenatedWordsAfterDigitsAreProse() {
        let text = AnalyzedText("Is a 16-year-old driver insured?")
        #expect(text.normalizedWords == ["is", "a", "16", "year", "old", "driver", "insured"])
        #expect(text.slots.map(\.description) == ["number:16", "unit:year"])
    }
}

@Suite struct ByteLevelAnalysisTests {
    // The parser's ASCII fast paths and the allocation-free stemmer must give the same answers
    // as the Unicode-property and array-based forms they replaced.

    @Test func stemsOfInflectedFormsAgree() {
        for (a, b) in [
            ("files", "file"), ("stopped", "stop"), ("studies", "study"), ("encrypting", "encrypted"), ("boxes", "box"),
            ("running", "run"), ("quickly", "quick"), ("copied", "copy"), ("user's", "user"),
        ] {
            #expect(AnalyzedText(a).words.first?.stem == AnalyzedText(b).words.first?.stem, "\(a) / \(b)")
        }
        // Short words and words without a suffix are left alone.
        #expect(AnalyzedText("bus").words.first?.stem == "bus")
        #expect(AnalyzedText("status").words.first?.stem == "status")
        #expect(AnalyzedText("analysis").words.first?.stem == "analysis")
        #expect(AnalyzedText("sorting").words.first?.stem == "sort")
    }

    @Test func codePunctuationIsRecognisedWithoutBuildingStrings() {
        for code in ["os.path.join", "my_var", "--force", "a->b", "print()", "x^2", "Foo::bar", "a=b", "mp3player"] {
            let slots = AnalyzedText("use \(code) here").slots
            #expect(slots.contains { $0.kind == .code && !$0.isCaseDerived }, "\(code)")
        }
        #expect(AnalyzedText("call getElementById now").slots.contains { $0.kind == .code && $0.isCaseDerived })
        #expect(!AnalyzedText("is HTTP secure").slots.contains { $0.kind == .code })
        #expect(!AnalyzedText("e.g. a list").slots.contains { $0.kind == .code })
        #expect(!AnalyzedText("one-to-one mapping").slots.contains { $0.kind == .code })
    }

    @Test func nonASCIITextIsAnalysedAsBefore() {
        // Accents are folded in the compared forms, so "café" and "cafe" agree; the text keeps them.
        let text = AnalyzedText("Où est le café\u{00A0}à Zürich ?")
        #expect(text.words.map(\.lower) == ["ou", "est", "le", "cafe", "a", "zurich"])
        #expect(text.words.map(\.text).last == "Zürich")
        #expect(text.words.last?.isCapitalised == true)
        #expect(text.slots.contains { $0.kind == .entity && $0.value == "zurich" })
        #expect(AnalyzedText("Ünïcode wörds").words.map(\.lower) == ["unicode", "words"])
        #expect(AnalyzedText("costs ¥500").slots.contains { $0.kind == .currency && $0.value == "jpy" })
    }
}

/// What the parser reads into words and values: chat spellings, greetings, discourse "now".
@Suite struct ReadingTests {
    @Test func chatSpellingsReadAsTheirWords() {
        #expect(AnalyzedText("can u send ur invoice pls").normalizedWords == ["can", "you", "send", "your", "invoice", "please"])
        #expect(AnalyzedText("i wanna cancel").normalizedWords == ["i", "want", "to", "cancel"])
        // Typed in capitals, a letter is a name or an initial: "U-Haul", "R".
        #expect(AnalyzedText("Rent a U-Haul").normalizedWords == ["rent", "a", "u", "haul"])
        #expect(AnalyzedText("Rent a U-Haul").words[2].text == "U")
        // "w/o" is "without", a negation.
        let without = AnalyzedText("coffee w/o sugar")
        #expect(without.normalizedWords == ["coffee", "without", "sugar"])
        #expect(without.negations == ["without"])
        #expect(AnalyzedText("tea w/ milk").normalizedWords == ["tea", "with", "milk"])
    }

    @Test func aGreetingIsNoTime() {
        #expect(AnalyzedText("Good morning! Is the pool open?").slots.isEmpty)
        #expect(AnalyzedText("Good evening, which wine goes with lamb?").slots.isEmpty)
        // The same words asking about a time of day keep it.
        #expect(AnalyzedText("Good morning routines for toddlers").slots.map(\.description) == ["date:morning"])
        #expect(AnalyzedText("Is it good to run in the morning?").slots.map(\.description) == ["date:morning"])
    }

    @Test func aClauseOpeningNowMovesTheTalkOn() {
        #expect(AnalyzedText("Thanks! Now, how do I add a filter?").timeSensitivity.timeWords.isEmpty)
        #expect(AnalyzedText("How do I add a filter now?").timeSensitivity.timeWords == ["now"])
        #expect(AnalyzedText("Is the bridge open now, or later?").timeSensitivity.timeWords == ["now"])
    }

    @Test func unitAbbreviationsAndIdiomsReadByContext() {
        // "yr" and "wk" are the year and the week, as their full words are.
        #expect(AnalyzedText("twice in the same yr").slots.map(\.description) == AnalyzedText("twice in the same year").slots.map(\.description))
        #expect(AnalyzedText("3 wks of leave").slots.map(\.description) == ["number:3", "unit:week"])
        // "min" measures time after a number or "per"; beside "max" it is the minimum.
        #expect(AnalyzedText("rest 5 min between sets").slots.map(\.description) == ["number:5", "unit:minute"])
        #expect(AnalyzedText("words per min").slots.map(\.description) == ["unit:minute"])
        #expect(AnalyzedText("min and max temp for a nursery").slots.isEmpty)
        // "Thanks a ton!" thanks; "a ton of gravel" weighs.
        #expect(AnalyzedText("How do I write a resignation letter? Thanks a ton!").slots.isEmpty)
        #expect(AnalyzedText("How much does a ton of gravel cost?").slots.map(\.description) == ["unit:ton"])
    }

    @Test func aMissingSpaceAfterAFullStopIsNoCode() {
        #expect(AnalyzedText("my laptop.what should i check").normalizedWords == ["my", "laptop", "what", "should", "i", "check"])
        #expect(AnalyzedText("my laptop.what should i check").slots.isEmpty)
        #expect(AnalyzedText("call df.where on it").slots.map(\.description) == ["code:df.where"])
    }

    @Test func irregularPluralsStemAsTheirSingulars() {
        func stems(_ text: String) -> [String] { AnalyzedText(text).words.map(\.stem) }
        #expect(stems("women men mice") == stems("woman man mouse"))
        #expect(stems("men") != stems("women"))
        // Verbs in -ply keep it: "reapplied" is "reapply", not "reap".
        #expect(stems("reapplied") == stems("reapply"))
        #expect(stems("reapply") != stems("reap"))
    }

    @Test func offBeforeAHyphenNegates() {
        let text = AnalyzedText("are fares cheaper at off-peak times")
        #expect(text.negations == ["non"])
        #expect(text.normalizedWords == ["are", "fares", "cheaper", "at", "non", "peak", "times"])
        #expect(AnalyzedText("turn the lights off").negations.isEmpty)
    }

    @Test func possessivesAreMarked() {
        #expect(AnalyzedText("my sister's car").words.map(\.isPossessive) == [false, true, false])
        #expect(AnalyzedText("my parents' car").words.map(\.isPossessive) == [false, true, false])
        #expect(AnalyzedText("my sisters car").words.map(\.isPossessive) == [false, false, false])
    }

    @Test func wontTypedWithoutItsApostropheIsNegated() {
        #expect(AnalyzedText("why wont my car start").negations == ["n't"])
        #expect(AnalyzedText("it wont boot").normalizedWords == ["it", "will", "not", "boot"])
        // The word "wont" (habit) keeps its sense.
        #expect(AnalyzedText("he was wont to sleep late").negations.isEmpty)
        #expect(AnalyzedText("as is my wont").negations.isEmpty)
    }

    @Test func latinAbbreviationsReadAsTheirWords() {
        let text = AnalyzedText("Which editor, e.g. Vim or Emacs, is fastest?")
        #expect(text.normalizedWords == ["which", "editor", "for", "example", "vim", "or", "emacs", "is", "fastest"])
        // The name after "e.g." is no sentence start: it is still a name.
        #expect(text.slots.map(\.description) == ["entity:vim", "entity:emacs"])
        #expect(AnalyzedText("the last step, i.e. the commit").normalizedWords == ["the", "last", "step", "that", "is", "the", "commit"])
        #expect(AnalyzedText("an eg of this").normalizedWords == ["an", "eg", "of", "this"])
        #expect(AnalyzedText("Does it run in IE.").normalizedWords == ["does", "it", "run", "in", "ie"])
    }
}
