import ArgumentParser
import DejaGateway
import Foundation

/// `deja config check`: validate a configuration (file, `.env` and environment) the way `deja
/// serve` would, and print the effective settings with every secret masked.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Validate and show the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration and print the effective settings (secrets masked); exit status 78 when it is invalid.")

        @Option(name: .long, help: "Path to a YAML configuration file.")
        var config: String?

        @Argument(help: "The YAML file (same as --config).")
        var file: String?

        func run() async throws {
            do {
                let configuration = try ConfigurationLoader().load(path: file ?? config, environment: try DotEnv.environment())
                // What `deja serve` also refuses: an exposed gateway without authentication.
                try configuration.checkExposure()
                FileHandle.standardOutput.write(Data(("# configuration is valid\n" + EffectiveConfiguration.describe(configuration)).utf8))
            } catch let error as ConfigurationError {
                FileHandle.standardError.write(Data("deja: configuration error: \(error.message)\n".utf8))
                throw ExitCode(78)
            }
        }
    }
}
