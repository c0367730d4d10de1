import DejaRedis
import Testing

@Suite struct RedisConfigurationTests {
    @Test func defaultsAreSmallAndSafe() {
        let configuration = RedisConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(configuration.password == nil)
        #expect(configuration.commandTimeout <= .milliseconds(250))
        #expect(configuration.minimumReconnectDelay <= configuration.maximumReconnectDelay)
    }

    @Test func parsesHostOnly() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(configuration.password == nil)
    }

    @Test func parsesEveryPart() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cr%40t@10.0.0.5:6380/3")
        #expect(configuration.host == "10.0.0.5")
        #expect(configuration.port == 6380)
        #expect(configuration.database == 3)
        #expect(configuration.password == "s3cr@t")
        #expect(configuration.username == nil)
    }

    @Test func parsesUsernameTrailingSlashAndIPv6() throws {
        let withUser = try RedisConfiguration(url: "redis://deja:pw@localhost:7000/")
        #expect(withUser.username == "deja")
        #expect(withUser.password == "pw")
        #expect(withUser.port == 7000)
        #expect(withUser.database == 0)

        let ipv6 = try RedisConfiguration(url: "REDIS://[::1]:6390/1")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 6390)
        #expect(ipv6.database == 1)
    }

    @Test(arguments: [
        "",
        "localhost:6379",
        "http://localhost:6379",
        "rediss://localhost:6379",
        "redis://",
        "redis://:6379",
        "redis://localhost:0",
        "redis://localhost:65536",
        "redis://localhost:port",
        "redis://localhost:+80",
        "redis://localhost:",
        "redis://localhost/db",
        "redis://localhost/-1",
        "redis://localhost/1/2",
        "redis://localhost?timeout=1",
        "redis://passwordwithoutcolon@localhost",
        "redis://[::1",
    ])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: RedisError.invalidURL) {
            try RedisConfiguration(url: url)
        }
    }

    @Test func redissIsRefusedWithWhatToDoInstead() {
        do {
            _ = try RedisConfiguration(url: "rediss://:secret@cache.internal:6380/0")
            Issue.record("expected an error")
        } catch {
            #expect(error == .invalidURL)
            #expect(error.detail == RedisConfiguration.tlsUnsupportedMessage)
            #expect(error.description.contains("hiredis 0.14 build, which has no TLS"))
            #expect(!error.description.contains("secret"))
            for fragment in ["requirepass", "ACL user", "firewall", "stunnel", "spiped", "Protecting Redis"] {
                #expect(error.description.contains(fragment), "\(fragment)")
            }
        }
    }

    @Test func invalidURLErrorSaysWhy() {
        do {
            _ = try RedisConfiguration(url: "redis://localhost:99999")
            Issue.record("expected an error")
        } catch {
            #expect(error == .invalidURL)
            #expect(error.detail?.contains("port") == true)
        }
    }
}
