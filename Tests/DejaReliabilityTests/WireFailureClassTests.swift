import Foundation
import NIOHTTP1
import Testing

@testable import DejaProviders
@testable import DejaReliability

/// Each provider's real error answers (Tests/Fixtures/wire, provenance in its SOURCES.md) go
/// through the adapter's own error path and come out in the class the executor acts on.
@Suite struct WireFailureClassTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/wire")

    static func fixture(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(path)))
    }

    @Test func anthropicOverloaded529IsDegradedAndTransient() throws {
        let error = UpstreamHTTP.statusError(
            529, provider: "anthropic", headers: [:], body: try Self.fixture("anthropic/error-529-overloaded.json"), errorParser: AnthropicErrorBody.parse)
        #expect(FailureClass(error) == .degraded)
        #expect(FailureClass.isTransient(error))
        #expect(error.upstreamType == "overloaded_error")
    }

    @Test func anthropicInvalidRequestIsRejectedAndNotRetried() throws {
        let error = UpstreamHTTP.statusError(
            400, provider: "anthropic", headers: [:], body: try Self.fixture("anthropic/error-400-invalid-request.json"), errorParser: AnthropicErrorBody.parse)
        #expect(FailureClass(error) == .rejected)
        #expect(!FailureClass.isTransient(error))
    }

    @Test func geminiResourceExhaustedIsALocalRateLimit() throws {
        let error = UpstreamHTTP.statusError(
            429, provider: "gemini", headers: [:], body: try Self.fixture("gemini/error-429-resource-exhausted.json"), errorParser: GeminiErrorBody.parse)
        #expect(FailureClass(error) == .rateLimited)
        #expect(FailureClass.isTransient(error))
        // The recording carries no RetryInfo; with one (the documented google.rpc.RetryInfo
        // detail) the adapter keeps its delay as the Retry-After.
        let withRetryInfo = #"{"error":{"code":429,"message":"Resource exhausted.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}"#
        #expect(GeminiErrorBody.retryDelaySeconds(Array(withRetryInfo.utf8)) == "7")
    }

    @Test func geminiNotFoundIsRejected() throws {
        let error = UpstreamHTTP.statusError(
            404, provider: "gemini", headers: [:], body: try Self.fixture("gemini/error-404-not-found.json"), errorParser: GeminiErrorBody.parse)
        #expect(FailureClass(error) == .rejected)
    }

    /// No OpenAI 429 body was found recorded (see SOURCES.md); the rate-limit headers are OpenAI's
    /// documented `x-ratelimit-remaining-requests` / `x-ratelimit-remaining-tokens`.
    @Test func anOpenAI429WithNothingLeftIsAGlobalRateLimitOtherwiseLocal() {
        let body = Array(#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#.utf8)
        let exhausted: HTTPHeaders = ["x-ratelimit-remaining-requests": "0", "x-ratelimit-remaining-tokens": "0", "retry-after": "20"]
        let global = UpstreamHTTP.statusError(429, provider: "openai", headers: exhausted, body: body, errorParser: OpenAIErrorBody.parse)
        #expect(FailureClass(global) == .rateLimitedGlobally)
        #expect(global.retryAfter == "20")
        let someLeft: HTTPHeaders = ["x-ratelimit-remaining-requests": "0", "x-ratelimit-remaining-tokens": "1200"]
        let local = UpstreamHTTP.statusError(429, provider: "openai", headers: someLeft, body: body, errorParser: OpenAIErrorBody.parse)
        #expect(FailureClass(local) == .rateLimited)
        let plain = UpstreamHTTP.statusError(429, provider: "openai", headers: [:], body: body, errorParser: OpenAIErrorBody.parse)
        #expect(FailureClass(plain) == .rateLimited)
    }
}
