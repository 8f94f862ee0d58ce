import Detection
import Foundation
import MirrorGuardCore
import RequestParsing

/// One mirrored request waiting for analysis.
struct MirrorJob: Sendable {
    var request: HTTPRequest
    var anomalies: [Anomaly]
    var peerAddress: String?
    var peerPort: Int?
    var receivedAt: Timestamp
}

/// Running totals, for tests, readiness and the shutdown report: `received = analysed + dropped + queued`.
public struct PipelineCounts: Sendable, Hashable {
    public var received = 0
    public var analysed = 0
    public var dropped = 0
    public var queued = 0
    public var withAttacks = 0
    /// Requests without attacks that deviated from the learned API model.
    public var withDeviations = 0
}

/// The bounded queue between the listener and the analysis workers. The listener only ever offers; a full
/// queue drops the copy and counts it, so the source is never slowed.
final class AnalysisPipeline: @unchecked Sendable {
    private let queue: BoundedQueue<MirrorJob>
    private let analyzer: Analyzer
    /// Slots of each worker's clean-value cache; 0 means none.
    private let cacheEntries: Int
    private let identity: MirrorIdentity
    private let writer: EventWriter
    private let metrics: NodeMetrics
    private let discovery: APIDiscovery?
    /// The last copies' identities, for `config test`.
    let recent = RecentCopies()
    private var workers: [Thread] = []
    private let countsLock = NSLock()
    private var counts = PipelineCounts()
    private let finished = DispatchGroup()

    init(capacity: Int, workers workerCount: Int, analyzer: Analyzer, cacheEntries: Int, identity: MirrorIdentity, writer: EventWriter,
         metrics: NodeMetrics, discovery: APIDiscovery?) {
        self.discovery = discovery
        self.cacheEntries = cacheEntries
        self.queue = BoundedQueue(capacity: capacity)
        self.analyzer = analyzer
        self.identity = identity
        self.writer = writer
        self.metrics = metrics
        for number in 0..<max(workerCount, 1) {
            finished.enter()
            let thread = Thread { [unowned self] in
                lowerCurrentThreadPriority()
                self.work()
                self.finished.leave()
            }
            thread.name = "mirrorguard-analysis-\(number)"
            thread.stackSize = 4 << 20
            workers.append(thread)
        }
        for thread in workers { thread.start() }
    }

    /// Offers a copy for analysis; false when it was dropped. Never blocks.
    @discardableResult
    func submit(_ job: MirrorJob) -> Bool {
        metrics.received.increment()
        let accepted = queue.offer(job)
        countsLock.withLock {
            counts.received += 1
            if !accepted { counts.dropped += 1 }
        }
        if !accepted { metrics.dropped.increment() }
        metrics.queueDepth.record(queue.depth)
        return accepted
    }

    /// Totals so far.
    var snapshot: PipelineCounts {
        var copy = countsLock.withLock { counts }
        copy.queued = queue.depth
        return copy
    }

    private func work() {
        // Each worker remembers the header and path values it found clean (see `CleanValueCache`); bounded, never shared.
        let cache = cacheEntries > 0 ? CleanValueCache(capacity: cacheEntries) : nil
        var reported = (lookups: 0, hits: 0)
        while let job = queue.take() {
            metrics.queueDepth.record(queue.depth)
            let start = DispatchTime.now().uptimeNanoseconds
            let (exchange, provenance) = identity.identify(job.request, peerAddress: job.peerAddress, peerPort: job.peerPort,
                                                           anomalies: job.anomalies, receivedAt: job.receivedAt)
            recent.record(RecentCopies.copy(of: exchange, request: job.request, peerAddress: job.peerAddress, provenance: provenance))
            let analysis = analyzer.analyze(exchange, cache: cache)
            if let cache, cache.lookups > reported.lookups {
                metrics.cleanValueLookups.increment(by: Int64(cache.lookups - reported.lookups))
                metrics.cleanValueHits.increment(by: Int64(cache.hits - reported.hits))
                reported = (cache.lookups, cache.hits)
            }
            metrics.analysisDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            for anomaly in analysis.anomalies { metrics.anomaly(anomaly.kind) }
            // Attacks are recorded as such; a clean request may still deviate from the learned API model.
            let deviations = discovery?.observe(exchange, analysis: analysis) ?? []
            let hits = analysis.isAttack ? analysis.hits : deviations
            for hit in hits { metrics.hit(hit.type) }
            if !hits.isEmpty { writer.record(exchange, hits: hits) }
            metrics.analysed.increment()
            countsLock.withLock {
                counts.analysed += 1
                if analysis.isAttack { counts.withAttacks += 1 } else if !deviations.isEmpty { counts.withDeviations += 1 }
            }
        }
    }

    /// Stops taking new copies and waits (at most `timeout` seconds) for the queue to drain.
    func drain(timeout: TimeInterval) -> Bool {
        queue.close()
        return finished.wait(timeout: .now() + timeout) == .success
    }
}
