import Crypto

/// Issued client keys: `dj-<12 hex id>_<64 hex secret>`. The id is public (lists show it, the
/// gateway finds the record by it); the 256-bit secret is shown once and kept only as
/// SHA-256(salt ‖ secret) with a 16-byte random salt, so a leaked store reveals no usable key and
/// equal secrets never hash alike.
public enum KeyMaterial {
    public static let prefix = "dj-"
    static let idLength = 12
    static let secretLength = 64

    /// A new key: its plaintext (returned to the caller once) and what is stored.
    public struct Issued: Sendable {
        public let plaintext: String
        public let id: String
        public let salt: [UInt8]
        public let hash: [UInt8]
        public let display: String
    }

    public static func issue() -> Issued {
        var rng = SystemRandomNumberGenerator()
        let id = hex((0..<idLength / 2).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        let secret = hex((0..<secretLength / 2).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let plaintext = prefix + id + "_" + secret
        return Issued(plaintext: plaintext, id: id, salt: salt, hash: digest(salt: salt, secret: secret), display: prefix + id + "_…" + secret.suffix(4))
    }

    /// The id and secret of a presented key, nil when it does not have the issued shape.
    public static func parse(_ presented: String) -> (id: String, secret: String)? {
        let bytes = presented.utf8
        guard bytes.count == prefix.utf8.count + idLength + 1 + secretLength, presented.hasPrefix(prefix) else { return nil }
        let body = bytes.dropFirst(prefix.utf8.count)
        let id = body.prefix(idLength)
        guard body.dropFirst(idLength).first == UInt8(ascii: "_") else { return nil }
        let secret = body.dropFirst(idLength + 1)
        guard id.allSatisfy(isHex), secret.allSatisfy(isHex) else { return nil }
        return (String(decoding: id, as: UTF8.self), String(decoding: secret, as: UTF8.self))
    }

    /// True when `secret` hashes to the stored digest (compared without early exit).
    public static func verify(secret: String, salt: [UInt8], hash: [UInt8]) -> Bool {
        constantTimeEqual(digest(salt: salt, secret: secret), hash)
    }

    public static func digest(salt: [UInt8], secret: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        return Array(hasher.finalize())
    }

    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func isHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
