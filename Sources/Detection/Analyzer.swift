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
    let detectorSet: DetectorSet

    /// Builds an analyser with the registry's detectors minus the disabled ones.
    public init(configuration: AnalyzerConfiguration = AnalyzerConfiguration(), decompressor: (any BodyDecompressor)? = nil) {
        self.configuration = configuration
        self.extractor = PointExtractor(limits: configuration.limits, decompressor: decompressor)
        self.detectors = DetectorRegistry.detectors(disabling: configuration.disabledDetectors)
        self.detectorSet = DetectorSet(enabled: Set(detectors.map(\.id)))
        self.reportsProtocol = !configuration.disabledDetectors.contains("protocol")
            && !configuration.disabledDetectors.contains(ProtocolAnomalies.detectorID)
    }

    /// Framing anomalies are reported as `protocol` hits unless switched off.
    let reportsProtocol: Bool

    /// Ids of the detectors that run.
    public var detectorIDs: [String] { detectors.map(\.id) + (reportsProtocol ? [ProtocolAnomalies.detectorID] : []) }

    /// Analyses one exchange.
    public func analyze(_ exchange: Exchange) -> Analysis {
        analyze(exchange, cache: nil)
    }

    /// Analyses one exchange, skipping the detectors for header and path values `cache` holds as clean and adding
    /// the clean ones it inspects. The hits are the same as without a cache (see `CleanValueCache`).
    public func analyze(_ exchange: Exchange, cache: CleanValueCache?) -> Analysis {
        var extracted = extractor.extract(exchange.request)
        let context = DetectionContext(exchange)
        cache?.use(detectors: detectorSet.enabledBits)
        let hostHash = cache == nil ? 0 : CleanValueCache.hostHash(context.host)
        var hits: [Hit] = []
        var timings: [String: UInt64] = [:]
        let clock = configuration.clock
        // The points are read in place: a `Point` copy retains four buffers, and the compiler copies a point read through
        // a buffer for every call it is passed to. Passed `inout` (never written), it goes down as its address.
        // One run for all points: its context and arrays are set up once, not per value.
        var run = DetectorRun(value: UnsafeBufferPointer(start: nil, count: 0), profile: ValueProfile(UnsafeBufferPointer(start: nil, count: 0)),
                              context: context, clock: clock)
        // Prefilter answers by byte classes, for this exchange (see `DetectorRun.memo`).
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * DetectorRun.memoSlots) { memo in
            memo.initialize(repeating: 0)
            run.memo = memo
            extracted.points.withUnsafeMutableBufferPointer { points in
                // Values already inspected, by fingerprint: open addressing over twice as many slots as it may hold. An
                // entry packs the fingerprint's upper 48 bits with the point's index + 1 (0 is a free slot): the table is
                // 1 KiB, on the stack and cleared as one block.
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.seenSlots) { seen in
                    seen.initialize(repeating: 0)
                    var seenCount = 0
                    for index in points.indices where points[index].value.count >= 2 {
                        if hits.count >= configuration.maxHitsPerExchange { break }
                        // The bytes are read in place for the whole body without a reference of their own (one retain
                        // and release per value otherwise): `extracted.points` owns each value for the whole loop, and
                        // nothing below writes a point (`PointDetector.inspect` receives it as a value).
                        let value = points[index].value.withUnsafeBufferPointer { $0 }
                        let fingerprint = ValueProfile.fingerprint(of: value)
                        let upper = fingerprint & ~Self.seenIndexMask
                        // The same bytes at another point of the same part (repeated parameters, a decoder that changed
                        // nothing) are inspected once by the detectors that read only the value; the ones that also read
                        // the parameter's name (redirect parameters, directory attributes) run again. The bytes are
                        // compared, not only the fingerprint: a crafted collision must not hide a value. Only the first
                        // candidate (the earliest value with those fingerprint bits in that part) is compared, so
                        // colliding values cost one comparison each, never one per earlier value.
                        var duplicate = false
                        var slot = Int(truncatingIfNeeded: fingerprint >> 57) & (Self.seenSlots - 1)
                        while seen[slot] != 0 {
                            if seen[slot] & ~Self.seenIndexMask == upper {
                                let earlier = Int(truncatingIfNeeded: seen[slot] & Self.seenIndexMask) - 1
                                if points[earlier].location == points[index].location {
                                    duplicate = points[earlier].value.withUnsafeBufferPointer { Bytes.equal($0, value) }
                                    break
                                }
                            }
                            slot = (slot + 1) & (Self.seenSlots - 1)
                        }
                        if !duplicate && seenCount < Self.seenSlots / 2 && index < Int(Self.seenIndexMask) {
                            // `slot` is the first free one of this fingerprint's run, or the matching entry of a
                            // collision: then the free one further along.
                            while seen[slot] != 0 { slot = (slot + 1) & (Self.seenSlots - 1) }
                            seen[slot] = upper | UInt64(index + 1)
                            seenCount += 1
                        }
                        // A header or path value found clean before, under the same name and host, is skipped.
                        var cached: CleanValueCache.Key? = nil
                        if !duplicate, let key = cache?.key(of: &points[index], value, hostHash: hostHash) {
                            if cache?.contains(key, name: points[index].lazyName.prefix, host: context.host, value: value) == true { continue }
                            cached = key
                        }
                        let profile = ValueProfile(value, fingerprint: fingerprint)
                        run.value = value
                        run.profile = profile
                        // A header value within its field's closed grammar (`Accept: text/html,*/*;q=0.8`) can carry no
                        // injection; only a callback domain, so only the scanner detector reads it.
                        let only: UInt64? = duplicate ? DetectorSet.nameDependent
                            : ClosedHeaderGrammar.isClosed(&points[index], value) ? DetectorSet.scanner : nil
                        detectorSet.run(&run, point: &points[index], only: only)
                        if !run.hits.isEmpty {
                            for hit in run.hits {
                                hits.append(hit)
                                Self.dropDerivedDuplicate(&hits, from: hits.count - 1)
                            }
                            run.hits.removeAll(keepingCapacity: true)
                        } else if let cached {
                            cache?.store(cached, name: points[index].lazyName.prefix, host: context.host, value: points[index].value)
                        }
                        if !run.timings.isEmpty {
                            for (id, nanoseconds) in run.timings { timings[id, default: 0] += nanoseconds }
                            run.timings.removeAll(keepingCapacity: true)
                        }
                    }
                }
            }
            run.memo = UnsafeMutableBufferPointer(start: nil, count: 0)
        }
        if reportsProtocol && !exchange.anomalies.isEmpty {
            hits.append(contentsOf: ProtocolAnomalies.hits(for: exchange.anomalies).prefix(max(0, configuration.maxHitsPerExchange - hits.count)))
        }
        return Analysis(hits: hits, anomalies: exchange.anomalies + extracted.anomalies, points: extracted.points, timings: timings)
    }

    /// Slots of the table of inspected values (a power of two); it holds at most half as many values, later distinct
    /// values are inspected without being remembered.
    static let seenSlots = 128
    /// The bits of an entry of that table holding the point's index + 1; points beyond are not remembered.
    static let seenIndexMask: UInt64 = 0xFFFF

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
    /// The cheap prefilter: false when the value's byte classes rule the attack out. It reads `profile.classes` and
    /// nothing else: the analyser remembers its answers by classes within an exchange.
    func wants(_ profile: ValueProfile) -> Bool
    /// Appends hits found in `value` (the bytes of `point`) to `hits`.
    func inspect(_ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit])
}

extension PointDetector {
    /// Inspects a value without request context (tests, benchmarks).
    public func inspect(_ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, into hits: inout [Hit]) {
        inspect(value, point: point, profile: profile, context: DetectionContext(), into: &hits)
    }
}

/// What detectors may know about the request beyond the value: the host it was sent to.
public struct DetectionContext: Sendable {
    /// The original host, lowercased, without port; empty when unknown.
    public var host: [UInt8] = []

    /// No context.
    public init() {}

    /// The context of an exchange: its connection host, else its `Host` header.
    public init(_ exchange: Exchange) {
        host = exchange.originalHost
    }
}

/// Builds the detector list from configuration: no global registration, no side effects.
public enum DetectorRegistry {
    /// Every detector MirrorGuard ships, in run order (the order `DetectorSet.run` calls them in).
    public static func allDetectors() -> [any PointDetector] {
        [
            SQLInjectionDetector(), CrossSiteScriptingDetector(), PathTraversalDetector(), CommandInjectionDetector(), CodeInjectionDetector(),
            ServerSideRequestForgeryDetector(), OpenRedirectDetector(), TemplateInjectionDetector(), ServerSideIncludeDetector(),
            ExternalEntityDetector(), NoSQLInjectionDetector(), LDAPInjectionDetector(), CRLFInjectionDetector(), MailInjectionDetector(),
            Log4ShellDetector(), ScannerDetector(), XPathInjectionDetector(),
        ]
    }

    /// The detectors not disabled by id or by class.
    public static func detectors(disabling disabled: Set<String>) -> [any PointDetector] {
        allDetectors().filter { detector in
            let family = String(detector.id.prefix { $0 != "." })
            return !disabled.contains(detector.id) && !disabled.contains(family)
        }
    }
}

/// One value on its way through the detectors, with what they found.
struct DetectorRun {
    /// The value being inspected (valid while its point's bytes are borrowed) and its profile.
    var value: UnsafeBufferPointer<UInt8>
    var profile: ValueProfile
    let context: DetectionContext
    let clock: (@Sendable () -> UInt64)?
    var hits: [Hit] = []
    var timings: [(String, UInt64)] = []
    /// Which detectors want a value, by its byte classes: `wants` reads nothing else, and the values of one exchange
    /// share a few class sets. Direct-mapped: `memoSlots` keys (classes with bit 32 set) then as many masks; empty when
    /// the run has no room (every value then asks every prefilter).
    var memo = UnsafeMutableBufferPointer<UInt64>(start: nil, count: 0)
    static let memoSlots = 16
}

/// The shipped detectors called with static dispatch (no existential boxing on the hot path), each behind
/// its enable bit and its prefilter. The order equals `DetectorRegistry.allDetectors()`.
struct DetectorSet: Sendable {
    /// Detector ids in call order.
    static let order: [String] = DetectorRegistry.allDetectors().map(\.id)

    private let enabled: UInt64

    private init(bits: UInt64) { enabled = bits }

    /// The enabled detectors, one bit each in `order`.
    var enabledBits: UInt64 { enabled }

    init(enabled ids: Set<String>) {
        enabled = Self.bits(for: ids)
    }

    /// Detectors whose verdict depends on the point's name as well as its value: `redir.url` and `ldapi.filter`, by
    /// their places in `run` (constants, read per point without a once-check; a test checks them against `bits(for:)`).
    static let nameDependent: UInt64 = 1 << 6 | 1 << 11
    /// The scanner detector alone (`scanner.signature`).
    static let scanner: UInt64 = 1 << 15

    /// The enable bits of the detectors with these ids (their places in `order`).
    static func bits(for ids: Set<String>) -> UInt64 {
        var bits: UInt64 = 0
        for (index, id) in order.enumerated() where ids.contains(id) { bits |= 1 << UInt64(index) }
        return bits
    }

    /// Runs the enabled detectors, or only those of them in `only`.
    /// The point is passed down `inout` only so it is not copied (see `Analyzer.analyze`); nothing writes it — the analyser
    /// reads the value through a pointer it took before the call.
    /// Not inlined: `Benchmarks/run instructions` counts the detectors' share of a request as this function's.
    @inline(never)
    func run(_ run: inout DetectorRun, point: inout Point, only: UInt64? = nil) {
        let wanted = wanted(&run) & (only ?? ~0)
        guard wanted != 0 else { return }
        DetectorSet(bits: wanted).inspect(&run, point: &point)
    }

    /// The enabled detectors whose prefilter takes the run's value, from the memo when its classes were seen.
    func wanted(_ run: inout DetectorRun) -> UInt64 {
        let classes = UInt64(run.profile.classes.rawValue)
        let slots = DetectorRun.memoSlots
        guard run.memo.count == 2 * slots else { return wants(run.profile) }
        let slot = Int(truncatingIfNeeded: (classes &* 0x9E37_79B9_7F4A_7C15) >> 60) & (slots - 1)
        let key = classes | 1 << 32
        if run.memo[slot] == key { return run.memo[slots + slot] }
        let mask = wants(run.profile)
        run.memo[slot] = key
        run.memo[slots + slot] = mask
        return mask
    }

    /// The enabled detectors whose prefilter takes a value of this profile.
    func wants(_ profile: ValueProfile) -> UInt64 {
        var mask: UInt64 = 0
        func take<D: PointDetector>(_ detector: D, _ bit: UInt64) {
            if enabled & (1 << bit) != 0 && detector.wants(profile) { mask |= 1 << bit }
        }
        take(SQLInjectionDetector(), 0)
        take(CrossSiteScriptingDetector(), 1)
        take(PathTraversalDetector(), 2)
        take(CommandInjectionDetector(), 3)
        take(CodeInjectionDetector(), 4)
        take(ServerSideRequestForgeryDetector(), 5)
        take(OpenRedirectDetector(), 6)
        take(TemplateInjectionDetector(), 7)
        take(ServerSideIncludeDetector(), 8)
        take(ExternalEntityDetector(), 9)
        take(NoSQLInjectionDetector(), 10)
        take(LDAPInjectionDetector(), 11)
        take(CRLFInjectionDetector(), 12)
        take(MailInjectionDetector(), 13)
        take(Log4ShellDetector(), 14)
        take(ScannerDetector(), 15)
        take(XPathInjectionDetector(), 16)
        return mask
    }

    /// Runs the detectors of this set (prefilters already passed), in `order`.
    private func inspect(_ run: inout DetectorRun, point: inout Point) {
        step(SQLInjectionDetector(), 0, &point, &run)
        step(CrossSiteScriptingDetector(), 1, &point, &run)
        step(PathTraversalDetector(), 2, &point, &run)
        step(CommandInjectionDetector(), 3, &point, &run)
        step(CodeInjectionDetector(), 4, &point, &run)
        step(ServerSideRequestForgeryDetector(), 5, &point, &run)
        step(OpenRedirectDetector(), 6, &point, &run)
        step(TemplateInjectionDetector(), 7, &point, &run)
        step(ServerSideIncludeDetector(), 8, &point, &run)
        step(ExternalEntityDetector(), 9, &point, &run)
        step(NoSQLInjectionDetector(), 10, &point, &run)
        step(LDAPInjectionDetector(), 11, &point, &run)
        step(CRLFInjectionDetector(), 12, &point, &run)
        step(MailInjectionDetector(), 13, &point, &run)
        step(Log4ShellDetector(), 14, &point, &run)
        step(ScannerDetector(), 15, &point, &run)
        step(XPathInjectionDetector(), 16, &point, &run)
    }

    @inline(__always)
    private func step<D: PointDetector>(_ detector: D, _ bit: UInt64, _ point: inout Point, _ run: inout DetectorRun) {
        guard enabled & (1 << bit) != 0 else { return }
        guard let clock = run.clock else {
            detector.inspect(run.value, point: point, profile: run.profile, context: run.context, into: &run.hits)
            return
        }
        let start = clock()
        detector.inspect(run.value, point: point, profile: run.profile, context: run.context, into: &run.hits)
        run.timings.append((detector.id, clock() &- start))
    }
}
