import Foundation

/// The JSON the stores keep in text columns (limits, metadata, allowed models): one encoding
/// for SQLite and PostgreSQL, keys sorted so equal values are equal text.
public enum GovernanceJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
