import MirrorGuardCore

/// How a message's body is delimited, decided from its head (RFC 9112 §6.3), tolerantly.
struct Framing {
    enum Kind: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    var kind: Kind
    var declaredLength: Int?

    static func decide(for startLine: StartLine, headers: HeaderFields, requestMethod: [UInt8]?, mode: HTTPStreamParser.Mode, anomalies: inout [Anomaly], offset: Int) -> Framing {
        if case let .status(_, code, _) = startLine {
            if (code >= 100 && code < 200) || code == 204 || code == 304 { return Framing(kind: .none) }
            if let requestMethod, ASCII.equalsIgnoringCase(requestMethod, "HEAD") { return Framing(kind: .none) }
            if let requestMethod, ASCII.equalsIgnoringCase(requestMethod, "CONNECT"), code >= 200 && code < 300 {
                return Framing(kind: .none)
            }
        }
        var transferEncodings: [[UInt8]] = []
        var contentLengths: [[UInt8]] = []
        // By index: iterating the fields would copy (retain) every name and value. Only names of the two lengths are
        // compared.
        for index in headers.fields.indices {
            switch headers.fields[index].name.utf8.count {
            case 17 where headers.fields[index].hasName(lowercase: "transfer-encoding"): transferEncodings.append(headers.fields[index].value)
            case 14 where headers.fields[index].hasName(lowercase: "content-length"): contentLengths.append(headers.fields[index].value)
            default: break
            }
        }
        // The usual head, one Content-Length of digits, is read without splitting it into lists.
        let lengths = contentLengths.count == 1 && !contentLengths[0].contains(ASCII.comma)
            ? Bytes.decimalValue(Bytes.trimmed(contentLengths[0][...])) ?? parseContentLengths(contentLengths, anomalies: &anomalies, offset: offset)
            : parseContentLengths(contentLengths, anomalies: &anomalies, offset: offset)

        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty {
                anomalies.append(Anomaly(.contentLengthWithTransferEncoding, "both Content-Length and Transfer-Encoding", offset: offset))
            }
            let codings = transferEncodings.flatMap { value in
                value.split(separator: ASCII.comma).map { Bytes.lowercasedString(Bytes.trimmed($0)) }
            }.filter { !$0.isEmpty }
            if codings.last == "chunked" && codings.filter({ $0 == "chunked" }).count == 1 {
                return Framing(kind: .chunked, declaredLength: nil)
            }
            anomalies.append(Anomaly(.unsupportedTransferEncoding, "Transfer-Encoding \(codings.joined(separator: ", "))", offset: offset))
            if codings.contains("chunked") { return Framing(kind: .chunked, declaredLength: nil) }
            return mode == .requests ? Framing(kind: .none) : Framing(kind: .untilClose)
        }
        if let length = lengths { return Framing(kind: .length(length), declaredLength: length) }
        if mode == .responses { return Framing(kind: .untilClose) }
        return Framing(kind: .none)
    }

    /// The message's length from every Content-Length value (comma lists included), with anomalies for
    /// duplicates, conflicts and garbage. The first valid value wins.
    private static func parseContentLengths(_ values: [[UInt8]], anomalies: inout [Anomaly], offset: Int) -> Int? {
        guard !values.isEmpty else { return nil }
        var parsed: [Int] = []
        var invalid = false
        for value in values {
            for part in value.split(separator: ASCII.comma, omittingEmptySubsequences: false) {
                if let length = Bytes.decimalValue(Bytes.trimmed(part)) { parsed.append(length) } else { invalid = true }
            }
        }
        if invalid {
            anomalies.append(Anomaly(.invalidContentLength, "Content-Length \(values.map { HTTPHeadParser.show($0) }.joined(separator: ", "))", offset: offset))
        }
        if parsed.count > 1 {
            if Set(parsed).count == 1 {
                anomalies.append(Anomaly(.duplicateContentLength, "Content-Length sent \(parsed.count) times", offset: offset))
            } else {
                anomalies.append(Anomaly(.conflictingContentLength, "Content-Length values \(parsed.map(String.init).joined(separator: ", "))", offset: offset))
            }
        }
        return parsed.first ?? (invalid ? 0 : nil)
    }
}
