import Synchronization

/// Counter indices in `SimulatorState.counters`.
enum Counter: Int, CaseIterable {
    case totalRequests, inFlight, openAIChat, openAIChatStream, openAIEmbeddings
    case anthropicMessages, anthropicMessagesStream
    case geminiGenerate, geminiStream, geminiEmbed, geminiCountTokens
    case models, notFound, errorsInjected, connectionsDropped, streamsCompleted, streamsAborted
}

/// Shared mutable state of one simulator: counters and small tables behind mutexes
/// that are never held across a suspension point.
final class SimulatorState: Sendable {
    private let counters = Mutex<[Int]>(Array(repeating: 0, count: Counter.allCases.count))
    private let recordings: Mutex<Ring>
    private let attempts = Mutex<[String: Int]>([:])
    private let random: Mutex<SplitMix64>
    private let sequence = Atomic<Int>(0)
    private let idCounter = Atomic<UInt64>(0)
    let idSalt: UInt64

    struct Ring {
        var items: [RecordedRequest] = []
        var next = 0
        let limit: Int
        mutating func append(_ item: RecordedRequest) {
            guard limit > 0 else { return }
            if items.count < limit {
                items.append(item)
            } else {
                items[next] = item
            }
            next = (next + 1) % limit
        }
        var ordered: [RecordedRequest] {
            items.count < limit ? items : Array(items[next...] + items[..<next])
        }
    }

    init(seed: UInt64, recordLimit: Int) {
        self.recordings = Mutex(Ring(limit: recordLimit))
        self.random = Mutex(SplitMix64(seed: seed ^ 0x5EED_5EED_5EED_5EED))
        self.idSalt = UInt64.random(in: .min ... .max)
    }

    func increment(_ c: Counter, by n: Int = 1) {
        counters.withLock { $0[c.rawValue] += n }
    }

    func decrement(_ c: Counter) {
        counters.withLock { $0[c.rawValue] -= 1 }
    }

    func value(_ c: Counter) -> Int {
        counters.withLock { $0[c.rawValue] }
    }

    func stats() -> SimulatorStats {
        let v = counters.withLock { $0 }
        func value(_ c: Counter) -> Int { v[c.rawValue] }
        return SimulatorStats(
            totalRequests: value(.totalRequests), inFlight: value(.inFlight),
            openAIChat: value(.openAIChat), openAIChatStream: value(.openAIChatStream),
            openAIEmbeddings: value(.openAIEmbeddings), anthropicMessages: value(.anthropicMessages),
            anthropicMessagesStream: value(.anthropicMessagesStream), geminiGenerate: value(.geminiGenerate),
            geminiStream: value(.geminiStream), geminiEmbed: value(.geminiEmbed),
            geminiCountTokens: value(.geminiCountTokens), models: value(.models), notFound: value(.notFound),
            errorsInjected: value(.errorsInjected), connectionsDropped: value(.connectionsDropped),
            streamsCompleted: value(.streamsCompleted), streamsAborted: value(.streamsAborted)
        )
    }

    /// Zeroes every counter except `inFlight` (requests still running finish and decrement it),
    /// forgets recordings and fail-times attempts.
    func reset() {
        counters.withLock { values in
            for c in Counter.allCases where c != .inFlight { values[c.rawValue] = 0 }
        }
        recordings.withLock { $0 = Ring(limit: $0.limit) }
        attempts.withLock { $0.removeAll() }
    }

    func record(method: String, path: String, query: String?, headers: [RecordedRequest.Header], body: [UInt8]) {
        let n = sequence.add(1, ordering: .relaxed).newValue
        let item = RecordedRequest(sequence: n, method: method, path: path, query: query, headers: headers, body: body)
        recordings.withLock { $0.append(item) }
    }

    func recorded() -> [RecordedRequest] {
        recordings.withLock { $0.ordered }
    }

    /// Counts one more attempt under `key` and returns the count including this one.
    func attempt(_ key: String) -> Int {
        attempts.withLock { table in
            let n = (table[key] ?? 0) + 1
            table[key] = n
            return n
        }
    }

    /// A uniform draw in [0, 1) from the seeded generator.
    func nextUnit() -> Double {
        random.withLock { Double($0.next() >> 11) / Double(1 << 53) }
    }

    /// A fresh 64-bit value for ids and padding; unique per call within this simulator.
    func nextID() -> UInt64 {
        var g = SplitMix64(seed: idCounter.add(1, ordering: .relaxed).newValue &+ idSalt)
        return g.next()
    }
}
