import Testing

@testable import DejaProviders
import DejaWire

/// Seeded generators of hostile client input. Deterministic, so a failing case is reproducible
/// from its seed and index.
struct HostileGen {
    var rng: WireTest.SplitMix

    init(seed: UInt64) { rng = WireTest.SplitMix(state: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// Number literals that are valid JSON but hostile to integer and float conversions.
    static let numbers = [
        "0", "-0", "1", "-1", "0.5", "1.0", "1e3", "1E+2", "128", "129", "2147483647", "2147483648", "4294967296",
        "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "1e300", "-1e300", "1e400", "-1e400", "1e-400", "4.9e-324", "1.7976931348623157e308",
        "100", "-100", "100.0000001", "-100.5", "20", "21", "2", "2.0000001", "-2", "-2.5",
        "1" + String(repeating: "0", count: 400), "0." + String(repeating: "0", count: 400) + "1",
    ]

    /// Byte fragments that make a document invalid: non-JSON literals, broken numbers and escapes,
    /// lone surrogates, invalid UTF-8, raw control characters.
    static let poison: [[UInt8]] = [
        Array("NaN".utf8), Array("Infinity".utf8), Array("-Infinity".utf8), Array("nan".utf8), Array("undefined".utf8),
        Array("'single'".utf8), Array("01".utf8), Array("1.".utf8), Array(".5".utf8), Array("+1".utf8), Array("0x10".utf8),
        Array("1e".utf8), Array("-".utf8), Array("tru".utf8), Array("nul".utf8),
        Array(#""\ud800""#.utf8), Array(#""\udc00""#.utf8), Array(#""\ud800\u0041""#.utf8), Array(#""\ud800\""#.utf8),
        Array(#""\u12""#.utf8), Array(#""\x41""#.utf8), Array(#""\"#.utf8),
        [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        [0x22, 0xE2, 0x82, 0x22], [0x22, 0x01, 0x22], [0x22, 0x0A, 0x22], [0xEF, 0xBB, 0xBF], [0x00],
        Array("{,}".utf8), Array("[1,]".utf8), Array(#"{"a" 1}"#.utf8), Array(#"{"a":}"#.utf8), Array("]".utf8), Array("}".utf8),
    ]

    /// Strings that are valid JSON: escapes, a valid surrogate pair, unicode, sometimes large.
    mutating func string() -> String {
        switch int(0...9) {
        case 0: return ""
        case 1: return "\u{0}\u{1F}\"\\/\u{8}\u{C}\n\r\t"
        case 2: return "😀\u{D7FF}\u{E000}\u{10FFFF}é"
        case 3: return String(repeating: "a", count: chance(5) ? 256 << 10 : int(200...4000))
        case 4: return pick(["user", "assistant", "system", "tool", "function", "developer", "robot", "USER", "user "])
        case 5: return pick(["gpt-4o-mini", "../../etc", "a//b", "models/x", "", " ", "m\u{0}", String(repeating: "m", count: 300)])
        default: return String((0..<int(0...24)).map { _ in Character(Unicode.Scalar(UInt8(int(0x20...0x7E)))) })
        }
    }

    /// A random JSON value (always valid JSON), at most `depth` levels deep.
    mutating func value(depth: Int) -> JSONValue {
        let kind = depth <= 0 ? int(0...3) : int(0...6)
        switch kind {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2: return .number(pick(Self.numbers))
        case 3: return .string(string())
        case 4: return .array((0..<int(0...4)).map { _ in value(depth: depth - 1) })
        case 5:
            var o = JSONObject()
            for _ in 0..<int(0...4) { o.append(pick(["role", "content", "type", "text", "a", "", "role"]), value(depth: depth - 1)) }
            return .object(o)
        default:
            // A deep but legal chain.
            var v: JSONValue = .number("1")
            for _ in 0..<int(1...depth) { v = chance(50) ? .array([v]) : .object(JSONObject(["k": v])) }
            return v
        }
    }

    /// A document of arbitrary bytes built from JSON-ish fragments: mostly invalid, sometimes valid.
    mutating func document() -> [UInt8] {
        var out: [UInt8] = []
        switch int(0...5) {
        case 0:
            // Nesting far past the limit, balanced or not.
            let depth = int(100...3000)
            let open: UInt8 = chance(50) ? UInt8(ascii: "[") : UInt8(ascii: "{")
            if open == UInt8(ascii: "[") {
                out = Array(repeating: open, count: depth)
                if chance(50) { out += Array(repeating: UInt8(ascii: "]"), count: depth) }
            } else {
                for _ in 0..<depth { out += Array(#"{"a":"#.utf8) }
                out += Array("1".utf8)
                if chance(50) { out += Array(repeating: UInt8(ascii: "}"), count: depth) }
            }
        case 1:
            // A valid value with a poison fragment spliced in at a random place.
            out = JSONWriter.serialize(value(depth: 4))
            let at = int(0...out.count)
            out.insert(contentsOf: pick(Self.poison), at: at)
        case 2:
            // A valid chat request, truncated or with a byte flipped.
            out = Array(validRequest.utf8)
            if chance(50) {
                out = Array(out.prefix(int(0...out.count)))
            } else {
                out[int(0...(out.count - 1))] = UInt8(int(0...255))
            }
        case 3:
            // Random bytes.
            out = (0..<int(0...64)).map { _ in UInt8(int(0...255)) }
        case 4:
            // A request object whose members are random values (valid JSON, wrong shapes).
            var o = JSONObject()
            for key in Self.requestKeys where chance(60) { o.append(key, value(depth: 3)) }
            out = JSONWriter.serialize(.object(o))
        default:
            // A poison fragment as a member value of a valid request.
            out = Array(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"n":"#.utf8) + pick(Self.poison) + Array("}".utf8)
        }
        return out
    }

    static let requestKeys = [
        "model", "messages", "stream", "stream_options", "temperature", "top_p", "presence_penalty", "frequency_penalty", "n",
        "max_tokens", "max_completion_tokens", "seed", "top_logprobs", "logit_bias", "stop", "tools", "response_format",
    ]
}

let validRequest = #"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"temperature":0.5,"n":1,"max_tokens":10,"stop":["\n"],"seed":7}"#

@Suite struct HostileInputTests {
    /// A few thousand hostile documents: each parse returns a request or an `InvalidRequestError`
    /// (typed throws: nothing else can escape), with a bounded message, and all of them finish
    /// well within 5 s in a debug build.
    @Test(arguments: [UInt64(1), 2, 3])
    func hostileDocumentsNeverTrap(seed: UInt64) {
        var gen = HostileGen(seed: seed)
        let start = ContinuousClock.now
        var accepted = 0
        for _ in 0..<1_500 {
            let bytes = gen.document()
            let jsonError: JSONParseError?
            do {
                _ = try JSONParser.parse(bytes)
                jsonError = nil
            } catch {
                jsonError = error
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
            do {
                let request = try ChatRequest.parse(bytes)
                accepted += 1
                #expect(jsonError == nil)
                #expect(ModelName.isValid(request.model))
            } catch {
                #expect(!error.message.isEmpty)
                #expect(error.message.utf8.count < 1024, "\(error.message.prefix(200))")
                if jsonError != nil || bytes.isEmpty {
                    #expect(error.code == "invalid_json")
                    #expect(error.param == nil)
                }
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(accepted < 1_500)
    }

    /// Each field of a valid request replaced by a random value (wrong types, hostile numbers,
    /// giant strings, deep nesting): either the request is still valid, or the error names that
    /// very field.
    @Test(arguments: [UInt64(11), 12])
    func wrongTypesInEveryFieldAreNamed(seed: UInt64) throws {
        var gen = HostileGen(seed: seed)
        let base = try #require(try JSONParser.parse(Array(validRequest.utf8)).objectValue)
        let fields = HostileGen.requestKeys + [
            "messages[0]", "messages[1].role", "messages[1].content", "messages[1].content[0]", "stream_options.include_usage",
            "tools[0]",
        ]
        let start = ContinuousClock.now
        for round in 0..<150 {
            for field in fields {
                var body = base
                let value = gen.value(depth: 6)
                set(&body, field, value)
                let bytes = JSONWriter.serialize(.object(body))
                do {
                    let request = try ChatRequest.parse(bytes)
                    checkBounds(request)
                } catch {
                    let root = String(field.prefix { $0 != "[" && $0 != "." })
                    let param = error.param ?? "<nil>"
                    #expect(param.hasPrefix(root), "round \(round) field \(field): \(param) — \(error.message.prefix(120))")
                    #expect(error.message.utf8.count < 1024)
                }
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    /// Sets `field` (a top-level key or a simple `a[i].b` path) in a request body.
    func set(_ body: inout JSONObject, _ field: String, _ value: JSONValue) {
        switch field {
        case "messages[0]":
            var m = body["messages"]?.arrayValue ?? []
            m[0] = value
            body["messages"] = .array(m)
        case "messages[1].role", "messages[1].content":
            var m = body["messages"]?.arrayValue ?? []
            var o = m[1].objectValue ?? JSONObject()
            o[field.hasSuffix("role") ? "role" : "content"] = value
            m[1] = .object(o)
            body["messages"] = .array(m)
        case "messages[1].content[0]":
            var m = body["messages"]?.arrayValue ?? []
            var o = m[1].objectValue ?? JSONObject()
            o["content"] = .array([value])
            m[1] = .object(o)
            body["messages"] = .array(m)
        case "stream_options.include_usage":
            body["stream_options"] = .object(JSONObject(["include_usage": value]))
        case "tools[0]":
            body["tools"] = .array([value])
        default:
            body[field] = value
        }
    }

    /// A request that validated has every bounded field within its bounds.
    func checkBounds(_ request: ChatRequest) {
        let b = request.body
        func int(_ k: String) -> Int? { b[k].flatMap { $0.isNull ? nil : $0.intValue } }
        if let n = int("n") { #expect((1...128).contains(n)) }
        if let m = int("max_tokens") { #expect((1...Int(Int32.max)).contains(m)) }
        if let m = int("max_completion_tokens") { #expect((1...Int(Int32.max)).contains(m)) }
        if let t = int("top_logprobs") { #expect((0...20).contains(t)) }
        if let t = b["temperature"]?.doubleValue { #expect((0...2).contains(t)) }
        if case .array(let stop)? = b["stop"] { #expect(stop.count <= 4) }
        if case .object(let bias)? = b["logit_bias"] {
            #expect(bias.count <= 300)
            for m in bias { #expect((-100...100).contains(m.value.doubleValue ?? .nan)) }
        }
        #expect(ModelName.isValid(request.model))
    }

    static func request(_ extra: String) -> String {
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"# + extra + "}"
    }

    /// (member, expected param, expected code; param nil = accepted). Bounds from OpenAI's
    /// reference (see ChatRequest).
    static let numberCases: [(String, String?, String?)] = [
        (#""n":1"#, nil, nil), (#""n":128"#, nil, nil), (#""n":0"#, "n", "integer_below_min_value"),
        (#""n":129"#, "n", "integer_above_max_value"), (#""n":-1"#, "n", "integer_below_min_value"),
        (#""n":1e300"#, "n", "integer_above_max_value"), (#""n":-1e300"#, "n", "integer_below_min_value"),
        (#""n":9223372036854775807"#, "n", "integer_above_max_value"), (#""n":9223372036854775808"#, "n", "integer_above_max_value"),
        (#""n":1e400"#, "n", "integer_above_max_value"), (#""n":1.5"#, "n", "invalid_type"), (#""n":"1""#, "n", "invalid_type"),
        (#""n":[1]"#, "n", "invalid_type"), (#""n":2.0"#, nil, nil), (#""n":null"#, nil, nil),
        (#""max_tokens":2147483647"#, nil, nil), (#""max_tokens":2147483648"#, "max_tokens", "integer_above_max_value"),
        (#""max_tokens":0"#, "max_tokens", "integer_below_min_value"), (#""max_tokens":1e20"#, "max_tokens", "integer_above_max_value"),
        (#""max_completion_tokens":4294967296"#, "max_completion_tokens", "integer_above_max_value"),
        (#""max_completion_tokens":-5"#, "max_completion_tokens", "integer_below_min_value"),
        (#""seed":-9223372036854775808"#, nil, nil), (#""seed":9223372036854775807"#, nil, nil), (#""seed":0"#, nil, nil),
        (#""seed":9223372036854775808"#, "seed", "integer_above_max_value"), (#""seed":-9223372036854775809"#, "seed", "integer_below_min_value"),
        (#""seed":1e300"#, "seed", "integer_above_max_value"), (#""seed":0.5"#, "seed", "invalid_type"),
        (#""top_logprobs":0"#, nil, nil), (#""top_logprobs":20"#, nil, nil), (#""top_logprobs":21"#, "top_logprobs", "integer_above_max_value"),
        (#""top_logprobs":-1"#, "top_logprobs", "integer_below_min_value"), (#""top_logprobs":true"#, "top_logprobs", "invalid_type"),
        (#""temperature":2"#, nil, nil), (#""temperature":1e400"#, "temperature", "decimal_above_max_value"),
        (#""temperature":-1e400"#, "temperature", "decimal_below_min_value"), (#""temperature":2.0000001"#, "temperature", "decimal_above_max_value"),
        (#""temperature":"hot""#, "temperature", "invalid_type"), (#""top_p":1.0000001"#, "top_p", "decimal_above_max_value"),
        (#""presence_penalty":-2.5"#, "presence_penalty", "decimal_below_min_value"),
        (#""frequency_penalty":1e300"#, "frequency_penalty", "decimal_above_max_value"),
        (#""logit_bias":{"50256":-100,"15":100,"7":0.5}"#, nil, nil), (#""logit_bias":{"50256":-101}"#, "logit_bias", "invalid_value"),
        (#""logit_bias":{"1":1e400}"#, "logit_bias", "invalid_value"), (#""logit_bias":{"1":"5"}"#, "logit_bias", "invalid_value"),
        (#""logit_bias":[1]"#, "logit_bias", "invalid_type"), (#""logit_bias":null"#, nil, nil),
        (#""stop":["a","b","c","d"]"#, nil, nil), (#""stop":["a","b","c","d","e"]"#, "stop", "array_above_max_length"),
        (#""stop":"x""#, nil, nil), (#""stop":[1]"#, "stop", nil),
    ]

    @Test(arguments: numberCases)
    func numbersAreBoundedWithNamedErrors(_ member: String, _ param: String?, _ code: String?) {
        do {
            _ = try ChatRequest.parse(Array(Self.request(member).utf8))
            #expect(param == nil, "accepted \(member)")
        } catch {
            #expect(error.param == param, "\(member): \(error.message)")
            #expect(error.code == code, "\(member): \(error.message)")
        }
    }

    @Test func logitBiasAllowsAtMost300Entries() {
        func bias(_ count: Int) -> String {
            #""logit_bias":{"# + (0..<count).map { #""\#($0)":1"# }.joined(separator: ",") + "}"
        }
        #expect(throws: Never.self) { try ChatRequest.parse(Array(Self.request(bias(300)).utf8)) }
        #expect(throws: InvalidRequestError("'logit_bias' may have at most 300 entries, got 301", param: "logit_bias", code: "invalid_value")) {
            try ChatRequest.parse(Array(Self.request(bias(301)).utf8))
        }
    }

    @Test func hugeIntegerLiteralsAreNotEchoed() {
        let digits = String(repeating: "9", count: 100_000)
        do {
            _ = try ChatRequest.parse(Array(Self.request(#""max_tokens":"# + digits).utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.param == "max_tokens")
            #expect(error.code == "integer_above_max_value")
            #expect(error.message.utf8.count < 200)
        }
    }

    @Test func unknownRolesAreEchoedOnlyWhenShortAndPrintable() {
        func message(_ role: String) -> String {
            do {
                _ = try ChatRequest.parse(Array(#"{"model":"m","messages":[{"role":"\#(role)","content":"x"}]}"#.utf8))
                return ""
            } catch {
                #expect(error.param == "messages[0].role")
                return error.message
            }
        }
        #expect(message("robot").contains("'robot'"))
        let long = String(repeating: "r", count: 10_000)
        #expect(!message(long).contains("rrrr"))
        #expect(!message(#"a\u0000b"#).contains("a\u{0}b"))
    }

    // MARK: The JSON parser

    @Test func nestingIsLimitedNotRecursedInto() throws {
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        _ = try JSONParser.parse(Array(ok.utf8))
        let start = ContinuousClock.now
        for opener in ["[", #"{"a":"#] {
            let deep = String(repeating: opener, count: 1_000_000)
            #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8)) }
            do {
                _ = try JSONParser.parse(Array(deep.utf8))
            } catch {
                #expect(error.message == "JSON nested deeper than 128 levels")
            }
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        let body = #"{"model":"m","messages":"# + String(repeating: "[", count: 200) + "}"
        #expect(throws: InvalidRequestError.self) { try ChatRequest.parse(Array(body.utf8)) }
    }

    @Test(arguments: [
        "NaN", "Infinity", "-Infinity", "[NaN]", #"{"a":Infinity}"#, "01", "1.", ".5", "+1", "-", "1e", "1e+", "0x1F", "--1", "1.e3",
    ])
    func nonJSONNumbersAreRejected(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test(arguments: [
        "1e300", "-1e400", "9223372036854775808", "-0", "1E-7", "123456789012345678901234567890.5e-10",
    ])
    func hugeNumbersKeepTheirText(_ text: String) throws {
        #expect(try JSONParser.parse(Array(text.utf8)) == .number(text))
    }

    @Test func intValueNeverTraps() {
        let cases: [(String, Int?)] = [
            ("1e300", nil), ("-1e300", nil), ("1e400", nil), ("9223372036854775807", Int.max), ("9223372036854775808", nil),
            ("-9223372036854775808", Int.min), ("-9223372036854775809", nil), ("-1", -1), ("1.0", 1), ("1.5", nil), ("1e3", 1000),
            ("9e15", nil), ("8999999999999999.0", 8_999_999_999_999_999), ("4.9e-324", nil),
        ]
        for (text, expected) in cases { #expect(JSONValue.number(text).intValue == expected, "\(text)") }
        for (text, expected) in [("1e300", Int32.max), ("-5", 0), ("9223372036854775807", Int32.max), ("12", 12), ("1.9", 1)] {
            #expect(TokenCount.read(.number(text)) == Int(expected), "\(text)")
        }
        #expect(TokenCount.read(.string("5")) == 0)
        #expect(TokenCount.sum(Int(Int32.max), Int(Int32.max), 5) == Int(Int32.max))
    }

    @Test(arguments: [
        #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800\ud800""#, #""x\udfff""#, #""\ud800"#, #""\u12""#, #""\uZZZZ""#,
        #""\x41""#, #""\""#,
    ])
    func brokenEscapesAndLoneSurrogatesAreRejected(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
        let body = #"{"model":"m","messages":[{"role":"user","content":"# + text + "}]}"
        do {
            _ = try ChatRequest.parse(Array(body.utf8))
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == "invalid_json")
        }
    }

    @Test func validSurrogatePairsDecode() throws {
        #expect(try JSONParser.parse(Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xC1, 0xBF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE],
        [0xE2, 0x82], [0x80], [0xF0, 0x9F, 0x98],
    ] as [[UInt8]])
    func invalidUTF8IsRejectedNeverReplaced(_ bad: [UInt8]) {
        for prefix in ["", "a", #"\n"#] {
            let doc = [0x22] + Array(prefix.utf8) + bad + [0x22]
            do {
                _ = try JSONParser.parse(doc)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.message == "string is not valid UTF-8")
            }
        }
    }

    @Test func giantStringsParseFast() throws {
        let big = String(repeating: "abcdefgh", count: 1 << 20)  // 8 MiB
        let start = ContinuousClock.now
        let value = try JSONParser.parse(Array(("\"" + big + "\"").utf8))
        #expect(value.stringValue?.utf8.count == big.utf8.count)
        let escaped = try JSONParser.parse(Array(("\"" + String(repeating: #"\n"#, count: 1 << 20) + "\"").utf8))
        #expect(escaped.stringValue?.utf8.count == 1 << 20)
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    /// 100k duplicate "model" members: replacing the model (as every adapter does) stays linear.
    @Test func duplicateMembersDoNotMakeRewritingQuadratic() throws {
        var text = #"{"model":"m","messages":[{"role":"user","content":"hi"}]"#
        text += String(repeating: #","model":"m""#, count: 100_000) + "}"
        let request = try ChatRequest.parse(Array(text.utf8))
        let start = ContinuousClock.now
        let upstream = request.upstreamBody(model: "real")
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(upstream.members.filter { $0.key == "model" }.count == 1)
        #expect(upstream["model"] == .string("real"))
        #expect(upstream.keys.first == "model")
    }
}
