import ArgumentParser
import Discovery
import Foundation
import Node

/// `mirrorguard discovery`: read the learned API inventory from the data folder.
struct DiscoveryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discovery",
        abstract: "List, export (OpenAPI 3.1) and compare the API inventory learned from mirrored traffic.",
        discussion: """
        The inventory is learned by `mirrorguard serve` (snapshotted every discovery.save_interval_seconds
        and at shutdown) or offline by `mirrorguard scan --learn FILES`, and kept in the data folder's store.
        The admin API serves the live inventory under /api/v1/discovery/.
        """,
        subcommands: [List.self, Export.self, Compare.self, Reset.self]
    )

    /// Where the store is: the configuration's data folder, or --data-dir.
    struct StoreOptions: ParsableArguments {
        @Option(name: .long, help: "YAML configuration file (its storage.data_dir is used).")
        var config: String?

        @Option(name: .long, help: "Data folder (default ./mirrorguard-data, or the configuration's).")
        var dataDir: String?

        func configuration() throws -> NodeConfiguration {
            var configuration = try NodeConfiguration.load(file: config)
            if let dataDir { configuration.dataDirectory = dataDir }
            return configuration
        }

        func inventory() throws -> Inventory {
            do {
                let store = try APIDiscovery.openStore(try configuration(), mustExist: true)
                return try APIDiscovery.load(from: store) ?? Inventory()
            } catch {
                throw CommandFailure("\(error)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List learned endpoints with their parameters, types, sensitive data and auth.")
        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "Only this host.") var host: String?
        @Flag(name: .long, help: "JSON instead of text.") var json = false

        func run() throws {
            let endpoints = try store.inventory().endpoints(host: host)
            print(json ? InventoryReport.endpoints(endpoints).serialized() : InventoryReport.text(endpoints), terminator: json ? "\n" : "")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the OpenAPI 3.1 document learned for one host.")
        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "The host to export (see `discovery list`).") var host: String

        func run() throws {
            let inventory = try store.inventory()
            guard inventory.hosts[host] != nil else {
                let known = inventory.hosts.keys.sorted().joined(separator: ", ")
                throw CommandFailure("no endpoints learned for host \"\(host)\"; known hosts: \(known.isEmpty ? "none" : known)")
            }
            let now = ISO8601DateFormatter().string(from: Date())
            print(OpenAPIExporter.document(host: host, endpoints: inventory.endpoints(host: host), generatedAt: now).serialized())
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the learned endpoints of a host with an OpenAPI spec (JSON or YAML).",
            discussion: "Reports shadow endpoints (traffic, not in the spec), orphan endpoints (spec, no traffic), undocumented parameters and type mismatches. Exit status 0 when nothing differs, 1 otherwise."
        )
        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "The host whose inventory is compared.") var host: String
        @Option(name: .long, help: "The OpenAPI document (JSON or YAML).") var spec: String
        @Flag(name: .long, help: "JSON instead of text.") var json = false

        func run() throws {
            let text: String
            do {
                text = try String(contentsOfFile: spec, encoding: .utf8)
            } catch {
                throw CommandFailure("cannot read \(spec): \(error.localizedDescription)")
            }
            let document: JSONValue
            do {
                document = try SpecDocument.parse(text, source: spec)
            } catch {
                throw CommandFailure("\(error)")
            }
            let findings = SpecComparison.compare(spec: document, endpoints: try store.inventory().endpoints(host: host))
            print(json ? InventoryReport.findings(findings).serialized() : InventoryReport.text(findings), terminator: json ? "\n" : "")
            if !findings.isEmpty { throw ExitCode(1) }
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget the learned inventory (stop the node first; it would save its own again).")
        @OptionGroup var store: StoreOptions

        func run() throws {
            do {
                let store = try APIDiscovery.openStore(try self.store.configuration(), mustExist: true)
                try APIDiscovery(configuration: DiscoveryConfiguration()).save(to: store, force: true)
            } catch {
                throw CommandFailure("\(error)")
            }
            print("the API inventory was reset")
        }
    }
}

/// A failure reported as `Error: <message>` without the usage text (the input was fine, the data was not).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
