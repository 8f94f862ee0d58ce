import ArgumentParser
import Foundation
import Logging
import Metrics
import Node
import Prometheus

/// `mirrorguard serve`: run the node on embedded defaults or a configuration file.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the node: mirror listener, analysis, event store and admin API.",
        discussion: """
        With no options the node listens for mirror copies on 0.0.0.0:8445, serves the admin API on
        127.0.0.1:9445 and keeps events in ./mirrorguard-data/. `mirrorguard config defaults` prints every key.
        Environment overrides: MIRRORGUARD_<SECTION>_<KEY>, e.g. MIRRORGUARD_MIRROR_LISTEN=127.0.0.1:8445.
        """
    )

    @Option(name: .long, help: "YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "notice"

    func run() async throws {
        let configuration: NodeConfiguration
        do {
            configuration = try NodeConfiguration.load(file: config)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("mirrorguard: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let node = MirrorNode(configuration: configuration, registry: registry, metricsFactory: factory,
                              logger: Logger(label: "mirrorguard"))
        do {
            try await node.run()
        } catch {
            FileHandle.standardError.write(Data("mirrorguard: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
