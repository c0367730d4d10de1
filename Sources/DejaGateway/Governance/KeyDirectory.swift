import DejaGovernance
import Synchronization

/// What an issued key grants the request that presented it.
struct KeyGrant: Sendable, Equatable {
    let id: String
    let name: String
    let tenant: String
    let allowedModels: [String]
    let limits: GovernanceLimits

    func allows(model: String) -> Bool {
        allowedModels.isEmpty || allowedModels.contains { ModelGlob.matches($0, model) }
    }
}

/// The instance's copy of the store's keys and tenants, replaced whole when the store's revision
/// moves (its own writes, or another instance's seen by the poll), so that authentication never
/// waits on the store.
final class KeyDirectory: Sendable {
    struct Snapshot: Sendable {
        var keys: [String: APIKey] = [:]
        var tenants: [String: Tenant] = [:]
        var revision: Int64 = -1
        /// What authentication needs of each key, built once per view: looking a key up retains
        /// one object instead of copying its whole record.
        var credentials: [String: Credential] = [:]
    }

    /// A key's digest, validity and grant.
    final class Credential: Sendable {
        let salt: [UInt8]
        let hash: [UInt8]
        let revoked: Bool
        let expiresAt: Double?
        let grant: KeyGrant

        init(_ key: APIKey) {
            salt = key.salt
            hash = key.hash
            revoked = key.revokedAt != nil
            expiresAt = key.expiresAt
            grant = KeyGrant(id: key.id, name: key.name, tenant: key.tenant, allowedModels: key.allowedModels, limits: key.limits)
        }
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }
    var revision: Int64 { state.withLock { $0.revision } }
    /// True once any key was ever issued (revoked ones included): from then on every client
    /// request needs a key, so revoking the last key cannot reopen the gateway.
    var hasIssuedKeys: Bool { state.withLock { !$0.keys.isEmpty } }

    /// Installs a view read at `revision`; false (nothing changed) when a newer one is installed.
    @discardableResult
    func replace(keys: [APIKey], tenants: [Tenant], revision: Int64) -> Bool {
        var snapshot = Snapshot(revision: revision)
        for k in keys {
            snapshot.keys[k.id] = k
            snapshot.credentials[k.id] = Credential(k)
        }
        for t in tenants { snapshot.tenants[t.name] = t }
        return state.withLock { current in
            // A slower reader must not put back an older view.
            guard revision >= current.revision else { return false }
            current = snapshot
            return true
        }
    }

    func tenant(_ name: String) -> Tenant? { state.withLock { $0.tenants[name] } }

    /// The grant of a presented issued key, nil when it is not one, unknown, revoked, expired or
    /// wrong. The digest is computed even for an unknown id, so timing does not reveal which ids
    /// exist.
    func grant(presented: String, unixSeconds: Double) -> KeyGrant? {
        guard let (id, secret) = KeyMaterial.parse(presented) else { return nil }
        let credential = state.withLock { $0.credentials[id] }
        let matches = KeyMaterial.verify(secret: secret, salt: credential?.salt ?? Self.dummySalt, hash: credential?.hash ?? Self.dummyHash)
        guard let credential, matches, !credential.revoked, credential.expiresAt.map({ unixSeconds < $0 }) ?? true else { return nil }
        return credential.grant
    }

    private static let dummySalt = [UInt8](repeating: 0, count: 16)
    private static let dummyHash = [UInt8](repeating: 0, count: 32)
}
