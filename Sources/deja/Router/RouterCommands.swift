import ArgumentParser
import DejaRouterTraining
import DejaRouting
import DejaWire
import Foundation

/// `deja router …`: the router's offline tools.
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Train the router's needs-the-strong-model head.",
        subcommands: [RouterTrainCommand.self]
    )
}

/// `deja router train --labels FILE --out FILE`: embeds the labelled questions, chooses the head
/// by k-fold cross-validation (APGR), fits the choice on every question and writes the artefact.
struct RouterTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit the needs-the-strong-model head on labelled questions.",
        discussion: """
            Label lines: {"prompt": …, "weak_correct": bool, "strong_correct": bool}.
            Candidates (ridge regressions and one-hidden-layer networks over the MiniLM embedding
            and the prompt features) are compared by cross-validated APGR; the best is fitted on
            all questions. The shipped head is reproduced by:
              deja router train --labels Tests/Fixtures/routing/routellm-labels-train.jsonl \\
                --out Sources/DejaRouting/Resources/strong-head.json \\
                --sample-out Tests/Fixtures/routing/strong-head-sample.jsonl
            """
    )

    @Option(help: "The labelled questions (JSON lines).") var labels: String
    @Option(help: "Where to write the head (JSON).") var out: String
    @Option(help: "Cross-validation folds.") var folds = 5
    @Option(help: "Keep the questions' embeddings here between runs (binary; keyed by the label file).") var embeddingsCache: String?
    @Option(help: "Also write this many training prompts with their scores (JSON lines) for the load test.") var sampleCount = 16
    @Option(help: "Where to write that sample.") var sampleOut: String?
    @Option(help: "Only this candidate (e.g. mlp:32:15 or linear:10); default: all, chosen by cross-validation.") var only: String?
    @OptionGroup var model: EmbedModelOptions

    func run() async throws {
        let set = try LabelledEmbeddings.load(labels: labels, model: model, cache: embeddingsCache)
        let data = set.trainingData
        let trainer = HeadTrainer()
        let candidates: [HeadTrainer.Choice] = try only.map { [try Self.choice($0)] } ?? RouterTrainCommand.candidates
        var best: (HeadTrainer.Choice, RoutingMetrics)?
        var report: [String: String] = [:]
        for choice in candidates {
            let start = ContinuousClock.now
            let scores = trainer.crossValidatedScores(choice, on: data, folds: folds)
            let m = RoutingMetrics(scores: scores, weakCorrect: set.questions.map(\.weakCorrect), strongCorrect: set.questions.map(\.strongCorrect))
            let line = String(format: "APGR %.4f  CPT(50%%) %.0f%%  CPT(80%%) %.0f%%", m.apgr, m.cpt50 * 100, m.cpt80 * 100)
            print("\(choice): \(line)  (\(ContinuousClock.now - start))")
            report["cv.\(choice)"] = line
            if best == nil || m.apgr > best!.1.apgr { best = (choice, m) }
        }
        guard let (choice, metrics) = best else { return }
        report["choice"] = choice.description
        report["folds"] = String(folds)
        report["labels"] = URL(fileURLWithPath: labels).lastPathComponent
        report["rows"] = String(set.questions.count)
        report["cv_apgr"] = String(format: "%.4f", metrics.apgr)
        let head = trainer.fit(choice, on: data, training: report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(head.artefact).write(to: URL(fileURLWithPath: out))
        print("chose \(choice); wrote \(out)")
        if let sampleOut {
            // Every k-th question, so the sample spans the file.
            let step = max(1, set.questions.count / max(sampleCount, 1))
            var lines = ""
            for q in stride(from: 0, to: set.questions.count, by: step).prefix(sampleCount) {
                var o = JSONObject()
                o.append("prompt", .string(set.questions[q].prompt))
                o.append("raw_score", .double(Double(head.rawScore(embedding: set.embeddings[q], features: set.features[q]))))
                lines += String(decoding: JSONWriter.serialize(.object(o)), as: UTF8.self) + "\n"
            }
            try lines.write(toFile: sampleOut, atomically: true, encoding: .utf8)
            print("wrote \(sampleOut)")
        }
    }

    static let candidates: [HeadTrainer.Choice] = [
        .linear(lambda: 10), .linear(lambda: 100), .mlp(hidden: 16, epochs: 15), .mlp(hidden: 32, epochs: 15),
    ]

    /// `mlp:H:E` or `linear:LAMBDA`.
    static func choice(_ text: String) throws -> HeadTrainer.Choice {
        let parts = text.split(separator: ":")
        if parts.count == 3, parts[0] == "mlp", let h = Int(parts[1]), let e = Int(parts[2]), h > 0, e > 0 { return .mlp(hidden: h, epochs: e) }
        if parts.count == 2, parts[0] == "linear", let l = Float(parts[1]), l >= 0 { return .linear(lambda: l) }
        throw ValidationError("--only: expected mlp:HIDDEN:EPOCHS or linear:LAMBDA, got \(text)")
    }
}

/// `deja bench router --labels FILE`: how well the learned score and the full classifier rank
/// questions by their need for the strong model (APGR, CPT(50 %), CPT(80 %)), beside a random
/// router and prompt length alone.
struct BenchRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Routing quality on labelled questions (APGR, CPT) and the router's decision time.",
        discussion: """
            Without --cross-validate the shipped (or --head) artefact scores the file: use it on
            questions the head was not trained on. With --cross-validate K the head is refitted K
            times, each fold scored by a head that never saw it: the figure to report for the
            training file itself.
            """
    )

    @Option(help: "The labelled questions (JSON lines).") var labels: String
    @Option(help: "Write one {\"strong_score\": x} line per question, in order.") var scoresOut: String?
    @Option(help: "Score out-of-fold with this many folds instead of the artefact.") var crossValidate: Int?
    @Option(help: "The head to use (default: the shipped one).") var head: String?
    @Option(help: "Keep the questions' embeddings here between runs.") var embeddingsCache: String?
    @Option(help: "Also time this many routing decisions over the catalogue.") var timeDecisions = 20_000
    @OptionGroup var model: EmbedModelOptions

    func run() async throws {
        let set = try LabelledEmbeddings.load(labels: labels, model: model, cache: embeddingsCache)
        let weak = set.questions.map(\.weakCorrect)
        let strong = set.questions.map(\.strongCorrect)
        let artefact = try head.map { try StrongModelHead(artefact: Data(contentsOf: URL(fileURLWithPath: $0))) } ?? StrongModelHead.shipped()
        var learned: [Double]
        var full: [Double]
        if let folds = crossValidate {
            guard folds >= 2 else { throw ValidationError("--cross-validate needs at least 2 folds") }
            let choice = try artefact.training["choice"].map(Self.parseChoice) ?? .mlp(hidden: 32, epochs: 15)
            print("cross-validating \(choice), \(folds) folds")
            let trainer = HeadTrainer()
            let assignment = trainer.foldAssignment(count: set.questions.count, folds: folds)
            learned = Array(repeating: 0, count: set.questions.count)
            full = learned
            for fold in 0..<folds {
                let train = (0..<set.questions.count).filter { assignment[$0] != fold }
                let h = trainer.fit(choice, on: HeadTrainer.Data(
                    embeddings: train.map { set.embeddings[$0] }, features: train.map { set.features[$0] }, targets: train.map { set.questions[$0].target }))
                let classifier = PromptClassifier(head: h)
                for q in 0..<set.questions.count where assignment[q] == fold {
                    let c = classifier.classify(PromptFeatures(prompt: set.questions[q].prompt), embedding: set.embeddings[q])
                    learned[q] = c.strongScore ?? 0
                    full[q] = PromptClassifier.combinedScore(c)
                }
            }
        } else {
            let classifier = PromptClassifier(head: artefact)
            let classified = set.questions.indices.map {
                classifier.classify(PromptFeatures(prompt: set.questions[$0].prompt), embedding: set.embeddings[$0])
            }
            learned = classified.map { $0.strongScore ?? 0 }
            full = classified.map(PromptClassifier.combinedScore)
        }
        func row(_ name: String, _ m: RoutingMetrics) {
            print(name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: "APGR %.3f   CPT(50%%) %5.1f%%   CPT(80%%) %5.1f%%", m.apgr, m.cpt50 * 100, m.cpt80 * 100))
        }
        let m0 = RoutingMetrics(scores: learned, weakCorrect: weak, strongCorrect: strong)
        print(String(format: "%d questions; weak accuracy %.3f, strong accuracy %.3f", set.questions.count, m0.weakAccuracy, m0.strongAccuracy))
        row("learned score", m0)
        row("full classifier", RoutingMetrics(scores: full, weakCorrect: weak, strongCorrect: strong))
        row("prompt length", RoutingMetrics(scores: set.questions.map { Double($0.prompt.utf8.count) }, weakCorrect: weak, strongCorrect: strong))
        var rng = SplitMix64(seed: 42)
        var randomRuns: [RoutingMetrics] = []
        for _ in 0..<20 {
            randomRuns.append(RoutingMetrics(scores: set.questions.map { _ in Double.random(in: 0..<1, using: &rng) }, weakCorrect: weak, strongCorrect: strong))
        }
        var random = randomRuns[0]
        random.apgr = randomRuns.map(\.apgr).reduce(0, +) / 20
        random.cpt50 = randomRuns.map(\.cpt50).reduce(0, +) / 20
        random.cpt80 = randomRuns.map(\.cpt80).reduce(0, +) / 20
        row("random (mean of 20)", random)
        if let scoresOut {
            var text = ""
            for s in learned { text += "{\"strong_score\":\(s)}\n" }
            try text.write(toFile: scoresOut, atomically: true, encoding: .utf8)
            print("wrote \(scoresOut)")
        }
        if timeDecisions > 0 { try timeRouting(set, head: artefact) }
    }

    /// Decision time without the embedding: features, head, scoring over the shipped catalogue.
    private func timeRouting(_ set: LabelledEmbeddings, head: StrongModelHead) throws {
        let catalogue = try CatalogueFile.shipped()
        let router = ModelRouter(models: catalogue.models)
        let classifier = PromptClassifier(head: head)
        let policy = RoutingPolicy()
        let requests = try set.questions.prefix(512).map { q -> ChatRequest in
            var message = JSONObject()
            message.append("role", .string("user"))
            message.append("content", .string(q.prompt))
            var body = JSONObject()
            body.append("model", .string("auto"))
            body.append("messages", .array([.object(message)]))
            return try ChatRequest(validating: .object(body))
        }
        var samples: [Duration] = []
        var classifying: [Duration] = []
        samples.reserveCapacity(timeDecisions)
        classifying.reserveCapacity(timeDecisions)
        let clock = ContinuousClock()
        var sink = 0.0
        for i in 0..<timeDecisions {
            let k = i % requests.count
            let start = clock.now
            let c = classifier.classify(requests[k], embedding: set.embeddings[k])
            let classified = clock.now
            let d = try router.route(VirtualModel.builtIn[0], classification: c, streaming: false, policy: policy, signals: NoRoutingSignals())
            let end = clock.now
            samples.append(end - start)
            classifying.append(classified - start)
            sink += d.chosen.score
        }
        samples.sort()
        classifying.sort()
        func p(_ list: [Duration], _ q: Double) -> Double { list[min(list.count - 1, Int(Double(list.count) * q))].microseconds }
        print(String(format: "decision time over %d models (features + head + scoring, no embedding): p50 %.1f µs  p99 %.1f µs  max %.1f µs",
            catalogue.models.count, p(samples, 0.5), p(samples, 0.99), samples.last!.microseconds) + (sink.isNaN ? " " : ""))
        print(String(format: "  of which classifying (features + head): p50 %.1f µs  p99 %.1f µs", p(classifying, 0.5), p(classifying, 0.99)))
    }

    static func parseChoice(_ text: String) throws -> HeadTrainer.Choice {
        // The artefact records `mlp(hidden=32, epochs=15)` or `linear(lambda=10.0)`.
        let digits = text.split(whereSeparator: { !"0123456789.".contains($0) }).map(String.init)
        if text.hasPrefix("mlp"), digits.count == 2, let h = Int(digits[0]), let e = Int(digits[1]) { return .mlp(hidden: h, epochs: e) }
        if text.hasPrefix("linear"), let l = digits.first.flatMap(Float.init) { return .linear(lambda: l) }
        throw ValidationError("the head's recorded choice \(text) is not understood")
    }
}
