/// Demo mode: the simulator stands in for every provider, loudly.
public enum DemoMode {
    /// The configuration with every provider replaced by the simulator at `simulatorURL`.
    public static func apply(to configuration: GatewayConfiguration, simulatorURL: String) -> GatewayConfiguration {
        var configuration = configuration
        configuration.demo = true
        // One simulator, reached through each wire format: claude-* speaks Anthropic's Messages
        // API, gemini-* Gemini's API, everything else OpenAI's.
        configuration.providers = [
            ProviderSettings(
                name: "sim-anthropic", kind: .anthropic, baseURL: simulatorURL, apiKey: "sim-demo-key",
                models: ["claude-sonnet-4-5"], modelPatterns: ["claude-*"], forwardHeaders: ["x-sim-"], catalogueProviders: ["anthropic"]),
            ProviderSettings(
                name: "sim-gemini", kind: .gemini, baseURL: simulatorURL, apiKey: "sim-demo-key",
                models: ["gemini-2.5-flash"], modelPatterns: ["gemini-*"], forwardHeaders: ["x-sim-"], catalogueProviders: ["gemini"]),
            ProviderSettings(
                name: "sim", kind: .openai, baseURL: simulatorURL + "/v1", apiKey: "sim-demo-key",
                models: ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"],
                // The names a real OpenAI account serves; anything else is a 404, as it is upstream.
                modelPatterns: ["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "text-embedding-*"], forwardHeaders: ["x-sim-"],
                // The catalogue's OpenAI-compatible providers are simulated here too, so `auto`
                // routes across every price tier in the demo.
                catalogueProviders: ["openai", "groq", "together"]),
        ]
        // No default provider: a model none of them claims is a 404, as it is with real providers.
        configuration.defaultProvider = nil
        return configuration
    }
}
