/// A JSON document as the client or upstream sent it: object members keep their order and numbers
/// keep their original text, so a request can be re-serialised faithfully (unknown fields included)
/// and hashed canonically for cache keys.
///
/// Foundation's `JSONSerialization` loses member order and rewrites numbers (`1.0` → `1`), and
/// `Codable` drops fields a type does not declare; the gateway forwards requests it does not fully
/// understand, so it needs neither loss.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number with its literal text as it appeared (validated against the JSON grammar).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string payload, or nil for any other kind.
    @inlinable public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object payload, or nil for any other kind.
    @inlinable public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array payload, or nil for any other kind.
    @inlinable public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The boolean payload, or nil for any other kind.
    @inlinable public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number as a Double, or nil when this is not a number.
    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// The number as an Int when it is integral and in range, else nil.
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let i = Int(text) { return i }
        if let d = Double(text), d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        return nil
    }

    @inlinable public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the JSON kind, for error messages ("string", "array", …).
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A number value from an integer.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A number value from a double (integral values are written without a fraction).
    public static func double(_ value: Double) -> JSONValue {
        if value.isFinite, value.rounded() == value, abs(value) < 1e15 { return .number(String(Int(value))) }
        return .number(value.isFinite ? "\(value)" : "0")
    }
}

/// The members of a JSON object, in document order. Lookups are linear: request objects are small,
/// and a linear scan over a handful of members beats hashing every key.
public struct JSONObject: Sendable, Hashable, Sequence {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init() { self.members = [] }
    public init(_ members: [Member]) { self.members = members }
    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// The value of the last member with this key (JSON parsers conventionally let the last
    /// duplicate win), or nil. Setting nil removes every member with the key; setting a value
    /// replaces the first member in place or appends.
    public subscript(key: String) -> JSONValue? {
        get {
            var i = members.count - 1
            while i >= 0 {
                if members[i].key == key { return members[i].value }
                i -= 1
            }
            return nil
        }
        set {
            if let newValue {
                if let i = members.firstIndex(where: { $0.key == key }) {
                    members[i].value = newValue
                    // One pass over the tail (not a `remove(at:)` per duplicate, which made a body
                    // of 100k duplicate "model" members quadratic).
                    let next = i + 1
                    if members[next...].contains(where: { $0.key == key }) {
                        let kept = members[next...].filter { $0.key != key }
                        members.replaceSubrange(next..., with: kept)
                    }
                } else {
                    members.append(Member(key: key, value: newValue))
                }
            } else {
                members.removeAll { $0.key == key }
            }
        }
    }

    /// Appends a member without checking for duplicates (for building fresh objects).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }
}
