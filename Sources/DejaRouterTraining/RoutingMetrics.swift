/// RouteLLM's measures of a router on labelled questions: send the top share of questions (by the
/// router's score) to the strong model, the rest to the weak one, and see how much of the gap
/// between the weak and the strong model's accuracy that recovers.
public struct RoutingMetrics: Sendable, Equatable {
    /// Average performance gap recovered over the sweep 0, 1, …, 100 % strong calls.
    public var apgr: Double
    /// Smallest share of strong calls whose PGR reaches 50 % / 80 % (1 when never reached).
    public var cpt50: Double
    public var cpt80: Double
    public var weakAccuracy: Double
    public var strongAccuracy: Double

    /// `scores[i]` ranks question i (higher: more in need of the strong model); ties keep file order.
    public init(scores: [Double], weakCorrect: [Bool], strongCorrect: [Bool], steps: Int = 100) {
        precondition(scores.count == weakCorrect.count && scores.count == strongCorrect.count && !scores.isEmpty)
        let n = scores.count
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let weakTotal = weakCorrect.reduce(0) { $0 + ($1 ? 1 : 0) }
        let strongTotal = strongCorrect.reduce(0) { $0 + ($1 ? 1 : 0) }
        weakAccuracy = Double(weakTotal) / Double(n)
        strongAccuracy = Double(strongTotal) / Double(n)
        let gap = strongAccuracy - weakAccuracy
        var pgr: [Double] = []
        var strongSoFar = 0
        var weakSoFar = 0
        var taken = 0
        for step in 0...steps {
            let k = Int((Double(n) * Double(step) / Double(steps)).rounded())
            while taken < k {
                let q = order[taken]
                if strongCorrect[q] { strongSoFar += 1 }
                if weakCorrect[q] { weakSoFar += 1 }
                taken += 1
            }
            let accuracy = Double(strongSoFar + weakTotal - weakSoFar) / Double(n)
            pgr.append(gap == 0 ? 0 : (accuracy - weakAccuracy) / gap)
        }
        apgr = pgr.reduce(0, +) / Double(pgr.count)
        func cpt(_ x: Double) -> Double {
            (pgr.firstIndex { $0 >= x }).map { Double($0) / Double(steps) } ?? 1
        }
        cpt50 = cpt(0.5)
        cpt80 = cpt(0.8)
    }
}
