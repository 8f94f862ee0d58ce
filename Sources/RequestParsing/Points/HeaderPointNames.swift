import MirrorGuardCore

/// Point names for header fields. Names of common headers are shared constants (no allocation per
/// request); any other name is lowercased and escaped like every key.
enum HeaderPointNames {
    private static let common: [String] = [
        "host", "user-agent", "accept", "accept-language", "accept-encoding", "accept-charset", "connection",
        "content-type", "content-length", "content-encoding", "transfer-encoding", "authorization", "referer",
        "origin", "cache-control", "pragma", "upgrade-insecure-requests", "if-none-match", "if-modified-since",
        "x-request-id", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "x-requested-with",
        "x-csrf-token", "x-csrftoken", "dnt", "te", "range", "forwarded", "via", "sec-fetch-site", "sec-fetch-mode",
        "sec-fetch-dest", "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "priority",
        "keep-alive", "expect", "x-api-key", "x-amzn-trace-id", "traceparent", "tracestate", "b3", "x-b3-traceid",
    ]

    /// Common names bucketed by length: (lowercase bytes, point name).
    private static let buckets: [[([UInt8], String)]] = {
        var buckets = Array(repeating: [([UInt8], String)](), count: 32)
        for name in common where name.utf8.count < 32 {
            buckets[name.utf8.count].append((Array(name.utf8), "header." + name))
        }
        return buckets
    }()

    /// The point name of a header field under `prefix` (`header` or `trailer`).
    static func name(for fieldName: String, prefix: String, limit: Int) -> LazyPointName {
        if fieldName.isEmpty { return LazyPointName(prefix + "._invalid") }
        let utf8 = fieldName.utf8
        if prefix == "header", utf8.count < 32 {
            let known: String? = utf8.withContiguousStorageIfAvailable { bytes in
                for (candidate, pointName) in buckets[bytes.count] {
                    var equal = true
                    for index in 0..<bytes.count where ASCII.lower(bytes[index]) != candidate[index] {
                        equal = false
                        break
                    }
                    if equal { return pointName }
                }
                return nil
            } ?? nil
            if let known { return LazyPointName(known) }
        }
        return LazyPointName(prefix: prefix, tail: .key(Array(utf8)[...], lowercase: true, isKeyPoint: false), limit: limit)
    }
}
