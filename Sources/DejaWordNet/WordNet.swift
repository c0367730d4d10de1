import Foundation
import Synchronization

/// WordNet 3.0, read from its database files into compact tables: which words share a sense
/// (synonyms), which are opposites (direct antonyms, and indirect ones through an adjective's
/// similar-to cluster), which are forms of one another (derivation) and which names a kind of
/// what (hypernyms). The verifier asks it whether two differing words name the same thing, its
/// opposite, a broader or narrower thing, or a different thing of the same kind.
///
/// Loaded once at start-up from Debian's `wordnet-base` (`/usr/share/wordnet`, or
/// `DEJA_WORDNET_DIR`); immutable afterwards, so one instance is shared by every thread.
/// Every sense of a word counts: the verifier compares words out of context, and a pair that
/// is opposite in some sense is suspicious enough to refuse a cached answer.
public final class WordNet: Sendable {
    /// How two words relate, strongest first.
    public enum Relation: String, Sendable, Hashable {
        /// The same word or base form, or synonyms (they share a sense).
        case same
        /// Opposites: a direct antonym, or an indirect one through a similar-to cluster.
        case antonym
        /// One is derived from the other ("decide" / "decision").
        case derived
        /// The first names a kind of the second ("poodle" / "dog").
        case narrower
        /// The first is broader than the second ("dog" / "poodle").
        case broader
        /// Different things of the same kind ("egg" / "potato": both kinds of food).
        case sibling
        /// None of the above (or a word WordNet does not know).
        case unrelated
    }

    /// Parts of speech, as the database numbers its files.
    enum PartOfSpeech: UInt8, CaseIterable {
        case noun = 0, verb, adjective, adverb

        var fileSuffix: String {
            switch self {
            case .noun: "noun"
            case .verb: "verb"
            case .adjective: "adj"
            case .adverb: "adv"
            }
        }

        init?(symbol: UInt8) {
            switch symbol {
            case UInt8(ascii: "n"): self = .noun
            case UInt8(ascii: "v"): self = .verb
            case UInt8(ascii: "a"), UInt8(ascii: "s"): self = .adjective
            case UInt8(ascii: "r"): self = .adverb
            default: return nil
            }
        }
    }

    /// The folder WordNet's files are read from: `DEJA_WORDNET_DIR`, else Debian's.
    public static var defaultDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["DEJA_WORDNET_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return URL(fileURLWithPath: "/usr/share/wordnet", isDirectory: true)
    }

    // Lemmas: id → synsets (compressed sparse rows).
    let lemmaIDs: [String: UInt32]
    let lemmaSynsetStart: [UInt32]
    let lemmaSynsets: [UInt32]
    // Synsets: part of speech, hypernyms (incl. instance), similar-to.
    let synsetPartOfSpeech: [UInt8]
    let hypernymStart: [UInt32]
    let hypernyms: [UInt32]
    let similarStart: [UInt32]
    let similar: [UInt32]
    /// Synset → synsets holding a direct antonym of one of its words (both directions).
    let antonymStart: [UInt32]
    let antonyms: [UInt32]
    /// Lemma pairs (a << 32 | b) related by derivation, both directions.
    let derivations: Set<UInt64>
    /// Irregular forms → base forms, per part of speech ("went" → "go").
    let exceptions: [[String: [String]]]
    /// ``lookup(_:)``'s memo: word → its senses, cluster heads and opposite senses.
    private let memo = Mutex<[String: Lookup]>([:])
    /// The most words the memo holds before it starts over (a few hundred bytes each, so at most
    /// a few megabytes whatever the texts).
    public static let memoCapacity = 8_192

    /// What the verifier needs to know of one word, computed once per word (see ``lookup(_:)``).
    public struct Lookup: Sendable {
        /// The lemma numbers of its base forms.
        public var lemmas: [UInt32]
        /// Every sense of every base form.
        public var senses: Set<UInt32>
        /// The senses and, for adjectives, their similar-to cluster heads.
        public var clusterHeads: Set<UInt32>
        /// Senses opposite to some sense (direct antonyms of the senses or their cluster heads).
        public var opposites: Set<UInt32>
    }

    /// The word's ``Lookup``, memoised: the verifier asks about the same few thousand words again
    /// and again, and morphology costs string work. Thread-safe.
    public func lookup(_ word: String) -> Lookup {
        if let known = memo.withLock({ $0[word] }) { return known }
        let lemmas = baseForms(word).compactMap { lemmaIDs[$0] }
        var senses = senses(ofLemmas: lemmas)
        // An adverb in -ly also means what its adjective means ("slowly" / "slow"), so it meets
        // the adjective's opposites ("fast"): the pertainym link the table does not load.
        // Only for an adverb, or a word WordNet does not know: "multiply" is a verb, not "multiple".
        // (Spelling first: most words do not end in -ly and need no part-of-speech test.)
        let adjectives = Self.adjectivesOfAdverb(word)
        let isAdverbOrUnknown = !adjectives.isEmpty
            && (lemmas.isEmpty || lemmas.contains { id in synsets(ofLemma: id).contains { synsetPartOfSpeech[Int($0)] == PartOfSpeech.adverb.rawValue } })
        for candidate in isAdverbOrUnknown ? adjectives : [] {
            guard let id = lemmaIDs[candidate] else { continue }
            let adjectiveSenses = synsets(ofLemma: id).filter { synsetPartOfSpeech[Int($0)] == PartOfSpeech.adjective.rawValue }
            if !adjectiveSenses.isEmpty {
                senses.formUnion(adjectiveSenses)
                break
            }
        }
        let result = Lookup(lemmas: lemmas, senses: senses, clusterHeads: clusterHeads(senses), opposites: oppositeSenses(of: senses))
        memo.withLock { table in
            if table.count >= Self.memoCapacity { table.removeAll(keepingCapacity: true) }
            table[word] = result
        }
        return result
    }

    /// The adjectives an adverb in -ly may be made from, by its spelling, most likely first:
    /// "slowly" → "slow", "easily" → "easy", "basically" → "basic", "gently" → "gent", "gentle",
    /// "fully" → "ful", "full", "truly" → "tru", "true"; empty for other words. Which exists (as an
    /// adjective) is the caller's look-up.
    static func adjectivesOfAdverb(_ word: String) -> [String] {
        guard word.utf8.count > 4, word.hasSuffix("ly") else { return [] }
        let stem = String(word.dropLast(2))
        if stem.hasSuffix("ical") { return [String(stem.dropLast(2)), stem] }
        if stem.hasSuffix("i") { return [stem.dropLast() + "y"] }
        return [stem, stem + "le", stem + "e", stem + "l"]
    }

    /// The number of lemmas and synsets read.
    public var lemmaCount: Int { lemmaIDs.count }
    public var synsetCount: Int { synsetPartOfSpeech.count }

    init(
        lemmaIDs: [String: UInt32], lemmaSynsetStart: [UInt32], lemmaSynsets: [UInt32], synsetPartOfSpeech: [UInt8],
        hypernymStart: [UInt32], hypernyms: [UInt32], similarStart: [UInt32], similar: [UInt32], antonymStart: [UInt32], antonyms: [UInt32],
        derivations: Set<UInt64>, exceptions: [[String: [String]]]
    ) {
        self.lemmaIDs = lemmaIDs
        self.lemmaSynsetStart = lemmaSynsetStart
        self.lemmaSynsets = lemmaSynsets
        self.synsetPartOfSpeech = synsetPartOfSpeech
        self.hypernymStart = hypernymStart
        self.hypernyms = hypernyms
        self.similarStart = similarStart
        self.similar = similar
        self.antonymStart = antonymStart
        self.antonyms = antonyms
        self.derivations = derivations
        self.exceptions = exceptions
    }

    // MARK: Look-ups

    /// The base forms of `word` WordNet knows, by its morphological rules and exception lists
    /// ("geese" → "goose", "running" → "run", "better" → "good", "well"): the word itself
    /// first when it is a lemma. Lower-cased; spaces and underscores are the same.
    public func baseForms(_ word: String) -> [String] {
        let word = Self.normalise(word)
        var forms: [String] = []
        func add(_ form: String) { if !forms.contains(form), lemmaIDs[form] != nil { forms.append(form) } }
        add(word)
        for pos in PartOfSpeech.allCases {
            for base in exceptions[Int(pos.rawValue)][word] ?? [] { add(base) }
            for (suffix, ending) in Self.detachments[Int(pos.rawValue)] where word.hasSuffix(suffix) && word.count > suffix.count {
                let base = String(word.dropLast(suffix.count)) + ending
                if let id = lemmaIDs[base], synsets(ofLemma: id).contains(where: { synsetPartOfSpeech[Int($0)] == pos.rawValue }) {
                    add(base)
                }
            }
        }
        return forms
    }

    /// Whether WordNet knows `word` in any form.
    public func knows(_ word: String) -> Bool { !baseForms(word).isEmpty }

    /// How `a` relates to `b` (see ``Relation``), over every sense of every base form of each.
    /// `siblingDepth` bounds how far up the hypernym tree a shared ancestor makes siblings
    /// (1: the same direct hypernym; 2, the default: "kitten" and "puppy", both young mammals).
    public func relation(_ a: String, _ b: String, hypernymDepth: Int = 4, siblingDepth: Int = 2) -> Relation {
        let formsA = baseForms(a)
        let formsB = baseForms(b)
        guard !formsA.isEmpty, !formsB.isEmpty else { return .unrelated }
        if formsA.contains(where: formsB.contains) { return .same }
        let idsA = formsA.compactMap { lemmaIDs[$0] }
        let idsB = formsB.compactMap { lemmaIDs[$0] }
        let synsetsA = Set(idsA.flatMap(synsets(ofLemma:)))
        let synsetsB = Set(idsB.flatMap(synsets(ofLemma:)))
        if !synsetsA.isDisjoint(with: synsetsB) { return .same }
        if antonymous(synsetsA, synsetsB) { return .antonym }
        for x in idsA { for y in idsB where derivations.contains(UInt64(x) << 32 | UInt64(y)) { return .derived } }
        let ancestorsA = ancestors(of: synsetsA, depth: hypernymDepth)
        if !ancestorsA.isDisjoint(with: synsetsB) { return .narrower }
        let ancestorsB = ancestors(of: synsetsB, depth: hypernymDepth)
        if !ancestorsB.isDisjoint(with: synsetsA) { return .broader }
        if !ancestors(of: synsetsA, depth: siblingDepth).subtracting(synsetsA).isDisjoint(with: ancestors(of: synsetsB, depth: siblingDepth)) {
            return .sibling
        }
        return .unrelated
    }

    /// Whether `a` and `b` are opposites in some sense, directly or through similar-to, and
    /// share no sense (so "hot" and "cold" are, "fast" and "firm" — synonyms in one sense — are
    /// not). Cheaper than ``relation(_:_:hypernymDepth:siblingDepth:)``: no hypernym walk.
    public func areAntonyms(_ a: String, _ b: String) -> Bool {
        let sensesA = senses(a)
        let sensesB = senses(b)
        guard !sensesA.isEmpty, !sensesB.isEmpty, sensesA.isDisjoint(with: sensesB) else { return false }
        return !oppositeSenses(of: sensesA).isDisjoint(with: clusterHeads(sensesB))
    }

    /// Every sense (synset number) of every base form of `word`; empty when WordNet lacks it.
    /// With ``oppositeSenses(_:)``, tests many words against many in linear time.
    public func senses(_ word: String) -> Set<UInt32> {
        senses(ofLemmas: baseForms(word).compactMap { lemmaIDs[$0] })
    }

    func senses(ofLemmas ids: [UInt32]) -> Set<UInt32> {
        var result = Set<UInt32>()
        for id in ids { result.formUnion(synsets(ofLemma: id)) }
        return result
    }

    /// The senses opposite to some sense of `word` (direct antonyms of it or of its adjective
    /// cluster's head): `word` and `other` are antonyms when `oppositeSenses(word)` meets
    /// `senses(other)` (or the cluster heads of those senses, see ``areAntonyms(_:_:)``).
    public func oppositeSenses(_ word: String) -> Set<UInt32> { oppositeSenses(of: senses(word)) }

    /// `senses` and, for adjectives, the heads of their similar-to clusters.
    public func clusterHeads(_ senses: Set<UInt32>) -> Set<UInt32> {
        var all = senses
        for s in senses where synsetPartOfSpeech[Int(s)] == PartOfSpeech.adjective.rawValue {
            all.formUnion(neighbours(s, start: similarStart, values: similar))
        }
        return all
    }

    func oppositeSenses(of senses: Set<UInt32>) -> Set<UInt32> {
        var result = Set<UInt32>()
        for s in clusterHeads(senses) { result.formUnion(neighbours(s, start: antonymStart, values: antonyms)) }
        return result
    }

    /// Whether the looked-up word reads as an adjective: every base form has an adjective sense
    /// ("short", "funny", "cheap"; not "made", whose base form "make" is a verb only).
    public func isAdjective(_ lookup: Lookup) -> Bool {
        !lookup.lemmas.isEmpty
            && lookup.lemmas.allSatisfy { lemma in synsets(ofLemma: lemma).contains { synsetPartOfSpeech[Int($0)] == PartOfSpeech.adjective.rawValue } }
    }

    /// Whether two looked-up words name the same thing: they share a sense (synonyms in some
    /// sense: "purchase"/"buy", "physician"/"doctor") or one is derived from the other
    /// ("cancel"/"cancellation"), and neither is the other's opposite.
    public func sameThing(_ a: Lookup, _ b: Lookup) -> Bool {
        guard !a.senses.isEmpty, !b.senses.isEmpty else { return false }
        if !a.opposites.isDisjoint(with: b.clusterHeads) || !b.opposites.isDisjoint(with: a.clusterHeads) { return false }
        if !a.senses.isDisjoint(with: b.senses) { return true }
        for x in a.lemmas { for y in b.lemmas where derivations.contains(UInt64(x) << 32 | UInt64(y)) { return true } }
        return false
    }

    /// The process's WordNet, read from ``defaultDirectory`` on first use (about 0.3 s; about 2 s
    /// in a debug build); nil when the files cannot be read (the caller falls back).
    public static let shared: WordNet? = try? WordNet.load()

    /// Whether `a` and `b` share a sense (or a base form).
    public func areSynonyms(_ a: String, _ b: String) -> Bool { relation(a, b) == .same }

    // MARK: Internals

    func synsets(ofLemma id: UInt32) -> ArraySlice<UInt32> {
        lemmaSynsets[Int(lemmaSynsetStart[Int(id)])..<Int(lemmaSynsetStart[Int(id) + 1])]
    }

    func neighbours(_ synset: UInt32, start: [UInt32], values: [UInt32]) -> ArraySlice<UInt32> {
        values[Int(start[Int(synset)])..<Int(start[Int(synset) + 1])]
    }

    /// Opposites directly, or through an adjective's cluster head (a satellite's similar-to).
    private func antonymous(_ a: Set<UInt32>, _ b: Set<UInt32>) -> Bool {
        !oppositeSenses(of: a).isDisjoint(with: clusterHeads(b))
    }

    /// The synsets and their hypernyms up to `depth` levels.
    private func ancestors(of synsets: Set<UInt32>, depth: Int) -> Set<UInt32> {
        var seen = synsets
        var frontier = Array(synsets)
        for _ in 0..<depth where !frontier.isEmpty {
            var next: [UInt32] = []
            for s in frontier {
                for h in neighbours(s, start: hypernymStart, values: hypernyms) where seen.insert(h).inserted { next.append(h) }
            }
            frontier = next
        }
        return seen
    }

    static func normalise(_ word: String) -> String {
        var text = word.lowercased()
        if text.contains(" ") { text = text.replacingOccurrences(of: " ", with: "_") }
        return text
    }

    /// WordNet's detachment rules (morphy), per part of speech.
    static let detachments: [[(String, String)]] = [
        [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")],
        [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
        [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
        [],
    ]

    /// An estimate of the bytes the tables hold (keys, arrays, sets), for the memory bound.
    public var approximateBytes: Int {
        var bytes = 0
        for key in lemmaIDs.keys { bytes += 24 + (key.utf8.count > 15 ? key.utf8.count + 32 : 0) }
        bytes = bytes * 3 / 2
        bytes += (lemmaSynsetStart.count + lemmaSynsets.count + hypernymStart.count + hypernyms.count + similarStart.count + similar.count) * 4
        bytes += (antonymStart.count + antonyms.count) * 4
        bytes += synsetPartOfSpeech.count
        bytes += derivations.count * 8 * 3 / 2
        for table in exceptions { for (k, v) in table { bytes += 48 + k.utf8.count + v.count * 24 } }
        return bytes
    }
}
