import DejaHTTPClient
import Testing

@testable import DejaProviders
import DejaWire

/// Model names: the accepted shape, rejections that never echo the name, and the URL escaping of
/// names that reach a path.
@Suite struct ModelNameTests {
    static let realNames = [
        "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "o1-mini", "gpt-4.1", "claude-sonnet-4-5", "claude-3-5-sonnet-20240620",
        "models/gemini-2.5-flash", "gemini-embedding-2", "llama3.1:8b", "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "accounts/fireworks/models/x", "anthropic.claude-3-5-sonnet-20240620-v1:0", "sim/my-custom-model",
        "sentence-transformers/all-MiniLM-L6-v2", "ft:gpt-4o-mini:org@team+v2", "m", "a...b", "x/...",
        String(repeating: "a", count: ModelName.maxBytes),
    ]

    @Test(arguments: realNames)
    func acceptsRealNames(_ name: String) throws {
        #expect(ModelName.problem(name) == nil)
        #expect(ModelName.isValid(name))
        try ModelName.validate(name)
    }

    /// (name, expected problem). Every rejection is `invalid_model` on the named param.
    static let rejected: [(String, ModelName.Problem)] = [
        ("", .empty),
        (String(repeating: "a", count: ModelName.maxBytes + 1), .tooLong(bytes: 257)),
        (String(repeating: "é", count: 200), .tooLong(bytes: 400)),
        ("gpt 4o", .disallowedCharacter(offset: 3, bytes: 6)),
        ("gpt-4o\n", .disallowedCharacter(offset: 6, bytes: 7)),
        ("a\u{0}b", .disallowedCharacter(offset: 1, bytes: 3)),
        ("modèle", .disallowedCharacter(offset: 3, bytes: 7)),
        ("gpt?x=1", .disallowedCharacter(offset: 3, bytes: 7)),
        ("gpt#frag", .disallowedCharacter(offset: 3, bytes: 8)),
        ("gpt%2F..", .disallowedCharacter(offset: 3, bytes: 8)),
        ("a\\b", .disallowedCharacter(offset: 1, bytes: 3)),
        ("\"quoted\"", .disallowedCharacter(offset: 0, bytes: 8)),
        ("x🙂", .disallowedCharacter(offset: 1, bytes: 5)),
        ("..", .badSegment(bytes: 2)),
        (".", .badSegment(bytes: 1)),
        ("../etc/passwd", .badSegment(bytes: 13)),
        ("models/../../v1/files", .badSegment(bytes: 21)),
        ("a/./b", .badSegment(bytes: 5)),
        ("a/..", .badSegment(bytes: 4)),
        ("/gpt-4o", .badSegment(bytes: 7)),
        ("gpt-4o/", .badSegment(bytes: 7)),
        ("a//b", .badSegment(bytes: 4)),
        ("models/", .badSegment(bytes: 7)),
        ("/", .badSegment(bytes: 1)),
    ]

    @Test(arguments: rejected)
    func rejectsWithoutEchoingTheName(_ name: String, _ problem: ModelName.Problem) {
        #expect(ModelName.problem(name) == problem)
        #expect(!ModelName.isValid(name))
        do {
            try ModelName.validate(name)
            Issue.record("accepted \(name.debugDescription)")
        } catch {
            #expect(error.param == "model")
            #expect(error.code == "invalid_model")
            #expect(error.message.contains("'model'"))
            if name.utf8.count > 2 { #expect(!error.message.contains(name), "the message echoes the name: \(error.message)") }
        }
    }

    @Test func messagesSayWhatIsWrongAndHowLong() {
        #expect(ModelName.message(for: .empty) == "'model' must be a non-empty string")
        #expect(ModelName.message(for: .tooLong(bytes: 300)) == "'model' is too long: 300 bytes, at most 256 are allowed")
        #expect(ModelName.message(for: .disallowedCharacter(offset: 3, bytes: 6)).contains("at byte 3 of 6"))
        #expect(ModelName.message(for: .badSegment(bytes: 5), param: "input.model").hasPrefix("'input.model' (5 bytes)"))
    }

    @Test func validateNamesTheGivenParam() {
        #expect(throws: InvalidRequestError("'embedding_model' (2 bytes) has an empty, '.' or '..' segment between slashes", param: "embedding_model", code: "invalid_model")) {
            try ModelName.validate("..", param: "embedding_model")
        }
    }

    @Test func aHugeHostileNameCostsNothingAndIsNotEchoed() throws {
        let marker = "<script>EVIL</script>"
        let name = String(repeating: marker, count: 200_000)  // 4 MB
        let start = ContinuousClock.now
        #expect(ModelName.problem(name) == .tooLong(bytes: name.utf8.count))
        #expect(ContinuousClock.now - start < .milliseconds(100))
        let body = #"{"model":""# + name + #"","messages":[{"role":"user","content":"hi"}]}"#
        do {
            _ = try ChatRequest.parse(Array(body.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.param == "model")
            #expect(error.code == "invalid_model")
            #expect(!error.message.contains("EVIL"))
            #expect(error.message.utf8.count < 200)
        }
    }

    /// ChatRequest runs the validator: (model JSON, expected code; nil when accepted).
    @Test(arguments: [
        (#""gpt-4o-mini""#, nil as String?),
        (#""meta-llama/Llama-3.3-70B-Instruct-Turbo""#, nil),
        (#""""#, "invalid_model"),
        (#""../../admin""#, "invalid_model"),
        (#""gpt-4o\u0000""#, "invalid_model"),
        (#""gpt 4o""#, "invalid_model"),
        (#""a//b""#, "invalid_model"),
    ])
    func chatRequestValidatesTheModel(_ model: String, _ code: String?) {
        let body = #"{"model":"# + model + #","messages":[{"role":"user","content":"hi"}]}"#
        do {
            let request = try ChatRequest.parse(Array(body.utf8))
            #expect(code == nil, "accepted \(model)")
            #expect(ModelName.isValid(request.model))
        } catch {
            #expect(error.param == "model")
            #expect(error.code == code)
        }
    }

    @Test(arguments: [
        ("gemini-2.5-flash", "gemini-2.5-flash"),
        ("Llama_3.3~x", "Llama_3.3~x"),
        ("a:b", "a%3Ab"),
        ("a/b", "a%2Fb"),
        ("x@y+z", "x%40y%2Bz"),
        ("llama3.1:8b", "llama3.1%3A8b"),
        ("é ?#%", "%C3%A9%20%3F%23%25"),
        ("..", ".."),
        ("", ""),
    ])
    func pathEscapingKeepsOnlyUnreservedCharacters(_ text: String, _ escaped: String) {
        #expect(ModelName.pathEscaped(text) == escaped)
    }

    func geminiURL(_ model: String, method: String = "generateContent") throws(ProviderError) -> String {
        try GeminiProvider.url(
            baseURL: "https://generativelanguage.googleapis.com", apiVersion: "v1beta", model: model, method: method, provider: "gemini")
    }

    @Test func geminiURLsKeepTheModelsPrefixAndEscapeTheRest() throws {
        #expect(try geminiURL("models/gemini-2.5-flash") == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(try geminiURL("gemini-2.5-flash", method: "batchEmbedContents") == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:batchEmbedContents")
        let odd = try geminiURL("tuned/x:y@z+1")
        #expect(odd == "https://generativelanguage.googleapis.com/v1beta/models/tuned%2Fx%3Ay%40z%2B1:generateContent")
        // The escaped name is one path segment: the request target has exactly the expected path.
        let parsed = try UpstreamURL(odd)
        #expect(parsed.host == "generativelanguage.googleapis.com")
        #expect(parsed.target == "/v1beta/models/tuned%2Fx%3Ay%40z%2B1:generateContent")
        #expect(parsed.target.split(separator: "/").count == 3)
    }

    @Test(arguments: ["models/../../v1/files", "models/", "", "../x", "a b", "x?alt=media", "x#y", "models/a//b"])
    func geminiURLsRejectInvalidNames(_ model: String) {
        do {
            let url = try geminiURL(model)
            Issue.record("built \(url)")
        } catch {
            #expect(error.isInvalidRequest)
            #expect(error.provider == "gemini")
            if model.utf8.count > 2 { #expect(!error.message.contains(model)) }
        }
    }
}
