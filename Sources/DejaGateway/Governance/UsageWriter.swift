import DejaGovernance
import Logging
import Synchronization

/// Collects ledger rows and spend changes on the request path (a lock and an append) and writes
/// them to the store in batches from the background, so a slow or failing store never delays a
/// request. Holds at most `maxPending` rows: beyond that new rows are dropped and counted
/// (spend is summed per scope and month, so it is never dropped).
final class UsageWriter: Sendable {
    private struct Pending {
        var records: [UsageRecord] = []
        var spend: [String: SpendDelta] = [:]
        var dropped = 0
    }

    private let store: any GovernanceStore
    private let maxPending: Int
    private let logger: Logger
    private let pending = Mutex(Pending())
    /// One flush at a time (the timer and a shutdown flush may meet).
    private let flushing = Mutex(false)

    init(store: any GovernanceStore, maxPending: Int, logger: Logger) {
        self.store = store
        self.maxPending = max(maxPending, 1)
        self.logger = logger
    }

    func record(_ record: UsageRecord) {
        pending.withLock { p in
            if p.records.count < maxPending { p.records.append(record) } else { p.dropped += 1 }
        }
    }

    func addSpend(scopes: [String], month: BudgetMonth, usd: Double, tokens: Int, savedUSD: Double) {
        guard usd != 0 || tokens != 0 || savedUSD != 0 else { return }
        pending.withLock { p in
            for scope in scopes {
                let key = scope + "|" + month.description
                var d = p.spend[key] ?? SpendDelta(scope: scope, month: month, usd: 0, tokens: 0, savedUSD: 0)
                d.usd += usd
                d.tokens += tokens
                d.savedUSD += savedUSD
                p.spend[key] = d
            }
        }
    }

    /// Rows dropped because the store could not keep up (since start).
    var dropped: Int { pending.withLock { $0.dropped } }
    var pendingRows: Int { pending.withLock { $0.records.count } }

    /// Writes what is pending. On failure the batch goes back to the front of the queue (within
    /// the bound) and the next flush retries it.
    func flush() async {
        guard flushing.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) else { return }
        defer { flushing.withLock { $0 = false } }
        let (records, spend) = pending.withLock { p -> ([UsageRecord], [SpendDelta]) in
            defer {
                p.records.removeAll(keepingCapacity: true)
                p.spend.removeAll(keepingCapacity: true)
            }
            return (p.records, Array(p.spend.values))
        }
        guard !records.isEmpty || !spend.isEmpty else { return }
        do {
            try await store.addSpend(spend)
        } catch {
            logger.error("Governance store: spend not written; retrying", metadata: ["deja.error": .string("\(error)")])
            for d in spend { addSpend(scopes: [d.scope], month: d.month, usd: d.usd, tokens: d.tokens, savedUSD: d.savedUSD) }
        }
        do {
            try await store.appendUsage(records)
        } catch {
            logger.error("Governance store: usage rows not written; retrying", metadata: ["deja.error": .string("\(error)"), "deja.usage.rows": .stringConvertible(records.count)])
            pending.withLock { p in
                let room = max(0, maxPending - p.records.count)
                p.dropped += max(0, records.count - room)
                p.records.insert(contentsOf: records.prefix(room), at: 0)
            }
        }
    }
}
