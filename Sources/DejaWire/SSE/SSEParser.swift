/// One server-sent event: its `event:` name (nil when absent) and its joined `data:` lines.
public struct SSEEvent: Sendable, Hashable {
    public var event: String?
    public var data: [UInt8]

    public init(event: String? = nil, data: [UInt8]) {
        self.event = event
        self.data = data
    }

    /// True for OpenAI's end-of-stream sentinel `data: [DONE]`.
    public var isDoneSentinel: Bool { data.elementsEqual("[DONE]".utf8) }
}

/// An incremental parser for `text/event-stream` (the WHATWG grammar): feed it bytes as they
/// arrive, in any split, and take complete events out. Handles `\n`, `\r\n` and `\r` line endings
/// (Gemini frames events with `\r\n\r\n`), `event:` names, multi-line `data:`, comments and the
/// optional space after the colon.
public struct SSEParser: Sendable {
    /// The largest event accepted, in bytes: one line (of any field, comments included) or the
    /// joined `data:` of one event. A stream that exceeds it is malformed rather than a memory
    /// sink; the check runs while scanning, so a line with no end is never buffered past the cap
    /// plus one `feed`.
    public var maxEventBytes: Int

    private var buffer: [UInt8] = []
    private var scanStart = 0
    private var pendingEvent: String?
    private var pendingData: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false

    public init(maxEventBytes: Int = 8 << 20) {
        self.maxEventBytes = Swift.max(0, maxEventBytes)
    }

    public enum ParseError: Error, Sendable { case eventTooLarge }

    /// Appends bytes and returns every event they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(ParseError) -> [SSEEvent] {
        buffer.append(contentsOf: bytes)
        var events: [SSEEvent] = []
        var lineStart = 0
        var i = scanStart
        while i < buffer.count {
            let b = buffer[i]
            if b == 0x0A && lastWasCR && i == lineStart {
                // The LF of a CRLF pair whose CR already ended the line.
                lastWasCR = false
                lineStart = i + 1
                i += 1
                continue
            }
            lastWasCR = false
            if b == 0x0A || b == 0x0D {
                if i - lineStart > maxEventBytes { throw .eventTooLarge }
                if let event = try processLine(buffer[lineStart..<i]) { events.append(event) }
                lastWasCR = b == 0x0D
                lineStart = i + 1
            }
            i += 1
        }
        if lineStart > 0 { buffer.removeFirst(lineStart) }
        scanStart = buffer.count
        // The unfinished line so far, plus the data it would join.
        if buffer.count + pendingData.count > maxEventBytes { throw .eventTooLarge }
        return events
    }

    private mutating func processLine(_ line: ArraySlice<UInt8>) throws(ParseError) -> SSEEvent? {
        if line.isEmpty {
            defer {
                pendingEvent = nil
                pendingData = []
                hasData = false
            }
            guard hasData else { return nil }
            return SSEEvent(event: pendingEvent, data: pendingData)
        }
        if line.first == UInt8(ascii: ":") { return nil }
        var field: ArraySlice<UInt8> = line
        var value: ArraySlice<UInt8> = []
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[line.startIndex..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        }
        if field.elementsEqual("data".utf8) {
            // Joined data lines (with their "\n" separators) stay within the cap too.
            if pendingData.count + value.count + (hasData ? 1 : 0) > maxEventBytes { throw .eventTooLarge }
            if hasData { pendingData.append(0x0A) }
            pendingData.append(contentsOf: value)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            pendingEvent = String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}
