import DejaWire
import Foundation
import NIOHTTP1
import Testing
import Yams

@testable import DejaGateway

/// `openapi.yaml` and the router agree both ways: every documented operation is served, every
/// served route is documented, and `/openapi.yaml` serves the file itself.
@Suite struct OpenAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let methods: Set<String> = ["get", "post", "put", "patch", "delete"]

    /// `METHOD /path/{param}` for every operation of the spec.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect((spec["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(spec["paths"] as? [String: Any])
        var out: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any])?.keys ?? [:].keys where methods.contains(method) { out.insert("\(method.uppercased()) \(path)") }
        }
        return out
    }

    /// The gateway's route table plus the pass-through prefixes, in the same form.
    static func served() -> Set<String> {
        var out: Set<String> = []
        for (path, methods) in Gateway.routeMethods { for m in methods { out.insert("\(m) \(path)") } }
        for prefix in ["/openai/v1", "/anthropic/v1", "/gemini/v1beta", "/gemini/v1"] {
            for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] { out.insert("\(m) \(prefix)/{path}") }
        }
        return out
    }

    @Test func theSpecAndTheRouteTableAgreeBothWays() throws {
        let documented = try Self.documented()
        let served = Self.served()
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
    }

    @Test func everyDocumentedOperationIsRoutedByTheRunningGateway() async throws {
        let documented = try Self.documented()
        try await CacheHarness.with { h in
            for operation in documented.sorted() {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let path = parts[1].replacingOccurrences(of: "{path}", with: "models").replacingOccurrences(of: "{model}", with: "gpt-4o-mini")
                    .replacingOccurrences(of: "{id}", with: "dj-000000000000").replacingOccurrences(of: "{name}", with: "acme")
                let method = HTTPMethod(rawValue: String(parts[0]))
                let body: [UInt8]? = ["POST", "PUT", "PATCH"].contains(String(parts[0])) ? Array("{}".utf8) : nil
                let reply = try await h.send(method, path, body: body, headers: body == nil ? [] : [("content-type", "application/json")])
                let code = (try? JSONParser.parse(reply.body))?.objectValue?["error"]?.objectValue?["code"]?.stringValue
                #expect(code != "unknown_route" && code != "method_not_allowed" && reply.status != 405, "\(operation): \(reply.status) \(reply.text.prefix(200))")
            }
            // And a method the spec does not list on a known path is a 405 naming the allowed ones.
            let wrong = try await h.send(.POST, "/api/admin/keys/dj-000000000000", body: Array("{}".utf8), headers: [("content-type", "application/json")])
            #expect(wrong.status == 405)
            #expect(wrong.headers.first(name: "allow") == "GET, PATCH, DELETE")
        }
    }

    @Test func theGatewayServesTheRepositorysSpec() async throws {
        let file = try Data(contentsOf: Self.root.appendingPathComponent("openapi.yaml"))
        try await Harness.with { h in
            let reply = try await h.send(.GET, "/openapi.yaml")
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type")?.hasPrefix("application/yaml") == true)
            #expect(reply.body == Array(file))
            let model = try await h.send(.GET, "/v1/models/gpt-4o-mini")
            #expect(model.status == 200)
            #expect(try model.json()["id"]?.stringValue == "gpt-4o-mini")
            let qualified = try await h.send(.GET, "/v1/models/sim/gpt-4o-mini")
            #expect(try qualified.json()["id"]?.stringValue == "sim/gpt-4o-mini")
            let unknown = try await h.send(.GET, "/v1/models/no-such-model")
            #expect(unknown.status == 404)
            #expect(try unknown.errorObject()["code"]?.stringValue == "model_not_found")
        }
    }
}
