import BodyDecompression
import Detection
import Discovery
import Foundation
import MirrorGuardCore
import RequestParsing

#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks with reported numbers (never asserted): parse+extract and full analysis throughput,
/// allocations per request, and per-detector cost.
@main
struct BenchmarkMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first ?? "all" {
        case "generate":
            guard arguments.count >= 4, let count = Int(arguments[3]) else {
                print("usage: mirrorguard-bench generate FILE benign|attack|mixed COUNT")
                exit(2)
            }
            generate(path: arguments[1], kind: arguments[2], count: count)
        case "parse":
            parse()
        case "profile-analyze":
            // profile-analyze FILE [cached]: with `cached`, one clean-value cache across the file.
            let bytes = arguments.count > 1 ? read(arguments[1]) : []
            let analyzer = Analyzer(decompressor: ZlibBodyDecompressor())
            let cache = arguments.count > 2 && arguments[2] == "cached" ? CleanValueCache() : nil
            var flagged = 0
            for request in frame(bytes) where analyzer.analyze(Exchange(request: request), cache: cache).isAttack { flagged += 1 }
            print("flagged: \(flagged)")
        case "profile-extract":
            // One pass over a small mix, for callgrind/perf.
            let bytes = arguments.count > 1 ? read(arguments[1]) : stream("benign", count: 2_000)
            let requests = frame(bytes)
            let extractor = PointExtractor(decompressor: ZlibBodyDecompressor())
            var total = 0
            for request in requests { total += extractor.extract(request).points.count }
            print("points: \(total)")
        case "analyze":
            analyze()
        case "discovery":
            discovery()
        case "profile-discovery":
            // Reading observations over a warm set, for perf.
            let analyzer = Analyzer(decompressor: ZlibBodyDecompressor())
            let warm = frame(stream("benign", count: 500)).map { Exchange(request: $0) }
            let points = warm.map { analyzer.analyze($0).points }
            var total = 0
            var inventory = Inventory()
            let configuration = DiscoveryConfiguration()
            for _ in 0..<400 {
                for (exchange, list) in zip(warm, points) {
                    let observation = RequestObservation(exchange: exchange, points: list)
                    total += inventory.learn(observation, configuration: configuration).count + observation.parameters.count
                }
            }
            print("parameters: \(total)")
        default:
            parse()
            analyze()
            discovery()
        }
    }

    static func stream(_ kind: String, count: Int) -> [UInt8] {
        var generator = TrafficGenerator(seed: 2026)
        var text = ""
        for number in 0..<count {
            switch kind {
            case "attack": text += generator.attack()
            case "mixed": text += number % 10 == 0 ? generator.attack() : generator.benign()
            default: text += generator.benign()
            }
        }
        return Array(text.utf8)
    }

    static func generate(path: String, kind: String, count: Int) {
        let bytes = stream(kind, count: count)
        guard let file = fopen(path, "wb") else {
            print("cannot write \(path)")
            exit(2)
        }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        print("wrote \(count) \(kind) requests, \(bytes.count) bytes, to \(path)")
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The whole file (empty when it cannot be opened).
    static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    static func frame(_ bytes: [UInt8]) -> [HTTPRequest] {
        var parser = HTTPStreamParser()
        return (parser.feed(bytes) + parser.finish()).compactMap { event in
            if case let .message(message) = event { return message.request }
            return nil
        }
    }

    /// Parse + point extraction over the realistic benign mix.
    static func parse() {
        let count = 20_000
        let bytes = stream("benign", count: count)
        let extractor = PointExtractor(decompressor: ZlibBodyDecompressor())
        var bestParse = UInt64.max
        var bestTotal = UInt64.max
        var pointCount = 0
        for _ in 0..<5 {
            let start = now()
            var parser = HTTPStreamParser()
            var events: [HTTPStreamEvent] = []
            bytes.withUnsafeBytes { parser.feed($0, into: &events) }
            events += parser.finish()
            let parsed = now()
            var points = 0
            for event in events {
                if case let .message(message) = event, let request = message.request {
                    points += extractor.extract(request).points.count
                }
            }
            bestParse = min(bestParse, parsed - start)
            bestTotal = min(bestTotal, now() - start)
            pointCount = points
        }
        let seconds = Double(bestTotal) / 1e9
        print("parse+extract  benign mix: \(count) requests, \(bytes.count / count) bytes/request avg, \(pointCount / count) points/request")
        print("  parse+extract \(Int(Double(count) / seconds)) requests/s, \(format(Double(bytes.count) / seconds / 1_048_576)) MB/s, \(format(Double(bestTotal) / Double(count) / 1000)) µs/request (best of 5, one core)")
        print("  parse only    \(Int(Double(count) / (Double(bestParse) / 1e9))) requests/s, \(format(Double(bestParse) / Double(count) / 1000)) µs/request")
        guard AllocationCounter.isActive else { return }
        let requests = frame(bytes)
        AllocationCounter.start()
        var parser = HTTPStreamParser()
        var events: [HTTPStreamEvent] = []
        bytes.withUnsafeBytes { parser.feed($0, into: &events) }
        let parseAllocations = AllocationCounter.count
        for request in requests { _ = extractor.extract(request) }
        let totalAllocations = AllocationCounter.count
        AllocationCounter.stop()
        print("  allocations/request: parse \(format(Double(parseAllocations) / Double(count))), parse+extract \(format(Double(totalAllocations) / Double(count)))")
    }

    /// Full analysis (parse + points + all detectors) on benign and attack-heavy mixes, and per-detector cost.
    static func analyze() {
        let analyzer = Analyzer(decompressor: ZlibBodyDecompressor())
        // Each mix without and with a clean-value cache (as each serve worker keeps one); a new cache per repetition,
        // so filling it is part of the time.
        for (kind, cached) in [("benign", false), ("benign", true), ("attack", false), ("attack", true)] {
            let count = kind == "benign" ? 20_000 : 5_000
            let bytes = stream(kind, count: count)
            var best = UInt64.max
            var attacks = 0
            var cacheFigures = ""
            for _ in 0..<5 {
                let cache = cached ? CleanValueCache() : nil
                let start = now()
                var parser = HTTPStreamParser()
                var events: [HTTPStreamEvent] = []
                bytes.withUnsafeBytes { parser.feed($0, into: &events) }
                events += parser.finish()
                attacks = 0
                for event in events {
                    if case let .message(message) = event, let request = message.request {
                        if analyzer.analyze(Exchange(request: request, anomalies: message.anomalies), cache: cache).isAttack { attacks += 1 }
                    }
                }
                best = min(best, now() - start)
                if let cache {
                    cacheFigures = ", clean-value cache: \(cache.hits) of \(cache.lookups) header and path values found (\(format(100 * Double(cache.hits) / Double(max(cache.lookups, 1))))%)"
                }
            }
            let seconds = Double(best) / 1e9
            print("analyze  \(kind) mix: \(count) requests, flagged \(attacks); \(Int(Double(count) / seconds)) requests/s, \(format(Double(best) / Double(count) / 1000)) µs/request (best of 5, one core)\(cacheFigures)")
        }
        // Per-detector cost per point, and allocations per benign point inside detectors.
        var configuration = AnalyzerConfiguration()
        configuration.clock = { now() }
        let timed = Analyzer(configuration: configuration, decompressor: ZlibBodyDecompressor())
        let requests = frame(stream("benign", count: 20_000))
        var totals: [String: UInt64] = [:]
        var points = 0
        for request in requests {
            let analysis = timed.analyze(Exchange(request: request))
            points += analysis.points.count
            for (id, nanoseconds) in analysis.timings { totals[id, default: 0] += nanoseconds }
        }
        for (id, nanoseconds) in totals.sorted(by: { $0.key < $1.key }) {
            print("  detector \(id): \(format(Double(nanoseconds) / Double(points))) ns/point over \(points) benign points")
        }
        guard AllocationCounter.isActive else { return }
        let extractor = PointExtractor(decompressor: ZlibBodyDecompressor())
        let extracted = requests.map { extractor.extract($0).points }
        var sink: [Hit] = []
        sink.reserveCapacity(1024)
        var allocations = 0
        for detector in DetectorRegistry.allDetectors() {
            AllocationCounter.start()
            for requestPoints in extracted {
                for point in requestPoints {
                    point.value.withUnsafeBufferPointer { value in
                        let profile = ValueProfile(value)
                        if detector.wants(profile) { detector.inspect(value, point: point, profile: profile, into: &sink) }
                    }
                }
            }
            let count = AllocationCounter.count
            AllocationCounter.stop()
            allocations += count
            if count > 0 { print("  detector \(detector.id) allocations: \(count) (\(format(Double(count) / Double(max(points, 1)))) per point)") }
        }
        print("  detector allocations on the benign mix: \(allocations) for \(points) points (\(format(Double(allocations) / Double(max(points, 1)))) per point), \(sink.count) hits")
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return String(rounded)
    }
}
