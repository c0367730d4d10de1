import Synchronization

/// A W3C Trace Context (`traceparent`) identity: the trace a request belongs to and the span that
/// called it. Accepted from clients so the gateway's log lines and upstream calls join the
/// caller's trace; started afresh when the client sent none (or an invalid one).
public struct TraceContext: Sendable, Equatable {
    /// 32 lower-case hex digits, not all zero.
    public let traceID: String
    /// The caller's span (16 hex digits), nil when the trace started here.
    public let parentSpanID: String?
    /// The span the gateway reports as its own (16 hex digits): the parent of its upstream calls.
    public let spanID: String
    /// The trace flags (bit 0: sampled).
    public let flags: UInt8

    /// Parses a `traceparent` header (version 00 and future versions' first four fields); nil
    /// when it is malformed, which per the specification means starting a new trace.
    public init?(traceparent value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D else { return nil }
        let version = Array(bytes[0..<2])
        guard Self.isHex(version), version != Array("ff".utf8) else { return nil }
        if version == Array("00".utf8) { guard bytes.count == 55 else { return nil } } else if bytes.count > 55, bytes[55] != 0x2D { return nil }
        let trace = Array(bytes[3..<35]), parent = Array(bytes[36..<52]), flags = Array(bytes[53..<55])
        guard Self.isHex(trace), Self.isHex(parent), Self.isHex(flags), trace.contains(where: { $0 != 0x30 }), parent.contains(where: { $0 != 0x30 }) else {
            return nil
        }
        self.traceID = String(decoding: trace, as: UTF8.self)
        self.parentSpanID = String(decoding: parent, as: UTF8.self)
        self.flags = UInt8(String(decoding: flags, as: UTF8.self), radix: 16) ?? 0
        self.spanID = Self.randomHex(bytes: 8)
    }

    /// A new trace (sampled).
    public init() {
        self.traceID = Self.randomHex(bytes: 16)
        self.parentSpanID = nil
        self.spanID = Self.randomHex(bytes: 8)
        self.flags = 1
    }

    /// The header the gateway sends upstream: the same trace, the gateway's span as the parent.
    public var traceparent: String {
        let hex: [Character] = Array("0123456789abcdef")
        return "00-\(traceID)-\(spanID)-\(hex[Int(flags >> 4)])\(hex[Int(flags & 0xF)])"
    }

    /// Lower-case hex only (upper case is invalid in `traceparent`).
    private static func isHex(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// `count` (8 or 16) bytes of id as lower-case hex, never all zero.
    ///
    /// From a process-wide counter run through SplitMix64 with a random key: one atomic add
    /// per 8 bytes instead of a `getrandom(2)` call per byte on every request. Trace ids need to
    /// be unique and spread, not secret (W3C Trace Context, "random" flag aside).
    private static func randomHex(bytes count: Int) -> String {
        let hex: (UInt64) -> UInt8 = { n in n < 10 ? 0x30 + UInt8(n) : 0x57 + UInt8(n) }
        var out = [UInt8](repeating: 0x30, count: count * 2)
        var word = 0
        while word * 8 < count {
            var x = next()
            if word == 0, count == 8, x == 0 { x = 1 }
            for i in 0..<8 {
                out[word * 16 + i * 2] = hex((x >> (60 - UInt64(i) * 8)) & 0xF)
                out[word * 16 + i * 2 + 1] = hex((x >> (56 - UInt64(i) * 8)) & 0xF)
            }
            word += 1
        }
        if out.allSatisfy({ $0 == 0x30 }) { out[out.count - 1] = 0x31 }
        return String(decoding: out, as: UTF8.self)
    }

    private static let key = UInt64.random(in: 1...UInt64.max)
    private static let counter = Atomic<UInt64>(0)

    /// SplitMix64 of (key + n·golden ratio) for the next n: a bijection, so no two calls repeat.
    private static func next() -> UInt64 {
        var z = key &+ counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
