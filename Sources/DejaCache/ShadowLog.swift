import DequeModule
import Synchronization

/// What a lookup in shadow mode would have served, for people to judge.
public struct ShadowRecord: Sendable {
    /// A human verdict on a record: the pair labels `deja bench cache --pairs` reads.
    public enum Label: String, Sendable, CaseIterable {
        /// The stored answer answers the asked question.
        case paraphrase
        /// It looks alike but asks something else: serving it would have been a wrong answer.
        case nearMiss = "near_miss"
        /// Not the same topic at all.
        case unrelated
    }

    /// Increasing from 1 in one process.
    public let id: UInt64
    /// Wall-clock seconds of the lookup.
    public let time: Double
    /// The cache scope of the request (`tenant:<name>` or `shared`).
    public let scope: String
    /// The stored entry's `provider/model`.
    public let model: String
    /// The stored entry.
    public let entryID: UInt64
    /// The question the stored answer was given for.
    public let storedQuestion: String
    /// The question asked now.
    public let askedQuestion: String
    /// True when either question was cut to ``ShadowLog/maximumQuestionBytes`` (such a record is
    /// not exported: the pair judged is not the pair kept).
    public let truncated: Bool
    /// Cosine similarity of the two questions' vectors.
    public let similarity: Float
    /// True when the verifier passed the candidate: semantic serving would have served it.
    public let wouldServe: Bool
    /// The check that rejected the best candidate, when none passed ("feedback" for a pair a
    /// client reported wrong).
    public let rejectedBy: String?
    /// The human verdict, once given.
    public internal(set) var label: Label?

    var bytes: Int { storedQuestion.utf8.count + askedQuestion.utf8.count + scope.utf8.count + model.utf8.count + 160 }
}

/// A bounded, in-memory log of shadow-mode lookups: what semantic serving would have served
/// (or the best candidate it would have refused), with the counts operators need to judge the
/// cache on their own traffic before they turn semantic serving on. Bounded by records and by
/// bytes: the oldest go first. Held per process (not mirrored): each instance logs its own
/// traffic.
public final class ShadowLog: Sendable {
    /// Counts since start (or the last clear).
    public struct Statistics: Sendable, Equatable {
        /// Lookups made in shadow mode.
        public var lookups = 0
        /// Of them, exact hits (served as usual).
        public var exactHits = 0
        /// Of them, semantic candidates that passed the verifier (not served).
        public var wouldServe = 0
        /// Of them, lookups whose candidates all failed the verifier.
        public var rejected = 0
        /// Records dropped to stay within the bounds.
        public var dropped = 0
    }

    /// Longest question text a record keeps; a longer one is cut there and marked truncated.
    public static let maximumQuestionBytes = 4096

    private struct State {
        var records = Deque<ShadowRecord>()
        var bytes = 0
        var nextID: UInt64 = 1
        var statistics = Statistics()
    }

    private let state = Mutex(State())
    public let maximumEntries: Int
    public let maximumBytes: Int

    public init(maximumEntries: Int, maximumBytes: Int) {
        self.maximumEntries = max(1, maximumEntries)
        self.maximumBytes = max(1, maximumBytes)
    }

    /// Counts a shadow-mode lookup that logged nothing: an exact hit, or no candidate above the
    /// threshold.
    func countLookup(exactHit: Bool) {
        state.withLock {
            $0.statistics.lookups += 1
            if exactHit { $0.statistics.exactHits += 1 }
        }
    }

    /// Logs a shadow-mode lookup that had a candidate: the one served (`rejectedBy` nil) or the
    /// best one refused. Returns the record's id.
    @discardableResult
    func record(
        scope: String, entry: CacheEntry, askedQuestion: String, similarity: Float, rejectedBy: String?, now: Double
    ) -> UInt64 {
        let (stored, cutStored) = Self.bounded(entry.queryText)
        let (asked, cutAsked) = Self.bounded(askedQuestion)
        return state.withLock { state in
            state.statistics.lookups += 1
            if rejectedBy == nil { state.statistics.wouldServe += 1 } else { state.statistics.rejected += 1 }
            let record = ShadowRecord(
                id: state.nextID, time: now, scope: scope, model: entry.model, entryID: entry.id, storedQuestion: stored, askedQuestion: asked,
                truncated: cutStored || cutAsked, similarity: similarity, wouldServe: rejectedBy == nil, rejectedBy: rejectedBy)
            state.nextID += 1
            state.records.append(record)
            state.bytes += record.bytes
            while state.records.count > maximumEntries || state.bytes > maximumBytes, let oldest = state.records.popFirst() {
                state.bytes -= oldest.bytes
                state.statistics.dropped += 1
            }
            return record.id
        }
    }

    /// The newest records first, at most `limit`, of the given scope (nil: every scope), kept by
    /// `filter`.
    public func records(limit: Int, scope: String? = nil, where filter: (ShadowRecord) -> Bool = { _ in true }) -> [ShadowRecord] {
        state.withLock { state in
            var out: [ShadowRecord] = []
            for record in state.records.reversed() where out.count < limit {
                if let scope, record.scope != scope { continue }
                if filter(record) { out.append(record) }
            }
            return out
        }
    }

    /// Labels a record; nil when no record has that id (never logged, or dropped).
    public func label(_ id: UInt64, as label: ShadowRecord.Label) -> ShadowRecord? {
        state.withLock { state in
            // Ids increase along the deque: binary search.
            var low = 0
            var high = state.records.count
            while low < high {
                let mid = (low + high) / 2
                if state.records[mid].id < id { low = mid + 1 } else { high = mid }
            }
            guard low < state.records.count, state.records[low].id == id else { return nil }
            state.records[low].label = label
            return state.records[low]
        }
    }

    /// Counts since start.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Records held and their bytes.
    public var usage: (records: Int, bytes: Int) { state.withLock { ($0.records.count, $0.bytes) } }

    /// Labelled records by label, and of the would-serve ones the share labelled wrong.
    public func labelCounts(scope: String? = nil) -> (counts: [ShadowRecord.Label: Int], wouldServeLabelled: Int, wouldServeWrong: Int) {
        state.withLock { state in
            var counts: [ShadowRecord.Label: Int] = [:]
            var labelled = 0
            var wrong = 0
            for record in state.records {
                guard let label = record.label, scope == nil || record.scope == scope else { continue }
                counts[label, default: 0] += 1
                if record.wouldServe {
                    labelled += 1
                    if label != .paraphrase { wrong += 1 }
                }
            }
            return (counts, labelled, wrong)
        }
    }

    /// `text` cut to ``maximumQuestionBytes`` at a character boundary, and whether it was cut.
    static func bounded(_ text: String) -> (String, Bool) {
        guard text.utf8.count > maximumQuestionBytes else { return (text, false) }
        let bytes = Array(text.utf8.prefix(maximumQuestionBytes + 1))
        var end = maximumQuestionBytes
        // Back off continuation bytes (10xxxxxx) to the start of a scalar.
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return (String(decoding: bytes[..<end], as: UTF8.self), true)
    }
}
