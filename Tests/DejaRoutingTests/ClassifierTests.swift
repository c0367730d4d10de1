import DejaEmbedding
import DejaRouterTraining
import DejaRouting
import DejaWire
import Foundation
import Testing

enum Fixtures {
    static let tests = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
    static let routing = tests.appendingPathComponent("Fixtures/routing")

    static func lines(_ name: String) throws -> [JSONObject] {
        let bytes = try [UInt8](Data(contentsOf: routing.appendingPathComponent(name)))
        return try bytes.split(separator: UInt8(ascii: "\n")).map { try #require(try JSONParser.parse($0).objectValue) }
    }

    static var modelDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["DEJA_MODEL_DIR"], !path.isEmpty { return URL(fileURLWithPath: path, isDirectory: true) }
        return tests.deletingLastPathComponent().appendingPathComponent(".models/all-MiniLM-L6-v2", isDirectory: true)
    }
}

@Suite struct ClassifierTests {
    /// 100 hand-written prompts, 20 per family (`classifier-prompts.jsonl`, see the README there).
    @Test func theTaskFamilyIsRightForMostHandWrittenPromptsOfEveryFamily() throws {
        let rows = try Fixtures.lines("classifier-prompts.jsonl")
        #expect(rows.count >= 80)
        let classifier = PromptClassifier(head: nil)
        var right: [TaskFamily: Int] = [:]
        var total: [TaskFamily: Int] = [:]
        var misses: [String] = []
        for row in rows {
            let expected = try #require(TaskFamily(rawValue: row.text("family")))
            let got = classifier.classify(PromptFeatures(prompt: row.text("prompt")), embedding: nil).family
            total[expected, default: 0] += 1
            if got == expected { right[expected, default: 0] += 1 } else { misses.append("\(expected)→\(got): \(row.text("prompt").prefix(60))") }
        }
        let overall = Double(right.values.reduce(0, +)) / Double(rows.count)
        #expect(overall >= 0.75, "overall \(overall); misses:\n\(misses.joined(separator: "\n"))")
        for family in TaskFamily.allCases {
            let share = Double(right[family, default: 0]) / Double(max(total[family, default: 0], 1))
            #expect(share >= 0.6, "\(family): \(share)")
        }
    }

    @Test func featuresComeFromTheRequestShape() throws {
        let body = try JSONParser.parse(Array("""
            {"model":"auto","max_tokens":2000,"response_format":{"type":"json_object"},
             "tools":[{"type":"function","function":{"name":"f","parameters":{}}}],
             "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"earlier"},{"role":"assistant","content":"ok"},
               {"role":"user","content":[{"type":"text","text":"What is in this picture?"},{"type":"image_url","image_url":{"url":"data:,"}}]}]}
            """.utf8))
        let f = PromptFeatures(request: try ChatRequest(validating: body))
        #expect(f.hasTools && f.hasImages && f.wantsJSON)
        #expect(f.requestedOutputTokens == 2000)
        #expect(f.conversationDepth == 3)
        #expect(f.queryChars == "What is in this picture?".utf8.count)
        #expect(f.promptChars > f.queryChars)
        let c = PromptClassifier(head: nil).classify(f, embedding: nil)
        #expect(c.drivers.contains("tools") && c.drivers.contains("images") && c.drivers.contains("medium_output"))
        #expect(c.complexity == .medium)
    }

    @Test func answerChoicesAndRomanEnumerationsAreCounted() {
        let f = PromptFeatures(prompt: "Which of the following are true?\nI. a\nII. b\nIII. c\nA. I only\nB. II only\nC. 42\nD. 17 kg\nAnswer:")
        #expect(f.choiceLines == 4)
        #expect(f.numericChoices == 2)
        #expect(f.romanNumerals >= 3)
        #expect(f.headVector.count == PromptFeatures.headFeatureNames.count)
    }

    @Test func complexityGrowsWithLengthDepthAndRequestedOutput() {
        let classifier = PromptClassifier(head: nil)
        #expect(classifier.classify(PromptFeatures(prompt: "hi"), embedding: nil).complexity == .simple)
        var long = PromptFeatures(prompt: String(repeating: "Tell me about the history of this region. ", count: 50))
        #expect(classifier.classify(long, embedding: nil).complexity >= .medium)
        long.requestedOutputTokens = 8_000
        #expect(classifier.classify(long, embedding: nil).complexity == .complex)
    }

    @Test func theTextScanIsBoundedForHugePrompts() {
        let huge = String(repeating: "function code python ", count: 50_000)
        let f = PromptFeatures(prompt: huge)
        #expect(f.words == PromptFeatures.maxScannedWords)
        #expect(f.queryChars == huge.utf8.count)
        // Digits and lines are counted only in the scanned prefix.
        let digits = PromptFeatures(prompt: String(repeating: "1\n", count: 100_000))
        #expect(digits.digits == PromptFeatures.maxScannedBytes / 2)
        #expect(digits.lines <= PromptFeatures.maxScannedBytes / 2 + 1)
    }
}

/// The shipped head: loads, and scores the sample of training questions exactly as the training
/// run did (same embeddings, same features, same arithmetic).
@Suite struct StrongModelHeadTests {
    @Test func theShippedHeadScoresTheTrainingSampleAsTrainingDid() throws {
        let head = try StrongModelHead.shipped()
        #expect(head.training["labels"] == "routellm-labels-train.jsonl")
        let sample = try Fixtures.lines("strong-head-sample.jsonl")
        #expect(sample.count >= 16)
        // Training embedded in fp32: the same precision reproduces its scores to 1e-3, and the
        // int8 encoder the gateway runs by default, and w8a8 an operator may choose, stay within
        // 5e-3 of them.
        let prompts = sample.map { $0.text("prompt") }
        for (precision, bound) in [(EncoderPrecision.fp32, 1e-3), (.int8, 5e-3), (.w8a8, 5e-3)] {
            let embedder = try MiniLMEmbedder(configuration: .init(modelDirectory: Fixtures.modelDirectory, precision: precision))
            let vectors = try embedder.embedSynchronously(prompts)
            for (row, vector) in zip(sample, vectors) {
                let expected = try #require(row["raw_score"]?.doubleValue)
                let got = Double(head.rawScore(embedding: vector, features: PromptFeatures(prompt: row.text("prompt")).headVector))
                #expect(abs(got - expected) < bound, "\(precision) \(row.text("prompt").prefix(40))")
            }
        }
        // Percentiles are monotone in the raw score and bounded.
        #expect(head.percentile(-100) == 0 && head.percentile(100) == 1)
        #expect(head.percentile(0.0) <= head.percentile(0.1))
    }

    @Test(arguments: [
        #"{"format":"other"}"#,
        #"{"format":"deja.strong-head.v1","kind":"mlp","embedding_model":"m","embedding_dimension":2,"features":["x"],"feature_mean":[0],"feature_scale":[1],"hidden":1,"w1":[1],"b1":[0],"w2":[1],"b2":0,"quantiles":[0,1],"training":{}}"#,
    ])
    func damagedArtefactsAreRefused(_ text: String) {
        #expect(throws: StrongModelHead.InvalidArtefact.self) { try StrongModelHead(artefact: Data(text.utf8)) }
    }

    @Test func trainingIsDeterministicAndLearnsAPlantedSignal() {
        // Questions whose first embedding coordinate is high need the strong model.
        var rng = SplitMix64(seed: 3)
        var embeddings: [[Float]] = []
        var targets: [Float] = []
        var weak: [Bool] = []
        var strong: [Bool] = []
        for _ in 0..<600 {
            let x = Float(Double(rng.next() % 1000) / 1000)
            embeddings.append([x, Float(Double(rng.next() % 1000) / 1000), 0.5])
            let needs = x > 0.7
            weak.append(!needs)
            strong.append(true)
            targets.append(needs ? 1 : 0)
        }
        let data = HeadTrainer.Data(embeddings: embeddings, features: embeddings.map { _ in PromptFeatures(prompt: "q").headVector }, targets: targets)
        let trainer = HeadTrainer()
        for choice in [HeadTrainer.Choice.linear(lambda: 1), .mlp(hidden: 8, epochs: 10)] {
            let a = trainer.crossValidatedScores(choice, on: data, folds: 3)
            let b = trainer.crossValidatedScores(choice, on: data, folds: 3)
            #expect(a == b)
            let m = RoutingMetrics(scores: a, weakCorrect: weak, strongCorrect: strong)
            #expect(m.apgr > 0.8, "\(choice): \(m.apgr)")
        }
    }
}

extension JSONObject {
    func text(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
