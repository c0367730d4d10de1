import Crypto

/// Hashing and constant-time comparison for secrets (tenant keys, the admin token): secrets are
/// kept only as SHA-256 digests, and digests are compared without early exit so response time
/// does not reveal how much of a guess was right.
enum SecretHash {
    static func sha256(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
