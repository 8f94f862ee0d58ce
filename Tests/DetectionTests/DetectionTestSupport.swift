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

/// A table row with a readable test name.
struct Row: CustomTestStringConvertible, Sendable {
    let value: String
    init(_ value: String) { self.value = value }
    var testDescription: String { value.count > 70 ? String(value.prefix(70)) + "…" : value }
}
