import ArgumentParser
import DejaHTTPClient
import DejaWire
import Foundation
import NIOCore
import NIOHTTP1

/// `deja keys create|list|update|revoke`: the key API from the command line. Talks to a running
/// gateway (so every instance sees the change as the API makes it), with the admin token from
/// `ADMIN_API_KEY` or `--admin-key`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list, update and revoke client keys through a running gateway's admin API.",
        subcommands: [Create.self, List.self, Update.self, Revoke.self])

    struct Connection: ParsableArguments {
        @Option(help: "The gateway's base URL (env DEJA_URL).")
        var url: String = ProcessInfo.processInfo.environment["DEJA_URL"] ?? "http://127.0.0.1:8080"
        @Option(name: .customLong("admin-key"), help: "The admin token (default: the ADMIN_API_KEY environment variable).")
        var adminKey: String?
        @Flag(help: "Print the API's JSON instead of text.")
        var json = false

        func call(_ method: HTTPMethod, _ path: String, body: JSONObject? = nil) async throws -> JSONObject {
            let client = UpstreamClient()
            defer { client.shutdown() }
            var request = UpstreamRequest(method: method, url: try UpstreamURL(url.hasSuffix("/") ? String(url.dropLast()) + path : url + path))
            if let token = adminKey ?? ProcessInfo.processInfo.environment["ADMIN_API_KEY"] ?? ProcessInfo.processInfo.environment["ADMIN_TOKEN"] {
                request.headers.add(name: "authorization", value: "Bearer \(token)")
            }
            request.headers.add(name: "content-type", value: "application/json")
            if let body { request.body = ByteBuffer(bytes: JSONWriter.serialize(.object(body))) }
            let response = try await client.collect(request, limit: 16 << 20, timeout: .seconds(30))
            let object = (try? JSONParser.parse(response.body.readableBytesView))?.objectValue ?? JSONObject()
            guard (200..<300).contains(response.status.code) else {
                let message = object["error"]?.objectValue?["message"]?.stringValue ?? "HTTP \(response.status.code)"
                throw ValidationError("the gateway refused: \(message)")
            }
            if json { print(String(decoding: JSONWriter.serialize(.object(object)), as: UTF8.self)) }
            return object
        }
    }

    struct LimitOptions: ParsableArguments {
        @Option(help: "Requests per window.") var requests: Int?
        @Option(name: .customLong("window-ms"), help: "The request window in milliseconds (default 60000).") var windowMs: Int?
        @Option(name: .customLong("tokens-per-minute"), help: "Tokens per minute.") var tokensPerMinute: Int?
        @Option(name: .customLong("monthly-usd"), help: "Monthly budget in USD.") var monthlyUSD: Double?
        @Option(name: .customLong("monthly-tokens"), help: "Monthly budget in tokens.") var monthlyTokens: Int?
        @Option(name: .customLong("alert-at"), help: "Budget share that raises the soft alert (0–1).") var alertAt: Double?

        var object: JSONObject? {
            var o = JSONObject()
            if let requests { o.append("requests_per_window", .int(requests)) }
            if let windowMs { o.append("window_ms", .int(windowMs)) }
            if let tokensPerMinute { o.append("tokens_per_minute", .int(tokensPerMinute)) }
            if let monthlyUSD { o.append("monthly_usd", .double(monthlyUSD)) }
            if let monthlyTokens { o.append("monthly_tokens", .int(monthlyTokens)) }
            if let alertAt { o.append("alert_at", .double(alertAt)) }
            return o.members.isEmpty ? nil : o
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed once.")
        @OptionGroup var connection: Connection
        @Option(help: "The tenant the key belongs to.") var tenant: String
        @Option(help: "A display name (default: the tenant).") var name: String?
        @Option(name: .customLong("model"), help: "An allowed model glob (repeatable; default: every model).") var models: [String] = []
        @Option(name: .customLong("expires-in-days"), help: "Days until the key expires.") var expiresInDays: Double?
        @OptionGroup var limits: LimitOptions

        func run() async throws {
            var body = JSONObject([.init(key: "tenant", value: .string(tenant))])
            if let name { body.append("name", .string(name)) }
            if !models.isEmpty { body.append("allowed_models", .array(models.map { .string($0) })) }
            if let expiresInDays { body.append("expires_in_seconds", .double(expiresInDays * 86_400)) }
            if let l = limits.object { body.append("limits", .object(l)) }
            let key = try await connection.call(.POST, "/api/admin/keys", body: body)
            guard !connection.json else { return }
            print("id:     \(key["id"]?.stringValue ?? "")")
            print("tenant: \(key["tenant"]?.stringValue ?? "")")
            print("key:    \(key["key"]?.stringValue ?? "")")
            print("Store the key now: the gateway keeps only its salted hash and cannot show it again.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets) with this month's spend.")
        @OptionGroup var connection: Connection
        @Option(help: "Only this tenant's keys.") var tenant: String?

        func run() async throws {
            let path = tenant.map { "/api/admin/keys?tenant=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "/api/admin/keys"
            let list = try await connection.call(.GET, path)
            guard !connection.json else { return }
            print("ID            TENANT          NAME            ACTIVE  SPENT USD    SPENT TOKENS  DISPLAY")
            for item in list["data"]?.arrayValue ?? [] {
                guard let k = item.objectValue else { continue }
                let usage = k["usage"]?.objectValue
                func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count) }
                print(
                    pad(k["id"]?.stringValue ?? "", 14) + pad(k["tenant"]?.stringValue ?? "", 16) + pad(k["name"]?.stringValue ?? "", 16)
                        + pad(k["active"]?.boolValue == true ? "yes" : "no", 8) + pad(usage?["spent_usd"]?.doubleValue.map { String(format: "%.6f", $0) } ?? "0", 13)
                        + pad(String(usage?["spent_tokens"]?.intValue ?? 0), 14) + (k["display"]?.stringValue ?? ""))
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a key's limits, models or name.")
        @OptionGroup var connection: Connection
        @Argument(help: "The key's id.") var id: String
        @Option(help: "A new display name.") var name: String?
        @Option(name: .customLong("model"), help: "Replace the allowed model globs (repeatable).") var models: [String] = []
        @OptionGroup var limits: LimitOptions

        func run() async throws {
            var body = JSONObject()
            if let name { body.append("name", .string(name)) }
            if !models.isEmpty { body.append("allowed_models", .array(models.map { .string($0) })) }
            if let l = limits.object { body.append("limits", .object(l)) }
            guard !body.members.isEmpty else { throw ValidationError("nothing to change: give --name, --model or a limit") }
            _ = try await connection.call(.PATCH, "/api/admin/keys/" + id, body: body)
            if !connection.json { print("updated \(id)") }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once, on every instance.")
        @OptionGroup var connection: Connection
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            _ = try await connection.call(.DELETE, "/api/admin/keys/" + id)
            if !connection.json { print("revoked \(id)") }
        }
    }
}
