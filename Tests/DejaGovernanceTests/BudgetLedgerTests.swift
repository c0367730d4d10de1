import DejaGovernance
import Synchronization
import Testing

@Suite struct BudgetLedgerTests {
    // 2026-12-06T12:00:00Z and the month boundary after it.
    let december6: Double = 1_796_558_400
    let january1: Double = 1_798_761_600

    @Test func monthsAreUTCCalendarMonths() {
        #expect(BudgetMonth(unixSeconds: december6) == BudgetMonth(year: 2026, month: 12))
        #expect(BudgetMonth(unixSeconds: december6).nextMonthStartUnixSeconds == january1)
        #expect(BudgetMonth(unixSeconds: january1 - 1) == BudgetMonth(year: 2026, month: 12))
        #expect(BudgetMonth(unixSeconds: january1) == BudgetMonth(year: 2027, month: 1))
        #expect(BudgetMonth(unixSeconds: 0) == BudgetMonth(year: 1970, month: 1))
        #expect(BudgetMonth(year: 2028, month: 2).nextMonthStartUnixSeconds == 1_835_481_600)  // 2028-03-01, after a leap day
        #expect(BudgetMonth(year: 2026, month: 12).description == "2026-12")
    }

    @Test func concurrentReservationsOverspendByAtMostOneReservation() async throws {
        let ledger = BudgetLedger(limits: ["key:a": BudgetLimits(usd: 1.0)])
        let worst = BudgetCharge(usd: 0.03, tokens: 0)
        let day = december6
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    guard let r = try? ledger.reserve(worst, scopes: ["key:a"], unixSeconds: day) else { return false }
                    ledger.settle(r, actual: worst)
                    return true
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let usage = ledger.usage("key:a", unixSeconds: december6)
        // 34 × 0.03 = 1.02: the last admitted reservation may pass the limit, no more.
        #expect(usage.spentUSD <= 1.0 + worst.usd + 1e-9)
        #expect(usage.spentUSD >= 1.0 - 1e-9)
        #expect(admitted == 34)
        #expect(usage.reservedUSD < 1e-9)
    }

    @Test func aRefusalNamesTheScopeAndWhenTheBudgetResets() throws {
        let ledger = BudgetLedger(limits: ["tenant:t": BudgetLimits(tokens: 1_000), "global": BudgetLimits(usd: 100)])
        let r = try ledger.reserve(BudgetCharge(usd: 0.01, tokens: 1_000), scopes: ["key:k", "tenant:t", "global"], unixSeconds: december6)
        ledger.settle(r, actual: BudgetCharge(usd: 0.01, tokens: 1_000))
        do {
            _ = try ledger.reserve(BudgetCharge(usd: 0.01, tokens: 10), scopes: ["key:k", "tenant:t", "global"], unixSeconds: december6)
            Issue.record("admitted past the token budget")
        } catch {
            #expect(error == BudgetLedger.Refusal(scope: "tenant:t", dimension: "tokens", resetsAtUnixSeconds: january1))
        }
        // All or none: the refused request reserved nothing anywhere.
        #expect(ledger.usage("global", unixSeconds: december6).reservedUSD == 0)
        // A new month starts from zero.
        #expect(throws: Never.self) { try ledger.reserve(BudgetCharge(usd: 0.01, tokens: 10), scopes: ["tenant:t"], unixSeconds: january1) }
    }

    @Test func settlingReplacesTheWorstCaseByTheRealCost() throws {
        let ledger = BudgetLedger(limits: ["key:k": BudgetLimits(usd: 1)])
        let r = try ledger.reserve(BudgetCharge(usd: 0.5, tokens: 4_000), scopes: ["key:k"], unixSeconds: december6)
        #expect(ledger.usage("key:k", unixSeconds: december6).reservedUSD == 0.5)
        ledger.settle(r, actual: BudgetCharge(usd: 0.02, tokens: 300))
        let u = ledger.usage("key:k", unixSeconds: december6)
        #expect(u.reservedUSD == 0 && u.reservedTokens == 0)
        #expect(abs(u.spentUSD - 0.02) < 1e-12 && u.spentTokens == 300)
        ledger.recordSaving(usd: 0.02, scopes: ["key:k"], unixSeconds: december6)
        #expect(abs(ledger.usage("key:k", unixSeconds: december6).savedUSD - 0.02) < 1e-12)
    }

    @Test func theSoftAlertFiresOncePerScopeAndMonth() throws {
        let alerts = Mutex<[String]>([])
        let ledger = BudgetLedger(limits: ["key:k": BudgetLimits(usd: 1, alertAt: 0.5)]) { scope, month, _ in
            alerts.withLock { $0.append("\(scope) \(month)") }
        }
        for _ in 0..<4 {
            let r = try ledger.reserve(BudgetCharge(usd: 0.2, tokens: 0), scopes: ["key:k"], unixSeconds: december6)
            ledger.settle(r, actual: BudgetCharge(usd: 0.2, tokens: 0))
        }
        #expect(alerts.withLock { $0 } == ["key:k 2026-12"])
        let r = try ledger.reserve(BudgetCharge(usd: 0.6, tokens: 0), scopes: ["key:k"], unixSeconds: january1)
        ledger.settle(r, actual: BudgetCharge(usd: 0.6, tokens: 0))
        #expect(alerts.withLock { $0 } == ["key:k 2026-12", "key:k 2027-01"])
    }
}
