import Detection
import MirrorGuardCore

/// The per-request output of `mirrorguard scan` (DESIGN.md contract): one JSON object per line with
/// `index`, `request_id`, `method`, `target`, `attack`, `hits`, `anomalies` (and `points` on request).
package enum ScanRecord {
    package static func json(index: Int, exchange: Exchange, analysis: Analysis, includePoints: Bool) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{")
        writer.key("index"); writer.integer(index); writer.comma()
        writer.key("request_id"); writer.optionalString(exchange.connection.requestID); writer.comma()
        writer.key("method"); writer.string(bytes: exchange.request.method); writer.comma()
        writer.key("target"); writer.string(bytes: exchange.request.target); writer.comma()
        writer.key("attack"); writer.bool(analysis.isAttack); writer.comma()
        writer.key("hits"); writer.raw("[")
        for (position, hit) in analysis.hits.enumerated() {
            if position > 0 { writer.comma() }
            writeHit(hit, to: &writer)
        }
        writer.raw("]"); writer.comma()
        writer.key("anomalies"); writer.raw("[")
        for (position, anomaly) in analysis.anomalies.enumerated() {
            if position > 0 { writer.comma() }
            writer.raw("{")
            writer.key("kind"); writer.string(anomaly.kind.rawValue); writer.comma()
            writer.key("detail"); writer.string(anomaly.detail); writer.comma()
            writer.key("offset"); writer.optionalInteger(anomaly.offset)
            writer.raw("}")
        }
        writer.raw("]")
        if includePoints {
            writer.comma()
            writer.key("points"); writer.raw("[")
            for (position, point) in analysis.points.enumerated() {
                if position > 0 { writer.comma() }
                writePoint(point, to: &writer)
            }
            writer.raw("]")
        }
        writer.raw("}\n")
        return writer.bytes
    }

    package static func writeHit(_ hit: Hit, to writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("type"); writer.string(hit.type.rawValue); writer.comma()
        writer.key("point"); writer.string(hit.point); writer.comma()
        writer.key("fragment"); writer.string(hit.fragment); writer.comma()
        writer.key("detector"); writer.string(hit.detector); writer.comma()
        writer.key("context"); writer.string(hit.context); writer.comma()
        writer.key("reason"); writer.string(hit.reason)
        writer.raw("}")
    }

    private static func writePoint(_ point: Point, to writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("name"); writer.string(point.name); writer.comma()
        writer.key("location"); writer.string(point.location.rawValue); writer.comma()
        writer.key("value"); writer.string(bytes: point.value); writer.comma()
        writer.key("decoders"); writer.raw("[")
        for (position, decoder) in point.decoders.enumerated() {
            if position > 0 { writer.comma() }
            writer.string(decoder.rawValue)
        }
        writer.raw("]")
        if point.role == .key {
            writer.comma(); writer.key("role"); writer.string(point.role.rawValue)
        }
        if !Bytes.isValidUTF8(point.value) {
            // Invalid UTF-8 is kept: the exact bytes travel as base64 beside the display value.
            writer.comma(); writer.key("value_base64"); writer.string(Base64Encoding.encode(point.value))
        }
        writer.raw("}")
    }

    /// The human form printed by `scan --explain`.
    package static func explanation(index: Int, exchange: Exchange, analysis: Analysis) -> String {
        var text = "#\(index) \(exchange.request.methodString) \(exchange.request.targetString)"
        if let id = exchange.connection.requestID { text += "  [request id \(id)]" }
        text += analysis.isAttack ? "  ATTACK\n" : "\n"
        for hit in analysis.hits {
            text += "  \(hit.type.rawValue) in \(hit.point) (detector \(hit.detector), context \(hit.context))\n"
            text += "    fragment: \(hit.fragment)\n"
            text += "    reason:   \(hit.reason)\n"
        }
        for anomaly in analysis.anomalies {
            text += "  anomaly \(anomaly.kind.rawValue)"
            if let offset = anomaly.offset { text += " at byte \(offset)" }
            text += ": \(anomaly.detail)\n"
        }
        return text
    }
}

/// Standard base64 encoding for output.
package enum Base64Encoding {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output += [alphabet[Int(value >> 18)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            output += [alphabet[Int(value >> 18)], alphabet[Int(value >> 12 & 63)], ASCII.equals, ASCII.equals]
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output += [alphabet[Int(value >> 18)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], ASCII.equals]
        }
        return String(decoding: output, as: UTF8.self)
    }
}
