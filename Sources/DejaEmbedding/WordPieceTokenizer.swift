import Foundation

/// The BERT uncased tokenizer of all-MiniLM-L6-v2, reproducing the model's Hugging Face
/// tokenizer (BertNormalizer + BertPreTokenizer + WordPiece) token for token.
///
/// The pipeline, per Unicode scalar (never per grapheme cluster):
/// 1. The literal special tokens `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]` in the input map to
///    their ids, as the reference tokenizer's added tokens do.
/// 2. Clean-up: U+0000, U+FFFD and every control (Cc), format (Cf) or private-use (Co) scalar other
///    than tab, newline and carriage return is dropped, gluing its neighbours together; whitespace
///    (the Unicode White_Space property) separates words.
/// 3. CJK ideographs become words of their own.
/// 4. Lower-casing per scalar (full mapping, no context rules), then NFD and removal of
///    non-spacing marks (Mn), which strips accents.
/// 5. Every punctuation scalar (ASCII 33–47, 58–64, 91–96, 123–126 and Unicode P*) is a word.
/// 6. Greedy longest-match-first WordPiece with `##` continuations; a word longer than 100
///    scalars, or with a remainder no vocabulary entry matches, becomes one `[UNK]`.
/// 7. `[CLS] pieces [SEP]`, keeping only the first `maxLength − 2` pieces (this can cut a word).
///
/// Tokenizing costs a few microseconds per word; work stops once `maxLength − 2` pieces exist,
/// so a huge input costs no more than its first few hundred words (plus one pass to find them).
public struct WordPieceTokenizer: Sendable {
    /// `[PAD]`, the id of padding positions.
    public let padID: Int32
    /// `[UNK]`, the id of words the vocabulary cannot spell.
    public let unknownID: Int32
    /// `[CLS]`, the first token of every sequence.
    public let classID: Int32
    /// `[SEP]`, the last token of every sequence.
    public let separatorID: Int32
    /// The longest sequence ``encode(_:)`` returns, special tokens included (256, as
    /// sentence-transformers uses for all-MiniLM-L6-v2).
    public let maxLength: Int

    private let vocabulary: [String: Int32]
    private let tokens: [String]
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int32)]

    /// Words longer than this many scalars become `[UNK]`.
    static let maxInputCharsPerWord = 100

    /// Creates a tokenizer from the lines of a `vocab.txt` (token id = line index).
    public init(vocabulary tokens: [String], maxLength: Int = 256) throws {
        guard maxLength >= 2 else {
            throw EmbeddingError.invalidConfiguration.with(detail: "maxLength \(maxLength) leaves no room for [CLS] and [SEP]")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() where vocabulary[token] == nil {
            vocabulary[token] = Int32(index)
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else {
                throw EmbeddingError.invalidVocabulary.with(detail: "no \(token) token")
            }
            return id
        }
        self.padID = try id("[PAD]")
        self.unknownID = try id("[UNK]")
        self.classID = try id("[CLS]")
        self.separatorID = try id("[SEP]")
        let maskID = try id("[MASK]")
        self.maxLength = maxLength
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.specialTokens = [
            ("[PAD]", padID), ("[UNK]", unknownID), ("[CLS]", classID), ("[SEP]", separatorID), ("[MASK]", maskID),
        ].map { (Array($0.0.unicodeScalars), $0.1) }
    }

    /// Loads `vocab.txt` from `url`.
    public init(contentsOf url: URL, maxLength: Int = 256) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw EmbeddingError.modelNotFound.with(path: url.path, detail: "cannot read the vocabulary")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, maxLength: maxLength)
    }

    /// The number of entries in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The vocabulary entry for `id` (for example `##ing`), or nil when out of range.
    public func token(for id: Int32) -> String? {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil
    }

    /// The id of a vocabulary entry, or nil when it is not in the vocabulary.
    public func id(for token: String) -> Int32? {
        vocabulary[token]
    }

    /// Token ids for `text`: `[CLS]`, at most `maxLength − 2` word pieces, `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(32)
        ids.append(classID)
        appendWordPieces(of: text, to: &ids, limit: maxLength - 2)
        ids.append(separatorID)
        return ids
    }

    /// Word-piece ids for `text` without `[CLS]`/`[SEP]`, keeping at most `limit` pieces.
    public func wordPieces(_ text: String, limit: Int = .max) -> [Int32] {
        var ids: [Int32] = []
        appendWordPieces(of: text, to: &ids, limit: limit)
        return ids
    }

    /// ``encode(_:)`` together with, for every token, the offset (in Unicode scalars of `text`)
    /// at which the word it belongs to starts: a word split into pieces gives each piece the
    /// same offset, a punctuation scalar or CJK ideograph its own, a literal special token such as
    /// `[MASK]` the offset of its first letter; `[CLS]` and `[SEP]` get -1.
    ///
    /// This maps the encoder's token states back to words of the original text (the verifier's
    /// words in context use it).
    public func encodeWithWordOffsets(_ text: String) -> (ids: [Int32], wordOffsets: [Int32]) {
        var ids: [Int32] = [classID]
        var offsets: [Int32] = [-1]
        ids.reserveCapacity(32)
        offsets.reserveCapacity(32)
        appendWordPieces(of: text, to: &ids, offsets: &offsets, recordsOffsets: true, limit: maxLength - 2)
        ids.append(separatorID)
        offsets.append(-1)
        return (ids, offsets)
    }

    /// The number of tokens ``encode(_:)`` produces for `text` (special tokens included).
    public func tokenCount(_ text: String) -> Int {
        encode(text).count
    }

    /// Appends up to `limit` word pieces of `text` to `ids`.
    func appendWordPieces(of text: String, to ids: inout [Int32], limit: Int) {
        var unused: [Int32] = []
        appendWordPieces(of: text, to: &ids, offsets: &unused, recordsOffsets: false, limit: limit)
    }

    /// Appends up to `limit` word pieces of `text` to `ids` and, when `recordsOffsets`, each
    /// piece's word-start offset (in scalars of `text`) to `offsets`.
    private func appendWordPieces(of text: String, to ids: inout [Int32], offsets: inout [Int32], recordsOffsets: Bool, limit: Int) {
        guard limit > 0 else { return }
        let target = ids.count + limit
        var state = WordState()
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var position = 0
        /// Gives the pieces appended since the last call the word start `start`.
        func record(_ start: Int) {
            guard recordsOffsets else { return }
            let offset = Int32(clamping: start)
            while offsets.count < ids.count { offsets.append(offset) }
        }
        func flushWord() {
            flush(&state, into: &ids)
            record(state.start)
        }
        while index != scalars.endIndex {
            if ids.count >= target { break }
            let scalar = scalars[index]
            if scalar == "[", let (id, next, length) = matchSpecialToken(in: scalars, at: index) {
                flushWord()
                ids.append(id)
                record(position + 1)  // where the word inside the brackets starts
                index = next
                position += length
                continue
            }
            scalars.formIndex(after: &index)
            let here = position
            position += 1
            let value = scalar.value
            if value < 0x80 {
                switch value {
                case 0x20, 0x09, 0x0A, 0x0D:
                    flushWord()
                case 0..<0x20, 0x7F:
                    continue  // control characters vanish
                default:
                    if Self.isASCIIPunctuation(value) {
                        flushWord()
                        appendPieces(of: [scalar][...], to: &ids)
                        record(here)
                    } else {
                        // ASCII letters lower-case to ASCII; nothing else changes.
                        let lowered = (0x41...0x5A).contains(value) ? Unicode.Scalar(value + 0x20)! : scalar
                        if state.word.isEmpty { state.start = here }
                        state.word.append(lowered)
                    }
                }
                continue
            }
            if value == 0xFFFD { continue }
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control, .format, .privateUse:
                continue
            default:
                break
            }
            if properties.isWhitespace {
                flushWord()
            } else if Self.isCJK(value) || Self.isPunctuation(scalar) {
                // A word of its own. (Punctuation inside a word would also be split off after
                // normalising; doing it here gives it its own offset. The ids are the same.)
                flushWord()
                state.start = here
                state.word.append(scalar)
                state.needsNormalization = true
                flushWord()
            } else {
                if state.word.isEmpty { state.start = here }
                state.word.append(scalar)
                state.needsNormalization = true
            }
        }
        flushWord()
        if ids.count > target { ids.removeLast(ids.count - target) }
        if recordsOffsets, offsets.count > ids.count { offsets.removeLast(offsets.count - ids.count) }
    }

    /// A word being collected: scalars between separators, not yet normalized, and the offset
    /// of its first scalar in the text.
    private struct WordState {
        var word: [Unicode.Scalar] = []
        var needsNormalization = false
        var start = 0
    }

    /// The special token spelled at `index`: its id, the index after it and its length in scalars.
    private func matchSpecialToken(
        in scalars: String.UnicodeScalarView,
        at index: String.UnicodeScalarView.Index
    ) -> (Int32, String.UnicodeScalarView.Index, Int)? {
        outer: for special in specialTokens {
            var cursor = index
            for expected in special.scalars {
                guard cursor != scalars.endIndex, scalars[cursor] == expected else { continue outer }
                scalars.formIndex(after: &cursor)
            }
            return (special.id, cursor, special.scalars.count)
        }
        return nil
    }

    /// Normalizes the collected word (non-ASCII only), splits it on punctuation and appends
    /// its pieces.
    private func flush(_ state: inout WordState, into ids: inout [Int32]) {
        guard !state.word.isEmpty else { return }
        defer {
            state.word.removeAll(keepingCapacity: true)
            state.needsNormalization = false
        }
        guard state.needsNormalization else {
            appendPieces(of: state.word[...], to: &ids)
            return
        }
        let normalized = Self.normalize(state.word)
        // NFD can produce punctuation (U+1FEF → U+0060), so punctuation is split after it.
        var start = 0
        for (offset, scalar) in normalized.enumerated() where Self.isPunctuation(scalar) {
            if start < offset { appendPieces(of: normalized[start..<offset], to: &ids) }
            appendPieces(of: normalized[offset...offset], to: &ids)
            start = offset + 1
        }
        if start < normalized.count { appendPieces(of: normalized[start...], to: &ids) }
    }

    /// Greedy longest-match-first WordPiece over one word.
    private func appendPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard word.count <= Self.maxInputCharsPerWord else {
            ids.append(unknownID)
            return
        }
        let firstNew = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            var end = word.endIndex
            var match: Int32?
            while start < end {
                var candidate = start == word.startIndex ? "" : "##"
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else {
                ids.removeLast(ids.count - firstNew)
                ids.append(unknownID)
                return
            }
            ids.append(match)
            start = end
        }
    }
}
