import MirrorGuardCore

/// The body syntaxes the extractor reads, classified from the `Content-Type` bytes without building strings.
enum MediaType: Equatable {
    case form, multipart, json, xml, graphql, other

    init(_ contentType: [UInt8]) {
        let type = Bytes.trimmed(contentType.prefix { $0 != ASCII.semicolon }[...])
        if ASCII.equalsIgnoringCase(type, "application/x-www-form-urlencoded") {
            self = .form
        } else if ASCII.hasPrefixIgnoringCase(type, "multipart/") {
            self = .multipart
        } else if ASCII.equalsIgnoringCase(type, "application/json") || ASCII.equalsIgnoringCase(type, "text/json")
                    || ASCII.equalsIgnoringCase(type, "application/x-json") || ASCII.equalsIgnoringCase(type, "application/csp-report")
                    || Self.hasSuffixIgnoringCase(type, "+json") {
            self = .json
        } else if ASCII.equalsIgnoringCase(type, "application/xml") || ASCII.equalsIgnoringCase(type, "text/xml")
                    || Self.hasSuffixIgnoringCase(type, "+xml") {
            self = .xml
        } else if ASCII.equalsIgnoringCase(type, "application/graphql") {
            self = .graphql
        } else {
            self = .other
        }
    }

    private static func hasSuffixIgnoringCase(_ bytes: ArraySlice<UInt8>, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return ASCII.equalsIgnoringCase(bytes.suffix(count), suffix)
    }

    /// The media type for messages (lowercased, parameters dropped).
    static func describe(_ contentType: [UInt8]) -> String {
        Bytes.lowercasedString(Bytes.trimmed(contentType.prefix { $0 != ASCII.semicolon }[...]))
    }
}
