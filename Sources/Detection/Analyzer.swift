import MirrorGuardCore
import RequestParsing

/// What the analyser concluded about one exchange.
public struct Analysis: Sendable, Hashable {
    /// Attack detections, in point order.
    public var hits: [Hit]
    /// Framing anomalies of the exchange followed by content anomalies found while extracting points.
    public var anomalies: [Anomaly]
    /// The points the detectors saw.
    public var points: [Point]
    /// Nanoseconds spent per detector id, when timings were requested.
    public var timings: [String: UInt64]

    /// True when at least one hit was reported.
    public var isAttack: Bool { !hits.isEmpty }
}

/// Settings of the analyser; every field has a documented default.
public struct AnalyzerConfiguration: Sendable {
    /// Parsing and extraction limits. Default: `ParsingLimits.default`.
    public var limits: ParsingLimits = .default
    /// Detector ids switched off (`sqli.grammar`, or a whole class such as `xss`). Default: none.
    public var disabledDetectors: Set<String> = []
    /// A monotonic nanosecond clock; when set, per-detector timings are collected. Default: nil (no timings).
    public var clock: (@Sendable () -> UInt64)? = nil

    /// The defaults.
    public init() {}
}

/// The pure analysis entry point: an `Exchange` in, an `Analysis` out. No I/O, no globals, no throwing.
public struct Analyzer: Sendable {
    /// The configuration in effect.
    public let configuration: AnalyzerConfiguration
    let extractor: PointExtractor
    let detectors: [any Detector]

    /// Builds an analyser with the registry's detectors minus the disabled ones.
    public init(configuration: AnalyzerConfiguration = AnalyzerConfiguration(), decompressor: (any BodyDecompressor)? = nil) {
        self.configuration = configuration
        self.extractor = PointExtractor(limits: configuration.limits, decompressor: decompressor)
        self.detectors = DetectorRegistry.detectors(disabling: configuration.disabledDetectors)
    }

    /// Ids of the detectors that run.
    public var detectorIDs: [String] { detectors.map(\.id) }

    /// Analyses one exchange.
    public func analyze(_ exchange: Exchange) -> Analysis {
        let extracted = extractor.extract(exchange.request)
        var hits: [Hit] = []
        var timings: [String: UInt64] = [:]
        for detector in detectors {
            let start = configuration.clock?()
            detector.inspect(points: extracted.points, exchange: exchange, into: &hits)
            if let start, let end = configuration.clock?() {
                timings[detector.id, default: 0] += end &- start
            }
        }
        return Analysis(hits: hits, anomalies: exchange.anomalies + extracted.anomalies, points: extracted.points, timings: timings)
    }
}

/// One attack detector: a `Sendable` value with a stable id, inspecting the points of one request.
/// Synchronous, non-throwing, no state between calls.
public protocol Detector: Sendable {
    /// Stable id (`sqli.grammar`); the class id is the part before the dot.
    var id: String { get }
    /// Appends hits found in `points` (of `exchange`) to `hits`.
    func inspect(points: [Point], exchange: Exchange, into hits: inout [Hit])
}

/// Builds the detector list from configuration: no global registration, no side effects.
public enum DetectorRegistry {
    /// Every detector MirrorGuard ships, in run order.
    public static func allDetectors() -> [any Detector] {
        []
    }

    /// The detectors not disabled by id or by class.
    public static func detectors(disabling disabled: Set<String>) -> [any Detector] {
        allDetectors().filter { detector in
            let family = String(detector.id.prefix { $0 != "." })
            return !disabled.contains(detector.id) && !disabled.contains(family)
        }
    }
}
