public import DejaCache

/// Who a request comes from. A tenant is established only by a client key; a gateway without
/// client keys serves anonymous callers (on loopback, or when explicitly allowed), and the
/// anonymous caller has a scope of its own, so it never shares a tenant named `default`'s cache,
/// idempotency keys or feedback.
public enum CallerIdentity: Sendable, Hashable {
    case anonymous
    case tenant(String)

    /// The tenant's name, nil for the anonymous caller.
    public var tenantName: String? {
        if case .tenant(let name) = self { return name }
        return nil
    }

    /// A key that separates callers in per-caller stores (idempotency records). Tenants are
    /// `tenant:<name>`, the anonymous caller `anonymous`; the two forms cannot collide.
    public var key: String {
        switch self {
        case .anonymous: "anonymous"
        case .tenant(let name): "tenant:" + name
        }
    }

    /// The cache scope: the tenant's (or the shared scope it opted into), or the anonymous scope.
    public func cacheScope(_ configuration: CacheConfiguration) -> String {
        switch self {
        case .anonymous: "anonymous"
        case .tenant(let name): configuration.scope(forTenant: name)
        }
    }
}
