import MirrorGuardCore

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `fc00::/7`).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// 16 bytes; IPv4 is mapped into `::ffff:0:0/96`.
    let address: [UInt8]
    let prefix: Int

    /// Parses `address/prefix` (a bare address means a single host); nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress.parse(String(parts[0])) else { return nil }
        let isV4 = String(parts[0]).contains(".") && !String(parts[0]).contains(":")
        let maximum = isV4 ? 32 : 128
        var prefix = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), value >= 0, value <= maximum else { return nil }
            prefix = value
        }
        self.address = address
        self.prefix = isV4 ? prefix + 96 : prefix
        self.description = text
    }

    public let description: String

    /// True when `address` (16 bytes) is inside the network.
    func contains(_ other: [UInt8]) -> Bool {
        guard other.count == 16 else { return false }
        var remaining = prefix
        for index in 0..<16 {
            if remaining <= 0 { return true }
            let bits = min(remaining, 8)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}

/// Textual IP addresses to 16 bytes (IPv4-mapped for v4), without Foundation networking.
public enum IPAddress {
    /// Parses an IPv4 or IPv6 address (brackets and a zone are tolerated); nil when malformed.
    public static func parse(_ text: String) -> [UInt8]? {
        var text = Substring(text.trimmingCharactersInSpaces())
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") { text = text[text.index(after: text.startIndex)..<close] }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        if !text.contains(":") { return parseV4(text).map { [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + $0 } }
        return parseV6(text)
    }

    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit), let value = Int(part), value <= 255 else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    static func parseV6(_ text: Substring) -> [UInt8]? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var v4: [UInt8]? = nil
        var pieces: [Substring] = [text]
        if let gap = text.range(of: "::") {
            pieces = [text[..<gap.lowerBound], text[gap.upperBound...]]
            if pieces[1].range(of: "::") != nil { return nil }
        }
        func groups(_ part: Substring, into list: inout [UInt16]) -> Bool {
            guard !part.isEmpty else { return true }
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                if group.contains(".") {
                    guard let parsed = parseV4(group) else { return false }
                    v4 = parsed
                    continue
                }
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return false }
                list.append(value)
            }
            return true
        }
        guard groups(pieces[0], into: &head) else { return nil }
        if pieces.count == 2 {
            sawGap = true
            guard groups(pieces[1], into: &tail) else { return nil }
        }
        let v4Groups = v4 == nil ? 0 : 2
        let total = head.count + tail.count + v4Groups
        guard sawGap ? total < 8 : total == 8 else { return nil }
        var all = head + Array(repeating: 0, count: 8 - total) + tail
        var bytes = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        if let v4 { bytes += v4 }
        all.removeAll()
        return bytes.count == 16 ? bytes : nil
    }
}

/// The networks whose forwarding headers are believed.
public struct TrustedNetworks: Sendable, Hashable {
    public let networks: [IPNetwork]

    /// Loopback and private ranges: where proxies that mirror to a node usually live.
    public static let defaults = TrustedNetworks(networks: ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"].compactMap(IPNetwork.init))

    public init(networks: [IPNetwork]) {
        self.networks = networks
    }

    /// True when the textual address is inside one of the networks.
    public func contains(_ address: String) -> Bool {
        guard let bytes = IPAddress.parse(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }
}

extension Substring {
    /// The first occurrence of `needle` (ASCII), without Foundation.
    func range(of needle: String) -> Range<Index>? {
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) { return start..<index(start, offsetBy: needle.count) }
            start = index(after: start)
        }
        return nil
    }
}

extension String {
    func trimmingCharactersInSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
