import MirrorGuardCore
import Testing
@testable import Detection

/// Runs one detector over a single value as a query parameter point.
func hits(_ detector: any PointDetector, _ value: String, decoders: [DecoderStep] = []) -> [Hit] {
    let bytes = Array(value.utf8)
    let point = Point(name: "query.q", value: bytes, location: .query, decoders: decoders)
    var found: [Hit] = []
    bytes.withUnsafeBufferPointer { buffer in
        let profile = ValueProfile(buffer)
        if detector.wants(profile) { detector.inspect(buffer, point: point, profile: profile, into: &found) }
    }
    return found
}

/// A table row with a readable test name: a value and the parameter name it is sent under (default `q`).
struct Row: CustomTestStringConvertible, Sendable {
    let value: String
    let name: String
    init(_ value: String) { self.init(value, name: "q") }
    init(_ value: String, name: String) {
        self.value = value
        self.name = name
    }
    var testDescription: String {
        let shown = value.count > 70 ? String(value.prefix(70)) + "…" : value
        return name == "q" ? shown : "\(name)=\(shown)"
    }
}

/// The point a row stands for: `query.<name>`, `body.form.<name>`, or the `User-Agent` header.
func point(for row: Row, location: PointLocation) -> Point {
    let name = switch location {
    case .header: "header.user-agent"
    case .body: "body.form." + row.name
    default: "query." + row.name
    }
    return Point(name: name, value: Array(row.value.utf8), location: location)
}

/// The request context rows are sent in: the application at `shop.test`.
let shopContext: DetectionContext = {
    var context = DetectionContext()
    context.host = Array("shop.test".utf8)
    return context
}()

/// Runs one detector over a row.
func hits(_ detector: any PointDetector, _ row: Row, location: PointLocation) -> [Hit] {
    let point = point(for: row, location: location)
    var found: [Hit] = []
    point.value.withUnsafeBufferPointer { buffer in
        let profile = ValueProfile(buffer)
        if detector.wants(profile) { detector.inspect(buffer, point: point, profile: profile, context: shopContext, into: &found) }
    }
    return found
}

/// Runs every shipped detector over a row.
func allHits(_ row: Row, location: PointLocation) -> [Hit] {
    DetectorRegistry.allDetectors().flatMap { hits($0, row, location: location) }
}
