import DejaRouterTraining
import Testing

@Suite struct RoutingMetricsTests {
    // Four questions: only question 2 needs the strong model (weak wrong, strong right).
    let weak = [true, true, false, true]
    let strong = [true, true, true, true]

    @Test func aRouterThatRanksTheNeedyQuestionFirstRecoversTheGapAtOnce() {
        let m = RoutingMetrics(scores: [0.1, 0.2, 0.9, 0.3], weakCorrect: weak, strongCorrect: strong)
        #expect(m.weakAccuracy == 0.75 && m.strongAccuracy == 1)
        #expect(m.cpt50 <= 0.25 && m.cpt80 <= 0.25)
        #expect(m.apgr > 0.85)
    }

    @Test func aRouterThatRanksItLastRecoversNothingUntilTheEnd() {
        let m = RoutingMetrics(scores: [0.9, 0.8, 0.1, 0.7], weakCorrect: weak, strongCorrect: strong)
        // Only the last 12 % of the sweep (every question strong) recovers it.
        #expect(m.cpt50 >= 0.85 && m.cpt80 >= 0.85)
        #expect(m.apgr < 0.15)
    }

    @Test func tiesKeepFileOrderSoTheFigureIsDeterministic() {
        let a = RoutingMetrics(scores: [0.5, 0.5, 0.5, 0.5], weakCorrect: weak, strongCorrect: strong)
        let b = RoutingMetrics(scores: [0.5, 0.5, 0.5, 0.5], weakCorrect: weak, strongCorrect: strong)
        #expect(a == b)
    }
}
