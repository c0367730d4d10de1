public import NIOCore
import NIOHTTP1

/// Where and how an adapter reaches its upstream: the settings every wire format shares.
public struct ProviderEndpoint: Sendable {
    /// The configured provider name ("openai", "anthropic", "sim", …).
    public var name: String
    /// The API root, without a trailing slash (whether it includes a version segment depends on
    /// the wire format; each adapter's `Configuration` says).
    public var baseURL: String
    /// The provider key, sent in the wire format's own header when set; never logged.
    public var apiKey: String?
    /// Time allowed until the upstream's response head, and the longest silence while reading.
    public var timeout: TimeAmount
    /// Largest non-streaming upstream body accepted.
    public var maxResponseBytes: Int
    /// Extra headers sent with every request (an organisation header, `anthropic-beta`, …).
    public var extraHeaders: [(String, String)]

    public init(
        name: String, baseURL: String, apiKey: String? = nil, timeout: TimeAmount = .seconds(60),
        maxResponseBytes: Int = 32 << 20, extraHeaders: [(String, String)] = []
    ) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.extraHeaders = extraHeaders
    }

    /// Adds the key (as `keyHeader`, with `keyPrefix`, when one is set) and the extra headers.
    func authorize(_ headers: inout HTTPHeaders, keyHeader: String, keyPrefix: String = "") {
        if let key = apiKey, !key.isEmpty {
            headers.replaceOrAdd(name: keyHeader, value: keyPrefix + key)
        }
        for (name, value) in extraHeaders { headers.replaceOrAdd(name: name, value: value) }
    }
}

/// An adapter configuration built around a `ProviderEndpoint`; its fields read and write through
/// (`configuration.baseURL` is `configuration.endpoint.baseURL`).
@dynamicMemberLookup
public protocol EndpointConfiguration: Sendable {
    var endpoint: ProviderEndpoint { get set }
}

extension EndpointConfiguration {
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<ProviderEndpoint, Value>) -> Value {
        get { endpoint[keyPath: keyPath] }
        set { endpoint[keyPath: keyPath] = newValue }
    }
}
