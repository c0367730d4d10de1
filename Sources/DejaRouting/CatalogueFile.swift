import Foundation
import Yams

/// Reading catalogues: the dated table shipped with Deja (`Resources/catalogue.yaml`), a
/// replacement file, and per-model entries from the configuration that override or extend it.
public enum CatalogueFile {
    /// A catalogue file or entry that cannot be used; the message names the model and the field.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The catalogue shipped with the gateway (`Resources/catalogue.yaml`, embedded in the binary
    /// at build time, so no resource folder has to travel with it).
    public static func shipped() throws -> ModelCatalogue {
        try parse(String(decoding: PackageResources.catalogue_yaml, as: UTF8.self), source: "catalogue.yaml")
    }

    /// A whole catalogue (`version:` and `models:`).
    public static func parse(_ text: String, source: String) throws -> ModelCatalogue {
        let file: FileShape
        do {
            file = try YAMLDecoder().decode(FileShape.self, from: text)
        } catch {
            throw Invalid("\(source): \(error)")
        }
        var models: [CatalogueModel] = []
        var seen: Set<String> = []
        for entry in file.models {
            let model = try entry.model(base: nil, source: source)
            guard seen.insert(model.id).inserted else { throw Invalid("\(source): model \(model.id) appears twice") }
            models.append(model)
        }
        return ModelCatalogue(models: models, version: file.version ?? "")
    }

    /// Configuration entries applied to `base`: an entry whose id exists changes only the fields
    /// it names; a new id must give at least provider, price and context window.
    public static func apply(_ entries: [Entry], to base: ModelCatalogue, source: String) throws -> ModelCatalogue {
        var overrides: [CatalogueModel] = []
        for entry in entries {
            overrides.append(try entry.model(base: base.models.first { $0.id == entry.id }, source: source))
        }
        return base.merging(overrides)
    }

    /// Decodes configuration entries (a YAML list of model objects).
    public static func entries(_ yaml: String, source: String) throws -> [Entry] {
        do {
            return try YAMLDecoder().decode([Entry].self, from: yaml)
        } catch {
            throw Invalid("\(source): \(error)")
        }
    }

    struct FileShape: Decodable {
        var version: String?
        var models: [Entry]
    }

    /// One model as written in YAML; every field but `id` optional so that an override can be partial.
    public struct Entry: Decodable, Sendable {
        public var id: String
        var provider: String?
        var upstream: String?
        var aliases: [String]?
        var price: PriceShape?
        var context_window: Int?
        var max_output_tokens: Int?
        var capabilities: CapabilityShape?
        var quality: [String: Double]?
        var local: Bool?
        var deprecation_date: String?

        struct PriceShape: Decodable, Sendable {
            var input: Double?
            var output: Double?
            var cached_input: Double?
        }

        struct CapabilityShape: Decodable, Sendable {
            var tools: Bool?
            var vision: Bool?
            var json_mode: Bool?
            var streaming: Bool?
        }

        func model(base: CatalogueModel?, source: String) throws -> CatalogueModel {
            let at = "\(source): model \(id)"
            guard !id.isEmpty, id.utf8.count <= 256 else { throw Invalid("\(source): a model id must be 1–256 characters") }
            guard let provider = provider ?? base?.provider, !provider.isEmpty else { throw Invalid("\(at): provider is required") }
            guard let input = price?.input ?? base?.price.input, let output = price?.output ?? base?.price.output else {
                throw Invalid("\(at): price.input and price.output are required")
            }
            let cached = price?.cached_input ?? base?.price.cachedInput
            for (name, value) in [("input", input), ("output", output), ("cached_input", cached ?? 0)] where !(value >= 0 && value < 1_000_000) {
                throw Invalid("\(at): price.\(name) must be a number of USD per million tokens, 0 or more")
            }
            guard let window = context_window ?? base?.contextWindow, window > 0 else {
                throw Invalid("\(at): context_window (tokens, above 0) is required")
            }
            if let max = max_output_tokens, max <= 0 { throw Invalid("\(at): max_output_tokens must be above 0") }
            if let day = deprecation_date, !Self.isISODate(day) { throw Invalid("\(at): deprecation_date must be a date like 2026-08-05") }
            var quality = base?.quality ?? [:]
            for (name, score) in self.quality ?? [:] {
                guard let family = TaskFamily(rawValue: name) else {
                    throw Invalid("\(at): quality.\(name) is not a task family (\(TaskFamily.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard score >= 0, score <= 1 else { throw Invalid("\(at): quality.\(name) must be within 0…1") }
                quality[family] = score
            }
            var capabilities = base?.capabilities ?? [.tools, .jsonMode, .streaming]
            if let c = self.capabilities {
                func set(_ flag: Bool?, _ member: Capabilities) {
                    guard let flag else { return }
                    if flag { capabilities.insert(member) } else { capabilities.remove(member) }
                }
                set(c.tools, .tools)
                set(c.vision, .vision)
                set(c.json_mode, .jsonMode)
                set(c.streaming, .streaming)
            }
            return CatalogueModel(
                id: id, provider: provider, upstream: upstream ?? base?.upstream ?? id, aliases: aliases ?? base?.aliases ?? [],
                price: Pricing(input: input, output: output, cachedInput: cached), quality: quality, contextWindow: window,
                maxOutputTokens: max_output_tokens ?? base?.maxOutputTokens, capabilities: capabilities, local: local ?? base?.local ?? false,
                deprecationDate: deprecation_date ?? base?.deprecationDate)
        }

        /// `YYYY-MM-DD`.
        static func isISODate(_ text: String) -> Bool {
            let b = Array(text.utf8)
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
            return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { b[$0] >= UInt8(ascii: "0") && b[$0] <= UInt8(ascii: "9") }
        }
    }
}
