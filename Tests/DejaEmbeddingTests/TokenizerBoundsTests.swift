@testable import DejaEmbedding
import Testing

/// The tokenizer does linear work, and no more than the encoder will use. Serialized: each
/// timing is of one test alone.
@Suite(.serialized) struct TokenizerBoundsTests {
    static let size = 200_000

    static let shapes: [(String, String)] = [
        ("digit run", String(repeating: "1234567890", count: size / 10)),
        ("one word of letters", String(repeating: "abcdefghij", count: size / 10)),
        // Normalising a long non-ASCII word costs more per scalar (Unicode tables, NFD).
        ("one word of accented letters", String(repeating: "àbçdéfghïj", count: size / 20)),
        ("dotted digits", Array(repeating: "1.2.3.4", count: size / 8).joined(separator: ".")),
        ("thousands separators", "1" + String(repeating: ",000", count: size / 4)),
        ("words", Array(repeating: "hello", count: size / 6).joined(separator: " ")),
        // Words just under the [UNK] length that greedy matching cannot spell: each one used to
        // cost a string per (start, end) pair.
        ("unspellable 100-scalar words", Array(repeating: String(repeating: "7", count: 99) + "\u{2603}", count: size / 101).joined(separator: " ")),
        ("spaces then a word", String(repeating: " ", count: size) + "end"),
        ("combining marks", "a" + String(repeating: "\u{0301}\u{0316}", count: size / 4)),
    ]

    static func seconds(_ body: () -> Void) -> Double {
        let elapsed = ContinuousClock().measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    @Test(arguments: shapes.map(\.0))
    func hostileInputsTokenizeInLinearTime(_ name: String) throws {
        let text = try #require(Self.shapes.first { $0.0 == name }?.1)
        let tokenizer = try TestSupport.embedder().tokenizer
        var encoded: WordPieceTokenizer.Encoding?
        let elapsed = Self.seconds {
            encoded = tokenizer.encoding(text, withWordOffsets: true)
            _ = tokenizer.wordPieces(text, limit: 16)
        }
        #expect(elapsed < 1, "\(name): \(elapsed) s")
        let result = try #require(encoded)
        #expect(result.ids.count <= tokenizer.maxLength)
        #expect(result.wordOffsets.count == result.ids.count)
    }

    @Test func aWordLongerThanTheReferenceLimitIsUnknown() throws {
        let tokenizer = try TestSupport.embedder().tokenizer
        for word in [String(repeating: "1", count: Self.size), String(repeating: "a", count: 101), String(repeating: "é", count: 101)] {
            let encoded = tokenizer.encoding(word)
            #expect(encoded.ids == [tokenizer.classID, tokenizer.unknownID, tokenizer.separatorID])
            #expect(!encoded.isTruncated)
        }
        // 100 scalars are still spelled.
        #expect(!tokenizer.encode(String(repeating: "1", count: 100)).contains(tokenizer.unknownID))
        // The digit run in a sentence is one [UNK] between the words.
        let sentence = tokenizer.encode("order " + String(repeating: "9", count: 5000) + " please")
        #expect(sentence.count == 5)
        #expect(sentence[2] == tokenizer.unknownID)
    }

    @Test func truncationIsReported() throws {
        let tokenizer = try TestSupport.embedder().tokenizer
        let many = tokenizer.encoding(Array(repeating: "hello", count: 100_000).joined(separator: " "))
        #expect(many.ids.count == tokenizer.maxLength)
        #expect(many.isTruncated)
        #expect(many.ids == tokenizer.encode(Array(repeating: "hello", count: 300).joined(separator: " ")))
        #expect(!tokenizer.encoding("hello world").isTruncated)
        #expect(tokenizer.encoding("hello world").ids == tokenizer.encode("hello world"))
    }

    @Test func truncationExactlyAtTheLimit() throws {
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##b", "!"]
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, maxLength: 5)  // three pieces
        #expect(!tokenizer.encoding("a a a").isTruncated)
        // Nothing that yields a token follows: spaces, controls, a lone combining mark.
        #expect(!tokenizer.encoding("a a a  \t\u{0007} \u{0301} \u{200B}").isTruncated)
        #expect(tokenizer.encoding("a a a b").isTruncated)
        #expect(tokenizer.encoding("a a a !").isTruncated)
        #expect(tokenizer.encoding("a a a \u{2603}").isTruncated)
        // A word cut by the limit.
        let cut = tokenizer.encoding("a a abb")
        #expect(cut.isTruncated)
        #expect(cut.ids.count == 5)
        // Offsets stay in step.
        let withOffsets = tokenizer.encoding("a a abb", withWordOffsets: true)
        #expect(withOffsets.wordOffsets == [-1, 0, 2, 4, -1])
        #expect(withOffsets.ids == cut.ids)
    }

    @Test func longWordNormalisationMatchesFoundation() {
        // Words over 64 scalars are decomposed scalar by scalar with our canonical ordering;
        // they must equal Foundation's NFD of the whole word.
        var generator = SplitMix(seed: 42)
        let pool: [UInt32] = Array(0x41...0x5A) + Array(0xC0...0x17F) + Array(0x300...0x36F) + Array(0x391...0x3C9) + Array(0x1E00...0x1EFF)
            + Array(0xAC00...0xAC20) + [0x130, 0x1E9E, 0x1F88, 0x0344, 0x0F73, 0x0F75, 0x1D165, 0x1D16D, 0x1FEF, 0x212B, 0x2126]
        for _ in 0..<300 {
            let count = 65 + Int(generator.next() % 120)
            let word = (0..<count).map { _ in Unicode.Scalar(pool[Int(generator.next() % UInt64(pool.count))])! }
            #expect(WordPieceTokenizer.normalizeLong(word) == WordPieceTokenizer.normalizeShort(word))
        }
    }
}

extension TokenizerBoundsTests {
    /// What lets the tokenizer call a long word `[UNK]` without normalising it: every scalar that
    /// can be part of a word and is not a non-spacing mark normalises to at least one kept scalar,
    /// marks normalise to nothing, and only the listed scalars normalise to punctuation.
    @Test func longWordShortcutHoldsForEveryScalar() throws {
        var vanishing: [UInt32] = []
        var splitting: [UInt32] = []
        var keptMarks: [UInt32] = []
        for value in UInt32(0x80)..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control, .format, .privateUse, .surrogate, .unassigned: continue
            default: break
            }
            if properties.isWhitespace || value == 0xFFFD || WordPieceTokenizer.isCJK(value) || WordPieceTokenizer.isPunctuation(scalar) { continue }
            let normalized = WordPieceTokenizer.normalizeShort([scalar])
            if properties.generalCategory == .nonspacingMark {
                if !normalized.isEmpty { keptMarks.append(value) }
                continue
            }
            if normalized.isEmpty { vanishing.append(value) }
            if normalized.contains(where: WordPieceTokenizer.isPunctuation) != WordPieceTokenizer.splitsWhenNormalized(value) { splitting.append(value) }
        }
        #expect(vanishing.isEmpty)
        #expect(keptMarks.isEmpty)
        #expect(splitting.isEmpty)
        // And the shortcut gives the reference's answer either side of the limit.
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "e", "##e", "=", "x"]
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.wordPieces(String(repeating: "é", count: 100)) == Array(repeating: 6, count: 99).prefixed(by: 5))
        #expect(tokenizer.wordPieces(String(repeating: "é", count: 101)) == [1])
        #expect(tokenizer.wordPieces(String(repeating: "e\u{0301}", count: 100)) == Array(repeating: 6, count: 99).prefixed(by: 5))
        #expect(tokenizer.wordPieces(String(repeating: "é", count: 101) + "\u{2260}x") == [1, 7, 8])
    }
}

extension Array {
    fileprivate func prefixed(by element: Element) -> [Element] { [element] + self }
}

/// A small deterministic generator for the normalisation cross-check.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
