import Foundation

/// Test fixtures live in Tests/Fixtures (copied from the shared reference data, with provenance in
/// Tests/Fixtures/wire/SOURCES.md).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(path)))
    }
}
