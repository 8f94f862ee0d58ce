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
    /// Most hits kept per exchange (the rest are dropped, not counted twice). Default 64.
    public var maxHitsPerExchange = 64
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
    let detectors: [any PointDetector]

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
        let clock = configuration.clock
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { seen in
            var seenCount = 0
            for index in extracted.points.indices where extracted.points[index].value.count >= 2 {
                if hits.count >= configuration.maxHitsPerExchange { break }
                let point = extracted.points[index]
                point.value.withUnsafeBufferPointer { value in
                    let profile = ValueProfile(value)
                    // The same value at another point (raw and decoded, repeated parameters) is inspected once.
                    for index in 0..<seenCount where seen[index] == profile.hash { return }
                    if seenCount < seen.count {
                        seen[seenCount] = profile.hash
                        seenCount += 1
                    }
                    for detector in detectors where detector.wants(profile) {
                        let before = hits.count
                        let start = clock?()
                        detector.inspect(value, point: point, profile: profile, into: &hits)
                        if let start, let end = clock?() { timings[detector.id, default: 0] += end &- start }
                        if hits.count > before { Self.dropDerivedDuplicate(&hits, from: before) }
                    }
                }
            }
        }
        return Analysis(hits: hits, anomalies: exchange.anomalies + extracted.anomalies, points: extracted.points, timings: timings)
    }

    /// A hit on a decoded point (`query.q|percent`) repeats one already found on its source (`query.q`); a hit on
    /// a raw remainder (`body`, `query`) repeats one already found inside that container (`body.json.text`).
    private static func dropDerivedDuplicate(_ hits: inout [Hit], from start: Int) {
        var index = start
        while index < hits.count {
            let hit = hits[index]
            let duplicate = hits[..<start].contains {
                $0.type == hit.type && (hit.point.hasPrefix($0.point + "|") || $0.point.hasPrefix(hit.point + "."))
            }
            if duplicate { hits.remove(at: index) } else { index += 1 }
        }
    }
}

/// A detector that inspects one point value at a time: a `Sendable` value with a stable id, synchronous,
/// non-throwing, keeping no state between calls.
public protocol PointDetector: Sendable {
    /// Stable id (`sqli.grammar`); the class id is the part before the dot.
    var id: String { get }
    /// The attack class it reports.
    var attackType: AttackType { get }
    /// The cheap prefilter: false when the value's byte classes rule the attack out.
    func wants(_ profile: ValueProfile) -> Bool
    /// Appends hits found in `value` (the bytes of `point`) to `hits`.
    func inspect(_ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, into hits: inout [Hit])
}

/// Builds the detector list from configuration: no global registration, no side effects.
public enum DetectorRegistry {
    /// Every detector MirrorGuard ships, in run order.
    public static func allDetectors() -> [any PointDetector] {
        [SQLInjectionDetector(), CrossSiteScriptingDetector()]
    }

    /// The detectors not disabled by id or by class.
    public static func detectors(disabling disabled: Set<String>) -> [any PointDetector] {
        allDetectors().filter { detector in
            let family = String(detector.id.prefix { $0 != "." })
            return !disabled.contains(detector.id) && !disabled.contains(family)
        }
    }
}
