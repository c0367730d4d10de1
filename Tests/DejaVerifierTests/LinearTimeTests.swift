import DejaEmbedding
import DejaVerifier
import DejaWordNet
import Testing

/// Hostile inputs of 200 KB: the analysis the cache runs on a final user message (tokenizing for
/// the encoder, then the verifier's preparation and checks) must take well under a second even
/// in a debug build, and the verifier must not read past its bound. Serialized: each timing is
/// of one test alone.
@Suite(.serialized) struct LinearTimeTests {
    static let size = 200_000

    /// The shapes that used to take seconds to minutes (quadratic number canonicalisation, quote
    /// closers searched from every opener, slot scans per word), plus the plain ones.
    static func shapes(size: Int) -> [(String, String)] {
        [
            ("digit run", String(repeating: "1234567890", count: size / 10)),
            ("zeros before a digit", String(repeating: "0", count: size) + "1"),
            ("one word of letters", String(repeating: "abcdefghij", count: size / 10)),
            ("dotted digits", Array(repeating: "1.2.3.4", count: size / 8).joined(separator: ".")),
            ("thousands separators", "1" + String(repeating: ",000", count: size / 4)),
            ("words", Array(repeating: "hello", count: size / 6).joined(separator: " ")),
            ("numbers and percent", Array(repeating: "5 percent", count: size / 10).joined(separator: " ")),
            ("unclosed curly quotes", String(repeating: "“a ", count: size / 3)),
            ("unclosed single quotes", String(repeating: " 'a", count: size / 3)),
            ("names", Array(repeating: "visit Paris and London", count: size / 23).joined(separator: " ")),
        ]
    }

    static let names = shapes(size: 10).map(\.0)

    static func shape(_ name: String, size: Int) throws -> String {
        try #require(shapes(size: size).first { $0.0 == name }?.1)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let elapsed = ContinuousClock().measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    @Test(arguments: names)
    func cacheAnalysisOfHostileInputIsFast(_ name: String) throws {
        let text = try Self.shape(name, size: Self.size)
        #expect(text.utf8.count >= 190_000)
        let tokenizer = try ModelLocator.embedder().tokenizer
        let verifier = ThresholdVerifier(wordVectors: nil)
        let chain = verifier.balanced
        var encoding: WordPieceTokenizer.Encoding?
        var verdicts: [Verdict?] = []
        let elapsed = Self.seconds {
            // What the cache runs: the encoder's tokens, the verifier's preparation of the text
            // from that pass, then verification against candidates.
            let encoded = tokenizer.encoding(text, withWordOffsets: true)
            encoding = encoded
            verifier.encoder(didEncode: EncodedText(text: text, tokens: encoded.ids, wordOffsets: encoded.wordOffsets, states: UnsafeBufferPointer(start: nil, count: 0)))
            verdicts.append(chain.verify(query: text, candidate: "What is the capital of France?"))
            verdicts.append(chain.verify(query: "What is the capital of France?", candidate: text))
            verdicts.append(chain.verify(query: text, candidate: text))
            if case .decided(let verdict) = chain.verifyWithoutModelWork(query: text, candidate: text + "!") { verdicts.append(verdict) }
            _ = chain.analyze(text)
        }
        #expect(elapsed < 1, "\(name): \(elapsed) s")
        #expect(encoding?.ids.count ?? 0 <= tokenizer.maxLength)
        #expect(verdicts.count == 4)
        #expect(verdicts.allSatisfy { $0?.check == Verdict.lengthCheck })
        #expect(chain.memoizedAnalysisCount == 0)
        #expect(chain.analyze(text).isTruncated)
    }

    /// `AnalyzedText` without a bound is linear too. Sizes are what a debug build analyses in
    /// about a tenth of a second; the quadratic code took seconds at these sizes (and minutes at
    /// 200 KB).
    @Test(arguments: names)
    func wholeTextAnalysisIsLinear(_ name: String) throws {
        let singleToken = ["digit run", "zeros before a digit", "one word of letters", "dotted digits", "thousands separators"]
        let text = try Self.shape(name, size: singleToken.contains(name) ? 64_000 : 24_000)
        var analysis: AnalyzedText?
        let elapsed = Self.seconds { analysis = AnalyzedText(text) }
        #expect(elapsed < 1, "\(name): \(elapsed) s")
        #expect(analysis?.isTruncated == false)
        #expect(analysis?.words.isEmpty == false)
    }

    @Test func longTextsAgreeingOnTheirBoundedPrefixAreNotEqual() throws {
        let chain = VerifierChain(configuration: .strict, wordVectors: nil)
        let limit = chain.configuration.maximumAnalysedCharacters
        #expect(limit == VerifierConfiguration.defaultMaximumAnalysedCharacters)
        let prefix = String(repeating: "how do I convert this list to a set ", count: limit / 36 + 1)
        let a = prefix + "in Python"
        let b = prefix + "in Rust"
        let verdict = try #require(chain.verify(query: a, candidate: b))
        #expect(verdict.check == "length")
        #expect(verdict.detail.contains("query"))
        #expect(chain.verdicts(query: a, candidate: b) == [verdict])
        // Fail closed: even an identical over-long repeat is not accepted.
        #expect(chain.verify(query: a, candidate: a)?.check == "length")
        // The candidate is named when only it is too long.
        #expect(chain.verify(query: "convert a list to a set", candidate: b)?.detail.contains("candidate") == true)
    }

    @Test func theBoundIsInclusiveAndConfigurable() {
        let chain = VerifierChain(configuration: .strict, wordVectors: nil)
        let limit = chain.configuration.maximumAnalysedCharacters
        let atBound = String(repeating: "é", count: limit)  // 2 UTF-8 bytes, one scalar each
        #expect(chain.verify(query: atBound, candidate: atBound) == nil)
        #expect(chain.verify(query: atBound + "e", candidate: atBound + "e")?.check == "length")
        #expect(chain.analyze(atBound).isTruncated == false)
        let over = chain.analyze(atBound + " more words")
        #expect(over.isTruncated)
        #expect(over.words.count == 1)

        var configuration = VerifierConfiguration.strict
        configuration.maximumAnalysedCharacters = 10
        let short = VerifierChain(configuration: configuration, wordVectors: nil)
        #expect(short.verify(query: "5 km", candidate: "5 km!") == nil)
        let memoised = short.memoizedAnalysisCount
        #expect(short.verify(query: "convert 5 km to miles", candidate: "convert 5 km to miles?")?.check == "length")
        #expect(short.memoizedAnalysisCount == memoised)
    }

    @Test func boundedAnalysisReadsOnlyItsPrefix() {
        let text = "Convert 5 km to miles " + String(repeating: "0", count: Self.size)
        let analysis = AnalyzedText(text, maximumCharacters: 21)
        #expect(analysis.isTruncated)
        #expect(analysis.text == text)
        #expect(analysis.normalizedWords == ["convert", "5", "km", "to", "miles"])
        #expect(AnalyzedText("short", maximumCharacters: 5).isTruncated == false)
    }

    @Test func hostileShapesStillParseAsBefore() {
        // A run of zeros before a digit canonicalises to the digit.
        let zeros = AnalyzedText(String(repeating: "0", count: 10_000) + "7 apples")
        #expect(zeros.slots.first?.value == "7")
        #expect(AnalyzedText("1,000,000 and 3,50 and 1.500 and 007").slots.map(\.value) == ["1000000", "3.5", "1.5", "7"])
        // Unclosed quotes open no span; a later closed one still does.
        let quotes = AnalyzedText("say “a “b “c and then 'x' here")
        #expect(quotes.slots.filter { $0.kind == .quoted }.map(\.value) == ["x"])
        #expect(AnalyzedText("“a “b” 'c 'd' e").slots.filter { $0.kind == .quoted }.map(\.value) == ["a b", "c d"])
        // "percent" after a number, many times over.
        let percents = AnalyzedText(Array(repeating: "5 percent", count: 1000).joined(separator: " and "))
        #expect(percents.slots.count == 1000)
        #expect(percents.slots.allSatisfy { $0.value == "5%" })
    }

    /// A word of letters only (digits would make it an identifier) that no lexicon knows.
    static func letters(_ index: Int) -> String {
        var index = index
        var word = "q"
        repeat {
            word.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "a") + UInt8(index % 26)))
            index /= 26
        } while index > 0
        return word
    }

    /// Words from `word(index)` joined by spaces, as many as fit in the verifier's bound.
    static func fill(_ word: (Int) -> String) -> String {
        let limit = VerifierConfiguration.defaultMaximumAnalysedCharacters
        var words: [String] = []
        var length = 0
        for index in 0... {
            let next = word(index)
            guard length + next.unicodeScalars.count + 1 <= limit else { break }
            words.append(next)
            length += next.unicodeScalars.count + 1
        }
        return words.joined(separator: " ")
    }

    @Test func namesPronounsAndJoinersAtTheBoundVerifyQuickly() throws {
        // The fourth round's cross-text tests on their worst shapes: many names the other text
        // spells with a slip, pronouns with unique neighbours, slots around "or", hyphenated terms.
        let wordNet = try #require(WordNet.shared)
        func text(_ seed: Int, slip: Bool) -> String {
            Self.fill { index in
                switch index % 6 {
                case 0: (slip ? "x" : "") + "Nq" + Self.letters(index)
                case 1: index % 12 == 1 ? "or" : "it"
                case 2: Self.letters(seed * 100_000 + index)
                case 3: "\(index)"
                case 4: "wi-" + Self.letters(index)
                default: "and"
                }
            }
        }
        let a = AnalyzedText(text(1, slip: false), wordNet: wordNet)
        let b = AnalyzedText(text(2, slip: true), wordNet: wordNet)
        var verdicts: [Verdict?] = []
        let elapsed = Self.seconds {
            verdicts.append(SlotCheck().verdict(a, b))
            verdicts.append(OrderCheck().verdict(a, b))
            verdicts.append(SlotCheck().verdict(b, a))
        }
        #expect(elapsed < 1, "\(elapsed) s")
        #expect(verdicts[0] != nil && verdicts[2] != nil)
    }

    @Test func pairsAtTheBoundVerifyQuickly() {
        // Within the bound the checks still compare word with word: distinct content words and
        // names on both sides of many connectors must not cost seconds.
        func text(_ seed: Int) -> String {
            Self.fill { index in
                switch index % 4 {
                case 0: Self.letters(seed * 100_000 + index)
                case 1: "to"
                case 2: "N" + Self.letters(index % 50)
                default: Self.letters(seed * 100_000 + index + 50_000)
                }
            }
        }
        // Every side shares a word with every other: the order check's worst case.
        func shared(_ seed: Int) -> String {
            Self.fill { index in index % 3 == 0 ? "kettle" : index % 3 == 1 ? Self.letters(seed * 100_000 + index) : "to" }
        }
        let chain = VerifierChain(configuration: .aggressive, wordVectors: TableWordVectors(table: [:]))
        let pairs = [(text(1), text(2)), (shared(1), shared(2))]
        var verdicts: [Verdict?] = []
        var all: [[Verdict]] = []
        let elapsed = Self.seconds {
            for (a, b) in pairs {
                verdicts.append(chain.verify(query: a, candidate: b))
                all.append(chain.verdicts(query: a, candidate: b))
            }
        }
        #expect(elapsed < 1, "\(elapsed) s")
        #expect(pairs.allSatisfy { !AnalyzedText.init($0.0, maximumCharacters: 4096).isTruncated })
        #expect(verdicts.allSatisfy { $0 != nil })
        #expect(all[0].contains { $0.check == "content-words" && $0.detail.contains("too many to compare") })
    }
}
