/// Kinds of unusual input noticed while framing or parsing. Raw values are stable API (metrics, events).
public enum AnomalyKind: String, Sendable, Hashable, CaseIterable, Comparable {
    // Framing and message syntax
    /// Bytes that are not an HTTP message were skipped to find the next one.
    case garbageSkipped = "garbage_skipped"
    /// The start line is not `METHOD SP target SP HTTP/x.y`.
    case invalidRequestLine = "invalid_request_line"
    /// The method is not an RFC 9110 token (or not UTF-8).
    case invalidMethod = "invalid_method"
    /// The method is a valid token but not a registered HTTP method.
    case unknownMethod = "unknown_method"
    /// The version is missing or not `HTTP/d.d`.
    case invalidVersion = "invalid_version"
    /// The target contains spaces or control bytes.
    case invalidTarget = "invalid_target"
    /// A line ended with LF alone instead of CRLF.
    case bareLF = "bare_lf"
    /// A CR not followed by LF inside a line.
    case bareCR = "bare_cr"
    /// A NUL byte in the start line or headers.
    case nulByte = "nul_byte"
    /// A line in the head was longer than `maxLineBytes`; it was cut.
    case lineTooLong = "line_too_long"
    /// The head was larger than `maxHeadBytes`; the excess was skipped.
    case headerSectionTooLarge = "header_section_too_large"
    /// More header fields than `maxHeaderCount`; the excess was dropped.
    case tooManyHeaders = "too_many_headers"
    /// A header line without a colon, or with an invalid name.
    case invalidHeader = "invalid_header"
    /// Whitespace between a header name and its colon (a smuggling signal).
    case whitespaceBeforeColon = "whitespace_before_colon"
    /// A folded (continuation) header line (obs-fold).
    case obsFold = "obs_fold"
    /// Bytes in a header value that are not valid UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// The same Content-Length sent more than once.
    case duplicateContentLength = "duplicate_content_length"
    /// Different Content-Length values in one message (a smuggling signal).
    case conflictingContentLength = "conflicting_content_length"
    /// Content-Length is not a decimal number or is out of range.
    case invalidContentLength = "invalid_content_length"
    /// Both Content-Length and Transfer-Encoding (a smuggling signal).
    case contentLengthWithTransferEncoding = "content_length_with_transfer_encoding"
    /// A Transfer-Encoding other than a final `chunked`.
    case unsupportedTransferEncoding = "unsupported_transfer_encoding"
    /// A chunk-size line that is not a hexadecimal size (negative, huge, garbage).
    case badChunkSize = "bad_chunk_size"
    /// Chunk data not followed by CRLF.
    case badChunkTerminator = "bad_chunk_terminator"
    /// The stream ended inside a message; what arrived was analysed.
    case truncatedMessage = "truncated_message"
    /// The body was longer than `maxBodyBytes`; only the first bytes were inspected.
    case bodyTruncated = "body_truncated"
    /// A status line that cannot be parsed (responses).
    case invalidStatusLine = "invalid_status_line"

    // Content
    /// More named values than `maxParameters`; the rest were analysed as one raw point.
    case tooManyParameters = "too_many_parameters"
    /// JSON deeper than `maxNestingDepth`; deeper values were analysed as raw text.
    case jsonDepthExceeded = "json_depth_exceeded"
    /// The JSON body or value does not parse.
    case invalidJSON = "invalid_json"
    /// XML deeper than `maxNestingDepth`.
    case xmlDepthExceeded = "xml_depth_exceeded"
    /// The XML body does not parse.
    case invalidXML = "invalid_xml"
    /// A multipart body without a usable boundary.
    case multipartMissingBoundary = "multipart_missing_boundary"
    /// A multipart body without its closing delimiter, or a malformed part.
    case multipartMalformed = "multipart_malformed"
    /// More decoding layers than `maxDecodeLayers` were possible.
    case decodeLayersExceeded = "decode_layers_exceeded"
    /// A compressed body inflated past `maxDecompressedBytes` or `maxDecompressionRatio`.
    case decompressionLimit = "decompression_limit"
    /// A compressed body could not be inflated (corrupt or unknown coding).
    case decompressionFailed = "decompression_failed"
    /// A compressed body arrived but no decompressor was configured.
    case compressedBodyNotInspected = "compressed_body_not_inspected"

    public static func < (lhs: AnomalyKind, rhs: AnomalyKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One unusual thing about an exchange, with where it was seen.
public struct Anomaly: Sendable, Hashable {
    /// What was noticed.
    public var kind: AnomalyKind
    /// A short human explanation (bounded; never a whole payload).
    public var detail: String
    /// Absolute byte offset in the input stream, when known.
    public var offset: Int?

    /// The longest detail kept, in UTF-8 bytes.
    public static let maxDetailBytes = 160

    /// Creates an anomaly; `detail` is cut to `maxDetailBytes`.
    public init(_ kind: AnomalyKind, _ detail: String = "", offset: Int? = nil) {
        self.kind = kind
        self.detail = Anomaly.bounded(detail)
        self.offset = offset
    }

    static func bounded(_ text: String) -> String {
        guard text.utf8.count > maxDetailBytes else { return text }
        var result = ""
        for character in text {
            if result.utf8.count + character.utf8.count > maxDetailBytes - 3 { break }
            result.append(character)
        }
        return result + "..."
    }
}
