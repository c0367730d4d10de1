import DejaGovernance
import Testing

@testable import DejaGateway

/// The `governance:` section and its environment variables.
@Suite struct GovernanceConfigurationTests {
    let helper = ConfigurationTests()

    @Test func defaultsAreSQLiteAndTheSeedLimits() throws {
        let c = try helper.load(nil)
        #expect(c.governance.store == .sqlite(path: "data/governance.sqlite"))
        #expect(c.governance.perAddress == RateLimit(count: 100, period: .seconds(60)))
        #expect(c.governance.redactPrompts)
        #expect(c.governance.global.budget == nil)
    }

    @Test func environmentOverridesTheFile() throws {
        let c = try helper.load(
            "governance:\n  rate_limit_max: 5\n  models:\n    \"gpt-4o*\":\n      requests_per_window: 7\n      tokens_per_minute: 900\n  global_monthly_usd_budget: 12.5\n",
            env: [
                "RATE_LIMIT_MAX": "50", "RATE_LIMIT_WINDOW_MS": "1000", "GLOBAL_MONTHLY_TOKEN_BUDGET": "1000000", "DATABASE_URL": "postgres://u:p@db:5432/deja",
                "REDACT_PROMPTS": "false", "USAGE_RETENTION_DAYS": "7",
            ])
        #expect(c.governance.perAddress == RateLimit(count: 50, period: .milliseconds(1000)))
        #expect(c.governance.store == .postgres(url: "postgres://u:p@db:5432/deja"))
        #expect(c.governance.global.monthlyUSD == 12.5)
        #expect(c.governance.global.monthlyTokens == 1_000_000)
        #expect(!c.governance.redactPrompts)
        #expect(c.governance.usageRetentionDays == 7)
        #expect(c.governance.modelLimits("gpt-4o-mini")?.requestsPerWindow == 7)
        #expect(c.governance.modelLimits("claude-3") == nil)
        #expect(try helper.load(nil, env: ["RATE_LIMIT_MAX": "0"]).governance.perAddress == nil)
        #expect(try helper.load(nil, env: ["GOVERNANCE_STORE": "memory"]).governance.store == .memory)
        #expect(try helper.load(nil, env: ["DATA_DIR": "/var/lib/deja"]).governance.store == .sqlite(path: "/var/lib/deja/governance.sqlite"))
    }

    @Test func badValuesNameTheKey() {
        helper.expectError(nil, env: ["RATE_LIMIT_MAX": "-1"], mentioning: ["RATE_LIMIT_MAX"])
        helper.expectError(nil, env: ["RATE_LIMIT_WINDOW_MS": "0"], mentioning: ["RATE_LIMIT_WINDOW_MS"])
        helper.expectError(nil, env: ["GLOBAL_MONTHLY_USD_BUDGET": "lots"], mentioning: ["GLOBAL_MONTHLY_USD_BUDGET"])
        helper.expectError(nil, env: ["GOVERNANCE_STORE": "mongo"], mentioning: ["GOVERNANCE_STORE"])
        helper.expectError(nil, env: ["GOVERNANCE_STORE": "postgres"], mentioning: ["DATABASE_URL"])
        helper.expectError(nil, env: ["DATABASE_URL": "mysql://x"], mentioning: ["DATABASE_URL"])
        helper.expectError("governance:\n  surprise: 1\n", mentioning: ["governance.surprise"])
        helper.expectError("governance:\n  global_alert_at: 2\n", mentioning: ["governance.global_alert_at"])
        helper.expectError("governance:\n  models:\n    gpt-4o:\n      requests_per_window: 0\n", mentioning: ["governance.models.gpt-4o.requests_per_window"])
    }

    @Test func aPublicGatewayWithAnAdminTokenStartsClosed() throws {
        var c = GatewayConfiguration()
        c.host = "0.0.0.0"
        #expect(throws: ConfigurationError.self) { try c.checkExposure() }
        c.adminTokenHash = SecretHash.sha256("admin-token-0123456789abcdef")
        try c.checkExposure()
    }
}
