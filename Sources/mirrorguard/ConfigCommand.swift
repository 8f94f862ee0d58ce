import ArgumentParser
import Foundation
import Node

/// `mirrorguard config …`: proxy snippets, configuration check and defaults.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print proxy mirror configurations; check or print the node configuration.",
        subcommands: [Snippet.self, Check.self, Defaults.self, ConfigTestCommand.self]
    )

    struct Snippet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snippet",
            abstract: "Print a mirror configuration for nginx, envoy, istio, traefik or kong.",
            aliases: ProxySnippets.sources
        )

        @Argument(help: "nginx, envoy, istio, traefik or kong (or call `mirrorguard config nginx`).")
        var source: String?

        @Option(name: .long, help: "The node's mirror listener, host:port.")
        var node: String = "127.0.0.1:8445"

        @Option(name: .long, help: "Port the proxy listens on.")
        var listen: Int = 80

        @Option(name: .long, help: "The application behind the proxy, host:port.")
        var backend: String = "127.0.0.1:8080"

        func run() throws {
            let name = source ?? CommandLine.arguments.dropFirst(2).first ?? ""
            guard let nodeAddress = HostPort(node) else { throw ValidationError("--node: expected host:port, got \"\(node)\"") }
            guard let backendAddress = HostPort(backend) else { throw ValidationError("--backend: expected host:port, got \"\(backend)\"") }
            guard (1...65535).contains(listen) else { throw ValidationError("--listen: expected a port 1…65535") }
            let options = ProxySnippets.Options(node: nodeAddress, listenPort: listen, backend: backendAddress)
            guard let text = ProxySnippets.snippet(for: name, options: options) else {
                throw ValidationError("unknown source \"\(name)\"; expected one of \(ProxySnippets.sources.joined(separator: ", "))")
            }
            print(text, terminator: "")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a configuration file; errors name the line.")

        @Argument(help: "The YAML file.")
        var file: String

        func run() throws {
            do {
                _ = try NodeConfiguration.load(file: file, environment: [:])
                print("\(file): ok")
            } catch let error as ConfigurationError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(78)
            }
        }
    }

    struct Defaults: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "defaults", abstract: "Print every configuration key with its default.")
        func run() { print(NodeConfiguration.documentedDefaults(), terminator: "") }
    }
}
