import CoreMetrics
import MirrorGuardCore

/// Every metric the node exports, created from one factory (the executable bootstraps Prometheus; tests pass
/// their own). Names are stable API.
public final class NodeMetrics: Sendable {
    let received: Counter
    let receivedBytes: Counter
    let dropped: Counter
    let analysed: Counter
    /// Header and path values the analysis workers looked up in their clean-value caches, and those found there.
    let cleanValueLookups: Counter
    let cleanValueHits: Counter
    let rejectedConnections: Counter
    let queueDepth: Gauge
    let connections: Gauge
    let analysisDuration: CoreMetrics.Timer
    let storeWriteDuration: CoreMetrics.Timer
    let storeWriteFailures: Counter
    let eventsDropped: Counter
    let hitsSampled: Counter
    let webhookFailures: Counter
    let discoveryEndpoints: Gauge
    let discoveryParameters: Gauge
    let discoveryHosts: Gauge
    private let factory: any MetricsFactory
    private let hitCounters: [AttackType: Counter]
    private let anomalyCounters: [AnomalyKind: Counter]

    public init(factory: any MetricsFactory) {
        self.factory = factory
        received = Counter(label: "mirrorguard_requests_received_total", factory: factory)
        receivedBytes = Counter(label: "mirrorguard_received_bytes_total", factory: factory)
        dropped = Counter(label: "mirrorguard_requests_dropped_total", factory: factory)
        analysed = Counter(label: "mirrorguard_requests_analyzed_total", factory: factory)
        cleanValueLookups = Counter(label: "mirrorguard_clean_value_cache_lookups_total", factory: factory)
        cleanValueHits = Counter(label: "mirrorguard_clean_value_cache_hits_total", factory: factory)
        rejectedConnections = Counter(label: "mirrorguard_connections_rejected_total", factory: factory)
        queueDepth = Gauge(label: "mirrorguard_queue_depth", factory: factory)
        connections = Gauge(label: "mirrorguard_connections", factory: factory)
        analysisDuration = CoreMetrics.Timer(label: "mirrorguard_analysis_duration_seconds", preferredDisplayUnit: .seconds, factory: factory)
        storeWriteDuration = CoreMetrics.Timer(label: "mirrorguard_store_write_duration_seconds", preferredDisplayUnit: .seconds, factory: factory)
        storeWriteFailures = Counter(label: "mirrorguard_store_write_failures_total", factory: factory)
        eventsDropped = Counter(label: "mirrorguard_events_dropped_total", factory: factory)
        hitsSampled = Counter(label: "mirrorguard_hits_sampled_total", factory: factory)
        webhookFailures = Counter(label: "mirrorguard_webhook_failures_total", factory: factory)
        discoveryEndpoints = Gauge(label: "mirrorguard_discovery_endpoints", factory: factory)
        discoveryParameters = Gauge(label: "mirrorguard_discovery_parameters", factory: factory)
        discoveryHosts = Gauge(label: "mirrorguard_discovery_hosts", factory: factory)
        var hits: [AttackType: Counter] = [:]
        for type in AttackType.allCases {
            hits[type] = Counter(label: "mirrorguard_hits_total", dimensions: [("type", type.rawValue)], factory: factory)
        }
        hitCounters = hits
        var anomalies: [AnomalyKind: Counter] = [:]
        for kind in AnomalyKind.allCases {
            anomalies[kind] = Counter(label: "mirrorguard_anomalies_total", dimensions: [("kind", kind.rawValue)], factory: factory)
        }
        anomalyCounters = anomalies
    }

    func hit(_ type: AttackType) { hitCounters[type]?.increment() }
    func anomaly(_ kind: AnomalyKind) { anomalyCounters[kind]?.increment() }
}
