/// A configuration problem found at start-up. The message names the key (or environment
/// variable) and the expected form, so the operator can fix it without reading code.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
