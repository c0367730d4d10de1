import Synchronization

/// Fresh request ids: a random per-process prefix plus a counter, so generating one is an atomic
/// increment and a few string appends rather than a UUID per request.
enum RequestIDGenerator {
    private static let prefix: String = {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<8).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "req_\(prefix)\(String(n, radix: 36))"
    }
}
