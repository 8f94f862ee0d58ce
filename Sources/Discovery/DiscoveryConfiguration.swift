/// Limits and thresholds of API discovery; every field has a documented default.
public struct DiscoveryConfiguration: Sendable, Hashable {
    /// Hosts learned; requests for further hosts are counted and not learned. Default 64.
    public var maxHosts = 64
    /// Endpoints (method + template) per host. Default 1,000.
    public var maxEndpointsPerHost = 1_000
    /// Path-tree nodes per host (bounds memory whatever the paths look like). Default 10,000.
    public var maxNodesPerHost = 10_000
    /// Parameters learned across all hosts and endpoints (each costs well under 1 KiB). Default 50,000.
    public var maxTotalParameters = 50_000
    /// Path segments read; deeper ones fold into one trailing parameter. Default 12.
    public var maxPathDepth = 12
    /// Literal children one path position keeps before the rarely seen ones fold into a parameter. Default 32.
    public var maxLiteralChildren = 32
    /// Distinct slug-like siblings (`iphone-15-pro`, `A1B2C3`) that make a position a parameter. Default 3.
    public var slugFoldThreshold = 3
    /// File extensions of static assets, not learned (lowercase, no dot).
    public var staticExtensions: Set<String> = [
        "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif", "woff", "woff2",
        "ttf", "otf", "eot", "mp4", "webm", "mp3", "pdf", "txt",
    ]
    /// Requests an endpoint needs before its model is frozen and deviations are reported. Default 100.
    public var learnedAfterRequests = 100
    /// And the time between its first and last request, in seconds. Default 3,600.
    public var learnedAfterSeconds: Int64 = 3_600
    /// Whether deviations from learned endpoints are reported as `anomaly.*` hits. Default true.
    public var reportDeviations = true
    /// Deviation hits per request, at most. Default 8.
    public var maxDeviationsPerRequest = 8

    /// The defaults above.
    public init() {}
}
