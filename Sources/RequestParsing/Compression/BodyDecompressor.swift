import MirrorGuardCore

/// A content coding the extractor can ask to have undone.
public enum ContentCoding: String, Sendable, Hashable {
    /// gzip (RFC 1952), also sent as `x-gzip`.
    case gzip
    /// zlib-wrapped deflate (RFC 1950), or raw deflate as some clients send it.
    case deflate
}

/// What inflating a body produced.
public struct DecompressionResult: Sendable, Hashable {
    /// The inflated bytes (at most the requested maximum).
    public var bytes: [UInt8]
    /// True when inflation stopped at the maximum: there was more.
    public var reachedLimit: Bool
    /// True when the input was corrupt; `bytes` holds what inflated before the error.
    public var failed: Bool

    /// Creates a result.
    public init(bytes: [UInt8], reachedLimit: Bool, failed: Bool) {
        self.bytes = bytes
        self.reachedLimit = reachedLimit
        self.failed = failed
    }
}

/// Inflates compressed request bodies. RequestParsing stays free of zlib and NIO: the implementation
/// (`ZlibBodyDecompressor` in the BodyDecompression target) is handed in by the caller.
public protocol BodyDecompressor: Sendable {
    /// Inflates `bytes`, producing at most `maxOutputBytes`; never throws.
    func decompress(_ bytes: [UInt8], coding: ContentCoding, maxOutputBytes: Int) -> DecompressionResult
}
