import Foundation

/// Why WordNet could not be read.
public struct WordNetError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension WordNet {
    /// Reads `data.{noun,verb,adj,adv}` and the `*.exc` exception lists from `directory`
    /// (WordNet 3.0's database format, wndb(5)). About 28 MB of text; the tables keep what the
    /// look-ups need: lemmas and their senses, hypernyms, similar-to, antonym and derivation
    /// pointers. Throws when a data file is missing or malformed.
    public static func load(directory: URL = WordNet.defaultDirectory) throws -> WordNet {
        var loader = Loader()
        // The files are mapped, not copied: their pages leave the resident set with the mapping.
        var files: [(PartOfSpeech, Data)] = []
        for pos in PartOfSpeech.allCases {
            let url = directory.appendingPathComponent("data.\(pos.fileSuffix)")
            guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else {
                throw WordNetError(description: "cannot read \(url.path) (install Debian's wordnet-base or set DEJA_WORDNET_DIR)")
            }
            files.append((pos, data))
        }
        // Pass 1: every synset's id, from its byte offset in its file.
        for (pos, data) in files { data.withUnsafeBytes { loader.numberSynsets($0.bindMemory(to: UInt8.self), pos: pos) } }
        // Pass 2: words and pointers.
        for (pos, data) in files { try data.withUnsafeBytes { try loader.parse($0.bindMemory(to: UInt8.self), pos: pos) } }
        files.removeAll()
        var exceptions: [[String: [String]]] = []
        for pos in PartOfSpeech.allCases {
            let url = directory.appendingPathComponent("\(pos.fileSuffix).exc")
            var table: [String: [String]] = [:]
            if let data = FileManager.default.contents(atPath: url.path) {
                for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                    let fields = line.split(separator: " ")
                    guard fields.count >= 2 else { continue }
                    table[String(fields[0]), default: []].append(contentsOf: fields.dropFirst().map(String.init))
                }
            }
            exceptions.append(table)
        }
        let wordNet = loader.finish(exceptions: exceptions)
        loader = Loader()
        return wordNet
    }

    /// Builds the tables line by line.
    struct Loader {
        var synsetIDs: [UInt64: UInt32] = [:]  // pos << 32 | offset
        var synsetPOS: [UInt8] = []
        var lemmaIDs: [String: UInt32] = [:]
        var lemmaSenses = EdgeList()
        var hypernymLists = EdgeList()
        var similarLists = EdgeList()
        var antonymLists = EdgeList()
        var derivations = Set<UInt64>()
        /// Lexical pointers resolved after every synset's words are known.
        var lexical: [(kind: UInt8, source: UInt32, sourceWord: Int, target: UInt32, targetWord: Int)] = []
        var members = EdgeList()

        static func key(_ pos: PartOfSpeech, _ offset: UInt32) -> UInt64 { UInt64(pos.rawValue) << 32 | UInt64(offset) }

        mutating func numberSynsets(_ buffer: UnsafeBufferPointer<UInt8>, pos: PartOfSpeech) {
            var cursor = Cursor(buffer: buffer, position: 0)
            while !cursor.atEnd {
                if cursor.peek != UInt8(ascii: " ") {
                    let offset = cursor.decimal() ?? 0
                    synsetIDs[Self.key(pos, offset)] = UInt32(synsetPOS.count)
                    synsetPOS.append(pos.rawValue)
                }
                cursor.skipLine()
            }
        }

        mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>, pos: PartOfSpeech) throws {
            var cursor = Cursor(buffer: buffer, position: 0)
            while !cursor.atEnd {
                if cursor.peek != UInt8(ascii: " ") {
                    try parseLine(&cursor, pos: pos)
                }
                cursor.skipLine()
            }
        }

        /// `offset lex_filenum ss_type w_cnt (word lex_id)* p_cnt (symbol offset pos source/target)* … | gloss`
        mutating func parseLine(_ cursor: inout Cursor, pos: PartOfSpeech) throws {
            let malformed = WordNetError(description: "malformed line in data.\(pos.fileSuffix)")
            guard let offset = cursor.decimal(), let synset = synsetIDs[Self.key(pos, offset)] else { throw malformed }
            cursor.skipField()  // lex_filenum
            cursor.skipField()  // ss_type
            guard let wordCount = cursor.hexadecimal() else { throw malformed }
            for _ in 0..<wordCount {
                guard let range = cursor.field() else { throw malformed }
                cursor.skipField()  // lex_id
                var end = range.upperBound
                // Adjectives may carry a syntactic marker: "galore(ip)".
                if let marker = cursor.buffer[range].firstIndex(of: UInt8(ascii: "(")) { end = marker }
                let lemma = String(decoding: UnsafeBufferPointer(rebasing: cursor.buffer[range.lowerBound..<end]), as: UTF8.self).lowercased()
                let id: UInt32
                if let known = lemmaIDs[lemma] {
                    id = known
                } else {
                    id = UInt32(lemmaIDs.count)
                    lemmaIDs[lemma] = id
                }
                lemmaSenses.append(id, synset)
                members.append(synset, id)
            }
            guard let pointerCount = cursor.decimal() else { throw malformed }
            for _ in 0..<pointerCount {
                guard let symbol = cursor.field(), let targetOffset = cursor.decimal(), let posField = cursor.field(),
                    let targetPOS = PartOfSpeech(symbol: cursor.buffer[posField.lowerBound]),
                    let target = synsetIDs[Self.key(targetPOS, targetOffset)], let sourceTarget = cursor.field(),
                    sourceTarget.count == 4
                else { throw malformed }
                let first = cursor.buffer[symbol.lowerBound]
                let single = symbol.count == 1
                switch first {
                case UInt8(ascii: "@") where single || cursor.buffer[symbol.lowerBound + 1] == UInt8(ascii: "i"):
                    hypernymLists.append(synset, target)
                case UInt8(ascii: "&") where single:
                    similarLists.append(synset, target)
                case UInt8(ascii: "!") where single:
                    antonymLists.append(synset, target)
                    antonymLists.append(target, synset)
                case UInt8(ascii: "+") where single:
                    let sourceWord = Cursor.hexValue(cursor.buffer[sourceTarget.lowerBound]) * 16 + Cursor.hexValue(cursor.buffer[sourceTarget.lowerBound + 1])
                    let targetWord = Cursor.hexValue(cursor.buffer[sourceTarget.lowerBound + 2]) * 16 + Cursor.hexValue(cursor.buffer[sourceTarget.lowerBound + 3])
                    if sourceWord > 0 && targetWord > 0 {
                        lexical.append((kind: 1, source: synset, sourceWord: sourceWord, target: target, targetWord: targetWord))
                    }
                default:
                    break
                }
            }
        }

        mutating func finish(exceptions: [[String: [String]]]) -> WordNet {
            let synsetCount = synsetPOS.count
            let words = members.compress(rows: synsetCount, unique: false)
            members = EdgeList()
            for pointer in lexical {
                let from = words.values[Int(words.start[Int(pointer.source)])..<Int(words.start[Int(pointer.source) + 1])]
                let to = words.values[Int(words.start[Int(pointer.target)])..<Int(words.start[Int(pointer.target) + 1])]
                guard pointer.sourceWord <= from.count, pointer.targetWord <= to.count else { continue }
                let a = from[from.startIndex + pointer.sourceWord - 1]
                let b = to[to.startIndex + pointer.targetWord - 1]
                derivations.insert(UInt64(a) << 32 | UInt64(b))
                derivations.insert(UInt64(b) << 32 | UInt64(a))
            }
            lexical = []
            let senses = lemmaSenses.compress(rows: lemmaIDs.count, unique: true)
            let hypernyms = hypernymLists.compress(rows: synsetCount, unique: true)
            let similar = similarLists.compress(rows: synsetCount, unique: true)
            let opposites = antonymLists.compress(rows: synsetCount, unique: true)
            return WordNet(
                lemmaIDs: lemmaIDs, lemmaSynsetStart: senses.start, lemmaSynsets: senses.values, synsetPartOfSpeech: synsetPOS,
                hypernymStart: hypernyms.start, hypernyms: hypernyms.values, similarStart: similar.start, similar: similar.values,
                antonymStart: opposites.start, antonyms: opposites.values, derivations: derivations, exceptions: exceptions)
        }
    }
}

/// Edges (row → value) collected in two flat arrays while parsing, turned into compressed rows at
/// the end: no per-row array, so loading makes a handful of large allocations instead of
/// hundreds of thousands of small ones (which the allocator would keep in the resident set).
struct EdgeList {
    var rows: [UInt32] = []
    var values: [UInt32] = []

    mutating func append(_ row: UInt32, _ value: UInt32) {
        rows.append(row)
        values.append(value)
    }

    /// Compressed sparse rows (`start` has `rows + 1` entries), each row's values in the order
    /// they were appended; with `unique`, repeats within a row are dropped.
    func compress(rows count: Int, unique: Bool) -> (start: [UInt32], values: [UInt32]) {
        var start = [UInt32](repeating: 0, count: count + 1)
        for row in rows { start[Int(row) + 1] += 1 }
        for i in 0..<count { start[i + 1] += start[i] }
        var placed = [UInt32](repeating: 0, count: values.count)
        var next = start
        for (row, value) in zip(rows, values) {
            placed[Int(next[Int(row)])] = value
            next[Int(row)] += 1
        }
        guard unique else { return (start, placed) }
        var compact: [UInt32] = []
        compact.reserveCapacity(placed.count)
        var compactStart = [UInt32](repeating: 0, count: count + 1)
        for row in 0..<count {
            let first = compact.count
            for value in placed[Int(start[row])..<Int(start[row + 1])] where !compact[first...].contains(value) {
                compact.append(value)
            }
            compactStart[row + 1] = UInt32(compact.count)
        }
        return (compactStart, compact)
    }
}

/// Reads space-separated fields of one line of a data file.
struct Cursor {
    let buffer: UnsafeBufferPointer<UInt8>
    var position: Int

    var atEnd: Bool { position >= buffer.count }
    var peek: UInt8 { buffer[position] }

    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")

    /// The next field's byte range (spaces skipped); nil at the end of the line.
    mutating func field() -> Range<Int>? {
        while position < buffer.count, buffer[position] == Self.space { position += 1 }
        let start = position
        while position < buffer.count, buffer[position] != Self.space, buffer[position] != Self.newline { position += 1 }
        return start < position ? start..<position : nil
    }

    mutating func skipField() { _ = field() }

    mutating func decimal() -> UInt32? {
        guard let range = field() else { return nil }
        var value: UInt32 = 0
        for i in range {
            let byte = buffer[i]
            guard byte >= 48, byte <= 57 else { return nil }
            value = value &* 10 &+ UInt32(byte - 48)
        }
        return value
    }

    mutating func hexadecimal() -> Int? {
        guard let range = field() else { return nil }
        var value = 0
        for i in range { value = value * 16 + Self.hexValue(buffer[i]) }
        return value
    }

    static func hexValue(_ byte: UInt8) -> Int {
        switch byte {
        case 48...57: Int(byte - 48)
        case 97...102: Int(byte - 87)
        case 65...70: Int(byte - 55)
        default: 0
        }
    }

    mutating func skipLine() {
        while position < buffer.count, buffer[position] != Self.newline { position += 1 }
        position += 1
    }
}
