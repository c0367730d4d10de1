import DejaRouting
import Foundation

/// The `routing:` section: which catalogue, which learned head, which policy.
public struct RoutingSettings: Sendable {
    /// The catalogue after the configuration's replacement file and entries; nil: the shipped one.
    public var catalogue: ModelCatalogue?
    /// A head artefact to load instead of the shipped one.
    public var headPath: String?
    /// False: no learned score (the explainable features alone decide the complexity).
    public var headEnabled = true
    /// Strategies, virtual models, quality floors, local margin (changeable at run time).
    public var policy = RoutingPolicy()

    public init() {}

    /// The catalogue to use (the shipped one unless the configuration replaced it).
    func resolvedCatalogue() throws -> ModelCatalogue {
        if let catalogue { return catalogue }
        return try CatalogueFile.shipped()
    }

    /// The learned head to use, or nil when disabled.
    func resolvedHead() throws -> StrongModelHead? {
        guard headEnabled else { return nil }
        if let headPath { return try StrongModelHead(artefact: try Data(contentsOf: URL(fileURLWithPath: headPath))) }
        return try StrongModelHead.shipped()
    }
}
