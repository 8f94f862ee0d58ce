import ArgumentParser
import BodyDecompression
import Detection
import Discovery
import Foundation
import Node
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// `mirrorguard scan`: analyse requests from files or stdin, one JSON line per request.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Analyse HTTP requests from files or stdin and print one JSON object per request.",
        discussion: """
        Inputs are raw HTTP/1.1 streams (pipelined requests, Content-Length or chunked bodies) or HAR
        files; the format is detected per input unless --format is given. Output goes to stdout in input
        order; progress, errors (with byte offsets) and a summary go to stderr.

        Exit status: 0 no attack found, 1 at least one attack found, 2 an input could not be read.
        """
    )

    @Option(name: .long, help: "Input format: raw or har (default: detected per input).")
    var format: InputFormatArgument?

    @Flag(name: .long, help: "Add every extracted point (name, value, decoders) to each record.")
    var points = false

    @Flag(name: .long, help: "Print a human explanation of each attack and anomaly instead of JSON.")
    var explain = false

    @Option(name: .long, parsing: .singleValue, help: "Disable a detector by id (sqli.grammar) or class (xss); repeatable.")
    var disable: [String] = []

    @Flag(name: .long, help: "Also learn the API inventory from the requests and save it in the data folder (see `mirrorguard discovery`).")
    var learn = false

    /// Where --learn keeps the inventory (--config, --data-dir), as for `mirrorguard discovery`.
    @OptionGroup var store: DiscoveryCommand.StoreOptions

    @Argument(help: "Files to read; '-' or nothing reads stdin.")
    var inputs: [String] = []

    func run() throws {
        var options = ScanOptions()
        options.format = format?.value
        options.includePoints = points
        options.explain = explain
        options.analyzer.disabledDetectors = Set(disable)
        var learning: (APIDiscovery, SQLiteEventStore)?
        if learn {
            do {
                let configuration = try self.store.configuration()
                let store = try APIDiscovery.openStore(configuration, mustExist: false)
                let discovery = APIDiscovery(configuration: configuration.discovery, inventory: try APIDiscovery.load(from: store) ?? Inventory())
                options.learner = discovery
                learning = (discovery, store)
            } catch {
                throw CommandFailure("--learn: \(error)")
            }
        }
        let runner = ScanRunner(options: options, decompressor: ZlibBodyDecompressor(), output: FileDescriptorSink(descriptor: 1), diagnostics: { line in
            var text = line + "\n"
            text.withUTF8 { _ = POSIX.writeAll(2, UnsafeRawBufferPointer($0)) }
        })
        for input in inputs.isEmpty ? ["-"] : inputs {
            runner.scan(path: input)
        }
        let summary = runner.finish()
        if let (discovery, store) = learning {
            do {
                let bytes = try discovery.save(to: store, force: true)
                let inventory = discovery.snapshot
                let totals = inventory.totals
                let line = "mirrorguard scan --learn: \(totals.endpoints) endpoints, \(totals.parameters) parameters on \(inventory.hosts.count) hosts (\(inventory.skippedAttacks) requests with attacks and \(inventory.skippedStatic) static assets not learned); \(bytes) bytes saved to \(store.path)\n"
                FileHandle.standardError.write(Data(line.utf8))
            } catch {
                FileHandle.standardError.write(Data("mirrorguard scan --learn: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        if summary.failedInputs > 0 { throw ExitCode(2) }
        if summary.attacks > 0 { throw ExitCode(1) }
    }
}

struct InputFormatArgument: ExpressibleByArgument {
    let value: InputFormat

    init?(argument: String) {
        guard let format = InputFormat(rawValue: argument.lowercased()) else { return nil }
        value = format
    }

    static var allValueStrings: [String] { InputFormat.allCases.map(\.rawValue) }
}
