/// Every bound the parser and extractors obey. Reaching one adds an anomaly and analysis goes on with
/// what was read. Defaults are documented in README "Limits".
public struct ParsingLimits: Sendable, Hashable {
    /// Longest request line, status line, header line or chunk-size line kept (bytes). Default 16 KiB.
    public var maxLineBytes: Int = 16 * 1024
    /// Largest head (start line + headers) kept; the rest of a larger head is skipped. Default 64 KiB.
    public var maxHeadBytes: Int = 64 * 1024
    /// Most header fields kept per message. Default 256.
    public var maxHeaderCount: Int = 256
    /// Body bytes kept for inspection; further bytes are counted and skipped. Default 1 MiB.
    public var maxBodyBytes: Int = 1024 * 1024
    /// Named values extracted per request before the rest is analysed as one raw point. Default 1,024.
    public var maxParameters: Int = 1024
    /// Deepest JSON or XML nesting parsed; deeper values are analysed as raw text. Default 64.
    public var maxNestingDepth: Int = 64
    /// Most decoding layers applied to one value (percent, html, unicode, base64, …). Default 4.
    public var maxDecodeLayers: Int = 4
    /// Largest inflated size of a compressed body. Default 1 MiB.
    public var maxDecompressedBytes: Int = 1024 * 1024
    /// Largest inflated/compressed size ratio; inflation stops there. Default 100.
    public var maxDecompressionRatio: Int = 100
    /// Bytes of one multipart file part inspected as a point. Default 64 KiB.
    public var maxFileContentBytes: Int = 64 * 1024
    /// Bytes of a JSON/XML key or parameter name kept inside a point name. Default 64.
    public var maxNameSegmentBytes: Int = 64
    /// Bytes of one point value handed to detectors (longer values are cut). Default 64 KiB.
    public var maxPointValueBytes: Int = 64 * 1024

    /// The documented defaults.
    public init() {}

    /// The documented defaults.
    public static let `default` = ParsingLimits()
}
