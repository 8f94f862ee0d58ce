import MirrorGuardCore

/// Automated attack tools: a `User-Agent` naming a known scanner (`sqlmap`, `Nikto`, `Nuclei`, …), and
/// out-of-band callback domains (`*.oast.fun`, `*.burpcollaborator.net`, `*.interact.sh`) in any value —
/// scanners plant them to see blind SSRF, XXE or injection calls come back.
public struct ScannerDetector: PointDetector {
    public var id: String { "scanner.signature" }
    public var attackType: AttackType { AttackType.scanner }

    public init() {}

    /// Tool names as they appear in their default User-Agents, matched as whole words.
    static let tools: [StaticString] = [
        "sqlmap", "nikto", "nmap", "masscan", "zgrab", "nuclei", "acunetix", "netsparker", "wpscan", "dirbuster", "gobuster", "ffuf",
        "wfuzz", "w3af", "arachni", "openvas", "nessus", "commix", "xsstrike", "jaeles", "whatweb", "skipfish", "feroxbuster",
        "dirb", "burpsuite", "appscan", "webinspect", "qualysguard", "detectify", "sqlninja", "havij", "fimap", "joomscan",
        "droopescan", "cmsmap", "wapiti", "interactsh", "morfeus", "zmeu",
    ]
    /// Out-of-band interaction services.
    static let callbackDomains: [StaticString] = [
        ".oast.pro", ".oast.live", ".oast.site", ".oast.online", ".oast.fun", ".oast.me", ".interact.sh", ".interactsh.com",
        ".burpcollaborator.net", ".oastify.com", ".dnslog.cn", ".ceye.io", ".requestbin.net", ".canarytokens.com", ".xss.ht",
        ".bxss.me", ".dnslog.link", ".eyes.sh", ".pipedream.net", ".webhook.site",
    ]

    /// The callback domains by the first letter after their dot: a dot is compared only with the domains its next
    /// letter can start.
    private static let callbacksByLead: [[StaticString]] = {
        var table = [[StaticString]](repeating: [], count: 256)
        for domain in callbackDomains { table[Int(domain.utf8Start[1])].append(domain) }
        return table
    }()

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.letter) }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if Self.isUserAgent(point), let tool = Self.tool(in: value) {
            hits.append(Hit(type: .scanner, point: point.name, fragment: Fragment.text(value, 0..<value.count), detector: id, context: "user-agent",
                reason: "the User-Agent names the attack tool `\(tool)`"))
            return
        }
        if profile.hasAny(.dot), let range = Self.callback(in: value) {
            hits.append(Hit(type: .scanner, point: point.name, fragment: Fragment.text(value, range), detector: id, context: "callback",
                reason: "an out-of-band callback domain planted by a scanner"))
        }
    }

    /// The `User-Agent` header, told from its point name without building it.
    private static func isUserAgent(_ point: Point) -> Bool {
        guard point.location == .header, case .none = point.lazyName.tail, point.lazyName.prefix.utf8.count == 17 else { return false }
        return point.lazyName.prefix == "header.user-agent"
    }

    private static let toolIndex = WordTable(tools.enumerated().map { ($0.element.description, $0.offset) })

    /// The first word of the value that names a tool (one dictionary lookup per word).
    static func tool(in value: UnsafeBufferPointer<UInt8>) -> String? {
        var index = 0
        while index < value.count {
            guard ASCII.isLetter(value[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < value.count && (ASCII.isLetter(value[index]) || ASCII.isDigit(value[index])) { index += 1 }
            let word = UnsafeBufferPointer(rebasing: value[start..<index])
            if let position = toolIndex.value(word) {
                let tool = tools[position]
                return String(decoding: UnsafeBufferPointer(start: tool.utf8Start, count: tool.utf8CodeUnitCount), as: UTF8.self)
            }
            if ASCII.equalsIgnoringCase(word, "fuzz"), ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[start...]), "fuzz faster u fool") {
                return "ffuf"
            }
        }
        return nil
    }

    static func callback(in value: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let byLead = callbacksByLead
        var from = 0
        while let index = ASCII.firstIndex(of: ASCII.dot, in: value, from: from) {
            from = index + 1
            if index + 1 < value.count, case let candidates = byLead[Int(ASCII.lower(value[index + 1]))], !candidates.isEmpty {
                let rest = UnsafeBufferPointer(rebasing: value[index...])
                for domain in candidates where ASCII.hasPrefixIgnoringCase(rest, domain) {
                    let end = index + domain.utf8CodeUnitCount
                    if end == value.count || !(ASCII.isLetter(value[end]) || ASCII.isDigit(value[end]) || value[end] == ASCII.minus) {
                        var start = index
                        while start > 0 && (ASCII.isLetter(value[start - 1]) || ASCII.isDigit(value[start - 1]) || value[start - 1] == ASCII.minus
                            || value[start - 1] == ASCII.dot) {
                            start -= 1
                        }
                        return start..<end
                    }
                }
            }
        }
        return nil
    }
}

/// Framing anomalies that are attacks in themselves: request smuggling signals and malformed heads that
/// only a desync attempt or a header-injection tool produces. Mapped from the parser's anomalies.
public enum ProtocolAnomalies {
    /// The detector id of protocol hits.
    public static let detectorID = "protocol.framing"

    /// Anomaly kinds reported as `protocol` attacks, with the reason shown.
    public static let reported: [AnomalyKind: String] = [
        .contentLengthWithTransferEncoding: "Content-Length and Transfer-Encoding together (request smuggling)",
        .conflictingContentLength: "conflicting Content-Length values (request smuggling)",
        .whitespaceBeforeColon: "whitespace between a header name and its colon (request smuggling)",
        .unsupportedTransferEncoding: "a Transfer-Encoding other than a final `chunked` (request smuggling)",
        .badChunkSize: "a malformed chunk size (request smuggling)",
        .invalidContentLength: "a Content-Length that is not a number (request smuggling)",
        .invalidMethod: "a method that is not an HTTP token",
        .nulByte: "a NUL byte in the request head (header injection)",
        .bareCR: "a bare CR in the request head (header injection)",
        .obsFold: "a folded header line (obsolete line folding, used to hide headers)",
    ]

    /// Hits for the exchange's reportable anomalies, one per kind.
    public static func hits(for anomalies: [Anomaly]) -> [Hit] {
        var seen: Set<AnomalyKind> = []
        var hits: [Hit] = []
        for anomaly in anomalies {
            guard let reason = reported[anomaly.kind], seen.insert(anomaly.kind).inserted else { continue }
            hits.append(Hit(type: .protocol, point: "request", fragment: anomaly.detail, detector: detectorID, context: anomaly.kind.rawValue,
                reason: reason))
        }
        return hits
    }
}
