import DejaEmbedding
import DejaRouterTraining
import DejaRouting
import Foundation
import Synchronization

/// A label file's questions with their embeddings and prompt features: what training and the
/// router benchmark read. Embedding ten thousand questions takes minutes, so the vectors can be
/// kept in a cache file keyed by the label file's digest.
struct LabelledEmbeddings {
    let questions: [LabelledQuestion]
    let embeddings: [[Float]]
    let features: [[Float]]

    var trainingData: HeadTrainer.Data {
        HeadTrainer.Data(embeddings: embeddings, features: features, targets: questions.map(\.target))
    }

    static func load(labels path: String, model: EmbedModelOptions, cache: String?, workers: Int = 2) throws -> LabelledEmbeddings {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let questions = try LabelledQuestion.parse(jsonLines: bytes)
        guard questions.count >= 10 else { throw LabelledQuestion.Invalid(description: "\(path): need at least 10 labelled questions") }
        let key = Self.digest(bytes)
        var embeddings: [[Float]]
        if let cache, let cached = Self.readCache(cache, key: key, count: questions.count) {
            embeddings = cached
        } else {
            embeddings = try Self.embed(questions.map(\.prompt), model: model, workers: workers)
            if let cache { try Self.writeCache(cache, key: key, embeddings: embeddings) }
        }
        let features = questions.map { PromptFeatures(prompt: $0.prompt).headVector }
        return LabelledEmbeddings(questions: questions, embeddings: embeddings, features: features)
    }

    /// Embeds on `workers` threads, each with its own model instance, in batches of 16.
    static func embed(_ prompts: [String], model: EmbedModelOptions, workers: Int) throws -> [[Float]] {
        let embedders = try (0..<workers).map { _ in try model.loadEmbedder(blasThreads: 1) }
        let results = ResultSlots(count: prompts.count)
        let batches = stride(from: 0, to: prompts.count, by: 16).map { $0..<min($0 + 16, prompts.count) }
        let next = AtomicCounter()
        let failure = FailureSlot()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            while true {
                let b = next.increment()
                guard b < batches.count else { return }
                do {
                    let vectors = try embedders[w].embedSynchronously(Array(prompts[batches[b]]))
                    results.set(vectors, from: batches[b].lowerBound)
                } catch {
                    failure.set(error)
                    return
                }
                if b % 100 == 0 {
                    FileHandle.standardError.write(Data("embedded \(min(batches[b].upperBound, prompts.count)) / \(prompts.count)\n".utf8))
                }
            }
        }
        if let error = failure.error { throw error }
        return results.values
    }

    static func digest(_ bytes: [UInt8]) -> String {
        // FNV-1a 64: a cache key, not a security boundary.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16) + "-" + String(bytes.count)
    }

    static func readCache(_ path: String, key: String, count: Int) -> [[Float]]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let header = Array((key + "\n").utf8)
        guard data.count == header.count + count * 384 * 4, Array(data.prefix(header.count)) == header else { return nil }
        return data.dropFirst(header.count).withUnsafeBytes { raw in
            let floats = Array(raw.bindMemory(to: Float.self))
            return (0..<count).map { Array(floats[($0 * 384)..<(($0 + 1) * 384)]) }
        }
    }

    static func writeCache(_ path: String, key: String, embeddings: [[Float]]) throws {
        var data = Data((key + "\n").utf8)
        for v in embeddings { v.withUnsafeBytes { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// Slots filled by the embedding workers; each batch writes a disjoint range.
private final class ResultSlots: Sendable {
    private let slots: Mutex<[[Float]]>
    init(count: Int) { slots = Mutex(Array(repeating: [], count: count)) }
    func set(_ vectors: [[Float]], from start: Int) {
        slots.withLock { for (i, v) in vectors.enumerated() { $0[start + i] = v } }
    }
    var values: [[Float]] { slots.withLock { $0 } }
}

private final class AtomicCounter: Sendable {
    private let value = Mutex(-1)
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}

private final class FailureSlot: Sendable {
    private let stored = Mutex<(any Error)?>(nil)
    func set(_ error: any Error) { stored.withLock { if $0 == nil { $0 = error } } }
    var error: (any Error)? { stored.withLock { $0 } }
}
