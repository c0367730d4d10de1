import Foundation
import NIOCore

/// A JSON value with ordered object keys, serialized straight into a `ByteBuffer`.
///
/// Responses are written with this type rather than `JSONEncoder`: key order and whitespace must
/// match each provider's wire format byte for byte, and building bytes directly is cheap.
enum JSONValue: Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case float(Float)
    case double(Double)
    case bool(Bool)
    case null

    /// The value converted from a `JSONSerialization` result. Keys of dictionaries come out sorted,
    /// because `JSONSerialization` does not keep their order.
    static func from(any value: Any?) -> JSONValue {
        switch value {
        case nil: return .null
        case let s as String: return .string(s)
        case let n as NSNumber:
            if isBoolean(n) { return .bool(n.boolValue) }
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 1e15 { return .int(Int(d)) }
            return .double(d)
        case let a as [Any]: return .array(a.map { from(any: $0) })
        case let o as [String: Any]:
            return .object(o.keys.sorted().map { ($0, from(any: o[$0])) })
        default: return .null
        }
    }

    static func isBoolean(_ n: NSNumber) -> Bool {
        // JSONSerialization yields NSNumber for both; a boolean has the `c` (char) encoding.
        let t = String(cString: n.objCType)
        return t == "c" || t == "B"
    }
}

/// The whitespace conventions used by the three providers.
enum JSONStyle: Sendable {
    /// No whitespace at all (OpenAI stream chunks, Anthropic).
    case compact
    /// A space after every `:`, none after `,` (Gemini SSE chunks).
    case colonSpace
    /// Indented with the given number of spaces per level, `": "` between key and value
    /// (OpenAI and Gemini non-streaming bodies).
    case pretty(Int)
}

extension ByteBuffer {
    mutating func writeJSON(_ value: JSONValue, style: JSONStyle) {
        writeJSON(value, style: style, depth: 0)
    }

    private mutating func writeNewline(_ style: JSONStyle, depth: Int) {
        if case .pretty(let indent) = style {
            writeInteger(UInt8(ascii: "\n"))
            writeRepeatingByte(UInt8(ascii: " "), count: indent * depth)
        }
    }

    private mutating func writeJSON(_ value: JSONValue, style: JSONStyle, depth: Int) {
        switch value {
        case .object(let pairs):
            if pairs.isEmpty {
                writeStaticString("{}")
                return
            }
            writeInteger(UInt8(ascii: "{"))
            var first = true
            for (key, element) in pairs {
                if !first { writeInteger(UInt8(ascii: ",")) }
                first = false
                writeNewline(style, depth: depth + 1)
                writeJSONString(key)
                switch style {
                case .compact: writeInteger(UInt8(ascii: ":"))
                case .colonSpace, .pretty: writeStaticString(": ")
                }
                writeJSON(element, style: style, depth: depth + 1)
            }
            writeNewline(style, depth: depth)
            writeInteger(UInt8(ascii: "}"))
        case .array(let elements):
            if elements.isEmpty {
                writeStaticString("[]")
                return
            }
            writeInteger(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { writeInteger(UInt8(ascii: ",")) }
                first = false
                writeNewline(style, depth: depth + 1)
                writeJSON(element, style: style, depth: depth + 1)
            }
            writeNewline(style, depth: depth)
            writeInteger(UInt8(ascii: "]"))
        case .string(let s):
            writeJSONString(s)
        case .int(let i):
            writeString(String(i))
        case .float(let f):
            writeString(f.isFinite ? f.description : "0")
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 {
                    writeString(String(Int(d)))
                } else {
                    writeString(d.description)
                }
            } else {
                writeStaticString("0")
            }
        case .bool(let b):
            writeStaticString(b ? "true" : "false")
        case .null:
            writeStaticString("null")
        }
    }

    mutating func writeJSONString(_ s: String) {
        writeInteger(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { continue }
                if i > start { writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<i]))) }
                start = i + 1
                switch c {
                case UInt8(ascii: "\""): writeStaticString("\\\"")
                case UInt8(ascii: "\\"): writeStaticString("\\\\")
                case UInt8(ascii: "\n"): writeStaticString("\\n")
                case UInt8(ascii: "\r"): writeStaticString("\\r")
                case UInt8(ascii: "\t"): writeStaticString("\\t")
                case 0x08: writeStaticString("\\b")
                case 0x0C: writeStaticString("\\f")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    writeStaticString("\\u00")
                    writeInteger(hex[Int(c >> 4)])
                    writeInteger(hex[Int(c & 0xF)])
                }
            }
            if bytes.count > start { writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))) }
        }
        writeInteger(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The value serialized in the given style.
    func serialized(_ style: JSONStyle) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeJSON(self, style: style)
        return buffer
    }

    /// The value serialized compactly, as a `String`.
    var compactString: String {
        String(buffer: serialized(.compact))
    }
}
