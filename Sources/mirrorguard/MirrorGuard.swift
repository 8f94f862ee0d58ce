import ArgumentParser

/// The `mirrorguard` command.
@main
struct MirrorGuard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirrorguard",
        abstract: "Attack detection for mirrored HTTP traffic.",
        version: "0.1.0",
        subcommands: [ServeCommand.self, ScanCommand.self, ConfigCommand.self, DiscoveryCommand.self]
    )
}
