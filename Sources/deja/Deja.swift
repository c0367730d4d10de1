import ArgumentParser
import DejaGateway

/// The `deja` command line: the gateway server and its tools.

struct Deja: AsyncParsableCommand {
    static let version = BuildInfo.version

    static let configuration = CommandConfiguration(
        commandName: "deja",
        abstract: "Deja: an OpenAI-compatible LLM gateway with a semantic cache.",
        version: version,
        subcommands: [Serve.self, ConfigCommand.self, EmbedCommand.self, Bench.self, RouterCommand.self, KeysCommand.self],
        defaultSubcommand: nil
    )
}
