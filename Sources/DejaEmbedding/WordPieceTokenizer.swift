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
///    scalars (BERT's `max_input_chars_per_word`), or with a remainder no vocabulary entry
///    matches, becomes one `[UNK]`.
/// 7. `[CLS] pieces [SEP]`, keeping only the first `maxLength − 2` pieces (this can cut a word);
///    ``encoding(_:withWordOffsets:)`` says whether anything was left out.
///
/// Cost is linear in the text read: the longest match walks a trie of the vocabulary (one step
/// per scalar, at most the longest entry's length, 18 for MiniLM, per piece); a word known to be
/// over 100 scalars once normalised is `[UNK]` without being normalised (an ASCII one is not even
/// stored past that); long words are normalised scalar by scalar, because Foundation's NFD is
/// quadratic in its input; and work stops once `maxLength − 2` pieces exist. A huge input
/// therefore costs its first few hundred words plus one pass over whatever word is in progress
/// when the limit is reached (a few microseconds per word).
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
    private let trie: PieceTrie
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
        self.trie = PieceTrie(tokens)
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
        encoding(text).ids
    }

    /// The tokens of one text and whether word pieces were left out to fit ``maxLength``.
    public struct Encoding: Sendable, Hashable {
        /// `[CLS]`, at most `maxLength − 2` word pieces, `[SEP]`.
        public var ids: [Int32]
        /// For each token, where its word starts (see ``encodeWithWordOffsets(_:)``); empty
        /// unless asked for.
        public var wordOffsets: [Int32]
        /// True when `text` has word pieces beyond the first `maxLength − 2` (they are not in
        /// ``ids``, and the text was not read further than needed to know).
        public var isTruncated: Bool
    }

    /// ``encode(_:)`` (with ``encodeWithWordOffsets(_:)``'s offsets when `withWordOffsets`),
    /// reporting whether the text was truncated.
    public func encoding(_ text: String, withWordOffsets: Bool = false) -> Encoding {
        var ids: [Int32] = [classID]
        var offsets: [Int32] = withWordOffsets ? [-1] : []
        ids.reserveCapacity(32)
        if withWordOffsets { offsets.reserveCapacity(32) }
        let truncated = appendWordPieces(of: text, to: &ids, offsets: &offsets, recordsOffsets: withWordOffsets, limit: maxLength - 2)
        ids.append(separatorID)
        if withWordOffsets { offsets.append(-1) }
        return Encoding(ids: ids, wordOffsets: offsets, isTruncated: truncated)
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
        let encoded = encoding(text, withWordOffsets: true)
        return (encoded.ids, encoded.wordOffsets)
    }

    /// The number of tokens ``encode(_:)`` produces for `text` (special tokens included).
    public func tokenCount(_ text: String) -> Int {
        encode(text).count
    }

    /// Appends up to `limit` word pieces of `text` to `ids`; true when pieces were left out.
    @discardableResult
    func appendWordPieces(of text: String, to ids: inout [Int32], limit: Int) -> Bool {
        var unused: [Int32] = []
        return appendWordPieces(of: text, to: &ids, offsets: &unused, recordsOffsets: false, limit: limit)
    }

    /// Appends up to `limit` word pieces of `text` to `ids` and, when `recordsOffsets`, each
    /// piece's word-start offset (in scalars of `text`) to `offsets`. Returns true when `text`
    /// has more pieces than `limit`.
    private func appendWordPieces(of text: String, to ids: inout [Int32], offsets: inout [Int32], recordsOffsets: Bool, limit: Int) -> Bool {
        let scalars = text.unicodeScalars
        guard limit > 0 else { return Self.yieldsPieces(scalars, from: scalars.startIndex) }
        let target = limit > Int.max - ids.count ? Int.max : ids.count + limit
        var state = WordState()
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
            // A word in progress never adds ids, so `state.word` is empty when this stops.
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
                        // An ASCII run longer than a word may be is `[UNK]` however the word
                        // goes on (normalising never shortens ASCII), so the rest is not kept.
                        if state.needsNormalization || state.word.count <= Self.maxInputCharsPerWord {
                            state.word.append(lowered)
                        }
                        state.visible += 1
                    }
                }
                continue
            }
            if value == 0xFFFD { continue }
            let properties = scalar.properties
            let category = properties.generalCategory
            switch category {
            case .control, .format, .privateUse:
                continue
            default:
                break
            }
            if properties.isWhitespace {
                flushWord()
            } else if Self.isCJK(value) || Self.isPunctuation(category) {
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
                if category != .nonspacingMark { state.visible += 1 }
                if Self.splitsWhenNormalized(value) { state.splits = true }
            }
        }
        flushWord()
        var truncated = false
        if ids.count > target {
            ids.removeLast(ids.count - target)
            truncated = true
        } else if index != scalars.endIndex {
            truncated = Self.yieldsPieces(scalars, from: index)
        }
        if recordsOffsets, offsets.count > ids.count { offsets.removeLast(offsets.count - ids.count) }
        return truncated
    }

    /// True when the scalars from `index` on produce at least one token. Stops at the first
    /// scalar that does, which is nearly always the first one read.
    private static func yieldsPieces(_ scalars: String.UnicodeScalarView, from index: String.UnicodeScalarView.Index) -> Bool {
        var index = index
        while index != scalars.endIndex {
            let scalar = scalars[index]
            scalars.formIndex(after: &index)
            let value = scalar.value
            if value < 0x80 {
                if value > 0x20 && value != 0x7F { return true }
                continue
            }
            if value == 0xFFFD { continue }
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control, .format, .privateUse, .nonspacingMark:
                continue
            default:
                break
            }
            if properties.isWhitespace { continue }
            if !normalize([scalar]).isEmpty { return true }
        }
        return false
    }

    /// A word being collected: scalars between separators, not yet normalized, and the offset
    /// of its first scalar in the text.
    private struct WordState {
        var word: [Unicode.Scalar] = []
        var needsNormalization = false
        var start = 0
        /// Scalars other than non-spacing marks: each normalises to at least one scalar that is
        /// kept, so the normalised word is at least this long.
        var visible = 0
        /// True when a scalar normalises to punctuation, which splits the word.
        var splits = false
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
            state.visible = 0
            state.splits = false
        }
        guard state.needsNormalization else {
            appendPieces(of: state.word[...], to: &ids)
            return
        }
        if !state.splits, state.visible > Self.maxInputCharsPerWord {
            // One piece of more than 100 scalars once normalised: `[UNK]`, without normalising.
            ids.append(unknownID)
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

    /// Greedy longest-match-first WordPiece over one word: from each piece's start, one walk
    /// down the vocabulary trie finds the longest entry, so a word costs O(length × longest
    /// entry) with no string built.
    private func appendPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard word.count <= Self.maxInputCharsPerWord else {
            ids.append(unknownID)
            return
        }
        let firstNew = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            var node = start == word.startIndex ? PieceTrie.root : trie.continuationRoot
            var match: Int32 = -1
            var end = start
            var cursor = start
            while cursor < word.endIndex, let next = trie.child(of: node, word[cursor]) {
                node = next
                cursor += 1
                let id = trie.id(at: node)
                if id >= 0 {
                    match = id
                    end = cursor
                }
            }
            guard match >= 0 else {
                ids.removeLast(ids.count - firstNew)
                ids.append(unknownID)
                return
            }
            ids.append(match)
            start = end
        }
    }
}

/// The vocabulary as a trie over Unicode scalars: the longest entry that starts a piece is
/// found in one walk, one hash look-up per scalar.
///
/// Entries are inserted in canonical decomposition (NFD), the form the tokenizer's words are in
/// after normalising, so the trie matches exactly what a `String`-keyed look-up (which compares
/// canonically) matches; the first of equivalent entries wins, as in the vocabulary map.
struct PieceTrie: Sendable {
    /// The node of the empty string.
    static let root: Int32 = 0
    /// The node of `##`, where continuation pieces start.
    private(set) var continuationRoot: Int32 = 0
    /// (node << 32 | scalar) → child node.
    private var children: [UInt64: Int32] = [:]
    /// Per node, the id of the entry spelled by its path, or -1.
    private var ids: [Int32] = [-1]

    init(_ tokens: [String]) {
        children.reserveCapacity(tokens.count * 4)
        for (index, token) in tokens.enumerated() {
            let scalars = token.utf8.allSatisfy { $0 < 0x80 } ? token.unicodeScalars : token.decomposedStringWithCanonicalMapping.unicodeScalars
            let node = path(scalars)
            if ids[Int(node)] < 0 { ids[Int(node)] = Int32(index) }
        }
        continuationRoot = path("##".unicodeScalars)
    }

    /// The node spelled by `scalars`, created as needed.
    private mutating func path(_ scalars: String.UnicodeScalarView) -> Int32 {
        var node = Self.root
        for scalar in scalars {
            let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(scalar.value)
            if let next = children[key] {
                node = next
            } else {
                let next = Int32(ids.count)
                ids.append(-1)
                children[key] = next
                node = next
            }
        }
        return node
    }

    @inline(__always)
    func child(of node: Int32, _ scalar: Unicode.Scalar) -> Int32? {
        children[UInt64(UInt32(bitPattern: node)) << 32 | UInt64(scalar.value)]
    }

    @inline(__always)
    func id(at node: Int32) -> Int32 {
        ids[Int(node)]
    }
}
