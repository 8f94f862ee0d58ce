import MirrorGuardCore

/// Where a URL host points, read in every notation an HTTP client accepts: dotted decimal, one to four
/// parts, decimal/octal/hex parts (`0x7f.1`, `0177.0.0.1`, `2130706433`), overflowing parts as lax parsers
/// wrap them, bracketed IPv6 with embedded IPv4 (`[::ffff:169.254.169.254]`), loopback and metadata
/// names, and wildcard DNS services that resolve to the address written in the name (`10.0.0.1.nip.io`).
struct HostClassification {
    enum Target: Equatable {
        case loopback, unspecified, privateNetwork, linkLocal, metadata, internalName, publicAddress, name, invalid
    }

    var target: Target
    /// The host was an address written in a form other than canonical dotted decimal.
    var obfuscatedNumeric = false
    /// The name resolves through a wildcard DNS service to the address in it.
    var rebinding = false

    /// True for targets inside the network of the server.
    var isInternal: Bool {
        switch target {
        case .loopback, .unspecified, .privateNetwork, .linkLocal, .metadata, .internalName: true
        case .publicAddress, .name, .invalid: false
        }
    }

    init(target: Target, obfuscatedNumeric: Bool = false, rebinding: Bool = false) {
        self.target = target
        self.obfuscatedNumeric = obfuscatedNumeric
        self.rebinding = rebinding
    }

    /// Classifies a lowercased host (no port, no trailing dot).
    init(_ host: [UInt8]) {
        if host.isEmpty {
            self.init(target: .invalid)
            return
        }
        if host.first == ASCII.leftBracket {
            self = Self.ipv6(host.dropFirst().prefix { $0 != ASCII.rightBracket })
            return
        }
        if let (address, canonical) = Self.ipv4(host[...]) {
            self = Self.classify(address)
            obfuscatedNumeric = !canonical
            return
        }
        self = Self.name(host)
    }

    // MARK: Names

    private static let loopbackNames: Set<[UInt8]> = Set(["localhost", "ip6-localhost", "ip6-loopback", "localhost.localdomain",
        "localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "localh.st", "127-0-0-1.org.uk"].map { Array($0.utf8) })
    private static let metadataNames: Set<[UInt8]> = Set(["metadata.google.internal", "metadata", "metadata.goog", "instance-data",
        "instance-data.ec2.internal", "metadata.azure.com", "metadata.packet.net", "metadata.platformequinix.com",
        "metadata.tencentyun.com", "metadata.oraclecloud.com"].map { Array($0.utf8) })
    /// Suffixes of names that resolve to loopback.
    private static let loopbackSuffixes: [[UInt8]] = [".localhost", ".localtest.me", ".lvh.me", ".vcap.me", ".lacolhost.com"].map { Array($0.utf8) }
    /// Suffixes of internal-only DNS names.
    private static let internalSuffixes: [[UInt8]] = [".internal", ".local", ".intranet", ".corp", ".home.arpa", ".lan"].map { Array($0.utf8) }
    /// Wildcard DNS services: `<address>.<service>` resolves to the address.
    private static let wildcardServices: [[UInt8]] = [".nip.io", ".xip.io", ".sslip.io", ".nip.direct", ".traefik.me", ".1u.ms", ".rbndr.us"]
        .map { Array($0.utf8) }

    private static func name(_ host: [UInt8]) -> HostClassification {
        for byte in host where !(ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.dot || byte == ASCII.minus || byte == 0x5F || byte >= 0x80) {
            return HostClassification(target: .invalid)
        }
        if loopbackNames.contains(host) { return HostClassification(target: .loopback) }
        if metadataNames.contains(host) { return HostClassification(target: .metadata) }
        for suffix in loopbackSuffixes where endsWith(host, suffix) {
            return HostClassification(target: .loopback)
        }
        for suffix in wildcardServices where endsWith(host, suffix) {
            var embedded = HostClassification.embeddedAddress(host.dropLast(suffix.count))
            embedded.rebinding = true
            return embedded
        }
        for suffix in internalSuffixes where endsWith(host, suffix) {
            return HostClassification(target: .internalName)
        }
        return HostClassification(target: .name)
    }

    /// `host` is longer than `suffix` and ends with it (bytes compared in place).
    private static func endsWith(_ host: [UInt8], _ suffix: [UInt8]) -> Bool {
        let offset = host.count - suffix.count
        guard offset > 0 else { return false }
        for index in 0..<suffix.count where host[offset + index] != suffix[index] { return false }
        return true
    }

    /// The address in `a.b.c.d`, `a-b-c-d`, `label.a.b.c.d` or a hex label, as wildcard services read it.
    private static func embeddedAddress(_ labels: ArraySlice<UInt8>) -> HostClassification {
        // Last four dot-separated numeric labels, or the last label with dashes.
        let parts = labels.split(separator: ASCII.dot, omittingEmptySubsequences: false)
        if parts.count >= 4 {
            let tail = parts.suffix(4)
            let dotted = Array(tail.joined(separator: [ASCII.dot]))
            if let (address, _) = ipv4(dotted[...]) { return classify(address) }
        }
        if let last = parts.last {
            let dashed = last.split(separator: ASCII.minus).suffix(4)
            if dashed.count == 4, let (address, _) = ipv4(Array(dashed.joined(separator: [ASCII.dot]))[...]) { return classify(address) }
            if last.count == 8, let value = UInt32(String(decoding: last, as: UTF8.self), radix: 16) { return classify(value) }
        }
        return HostClassification(target: .name)
    }

    // MARK: IPv4

    /// Parses the WHATWG / inet_aton IPv4 forms; overflowing parts wrap as lax parsers do. Returns the
    /// address and whether it was written canonically (four decimal parts without leading zeros).
    static func ipv4(_ host: ArraySlice<UInt8>) -> (UInt32, Bool)? {
        var parts: [UInt64] = []
        var canonical = true
        var start = host.startIndex
        var index = host.startIndex
        while index <= host.endIndex {
            if index == host.endIndex || host[index] == ASCII.dot {
                guard index > start, parts.count < 4 else { return nil }
                guard let (value, plain) = number(host[start..<index]) else { return nil }
                if !plain { canonical = false }
                parts.append(value)
                start = index + 1
            }
            index += 1
        }
        guard !parts.isEmpty else { return nil }
        if parts.count != 4 { canonical = false }
        var address: UInt64 = 0
        for (position, part) in parts.enumerated() {
            if position == parts.count - 1 {
                // The last part fills the remaining bytes.
                let remaining = UInt64(4 - position)
                let limit: UInt64 = remaining >= 4 ? 1 << 32 : 1 << (8 * remaining)
                if part >= limit { canonical = false }
                address = (address << (8 * remaining)) | (part & (limit - 1))
            } else {
                if part > 255 { canonical = false }
                address = (address << 8) | (part & 0xFF)
            }
        }
        return (UInt32(truncatingIfNeeded: address), canonical)
    }

    /// A decimal, octal (`0177`, `0o177`) or hex (`0x7f`) number; `plain` when decimal without leading zeros.
    private static func number(_ part: ArraySlice<UInt8>) -> (UInt64, Bool)? {
        var digits = part
        var radix: UInt64 = 10
        if digits.count >= 2 && digits.first == 0x30 && (digits.dropFirst().first.map { $0 | 0x20 } == 0x78) {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count >= 2 && digits.first == 0x30 && (digits.dropFirst().first.map { $0 | 0x20 } == 0x6F) {
            radix = 8
            digits = digits.dropFirst(2)
        } else if digits.count >= 2 && digits.first == 0x30 {
            radix = 8
            digits = digits.dropFirst()
        }
        if digits.isEmpty { return radix == 16 ? (0, false) : nil }
        if digits.count > 20 { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard let digit = ASCII.hexValue(byte), UInt64(digit) < radix else { return nil }
            // Wrap rather than trap: lax parsers keep the low bits of `0x41414141a9fea9fe`.
            value = value &* radix &+ UInt64(digit)
        }
        return (value, radix == 10)
    }

    static func classify(_ address: UInt32) -> HostClassification {
        let first = address >> 24
        let second = (address >> 16) & 0xFF
        switch true {
        case address == 0xA9FE_A9FE, address == 0x6464_64C8, address == 0xC000_00C0, address == 0xA9FE_AA02, address == 0xA9FE_A9FB:
            // 169.254.169.254 (AWS, GCP, Azure, …), 100.100.100.200 (Alibaba), 192.0.0.192 (Oracle),
            // 169.254.170.2 (ECS task metadata), 169.254.169.251.
            return HostClassification(target: .metadata)
        case first == 127:
            return HostClassification(target: .loopback)
        case first == 0:
            return HostClassification(target: .unspecified)
        case first == 10, first == 172 && (16...31).contains(second), first == 192 && second == 168, first == 100 && (64...127).contains(second):
            return HostClassification(target: .privateNetwork)
        case first == 169 && second == 254:
            return HostClassification(target: .linkLocal)
        default:
            return HostClassification(target: .publicAddress)
        }
    }

    // MARK: IPv6

    private static func ipv6(_ text: ArraySlice<UInt8>) -> HostClassification {
        // Drop a zone (`%25eth0`).
        let address = text.prefix { $0 != ASCII.percent }
        var groups: [UInt16] = []
        var gap: Int?
        let pieces = address.split(separator: ASCII.colon, omittingEmptySubsequences: false)
        var index = 0
        while index < pieces.count {
            let piece = pieces[index]
            if piece.isEmpty {
                // `::` (one empty piece in the middle, two at either end).
                if gap == nil { gap = groups.count }
                index += 1
                continue
            }
            if index == pieces.count - 1 && piece.contains(ASCII.dot) {
                guard let (value, _) = ipv4(piece) else { return HostClassification(target: .invalid) }
                groups.append(UInt16(value >> 16))
                groups.append(UInt16(value & 0xFFFF))
                index += 1
                continue
            }
            guard piece.count <= 4, let value = UInt16(String(decoding: piece, as: UTF8.self), radix: 16) else {
                return HostClassification(target: .invalid)
            }
            groups.append(value)
            index += 1
        }
        guard groups.count <= 8 else { return HostClassification(target: .invalid) }
        if let gap {
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return HostClassification(target: .invalid) }
        let leadingZero = groups[0..<5].allSatisfy { $0 == 0 }
        if leadingZero && (groups[5] == 0xFFFF || groups[5] == 0) && !(groups[5] == 0 && groups[6] == 0) {
            // IPv4-mapped (`::ffff:a.b.c.d`) or the deprecated IPv4-compatible form (`::a.b.c.d`).
            var mapped = classify(UInt32(groups[6]) << 16 | UInt32(groups[7]))
            mapped.obfuscatedNumeric = true
            return mapped
        }
        if groups.allSatisfy({ $0 == 0 }) { return HostClassification(target: .unspecified) }
        if groups[0..<7].allSatisfy({ $0 == 0 }) && groups[7] == 1 { return HostClassification(target: .loopback) }
        if groups[0] == 0xFD00 && groups[1] == 0x0EC2 && groups[7] == 0x0254 { return HostClassification(target: .metadata) }
        if groups[0] & 0xFE00 == 0xFC00 { return HostClassification(target: .privateNetwork) }
        if groups[0] & 0xFFC0 == 0xFE80 { return HostClassification(target: .linkLocal) }
        return HostClassification(target: .publicAddress)
    }
}
