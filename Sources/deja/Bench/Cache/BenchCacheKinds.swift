import DejaCache
import DejaEmbedding
import DejaVerifier
import DejaWire
import Foundation

/// `deja bench cache --by-kind`: the verifier judged on kinds of change it was not tuned on.
///
/// Pairs carry a `kind` ("quantifiers", "role_reversal_common_nouns", "para_synonym"…). For each
/// preset the verifier's two numeric bounds (the context-free and the in-context content-word
/// similarity) are chosen on a grid **without** one kind — the most paraphrase hits on the other
/// kinds while their near-miss false hits stay within half the preset's budget — and measured on
/// that kind (leave one kind out). The pooled figure counts every pair once, measured with the
/// bounds chosen without its own kind: the figure to expect on kinds nobody has seen. The shipped
/// bounds and raw cosine at the same threshold are reported beside it.
struct KindReport {
    /// A preset and the near-miss false-hit rate it is allowed (the targets).
    struct Preset {
        var name: String
        var threshold: Double
        var budget: Double
        var base: VerifierConfiguration
    }

    static let presets = [
        Preset(name: "strict", threshold: 0.95, budget: 0.01, base: .strict),
        Preset(name: "balanced", threshold: 0.90, budget: 0.02, base: .balanced),
        Preset(name: "aggressive", threshold: 0.85, budget: 0.05, base: .aggressive),
    ]
    static let wordBounds: [Float] = [0.30, 0.35, 0.40, 0.45, 0.50, 0.55]
    static let contextualBounds: [Float] = [0.40, 0.475, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80]

    struct Bounds: Hashable {
        var word: Float
        var contextual: Float
    }

    /// Outcome of one pair under one setting: served (a hit) or not.
    typealias Outcomes = [Bool]

    let pairs: [BenchCacheCommand.Pair]
    let cosines: [Double]

    /// Runs every pair through `chain` (the candidate is `a`, the asked question `b`) when its
    /// cosine reaches `threshold`; identical texts are hits, as the exact tier serves them.
    static func outcomes(pairs: [BenchCacheCommand.Pair], cosines: [Double], threshold: Double, chain: VerifierChain?) -> Outcomes {
        pairs.indices.map { i in
            if pairs[i].a == pairs[i].b { return true }
            guard cosines[i] >= threshold - 1e-9 else { return false }
            guard let chain else { return true }
            return chain.verify(query: pairs[i].b, candidate: pairs[i].a, similarity: cosines[i]) == nil
        }
    }

    struct Rates {
        var paraphrase = (total: 0, hits: 0)
        var nearMiss = (total: 0, hits: 0)
        var paraphraseRate: Double { paraphrase.total == 0 ? 0 : Double(paraphrase.hits) / Double(paraphrase.total) }
        var nearMissRate: Double { nearMiss.total == 0 ? 0 : Double(nearMiss.hits) / Double(nearMiss.total) }

        mutating func add(label: String, hit: Bool) {
            if label == "paraphrase" {
                paraphrase.total += 1
                if hit { paraphrase.hits += 1 }
            } else if label == "near_miss" {
                nearMiss.total += 1
                if hit { nearMiss.hits += 1 }
            }
        }
    }

    func rates(_ outcomes: Outcomes, where include: (Int) -> Bool) -> Rates {
        var rates = Rates()
        for i in pairs.indices where include(i) { rates.add(label: pairs[i].label, hit: outcomes[i]) }
        return rates
    }

    /// The grid point with the most paraphrase hits among those within `budget` on the pairs
    /// `include` admits; when none is, the one with the fewest near-miss false hits (ties: more
    /// paraphrase hits, then the earlier, looser point).
    func choose(_ grid: [(Bounds, Outcomes)], budget: Double, where include: (Int) -> Bool) -> Int {
        var best: (index: Int, withinBudget: Bool, paraphrase: Double, nearMiss: Double)?
        for (index, (_, outcomes)) in grid.enumerated() {
            let r = rates(outcomes, where: include)
            let within = r.nearMissRate <= budget + 1e-12
            let candidate = (index, within, r.paraphraseRate, r.nearMissRate)
            guard let current = best else { best = candidate; continue }
            let better: Bool
            if within != current.withinBudget {
                better = within
            } else if within {
                better = candidate.2 > current.paraphrase
            } else {
                better = candidate.3 < current.nearMiss || (candidate.3 == current.nearMiss && candidate.2 > current.paraphrase)
            }
            if better { best = candidate }
        }
        return best?.index ?? 0
    }

    /// The report: per preset, the pooled leave-one-kind-out figures, the shipped bounds' and raw
    /// cosine's, then one line per kind.
    func render(
        grids: [String: [(Bounds, Outcomes)]], shipped: [String: Outcomes], cosineOnly: [String: Outcomes], json: Bool
    ) -> String {
        let kinds = Array(Set(pairs.map { $0.kind ?? "unlabelled" })).sorted()
        var lines: [String] = []
        var objects: [JSONValue] = []
        lines.append("\(pairs.count) pairs in \(kinds.count) kinds; bounds chosen on a \(Self.wordBounds.count)×\(Self.contextualBounds.count) grid without the kind measured")
        for preset in Self.presets {
            guard let grid = grids[preset.name], let shippedOutcomes = shipped[preset.name], let cosine = cosineOnly[preset.name] else { continue }
            // Leave one kind out: every pair measured with the bounds chosen without its kind.
            var pooled = Rates()
            var perKind: [(kind: String, held: Rates, shipped: Rates, cosine: Rates, bounds: Bounds)] = []
            for kind in kinds {
                let inKind: (Int) -> Bool = { (pairs[$0].kind ?? "unlabelled") == kind }
                let chosen = choose(grid, budget: preset.budget / 2, where: { !inKind($0) })
                let held = rates(grid[chosen].1, where: inKind)
                for i in pairs.indices where inKind(i) { pooled.add(label: pairs[i].label, hit: grid[chosen].1[i]) }
                perKind.append((kind, held, rates(shippedOutcomes, where: inKind), rates(cosine, where: inKind), grid[chosen].0))
            }
            let all = rates(shippedOutcomes, where: { _ in true })
            let raw = rates(cosine, where: { _ in true })
            let chosenOnAll = grid[choose(grid, budget: preset.budget / 2, where: { _ in true })].0
            lines.append("")
            lines.append(
                String(
                    format: "%@ (cosine %.2f, budget %.0f%%): leave-one-kind-out paraphrase hit %.1f%%, near-miss false hit %.1f%% | shipped bounds %.1f%% / %.1f%% | raw cosine %.1f%% / %.1f%% | bounds chosen on all kinds: word %.3f, in-context %.3f",
                    preset.name, preset.threshold, preset.budget * 100, pooled.paraphraseRate * 100, pooled.nearMissRate * 100, all.paraphraseRate * 100,
                    all.nearMissRate * 100, raw.paraphraseRate * 100, raw.nearMissRate * 100, chosenOnAll.word, chosenOnAll.contextual))
            lines.append("")
            lines.append("| kind | pairs | held out | shipped bounds | raw cosine | bounds chosen without it |")
            lines.append("| --- | ---: | ---: | ---: | ---: | --- |")
            for row in perKind {
                let isParaphrase = row.held.paraphrase.total > 0
                let pick: (Rates) -> Double = { isParaphrase ? $0.paraphraseRate : $0.nearMissRate }
                let total = isParaphrase ? row.held.paraphrase.total : row.held.nearMiss.total
                lines.append(
                    String(
                        format: "| %@ (%@) | %d | %.1f%% | %.1f%% | %.1f%% | %.3f / %.3f |", row.kind, isParaphrase ? "hit" : "false hit", total,
                        pick(row.held) * 100, pick(row.shipped) * 100, pick(row.cosine) * 100, row.bounds.word, row.bounds.contextual))
                objects.append(
                    .object(
                        JSONObject([
                            "preset": .string(preset.name), "kind": .string(row.kind), "pairs": .int(total),
                            "measure": .string(isParaphrase ? "paraphrase_hit_rate" : "near_miss_false_hit_rate"),
                            "leave_one_kind_out": .double(pick(row.held)), "shipped": .double(pick(row.shipped)), "cosine": .double(pick(row.cosine)),
                        ])))
            }
            objects.append(
                .object(
                    JSONObject([
                        "preset": .string(preset.name), "kind": .string("pooled"),
                        "paraphrase_hit_rate": .double(pooled.paraphraseRate), "near_miss_false_hit_rate": .double(pooled.nearMissRate),
                        "shipped_paraphrase_hit_rate": .double(all.paraphraseRate), "shipped_near_miss_false_hit_rate": .double(all.nearMissRate),
                        "cosine_paraphrase_hit_rate": .double(raw.paraphraseRate), "cosine_near_miss_false_hit_rate": .double(raw.nearMissRate),
                    ])))
        }
        return json ? String(decoding: JSONWriter.serialize(.array(objects)), as: UTF8.self) : lines.joined(separator: "\n")
    }
}

extension BenchCacheCommand {
    /// Embeds every text once, then measures every grid point, the shipped bounds and raw cosine
    /// for each preset, and prints ``KindReport``.
    func runByKind(_ pairs: [Pair], model: MiniLMEmbedder, wordVectors: InputEmbeddingWordVectors) async throws {
        let contextual = DefaultVerifier.contextualVectors(model)
        let observer = ThresholdVerifier(wordVectors: wordVectors, contextualWordVectors: contextual)
        let embedder = MemoizingEmbedder(TokenStateReportingEmbedder(model, observer: observer), capacity: 100_000)
        var cosines: [Double] = []
        cosines.reserveCapacity(pairs.count)
        for pair in pairs {
            let vectors = try await embedder.embed([pair.a, pair.b])
            var dot: Float = 0
            for j in vectors[0].indices { dot += vectors[0][j] * vectors[1][j] }
            cosines.append(Double(dot))
        }
        var grids: [String: [(KindReport.Bounds, KindReport.Outcomes)]] = [:]
        var shipped: [String: KindReport.Outcomes] = [:]
        var cosineOnly: [String: KindReport.Outcomes] = [:]
        for preset in KindReport.presets {
            shipped[preset.name] = KindReport.outcomes(
                pairs: pairs, cosines: cosines, threshold: preset.threshold,
                chain: VerifierChain(configuration: preset.base, wordVectors: wordVectors, contextualWordVectors: contextual))
            cosineOnly[preset.name] = KindReport.outcomes(pairs: pairs, cosines: cosines, threshold: preset.threshold, chain: nil)
            var grid: [(KindReport.Bounds, KindReport.Outcomes)] = []
            for word in KindReport.wordBounds {
                for contextualBound in KindReport.contextualBounds {
                    var configuration = preset.base
                    configuration.minimumWordSimilarity = word
                    configuration.minimumContextualWordSimilarity = contextualBound
                    let chain = VerifierChain(configuration: configuration, wordVectors: wordVectors, contextualWordVectors: contextual)
                    grid.append(
                        (KindReport.Bounds(word: word, contextual: contextualBound), KindReport.outcomes(pairs: pairs, cosines: cosines, threshold: preset.threshold, chain: chain)))
                }
            }
            grids[preset.name] = grid
        }
        print(KindReport(pairs: pairs, cosines: cosines).render(grids: grids, shipped: shipped, cosineOnly: cosineOnly, json: json))
    }
}
