import DejaEmbedding
import Testing

@Suite("WordPiece tokenizer rules")
struct WordPieceTokenizerTests {
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "!", "hello", "##lo", "hel", "cafe",
        "σ", "##α", "##σ", "a",
    ]

    func tokens(_ text: String, maxLength: Int = 256) throws -> [String] {
        let tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary, maxLength: maxLength)
        return tokenizer.encode(text).map { tokenizer.token(for: $0)! }
    }

    @Test("greedy longest match first with ## continuations")
    func greedy() throws {
        #expect(try tokens("unaffable hello") == ["[CLS]", "un", "##aff", "##able", "hello", "[SEP]"])
    }

    @Test("a word with an unmatched remainder is one [UNK]")
    func unmatched() throws {
        #expect(try tokens("unaffx!") == ["[CLS]", "[UNK]", "!", "[SEP]"])
    }

    @Test("words over 100 scalars are [UNK]; shorter ones are spelled")
    func longWords() throws {
        #expect(try tokens(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
        let hundred = "un" + String(repeating: "aff", count: 32) + "##"
        #expect(hundred.unicodeScalars.count == 100)
        #expect(try tokens(String(hundred.dropLast(2))) == ["[CLS]", "un"] + Array(repeating: "##aff", count: 32) + ["[SEP]"])
    }

    @Test("lower-casing, accent stripping, control characters and per-scalar sigma")
    func normalization() throws {
        #expect(try tokens("CAFÉ") == ["[CLS]", "cafe", "[SEP]"])
        #expect(try tokens("cafe\u{0301}") == ["[CLS]", "cafe", "[SEP]"])
        #expect(try tokens("un\u{200B}aff\u{00AD}able") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        #expect(try tokens("ΣΑΣ") == ["[CLS]", "σ", "##α", "##σ", "[SEP]"])
    }

    @Test("literal special tokens keep their ids")
    func specialTokens() throws {
        #expect(try tokens("hello [MASK] [cls]") == ["[CLS]", "hello", "[MASK]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"])
    }

    @Test("truncation keeps maxLength − 2 pieces and may cut a word")
    func truncation() throws {
        #expect(try tokens("unaffable", maxLength: 4) == ["[CLS]", "un", "##aff", "[SEP]"])
        #expect(try tokens("hello hello hello", maxLength: 3) == ["[CLS]", "hello", "[SEP]"])
    }

    @Test("word offsets: every piece of a word gets the word's first scalar, punctuation its own, [CLS]/[SEP] -1")
    func wordOffsets() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary, maxLength: 256)
        for text in ["unaffable hello!", "  CAFÉ\u{200B}  un!aff", "hello [MASK] a", "ΣΑΣ hello", "", "!!", "hello–una", "a\u{2014}\u{0301}un"] {
            let (ids, offsets) = tokenizer.encodeWithWordOffsets(text)
            #expect(ids == tokenizer.encode(text), "\(text)")
            #expect(offsets.count == ids.count)
            #expect(offsets.first == -1 && offsets.last == -1)
        }
        // "unaffable" starts at 0 (three pieces), "hello" at 10, "!" at 15.
        #expect(tokenizer.encodeWithWordOffsets("unaffable hello!").wordOffsets == [-1, 0, 0, 0, 10, 15, -1])
        // Offsets count Unicode scalars of the original text, including dropped ones.
        #expect(tokenizer.encodeWithWordOffsets("  CAFÉ\u{200B}  un!aff").wordOffsets == [-1, 2, 9, 11, 12, -1])
        #expect(tokenizer.encodeWithWordOffsets("hello [MASK] a").wordOffsets == [-1, 0, 7, 13, -1])
        // Non-ASCII punctuation inside a word is a word of its own, with the same ids as before.
        let dashed = tokenizer.encodeWithWordOffsets("hello–una")
        #expect(dashed.ids == tokenizer.encode("hello–una"))
        #expect(dashed.wordOffsets == [-1, 0, 5, 6, -1])
        #expect(tokenizer.encodeWithWordOffsets("ΣΑΣ hello").wordOffsets == [-1, 0, 0, 0, 4, -1])
        // Truncation keeps offsets and ids in step.
        let short = try WordPieceTokenizer(vocabulary: Self.vocabulary, maxLength: 4)
        let (ids, offsets) = short.encodeWithWordOffsets("unaffable hello")
        #expect(ids == short.encode("unaffable hello"))
        #expect(offsets == [-1, 0, 0, -1])
    }

    @Test("a vocabulary without the special tokens is rejected")
    func invalidVocabulary() {
        #expect(throws: EmbeddingError.invalidVocabulary) { try WordPieceTokenizer(vocabulary: ["a", "b"]) }
    }
}
