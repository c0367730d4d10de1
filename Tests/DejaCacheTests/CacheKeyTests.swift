import Testing

@testable import DejaCache
import DejaWire

@Suite struct CacheKeyTests {
    func fingerprint(_ json: String, scope: String = "tenant:a", model: String = "sim/m") throws -> RequestFingerprint {
        RequestFingerprint(request: try ChatRequest.parse(Array(json.utf8)), scope: scope, resolvedModel: model)
    }

    @Test func exactKeyIgnoresMemberOrderNumberSpellingAndIrrelevantFields() throws {
        let a = try fingerprint(#"{"model":"m","temperature":1,"messages":[{"role":"user","content":"Hi"}]}"#)
        let b = try fingerprint(#"{"messages":[{"content":"Hi","role":"user"}],"temperature":1.0,"model":"m","user":"u-9","stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(a.exactKey == b.exactKey)
        #expect(a.namespace == b.namespace)
        let c = try fingerprint(#"{"model":"m","temperature":0.5,"messages":[{"role":"user","content":"Hi"}]}"#)
        #expect(a.exactKey != c.exactKey)
        #expect(a.namespace != c.namespace)
    }

    @Test func scopeAndResolvedModelAreInBothKeys() throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":"Hi"}]}"#
        let a = try fingerprint(body)
        #expect(try fingerprint(body, scope: "tenant:b").exactKey != a.exactKey)
        #expect(try fingerprint(body, scope: "tenant:b").namespace != a.namespace)
        #expect(try fingerprint(body, model: "other/m").namespace != a.namespace)
    }

    @Test func namespaceCoversEverythingButTheFinalUserMessage() throws {
        let a = try fingerprint(#"{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"Q1"}]}"#)
        let b = try fingerprint(#"{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"Q2"}]}"#)
        let c = try fingerprint(#"{"model":"m","messages":[{"role":"system","content":"T"},{"role":"user","content":"Q1"}]}"#)
        #expect(a.namespace == b.namespace)
        #expect(a.exactKey != b.exactKey)
        #expect(a.namespace != c.namespace)
        #expect(b.queryText == "Q2")
    }

    @Test func queryTextJoinsTextPartsAndNonTextTurnsBypass() throws {
        let parts = try fingerprint(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]}]}"#)
        #expect(parts.queryText == "A\nB")
        #expect(parts.bypassReason == nil)
        let image = try fingerprint(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#)
        #expect(image.bypassReason != nil)
        let n = try fingerprint(#"{"model":"m","n":3,"messages":[{"role":"user","content":"Hi"}]}"#)
        #expect(n.bypassReason == "n > 1")
        let assistantLast = try fingerprint(#"{"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}"#)
        #expect(assistantLast.bypassReason != nil)
    }

    @Test func hexRoundTrip() throws {
        let key = try fingerprint(#"{"model":"m","messages":[{"role":"user","content":"Hi"}]}"#).exactKey
        #expect(key.description.count == 64)
        #expect(CacheKey(hex: key.description) == key)
        #expect(CacheKey(hex: "zz") == nil)
    }
}

@Suite struct StoredCompletionTests {
    static let body = #"{"id":"chatcmpl-1","object":"chat.completion","created":7,"model":"gpt","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there world"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6},"x-gateway":{"old":true}}"#

    @Test func rendersWithAFreshIdAndTheGatewayObject() throws {
        let stored = try #require(StoredCompletion(json: Array(Self.body.utf8)))
        let rendered = stored.render(id: "chatcmpl-new", created: 99, gateway: Array(#"{"cache_hit":true}"#.utf8))
        let object = try #require(try JSONParser.parse(rendered).objectValue)
        #expect(object["id"] == .string("chatcmpl-new"))
        #expect(object["created"] == .int(99))
        #expect(object["x-gateway"] == .object(JSONObject(["cache_hit": .bool(true)])))
        #expect(object["usage"]?.objectValue?["total_tokens"] == .int(6))
        #expect(object.keys.filter { $0 == "x-gateway" }.count == 1)
    }

    @Test func replayReassemblesToTheSameAnswer() throws {
        let stored = try #require(StoredCompletion(json: Array(Self.body.utf8)))
        let chunks = stored.replayChunks(id: "chatcmpl-r", created: 1, includeUsage: true)
        var assembler = ChatStreamAssembler()
        for chunk in chunks { assembler.add(chunk) }
        let completion = try #require(assembler.completion())
        #expect(completion["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["content"] == .string("Hello there world"))
        #expect(assembler.finish == "stop")
        #expect(try JSONParser.parse(chunks.last!).objectValue?["choices"] == .array([]))
    }

    @Test func rejectsWhatIsNotASingleChoiceCompletion() {
        #expect(StoredCompletion(json: Array("{}".utf8)) == nil)
        #expect(StoredCompletion(json: Array(#"{"object":"chat.completion","choices":[]}"#.utf8)) == nil)
        #expect(StoredCompletion(json: Array("not json".utf8)) == nil)
    }
}

@Suite struct LRUListTests {
    @Test func touchMovesToTheFrontAndRemovalRelinks() {
        var lru = LRUList()
        for id in 1...4 { lru.insertAtHead(UInt64(id)) }
        #expect(lru.oldestFirst() == [1, 2, 3, 4])
        lru.touch(1)
        #expect(lru.oldestFirst() == [2, 3, 4, 1])
        lru.remove(3)
        #expect(lru.oldestFirst() == [2, 4, 1])
        #expect(lru.tail == 2)
        #expect(lru.head == 1)
        lru.remove(2)
        lru.remove(1)
        lru.remove(4)
        #expect(lru.count == 0)
        #expect(lru.head == nil && lru.tail == nil)
    }
}
