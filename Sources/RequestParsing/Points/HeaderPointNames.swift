import MirrorGuardCore

/// Field names most requests carry, known ahead so their points are named with shared constants (`header.user-agent`,
/// no name built per request). A name is looked up as four eight-byte words, lowercased eight bytes at a time, in
/// tables written out as literals: laid out at compile time, read without a once-check or a retain. The tables are
/// written by `scripts/generate-common-header-names.py` (to add a name, edit its list and paste its output here); a
/// test checks that each name, in any case, finds its own entry and that names a byte away find no other.
enum CommonHeaderNames {
    /// The names, lowercase.
    static let names: [String] = [
        "host", "user-agent", "accept", "accept-language", "accept-encoding", "accept-charset", "connection",
        "content-type", "content-length", "content-encoding", "transfer-encoding", "authorization", "referer", "origin",
        "cache-control", "pragma", "upgrade-insecure-requests", "if-none-match", "if-modified-since", "x-request-id",
        "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "x-requested-with", "x-csrf-token",
        "x-csrftoken", "dnt", "te", "range", "forwarded", "via", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest",
        "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "priority", "keep-alive", "expect",
        "x-api-key", "x-amzn-trace-id", "traceparent", "tracestate", "b3", "x-b3-traceid", "cookie",
    ]

    /// `header.` and each name.
    static let pointNames: [String] = [
        "header.host", "header.user-agent", "header.accept", "header.accept-language", "header.accept-encoding",
        "header.accept-charset", "header.connection", "header.content-type", "header.content-length",
        "header.content-encoding", "header.transfer-encoding", "header.authorization", "header.referer",
        "header.origin", "header.cache-control", "header.pragma", "header.upgrade-insecure-requests",
        "header.if-none-match", "header.if-modified-since", "header.x-request-id", "header.x-forwarded-for",
        "header.x-forwarded-host", "header.x-forwarded-proto", "header.x-real-ip", "header.x-requested-with",
        "header.x-csrf-token", "header.x-csrftoken", "header.dnt", "header.te", "header.range", "header.forwarded",
        "header.via", "header.sec-fetch-site", "header.sec-fetch-mode", "header.sec-fetch-dest",
        "header.sec-fetch-user", "header.sec-ch-ua", "header.sec-ch-ua-mobile", "header.sec-ch-ua-platform",
        "header.priority", "header.keep-alive", "header.expect", "header.x-api-key", "header.x-amzn-trace-id",
        "header.traceparent", "header.tracestate", "header.b3", "header.x-b3-traceid", "header.cookie",
    ]

    /// Each name as four words (`key(of:)`), four per name.
    private static let words: [UInt64] = [
        0x0000000074736F68, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // host
        0x6567612D72657375, 0x746E6567612D7265, 0x746E6567612D7265, 0x746E6567612D7265,  // user-agent
        0x0000747065636361, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // accept
        0x6C2D747065636361, 0x65676175676E616C, 0x65676175676E616C, 0x65676175676E616C,  // accept-language
        0x652D747065636361, 0x676E69646F636E65, 0x676E69646F636E65, 0x676E69646F636E65,  // accept-encoding
        0x632D747065636361, 0x746573726168632D, 0x746573726168632D, 0x746573726168632D,  // accept-charset
        0x697463656E6E6F63, 0x6E6F697463656E6E, 0x6E6F697463656E6E, 0x6E6F697463656E6E,  // connection
        0x2D746E65746E6F63, 0x657079742D746E65, 0x657079742D746E65, 0x657079742D746E65,  // content-type
        0x2D746E65746E6F63, 0x6874676E656C2D74, 0x6874676E656C2D74, 0x6874676E656C2D74,  // content-length
        0x2D746E65746E6F63, 0x676E69646F636E65, 0x676E69646F636E65, 0x676E69646F636E65,  // content-encoding
        0x726566736E617274, 0x6E69646F636E652D, 0x676E69646F636E65, 0x676E69646F636E65,  // transfer-encoding
        0x7A69726F68747561, 0x6E6F6974617A6972, 0x6E6F6974617A6972, 0x6E6F6974617A6972,  // authorization
        0x0072657265666572, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // referer
        0x00006E696769726F, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // origin
        0x6F632D6568636163, 0x6C6F72746E6F632D, 0x6C6F72746E6F632D, 0x6C6F72746E6F632D,  // cache-control
        0x0000616D67617270, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // pragma
        0x2D65646172677075, 0x6572756365736E69, 0x747365757165722D, 0x7374736575716572,  // upgrade-insecure-requests
        0x2D656E6F6E2D6669, 0x686374616D2D656E, 0x686374616D2D656E, 0x686374616D2D656E,  // if-none-match
        0x6669646F6D2D6669, 0x636E69732D646569, 0x65636E69732D6465, 0x65636E69732D6465,  // if-modified-since
        0x7365757165722D78, 0x64692D7473657571, 0x64692D7473657571, 0x64692D7473657571,  // x-request-id
        0x726177726F662D78, 0x726F662D64656472, 0x726F662D64656472, 0x726F662D64656472,  // x-forwarded-for
        0x726177726F662D78, 0x74736F682D646564, 0x74736F682D646564, 0x74736F682D646564,  // x-forwarded-host
        0x726177726F662D78, 0x746F72702D646564, 0x6F746F72702D6465, 0x6F746F72702D6465,  // x-forwarded-proto
        0x692D6C6165722D78, 0x70692D6C6165722D, 0x70692D6C6165722D, 0x70692D6C6165722D,  // x-real-ip
        0x7365757165722D78, 0x687469772D646574, 0x687469772D646574, 0x687469772D646574,  // x-requested-with
        0x742D667273632D78, 0x6E656B6F742D6672, 0x6E656B6F742D6672, 0x6E656B6F742D6672,  // x-csrf-token
        0x6F74667273632D78, 0x6E656B6F74667273, 0x6E656B6F74667273, 0x6E656B6F74667273,  // x-csrftoken
        0x0000000000746E64, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // dnt
        0x0000000000006574, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // te
        0x00000065676E6172, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // range
        0x6564726177726F66, 0x646564726177726F, 0x646564726177726F, 0x646564726177726F,  // forwarded
        0x0000000000616976, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // via
        0x637465662D636573, 0x657469732D686374, 0x657469732D686374, 0x657469732D686374,  // sec-fetch-site
        0x637465662D636573, 0x65646F6D2D686374, 0x65646F6D2D686374, 0x65646F6D2D686374,  // sec-fetch-mode
        0x637465662D636573, 0x747365642D686374, 0x747365642D686374, 0x747365642D686374,  // sec-fetch-dest
        0x637465662D636573, 0x726573752D686374, 0x726573752D686374, 0x726573752D686374,  // sec-fetch-user
        0x752D68632D636573, 0x61752D68632D6365, 0x61752D68632D6365, 0x61752D68632D6365,  // sec-ch-ua
        0x752D68632D636573, 0x656C69626F6D2D61, 0x656C69626F6D2D61, 0x656C69626F6D2D61,  // sec-ch-ua-mobile
        0x752D68632D636573, 0x6F6674616C702D61, 0x6D726F6674616C70, 0x6D726F6674616C70,  // sec-ch-ua-platform
        0x797469726F697270, 0x797469726F697270, 0x797469726F697270, 0x797469726F697270,  // priority
        0x696C612D7065656B, 0x6576696C612D7065, 0x6576696C612D7065, 0x6576696C612D7065,  // keep-alive
        0x0000746365707865, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // expect
        0x656B2D6970612D78, 0x79656B2D6970612D, 0x79656B2D6970612D, 0x79656B2D6970612D,  // x-api-key
        0x742D6E7A6D612D78, 0x64692D6563617274, 0x64692D6563617274, 0x64692D6563617274,  // x-amzn-trace-id
        0x7261706563617274, 0x746E657261706563, 0x746E657261706563, 0x746E657261706563,  // traceparent
        0x6174736563617274, 0x6574617473656361, 0x6574617473656361, 0x6574617473656361,  // tracestate
        0x0000000000003362, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // b3
        0x6172742D33622D78, 0x646965636172742D, 0x646965636172742D, 0x646965636172742D,  // x-b3-traceid
        0x000065696B6F6F63, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  // cookie
    ]

    /// The length of each name.
    private static let counts: [UInt8] = [
        4, 10, 6, 15, 15, 14, 10, 12, 14, 16, 17, 13, 7, 6, 13, 6, 25, 13, 17, 12, 15, 16, 17, 9, 16,
        12, 11, 3, 2, 5, 9, 3, 14, 14, 14, 14, 9, 16, 18, 8, 10, 6, 9, 15, 11, 10, 2, 12, 6,
    ]

    /// Open addressing by `slot(of:count:)`: the index of a name, or -1.
    private static let slots: [Int8] = [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 11, -1, -1, -1, 20, -1, 15, -1, -1, -1, 39, -1, 25, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, 42, -1, -1, 14, 27, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, -1, -1, -1, -1, -1, 2, -1, -1,
        -1, -1, -1, -1, 43, -1, -1, -1, -1, -1, 9, 28, -1, -1, 17, -1, -1, -1, -1, -1, 10, -1, -1, -1, 12, -1, -1, -1, -1, 22, 29, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 32, -1, 6, 23, 45, -1, -1, 16, -1, -1, 18, -1, -1, 30, -1, -1, -1, -1,
        -1, 13, -1, -1, -1, -1, -1, 41, 19, 0, 48, -1, 35, -1, 37, -1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1, 44, -1, -1, -1, -1, -1,
        -1, -1, -1, 46, -1, -1, -1, 33, -1, -1, -1, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 3, -1, -1, -1, 31, -1, -1, -1, 21, -1, -1, -1, -1, 24, 38, -1, -1, -1, 47, -1, 8,
        26, 40, 7, -1, -1, -1, -1, -1, -1, 36, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 34, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    ]

    /// Indices in `names` the extractor tests for.
    static let authorization = 11, cookie = 48

    /// A name as four words: for eight bytes or more the words at offsets 0, 8, 16 and the last eight (overlapping,
    /// so together they cover names of up to 32 bytes); shorter names in the first word, zero-padded. Bytes `A`–`Z`
    /// lowercased. Nil beyond 32 bytes (no common name is that long).
    @inline(__always)
    static func key(of name: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64, UInt64)? {
        let count = name.count
        guard count <= 32, let base = name.baseAddress else { return nil }
        if count < 8 {
            var word: UInt64 = 0
            for index in 0..<count { word |= UInt64(name[index]) << (8 * UInt64(index)) }
            return (lowercased(word), 0, 0, 0)
        }
        func word(_ offset: Int) -> UInt64 { lowercased(UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)) }
        return (word(0), word(min(8, count - 8)), word(min(16, count - 8)), word(count - 8))
    }

    /// Each byte `A`–`Z` of the word made lowercase, every other byte kept.
    @inline(__always)
    static func lowercased(_ word: UInt64) -> UInt64 {
        let low = word & 0x7F7F_7F7F_7F7F_7F7F
        // Bit 7 of a byte is set in `fromA` when its low seven bits are at least 0x41, in `pastZ` when at least 0x5B.
        let fromA = low &+ 0x3F3F_3F3F_3F3F_3F3F
        let pastZ = low &+ 0x2525_2525_2525_2525
        let upper = fromA & ~pastZ & ~word & 0x8080_8080_8080_8080
        return word | upper >> 2
    }

    @inline(__always)
    static func slot(of key: (UInt64, UInt64, UInt64, UInt64), count: Int) -> Int {
        let mixed = (key.0 &* 0x9E37_79B9_7F4A_7C15 ^ key.3 &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(count)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: mixed >> 56)
    }

    /// The index in `names` of the name equal to `name` ignoring ASCII case, or nil.
    static func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let key = key(of: name) else { return nil }
        var slot = slot(of: key, count: name.count)
        // The table is at most a fifth full: a probe ends at a free slot within a few steps.
        while true {
            let entry = Int(slots[slot])
            guard entry >= 0 else { return nil }
            if Int(counts[entry]) == name.count && words[4 * entry] == key.0 && words[4 * entry + 1] == key.1
                && words[4 * entry + 2] == key.2 && words[4 * entry + 3] == key.3 {
                return entry
            }
            slot = (slot + 1) & 255
        }
    }

    /// The index of a field's name, or nil.
    static func index(of name: String) -> Int? {
        name.utf8.withContiguousStorageIfAvailable { index(of: $0) } ?? nil
    }
}

/// Point names for header fields. Names of common headers are shared constants (no allocation per
/// request); any other name is lowercased and escaped like every key.
enum HeaderPointNames {
    /// The point name of a header field under `prefix` (`header` or `trailer`).
    static func name(for fieldName: String, prefix: String, limit: Int) -> LazyPointName {
        if fieldName.isEmpty { return LazyPointName(prefix + "._invalid") }
        if prefix == "header", let known = CommonHeaderNames.index(of: fieldName) { return LazyPointName(CommonHeaderNames.pointNames[known]) }
        return LazyPointName(prefix: prefix, tail: .key(Array(fieldName.utf8)[...], lowercase: true, isKeyPoint: false), limit: limit)
    }
}
