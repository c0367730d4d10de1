import Foundation
import HTTPTypes

/// What the native pass-through may forward: an allow-list of endpoints per wire format, a
/// normalised path, and the headers that may cross in each direction.
///
/// Only the inference endpoints Deja documents are open by default (chat/completions,
/// completions, embeddings and the models list for OpenAI-compatible providers; messages,
/// count_tokens and models for Anthropic; generateContent, streamGenerateContent, embedContent,
/// batchEmbedContents, countTokens and models for Gemini). Everything else (files, batches,
/// fine-tunes, cached contents, deletes) is 403 unless the operator adds it to the provider's
/// `passthrough_allow` list.
struct PassthroughPolicy: Sendable {
    /// The wire format behind a pass-through prefix.
    enum Family: String, Sendable {
        case openai, anthropic, gemini

        var credentialFamily: CredentialFamily {
            switch self {
            case .openai: .openAI
            case .anthropic: .anthropic
            case .gemini: .gemini
            }
        }
    }

    /// One allowed endpoint: a method and a path pattern relative to the pass-through prefix
    /// (`/chat/completions` for `/openai/v1/chat/completions`; `/v1/messages` for
    /// `/anthropic/v1/messages`; `/v1beta/models/*:generateContent` for Gemini). `*` matches
    /// within one path segment, `**` across segments.
    struct Rule: Sendable, Equatable, CustomStringConvertible {
        var method: String
        var pattern: String

        /// Parses `"POST /files"`; a lone path means any method.
        init?(_ text: String) {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            switch parts.count {
            case 1 where parts[0].hasPrefix("/"): method = "*"; pattern = String(parts[0])
            case 2 where parts[1].hasPrefix("/"): method = parts[0].uppercased(); pattern = String(parts[1])
            default: return nil
            }
        }

        func matches(method: String, path: String) -> Bool {
            (self.method == "*" || self.method == method) && PathGlob.matches(Array(pattern.utf8)[...], Array(path.utf8)[...])
        }

        var description: String { "\(method) \(pattern)" }
    }

    /// The endpoints open by default, per family.
    static let defaults: [Family: [Rule]] = [
        .openai: ["POST /chat/completions", "POST /completions", "POST /embeddings", "GET /models", "GET /models/**"].compactMap(Rule.init),
        .anthropic: ["POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models", "GET /v1/models/*"].compactMap(Rule.init),
        .gemini: ["v1beta", "v1"].flatMap { version in
            ["generateContent", "streamGenerateContent", "embedContent", "batchEmbedContents", "countTokens"].compactMap {
                Rule("POST /\(version)/models/*:\($0)")
            } + ["GET /\(version)/models", "GET /\(version)/models/*"].compactMap(Rule.init)
        },
    ]

    /// Longest path and query accepted, in bytes.
    static let maxPathBytes = 2048
    static let maxQueryBytes = 4096

    /// The operator's additions for each provider (by provider name).
    let extraRules: [String: [Rule]]

    func isAllowed(_ family: Family, provider: String, method: String, path: String) -> Bool {
        if Self.defaults[family]?.contains(where: { $0.matches(method: method, path: path) }) == true { return true }
        return extraRules[provider]?.contains(where: { $0.matches(method: method, path: path) }) == true
    }

    // MARK: Paths

    /// Why a path was refused.
    enum PathError: Error, Equatable {
        case notOriginForm, tooLong, encodedSeparator, dotSegment, emptySegment, invalidCharacter
    }

    /// The path with safe percent-escapes decoded, or an error when it could name something other
    /// than what it seems to: absolute-form targets, encoded `/`, `\` or `.`, `.`/`..` or empty
    /// segments, control or non-path characters.
    static func normalisedPath(_ raw: String) throws(PathError) -> String {
        let bytes = Array(raw.utf8)
        guard bytes.first == UInt8(ascii: "/") else { throw .notOriginForm }
        guard bytes.count <= maxPathBytes else { throw .tooLong }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            var b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let hi = Hex.value(bytes[i + 1]), let lo = Hex.value(bytes[i + 2]) else { throw .invalidCharacter }
                b = hi << 4 | lo
                if b == UInt8(ascii: "/") || b == UInt8(ascii: "\\") || b == UInt8(ascii: ".") { throw .encodedSeparator }
                guard isPathCharacter(b), b != UInt8(ascii: "/") else { throw .invalidCharacter }
                i += 3
            } else {
                guard isPathCharacter(b) || b == UInt8(ascii: "/") else { throw .invalidCharacter }
                i += 1
            }
            out.append(b)
        }
        // Segments: no "." or "..", no empty ones (a trailing slash is the only empty segment allowed).
        let segments = out.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            if segment.isEmpty {
                if index == segments.count - 1 { continue }
                throw .emptySegment
            }
            if segment.elementsEqual([UInt8(ascii: ".")]) || segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { throw .dotSegment }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 `pchar` minus `%` (escapes are decoded before this check).
    static func isPathCharacter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "@"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            true
        default: false
        }
    }

    /// The query to forward: bounded, printable, and without the `key=` member when it carried the
    /// caller's gateway key.
    static func forwardedQuery(_ query: String?, droppingKey: Bool) throws(PathError) -> String? {
        guard let query, !query.isEmpty else { return nil }
        guard query.utf8.count <= maxQueryBytes else { throw .tooLong }
        guard query.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else { throw .invalidCharacter }
        guard droppingKey else { return query }
        let kept = query.split(separator: "&").filter { !$0.hasPrefix("key=") }
        return kept.isEmpty ? nil : kept.joined(separator: "&")
    }

    // MARK: Headers

    /// Headers that describe one hop, not the message (RFC 9110 §7.6.1), those the client library
    /// recomputes, and cookies (the gateway has no session to pass on in either direction).
    static let strippedBothWays: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "cookie", "set-cookie", "set-cookie2",
    ]

    /// Names listed in a `Connection` header (also hop-by-hop).
    static func connectionListed(_ fields: some Sequence<(name: String, value: String)>) -> Set<String> {
        var names: Set<String> = []
        for field in fields where field.name.lowercased() == "connection" {
            for token in field.value.split(separator: ",") { names.insert(token.trimmingSpaces().lowercased()) }
        }
        return names
    }

    /// Upstream response headers about the operator's account (organisation, project, rate
    /// limits), kept from anonymous callers.
    static func isAccountHeader(_ lowercasedName: String) -> Bool {
        lowercasedName.hasPrefix("openai-organization") || lowercasedName.hasPrefix("openai-project")
            || lowercasedName.hasPrefix("x-ratelimit-") || lowercasedName.hasPrefix("anthropic-ratelimit-")
            || lowercasedName.hasPrefix("anthropic-organization") || lowercasedName.hasPrefix("x-goog-quota")
    }
}

/// Glob matching for allow-list patterns: `*` within a segment, `**` across segments.
/// Dynamic programming over (pattern token, text position): O(tokens × path length) time and
/// O(path length) memory whatever the pattern, so no pattern can make a request expensive.
enum PathGlob {
    private enum Token: Equatable {
        case byte(UInt8)
        case star
        case doubleStar
    }

    static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var tokens: [Token] = []
        var i = pattern.startIndex
        while i < pattern.endIndex {
            if pattern[i] == UInt8(ascii: "*") {
                if i + 1 < pattern.endIndex, pattern[i + 1] == UInt8(ascii: "*") {
                    tokens.append(.doubleStar)
                    i += 2
                } else {
                    tokens.append(.star)
                    i += 1
                }
            } else {
                tokens.append(.byte(pattern[i]))
                i += 1
            }
        }
        let t = Array(text)
        // row[j]: the tokens so far match t[0..<j].
        var row = [Bool](repeating: false, count: t.count + 1)
        row[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: t.count + 1)
            switch token {
            case .byte(let b):
                for j in 0..<t.count where row[j] && t[j] == b { next[j + 1] = true }
            case .star, .doubleStar:
                var reachable = false
                for j in 0...t.count {
                    if row[j] { reachable = true }
                    next[j] = reachable
                    if j < t.count, token == .star, t[j] == UInt8(ascii: "/") { reachable = false }
                }
            }
            row = next
        }
        return row[t.count]
    }
}
