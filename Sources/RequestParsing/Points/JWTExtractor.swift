import MirrorGuardCore

/// Unpacks a JSON Web Token (`header.payload.signature`, base64url) into points under
/// `<name>|jwt.header.*` and `<name>|jwt.payload.*`. The signature is not a point: it is opaque.
enum JWTExtractor {
    /// Returns false when the value is not a token whose header decodes to a JSON object.
    @discardableResult
    static func extract(_ token: [UInt8], name: String, location: PointLocation, decoders: [DecoderStep], into collector: inout PointCollector) -> Bool {
        let parts = token.split(separator: ASCII.dot, omittingEmptySubsequences: false)
        guard parts.count == 3,
              let header = Base64Decoder.decode(parts[0]), header.first == ASCII.leftBrace,
              let payload = Base64Decoder.decode(parts[1]) else { return false }
        JSONExtractor.extract(header, prefix: name + ".header", location: location, decoders: decoders, into: &collector)
        if payload.first == ASCII.leftBrace {
            JSONExtractor.extract(payload, prefix: name + ".payload", location: location, decoders: decoders, into: &collector)
        } else if Base64Decoder.isPrintableText(payload) {
            collector.add(name + ".payload", payload, location, decoders: decoders)
        }
        return true
    }
}
