#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line: `timestamp` (UTC, RFC 3339 with
/// milliseconds), `level`, `logger`, `message`, then the metadata as top-level fields.
///
/// Metadata keys are flattened for log pipelines: the `deja.` prefix is dropped and dots become
/// underscores (`deja.request.id` → `request_id`). Values under keys that carry secrets
/// (authorization, API keys, tokens) are always replaced by `[redacted]`; values under keys that
/// carry prompt or answer text are replaced unless `redactPrompts` is off. A line is written with
/// one `write(2)` so lines from concurrent requests never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    public let redactPrompts: Bool
    private let sink: LineSink

    /// Where lines go: standard error by default; tests collect them.
    public final class LineSink: Sendable {
        private let write: @Sendable ([UInt8]) -> Void
        public init(_ write: @escaping @Sendable ([UInt8]) -> Void) { self.write = write }
        func emit(_ line: [UInt8]) { write(line) }

        /// Standard error, one `write(2)` per line (a pipe keeps writes up to PIPE_BUF whole).
        /// A full non-blocking pipe is waited on for up to 100 ms per attempt, then the rest of
        /// the line is dropped with a newline, so the next line still starts on its own.
        public static let standardError = LineSink { line in
            line.withUnsafeBytes { raw in
                var offset = 0
                var waits = 0
                while offset < raw.count {
                    let n = systemWrite(2, raw.baseAddress! + offset, raw.count - offset)
                    if n > 0 {
                        offset += n
                        continue
                    }
                    if n < 0, errno == EINTR { continue }
                    if n < 0, errno == EAGAIN || errno == EWOULDBLOCK, waits < 3 {
                        waits += 1
                        var fd = pollfd(fd: 2, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&fd, 1, 100)
                        continue
                    }
                    if offset > 0 { _ = systemWrite(2, "\n", 1) }
                    return
                }
            }
        }
    }

    public init(label: String, level: Logger.Level = .info, redactPrompts: Bool = true, sink: LineSink = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.redactPrompts = redactPrompts
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Keys whose values are secrets: never written.
    static let secretKeys: Set<String> = ["authorization", "api_key", "apikey", "x_api_key", "token", "admin_token", "secret", "password", "key_secret", "provider_key"]
    /// Keys whose values are prompt or answer text: written only with `redactPrompts` off.
    static let promptKeys: Set<String> = ["prompt", "messages", "content", "input", "completion", "answer", "question", "body"]

    public func log(event: LogEvent) {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: #"{"timestamp":""#.utf8)
        Self.appendTimestamp(&out)
        out.append(contentsOf: #"","level":""#.utf8)
        out.append(contentsOf: event.level.rawValue.utf8)
        out.append(contentsOf: #"","logger":"#.utf8)
        Self.appendString(&out, label)
        out.append(contentsOf: #","message":"#.utf8)
        Self.appendString(&out, event.message.description)
        // Fields by name; on a clash the event's value wins over the provider's over the
        // handler's (a stable sort keeps that order among equal names; the last one is written).
        var fields: [(name: String, value: Logger.Metadata.Value)] = []
        fields.reserveCapacity(metadata.count + (event.metadata?.count ?? 0) + 4)
        for (key, value) in metadata { fields.append((Self.fieldName(key), value)) }
        if let provided = metadataProvider?.get() { for (key, value) in provided { fields.append((Self.fieldName(key), value)) } }
        if let extra = event.metadata { for (key, value) in extra { fields.append((Self.fieldName(key), value)) } }
        let ordered = fields.enumerated().sorted { $0.element.name != $1.element.name ? $0.element.name < $1.element.name : $0.offset < $1.offset }
        for (index, field) in ordered.enumerated() {
            let (name, value) = (field.element.name, field.element.value)
            if index + 1 < ordered.count, ordered[index + 1].element.name == name { continue }
            if name == "timestamp" || name == "level" || name == "logger" || name == "message" { continue }
            out.append(0x2C)
            Self.appendString(&out, name)
            out.append(0x3A)
            if Self.secretKeys.contains(name) || name.hasSuffix("_api_key") || (redactPrompts && Self.promptKeys.contains(name)) {
                out.append(contentsOf: #""[redacted]""#.utf8)
            } else {
                Self.appendValue(&out, value)
            }
        }
        out.append(contentsOf: "}\n".utf8)
        sink.emit(out)
    }

    /// `deja.request.id` → `request_id` (most keys need no change and are returned as they are).
    static func fieldName(_ key: String) -> String {
        var utf8 = Array(key.utf8)
        let prefixed = utf8.count > 5 && utf8[0] == 0x64 && utf8[1] == 0x65 && utf8[2] == 0x6A && utf8[3] == 0x61 && utf8[4] == 0x2E  // "deja."
        var changed = prefixed
        for i in utf8.indices {
            switch utf8[i] {
            case 0x2E, 0x2D:
                utf8[i] = 0x5F
                changed = true
            case 0x41...0x5A:
                utf8[i] += 0x20
                changed = true
            default: break
            }
        }
        guard changed else { return key }
        return String(decoding: prefixed ? utf8[5...] : utf8[...], as: UTF8.self)
    }

    static func appendValue(_ out: inout [UInt8], _ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text):
            // Always a string, whatever it looks like: a field's JSON type must not depend on
            // its value (a client's request id "12345" would otherwise flip the index mapping).
            appendString(&out, text)
        case .stringConvertible(let convertible):
            let text = convertible.description
            // Concrete types only: a cast to `any BinaryInteger` walks the conformance tables.
            if convertible is LogNumber || convertible is Int || convertible is Bool || convertible is Int64 || convertible is UInt64
                || ((convertible is Double || convertible is Float) && isJSONNumber(text))
            {
                out.append(contentsOf: text.utf8)
            } else {
                appendString(&out, text)
            }
        case .array(let values):
            out.append(0x5B)
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(0x2C) }
                appendValue(&out, v)
            }
            out.append(0x5D)
        case .dictionary(let dict):
            out.append(0x7B)
            for (i, (k, v)) in dict.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(0x2C) }
                appendString(&out, k)
                out.append(0x3A)
                appendValue(&out, v)
            }
            out.append(0x7D)
        }
    }

    /// A plain decimal number as JSON allows it (no leading zeros, no `nan`/`inf`, ≤ 32 chars).
    static func isJSONNumber(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard !b.isEmpty, b.count <= 32 else { return false }
        var i = 0
        if b[i] == 0x2D { i += 1 }
        guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return false }
        if b[i] == 0x30, i + 1 < b.count, b[i + 1] >= 0x30, b[i + 1] <= 0x39 { return false }
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        if i < b.count, b[i] == 0x2E {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            if i == start { return false }
        }
        return i == b.count
    }

    static func appendString(_ out: inout [UInt8], _ text: String) {
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// `2026-12-06T21:04:05.123Z`.
    static func appendTimestamp(_ out: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) { out.append(UInt8(0x30 + v / 10)); out.append(UInt8(0x30 + v % 10)) }
        let year = Int(parts.tm_year) + 1900
        out.append(contentsOf: String(year).utf8)
        out.append(0x2D); two(parts.tm_mon + 1)
        out.append(0x2D); two(parts.tm_mday)
        out.append(0x54); two(parts.tm_hour)
        out.append(0x3A); two(parts.tm_min)
        out.append(0x3A); two(parts.tm_sec)
        let millis = Int(now.tv_nsec / 1_000_000)
        out.append(0x2E)
        out.append(UInt8(0x30 + millis / 100)); out.append(UInt8(0x30 + (millis / 10) % 10)); out.append(UInt8(0x30 + millis % 10))
        out.append(0x5A)
    }
}

/// A number written bare in JSON logs, with a fixed number of decimals and no exponent
/// (`12.500`, `0.00012500`): for fields a log pipeline indexes as numbers.
public struct LogNumber: CustomStringConvertible, Sendable {
    public let description: String

    public init(_ value: Double, places: Int) {
        guard value.isFinite else {
            description = "0"
            return
        }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15, places > 0 else {
            description = String(Int64(max(-9e15, min(9e15, value.rounded()))))
            return
        }
        let whole = Int64(scaled) / Int64(scale)
        var fraction = String(Int64(scaled) % Int64(scale))
        while fraction.count < places { fraction = "0" + fraction }
        description = (value < 0 ? "-" : "") + String(whole) + "." + fraction
    }
}

/// `write(2)` under the name each C library gives it.
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

/// How `deja serve` writes its logs (`LOG_FORMAT`; `LOG_PRETTY=true` asks for text). Unset:
/// text when standard error is a terminal (a person reading), JSON when it is not (a collector).
public enum LogFormat: String, Sendable, CaseIterable {
    case json
    case text
}
