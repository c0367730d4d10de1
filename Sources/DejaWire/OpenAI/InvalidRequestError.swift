/// A client request that does not follow the OpenAI schema. `param` names the offending field in
/// the OpenAI style (`messages[2].role`), so the client sees exactly what to fix.
public struct InvalidRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var param: String?
    /// The OpenAI error code, when one applies (e.g. "invalid_json").
    public var code: String?

    public init(_ message: String, param: String? = nil, code: String? = nil) {
        self.message = message
        self.param = param
        self.code = code
    }

    public var description: String { message }
}
