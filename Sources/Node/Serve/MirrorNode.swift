import BodyDecompression
import CoreMetrics
import Detection
import Discovery
import Foundation
import Hummingbird
import Logging
import MirrorGuardCore
import NIOCore
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// The running node: mirror listener → bounded queue → analysis workers → event writer (SQLite, JSON log,
/// webhooks), plus the admin side. `start` binds everything; `shutdown` stops accepting, drains the queue within
/// a bound and flushes the store.
public final class MirrorNode: @unchecked Sendable {
    public let configuration: NodeConfiguration
    private let registry: PrometheusCollectorRegistry
    private let metrics: NodeMetrics
    private let logger: Logger
    private let eventSink: ByteSink?
    private var store: SQLiteEventStore?
    private var writer: EventWriter?
    private var pipeline: AnalysisPipeline?
    private var listener: MirrorListener?
    private var adminTask: Task<Void, any Error>?
    private var adminGroup: ServiceGroup?
    private var webhook: WebhookNotifier?
    private var discovery: APIDiscovery?
    private var discoveryTimer: (any DispatchSourceTimer)?
    private let ready = NIOLockedValueBox(false)
    /// The admin token in effect (configured, stored or generated).
    public private(set) var adminToken = ""
    /// Bound ports (useful when configured as 0).
    public private(set) var mirrorPort = 0
    public private(set) var adminPort = 0

    /// `eventSink` receives the JSON event log when `events.log` is `stdout` (tests pass a memory sink).
    package init(configuration: NodeConfiguration, registry: PrometheusCollectorRegistry, metricsFactory: any MetricsFactory,
                 logger: Logger, eventSink: ByteSink? = nil) {
        self.configuration = configuration
        self.registry = registry
        self.metrics = NodeMetrics(factory: metricsFactory)
        self.logger = logger
        self.eventSink = eventSink
    }

    /// Opens the store and binds both listeners.
    public func start() async throws {
        let configuration = self.configuration
        let clock: @Sendable () -> Timestamp = { Timestamp(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9)) }
        let store = try SQLiteEventStore(path: configuration.databasePath)
        self.store = store
        adminToken = try Self.resolveToken(configuration, logger: logger)

        var log: EventLog? = nil
        switch configuration.eventLog {
        case "off", "": log = nil
        case "stdout": log = EventLog(sink: eventSink ?? FileDescriptorSink(descriptor: 1))
        default:
            let descriptor = open(configuration.eventLog, O_WRONLY | O_CREAT | O_APPEND, 0o640)
            guard descriptor >= 0 else { throw StoreError("cannot open the event log \(configuration.eventLog): \(POSIXError(code: errno))") }
            log = EventLog(sink: FileDescriptorSink(descriptor: descriptor))
        }
        if !configuration.webhookURL.isEmpty {
            webhook = WebhookNotifier(url: configuration.webhookURL, attempts: configuration.webhookAttempts,
                                      timeout: configuration.webhookTimeoutSeconds, metrics: metrics, logger: logger)
        }
        var onNewAttack: EventWriter.AttackListener? = nil
        if let notifier = webhook {
            onNewAttack = { attack, event in notifier.notify(attack, first: event) }
        }
        let retention = RetentionPolicy(maxAgeSeconds: configuration.retentionDays * 86_400,
                                        maxBytes: Int64(configuration.maxStoreMB) << 20, intervalSeconds: 600)
        let flushInterval = Double(configuration.flushIntervalMilliseconds) / 1000
        let writer = EventWriter(store: store, log: log, metrics: metrics, policy: configuration.grouping,
                                 capacity: configuration.eventQueueSize, batchSize: configuration.batchSize,
                                 flushInterval: flushInterval, retention: retention, clock: clock, onNewAttack: onNewAttack)
        self.writer = writer
        var analyzerConfiguration = AnalyzerConfiguration()
        analyzerConfiguration.limits = configuration.limits
        analyzerConfiguration.disabledDetectors = Set(configuration.disabledDetectors)
        let analyzer = Analyzer(configuration: analyzerConfiguration, decompressor: ZlibBodyDecompressor())
        if configuration.discoveryEnabled {
            var inventory = Inventory()
            do {
                inventory = try APIDiscovery.load(from: store) ?? Inventory()
            } catch {
                logger.error("\(error); learning starts from an empty inventory")
            }
            let discovery = APIDiscovery(configuration: configuration.discovery, inventory: inventory)
            self.discovery = discovery
            publishDiscoveryMetrics()
            let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            let interval = DispatchTimeInterval.seconds(configuration.discoverySaveIntervalSeconds)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.saveInventory() }
            timer.resume()
            discoveryTimer = timer
        }
        let workers = configuration.workers == 0 ? ProcessInfo.processInfo.activeProcessorCount : configuration.workers
        let pipeline = AnalysisPipeline(capacity: configuration.queueSize, workers: workers, analyzer: analyzer,
                                        cacheEntries: configuration.cleanValueCacheEntries,
                                        identity: MirrorIdentity(trusted: configuration.trustedNetworks), writer: writer, metrics: metrics,
                                        discovery: discovery)
        self.pipeline = pipeline
        let listener = MirrorListener(host: configuration.mirrorListen.host, port: configuration.mirrorListen.port, threads: configuration.mirrorThreads,
                                      limits: configuration.limits, listenerLimits: configuration.listener, pipeline: pipeline, metrics: metrics, clock: clock)
        self.listener = listener
        do {
            mirrorPort = try await listener.start()
        } catch {
            throw StoreError("cannot listen for mirror copies on \(configuration.mirrorListen): \(error)")
        }

        let state = AdminState(store: store, registry: registry, token: adminToken, isReady: { [ready] in ready.withLockedValue { $0 } },
                               counts: { pipeline.snapshot }, discovery: discovery,
                               recentCopies: { pipeline.recent.newestFirst })
        let bound = NIOLockedValueBox<Int?>(nil)
        let failure = NIOLockedValueBox<(any Error)?>(nil)
        var adminLogger = logger
        adminLogger.logLevel = .warning
        let app = Application(router: AdminAPI.router(state),
                              configuration: .init(address: .hostname(configuration.adminListen.host, port: configuration.adminListen.port), serverName: "mirrorguard"),
                              onServerRunning: { channel in bound.withLockedValue { $0 = channel.localAddress?.port } },
                              logger: adminLogger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [], logger: adminLogger))
        adminGroup = group
        adminTask = Task {
            do {
                try await group.run()
            } catch {
                failure.withLockedValue { $0 = error }
                throw error
            }
        }
        // Wait (bounded) for the admin side to bind, so `start` returning means the node is reachable.
        for _ in 0..<500 {
            if let port = bound.withLockedValue({ $0 }) {
                adminPort = port
                break
            }
            if let error = failure.withLockedValue({ $0 }) {
                await listener.stop()
                throw StoreError("cannot serve the admin API on \(configuration.adminListen): \(error)")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        guard adminPort != 0 else {
            await listener.stop()
            throw StoreError("the admin API on \(configuration.adminListen) did not start")
        }
        ready.withLockedValue { $0 = true }
    }

    /// Pipeline totals (`received = analysed + dropped + queued`).
    public var counts: PipelineCounts { pipeline?.snapshot ?? PipelineCounts() }

    /// The store (for tests and tools).
    public var eventStore: (any EventStore)? { store }

    /// Stops accepting, drains the queue (at most `drainSeconds`), flushes events and stops the admin side.
    public func shutdown(drainSeconds: Double = 10) async {
        ready.withLockedValue { $0 = false }
        await listener?.stop()
        let drained = pipeline?.drain(timeout: drainSeconds) ?? true
        let flushed = writer?.close(timeout: drainSeconds) ?? true
        discoveryTimer?.cancel()
        saveInventory()
        webhook?.close(timeout: 2)
        await adminGroup?.triggerGracefulShutdown()
        _ = try? await adminTask?.value
        if !drained { logger.warning("analysis queue not drained within \(drainSeconds) s") }
        if !flushed { logger.warning("event writer not flushed within \(drainSeconds) s") }
    }

    /// The learned API, when discovery is on.
    public var apiDiscovery: APIDiscovery? { discovery }

    /// Snapshots the inventory to the store (when it changed) and updates the discovery gauges.
    func saveInventory() {
        guard let discovery, let store else { return }
        do {
            try discovery.save(to: store)
        } catch {
            metrics.storeWriteFailures.increment()
            logger.error("cannot save the API inventory: \(error)")
        }
        publishDiscoveryMetrics()
    }

    private func publishDiscoveryMetrics() {
        guard let discovery else { return }
        let inventory = discovery.snapshot
        let totals = inventory.totals
        metrics.discoveryHosts.record(inventory.hosts.count)
        metrics.discoveryEndpoints.record(totals.endpoints)
        metrics.discoveryParameters.record(totals.parameters)
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try await start()
        logger.notice("mirrorguard listening for mirror copies on \(configuration.mirrorListen.host):\(mirrorPort); admin on \(configuration.adminListen.host):\(adminPort); events in \(configuration.databasePath)")
        await Self.waitForTermination()
        logger.notice("shutting down: draining the analysis queue and flushing events")
        await shutdown()
        let counts = self.counts
        logger.notice("stopped: \(counts.received) copies received, \(counts.analysed) analysed, \(counts.dropped) dropped, \(counts.withAttacks) with attacks")
    }

    private static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = NIOLockedValueBox(false)
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let first = resumed.withLockedValue { value -> Bool in
                        defer { value = true }
                        return !value
                    }
                    if first { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            // Keep the sources alive for the process lifetime.
            SignalSources.keep(sources)
        }
    }

    /// The configured token, else the one stored in the data folder, else a new one (stored, mode 0600, printed once).
    static func resolveToken(_ configuration: NodeConfiguration, logger: Logger) throws -> String {
        if !configuration.adminToken.isEmpty { return configuration.adminToken }
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("admin-token")
        if let stored = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharactersInSpaces(), !stored.isEmpty {
            return stored.split(separator: "\n").first.map(String.init) ?? stored
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw StoreError("cannot store the admin token in \(path): \(POSIXError(code: errno))") }
        let written = Array((token + "\n").utf8).withUnsafeBytes { POSIX.writeAll(descriptor, $0) }
        close(descriptor)
        guard written else { throw StoreError("cannot write the admin token to \(path)") }
        FileHandle.standardError.write(Data("mirrorguard: generated an admin API token (stored in \(path)): \(token)\n".utf8))
        return token
    }
}

/// Holds signal sources for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let lock = NSLock()
    static func keep(_ new: [any DispatchSourceSignal]) { lock.withLock { sources += new } }
}
