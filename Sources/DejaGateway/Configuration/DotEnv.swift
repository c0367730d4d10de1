import Foundation

/// A `.env` file (the habit of the gateways Deja replaces): `NAME=value` lines read at start-up
/// from the working directory, beneath the real environment, which always wins.
///
/// The syntax is python-dotenv's common subset: blank lines and `#` comments, an optional
/// `export ` prefix, values bare (an inline ` #` starts a comment), in single quotes (literal) or
/// in double quotes (`\n`, `\t`, `\"`, `\\` escapes). A line that is none of these is an error
/// naming the line, so a typo is not silently ignored.
public enum DotEnv {
    /// The largest `.env` read (a configuration file, not a data file).
    public static let maximumBytes = 1 << 20

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { ".env line \(line): \(reason)" }
    }

    /// The variables of a `.env` text, in order (a later line overrides an earlier one).
    public static func parse(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        // "\r\n" is one Character in Swift: normalise line ends before splitting.
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        for (index, raw) in normalised.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw[...]
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else { throw ParseError(line: index + 1, reason: "expected NAME=value") }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)),
                name.unicodeScalars.allSatisfy({ $0 == "_" || $0 == "." || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) })
            else {
                throw ParseError(line: index + 1, reason: "'\(name)' is not a variable name")
            }
            values[name] = try value(line[line.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" }), line: index + 1)
        }
        return values
    }

    private static func value(_ text: Substring, line: Int) throws -> String {
        guard let quote = text.first, quote == "\"" || quote == "'" else {
            // Bare: up to an inline comment, trailing blanks dropped.
            var bare = text
            if let hash = bare.range(of: " #") ?? bare.range(of: "\t#") { bare = bare[..<hash.lowerBound] }
            return bare.trimmingCharacters(in: .whitespaces)
        }
        var out = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let c = text[index]
            if c == quote {
                let rest = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") else { throw ParseError(line: line, reason: "unexpected text after the closing quote") }
                return out
            }
            if quote == "\"", c == "\\", text.index(after: index) < text.endIndex {
                index = text.index(after: index)
                switch text[index] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(text[index])
                }
            } else {
                out.append(c)
            }
            index = text.index(after: index)
        }
        throw ParseError(line: line, reason: "unterminated quoted value")
    }

    /// The process environment over the `.env` file in `directory` (when there is one).
    public static func environment(
        directory: String = FileManager.default.currentDirectoryPath, process: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [String: String] {
        let path = (directory as NSString).appendingPathComponent(".env")
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return process }
        if let size = attributes[.size] as? Int, size > maximumBytes {
            throw ConfigurationError("\(path): larger than \(maximumBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(path): cannot be read as UTF-8 text")
        }
        do {
            return try parse(text).merging(process) { _, environment in environment }
        } catch let error as ParseError {
            throw ConfigurationError("\(path): \(error)")
        }
    }
}
