import Testing
@testable import DejaHTTPClient

@Suite struct UpstreamURLTests {
    @Test func splitsSchemeHostPortAndTarget() throws {
        let url = try UpstreamURL("https://api.openai.com/v1/chat/completions?x=1#frag")
        #expect(url.scheme == .https)
        #expect(url.host == "api.openai.com")
        #expect(url.port == 443)
        #expect(url.target == "/v1/chat/completions?x=1")
        #expect(url.hostHeader == "api.openai.com")
    }

    @Test func explicitPortsIPv6AndEmptyPaths() throws {
        let local = try UpstreamURL("HTTP://127.0.0.1:8081")
        #expect(local.scheme == .http && local.host == "127.0.0.1" && local.port == 8081 && local.target == "/")
        #expect(local.hostHeader == "127.0.0.1:8081")
        let v6 = try UpstreamURL("http://[::1]:9000/v1?q")
        #expect(v6.host == "::1" && v6.port == 9000 && v6.target == "/v1?q")
        #expect(v6.hostHeader == "[::1]:9000")
        let query = try UpstreamURL("http://h?a=b")
        #expect(query.target == "/?a=b" && query.port == 80)
    }

    @Test(arguments: [
        "ftp://host/x", "host/x", "http://", "http://:80/x", "http://user:pw@host/x", "http://host:0/",
        "http://host:99999/", "http://host:8a/", "http://[::1/x", "http://host/a b",
    ])
    func rejectsWhatCannotBeUsed(_ text: String) {
        #expect(throws: UpstreamClientError.self) { try UpstreamURL(text) }
    }
}
