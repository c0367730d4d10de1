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
        var lemmaSenses: [[UInt32]] = []
        var hypernymLists: [[UInt32]] = []
        var similarLists: [[UInt32]] = []
        var antonymLists: [[UInt32]] = []
        var derivations = Set<UInt64>()
        /// Lexical pointers resolved after every synset's words are known.
        var lexical: [(kind: UInt8, source: UInt32, sourceWord: Int, target: UInt32, targetWord: Int)] = []
        var members: [[UInt32]] = []

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
            let total = synsetPOS.count
            hypernymLists.append(contentsOf: repeatElement([], count: total - hypernymLists.count))
            similarLists.append(contentsOf: repeatElement([], count: total - similarLists.count))
            antonymLists.append(contentsOf: repeatElement([], count: total - antonymLists.count))
            members.append(contentsOf: repeatElement([], count: total - members.count))
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
            var words: [UInt32] = []
            words.reserveCapacity(wordCount)
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
                    id = UInt32(lemmaSenses.count)
                    lemmaIDs[lemma] = id
                    lemmaSenses.append([])
                }
                if !lemmaSenses[Int(id)].contains(synset) { lemmaSenses[Int(id)].append(synset) }
                words.append(id)
            }
            members[Int(synset)] = words
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
                    hypernymLists[Int(synset)].append(target)
                case UInt8(ascii: "&") where single:
                    similarLists[Int(synset)].append(target)
                case UInt8(ascii: "!") where single:
                    if !antonymLists[Int(synset)].contains(target) { antonymLists[Int(synset)].append(target) }
                    if !antonymLists[Int(target)].contains(synset) { antonymLists[Int(target)].append(synset) }
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
            for pointer in lexical {
                let from = members[Int(pointer.source)]
                let to = members[Int(pointer.target)]
                guard pointer.sourceWord <= from.count, pointer.targetWord <= to.count else { continue }
                let a = from[pointer.sourceWord - 1]
                let b = to[pointer.targetWord - 1]
                derivations.insert(UInt64(a) << 32 | UInt64(b))
                derivations.insert(UInt64(b) << 32 | UInt64(a))
            }
            func compress(_ lists: [[UInt32]]) -> (start: [UInt32], values: [UInt32]) {
                var start: [UInt32] = []
                start.reserveCapacity(lists.count + 1)
                var values: [UInt32] = []
                values.reserveCapacity(lists.reduce(0) { $0 + $1.count })
                for list in lists {
                    start.append(UInt32(values.count))
                    values.append(contentsOf: list)
                }
                start.append(UInt32(values.count))
                return (start, values)
            }
            let senses = compress(lemmaSenses)
            let hypernyms = compress(hypernymLists)
            let similar = compress(similarLists)
            let opposites = compress(antonymLists)
            return WordNet(
                lemmaIDs: lemmaIDs, lemmaSynsetStart: senses.start, lemmaSynsets: senses.values, synsetPartOfSpeech: synsetPOS,
                hypernymStart: hypernyms.start, hypernyms: hypernyms.values, similarStart: similar.start, similar: similar.values,
                antonymStart: opposites.start, antonyms: opposites.values, derivations: derivations, exceptions: exceptions)
        }
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
