import Detection
import Discovery
import Foundation
import MirrorGuardCore
import Storage
import Yams

/// Everything `mirrorguard serve` can be told; every field has a documented default (`mirrorguard config defaults`).
public struct NodeConfiguration: Sendable {
    /// Mirror listener address. Default `0.0.0.0:8445`.
    public var mirrorListen = HostPort(host: "0.0.0.0", port: 8445)
    /// Event-loop threads of the listener. Default 1.
    public var mirrorThreads = 1
    /// Listener connection and timeout limits.
    public var listener = ListenerLimits()
    /// Networks whose forwarding headers are believed. Default: loopback and private ranges.
    public var trustedNetworks = TrustedNetworks.defaults
    /// Admin API address; loopback unless configured. Default `127.0.0.1:9445`.
    public var adminListen = HostPort(host: "127.0.0.1", port: 9445)
    /// Admin API token; empty means generated on first start and kept in the data folder. Default empty.
    public var adminToken = ""
    /// Analysis workers; 0 means one per core. Default 0.
    public var workers = 0
    /// Copies waiting for analysis before new ones are dropped. Default 10,000.
    public var queueSize = 10_000
    /// Detectors switched off by id or class. Default none.
    public var disabledDetectors: [String] = []
    /// Header and path values each analysis worker remembers as clean (`CleanValueCache` slots, ≤ 1 KiB each); 0 switches the
    /// cache off. Default 4,096.
    public var cleanValueCacheEntries = CleanValueCache.defaultCapacity
    /// Parsing and extraction limits (see README "Limits").
    public var limits = ParsingLimits()
    /// Where the SQLite store and the admin token live. Default `./mirrorguard-data`.
    public var dataDirectory = "./mirrorguard-data"
    /// Days hits are kept. Default 30.
    public var retentionDays = 30.0
    /// Largest store size in MB before the oldest hits are deleted. Default 1,024.
    public var maxStoreMB = 1024
    /// Hits written per transaction. Default 500.
    public var batchSize = 500
    /// Longest wait before a partial batch is written, in ms. Default 200.
    public var flushIntervalMilliseconds = 200
    /// Hits waiting to be stored before new ones are dropped. Default 10,000.
    public var eventQueueSize = 10_000
    /// Grouping of hits into attacks.
    public var grouping = GroupingPolicy()
    /// JSON event log: `off`, `stdout` or a file path. Default `off`.
    public var eventLog = "off"
    /// Webhook URL announcing each new attack; empty disables it. Default empty.
    public var webhookURL = ""
    /// Attempts per webhook notification. Default 3.
    public var webhookAttempts = 3
    /// Per-attempt webhook timeout in seconds. Default 5.
    public var webhookTimeoutSeconds = 5.0
    /// Whether the node learns the API from the copies. Default true.
    public var discoveryEnabled = true
    /// API discovery limits and thresholds (see README "API discovery").
    public var discovery = DiscoveryConfiguration()
    /// Seconds between snapshots of the learned inventory to the store. Default 30.
    public var discoverySaveIntervalSeconds = 30

    public init() {}

    /// The SQLite file inside the data folder.
    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("mirrorguard.sqlite") }
}

/// `host:port` (IPv6 hosts in brackets).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or `:port`.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharactersInSpaces()
        guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A configuration problem with where it is.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let message: String

    public var description: String {
        if let line { return "\(file):\(line):\(column ?? 1): \(message)" }
        return "\(file): \(message)"
    }
}

extension NodeConfiguration {
    private typealias Setter = @Sendable (inout NodeConfiguration, String) -> String?

    /// Every key: section, name, documentation, and how to apply a scalar value (returning an error text or nil).
    private static let keys: [(section: String, key: String, help: String, apply: Setter)] = [
        ("mirror", "listen", "address the mirror listener binds", { c, v in HostPort(v).map { c.mirrorListen = $0; return nil } ?? "expected host:port" }),
        ("mirror", "threads", "event-loop threads of the listener", { c, v in int(v, 1...64).map { c.mirrorThreads = $0; return nil } ?? "expected an integer 1…64" }),
        ("mirror", "max_connections", "open connections at once", { c, v in int(v, 1...1_000_000).map { c.listener.maxConnections = $0; return nil } ?? "expected a positive integer" }),
        ("mirror", "idle_timeout_seconds", "idle connections are closed after this", { c, v in int(v, 1...86_400).map { c.listener.idleTimeoutSeconds = Int64($0); return nil } ?? "expected seconds 1…86400" }),
        ("mirror", "message_timeout_seconds", "a request must arrive within this (slow clients are closed)", { c, v in int(v, 1...3_600).map { c.listener.messageTimeoutSeconds = Int64($0); return nil } ?? "expected seconds 1…3600" }),
        ("mirror", "trusted_networks", "comma-separated CIDRs whose forwarding headers are believed", { c, v in
            let parts = v.split(separator: ",").map { String($0).trimmingCharactersInSpaces() }.filter { !$0.isEmpty }
            let networks = parts.compactMap(IPNetwork.init)
            guard networks.count == parts.count else { return "expected CIDR networks such as 10.0.0.0/8" }
            c.trustedNetworks = TrustedNetworks(networks: networks)
            return nil
        }),
        ("admin", "listen", "address of the admin API, metrics and console", { c, v in HostPort(v).map { c.adminListen = $0; return nil } ?? "expected host:port" }),
        ("admin", "token", "bearer token for /api/v1 (empty: generated and stored in data_dir/admin-token)", { c, v in c.adminToken = v; return nil }),
        ("analysis", "workers", "analysis threads (0: one per core)", { c, v in int(v, 0...256).map { c.workers = $0; return nil } ?? "expected 0…256" }),
        ("analysis", "queue_size", "copies waiting for analysis before new ones are dropped", { c, v in int(v, 1...10_000_000).map { c.queueSize = $0; return nil } ?? "expected a positive integer" }),
        ("analysis", "clean_value_cache", "header and path values each worker remembers as clean, so repeats skip the detectors (0 = off)", { c, v in
            int(v, 0...65_536).map { c.cleanValueCacheEntries = $0; return nil } ?? "expected an integer from 0 to 65536"
        }),
        ("analysis", "disabled_detectors", "comma-separated detector ids or classes to switch off", { c, v in
            c.disabledDetectors = v.split(separator: ",").map { String($0).trimmingCharactersInSpaces() }.filter { !$0.isEmpty }
            return nil
        }),
        ("limits", "max_body_bytes", "body bytes inspected", { c, v in int(v, 0...1 << 30).map { c.limits.maxBodyBytes = $0; return nil } ?? "expected bytes" }),
        ("limits", "max_head_bytes", "largest head kept", { c, v in int(v, 256...1 << 24).map { c.limits.maxHeadBytes = $0; return nil } ?? "expected bytes ≥ 256" }),
        ("limits", "max_line_bytes", "longest request/header line kept", { c, v in int(v, 64...1 << 24).map { c.limits.maxLineBytes = $0; return nil } ?? "expected bytes ≥ 64" }),
        ("limits", "max_header_count", "header fields kept", { c, v in int(v, 1...100_000).map { c.limits.maxHeaderCount = $0; return nil } ?? "expected a positive integer" }),
        ("limits", "max_parameters", "named values per request", { c, v in int(v, 1...1_000_000).map { c.limits.maxParameters = $0; return nil } ?? "expected a positive integer" }),
        ("limits", "max_nesting_depth", "JSON/XML depth", { c, v in int(v, 1...1_000).map { c.limits.maxNestingDepth = $0; return nil } ?? "expected 1…1000" }),
        ("limits", "max_decode_layers", "decoding layers per value", { c, v in int(v, 0...16).map { c.limits.maxDecodeLayers = $0; return nil } ?? "expected 0…16" }),
        ("limits", "max_decompressed_bytes", "inflated size of a compressed body", { c, v in int(v, 0...1 << 30).map { c.limits.maxDecompressedBytes = $0; return nil } ?? "expected bytes" }),
        ("limits", "max_decompression_ratio", "inflated/compressed ratio", { c, v in int(v, 1...100_000).map { c.limits.maxDecompressionRatio = $0; return nil } ?? "expected a positive integer" }),
        ("storage", "data_dir", "folder of the SQLite store and the admin token", { c, v in c.dataDirectory = v; return v.isEmpty ? "expected a folder" : nil }),
        ("storage", "retention_days", "days hits are kept (0: forever)", { c, v in Double(v).flatMap { $0 >= 0 ? $0 : nil }.map { c.retentionDays = $0; return nil } ?? "expected days ≥ 0" }),
        ("storage", "max_size_mb", "store size before the oldest hits are deleted", { c, v in int(v, 1...10_000_000).map { c.maxStoreMB = $0; return nil } ?? "expected MB" }),
        ("storage", "batch_size", "hits per write transaction", { c, v in int(v, 1...100_000).map { c.batchSize = $0; return nil } ?? "expected a positive integer" }),
        ("storage", "flush_interval_ms", "longest wait before a partial batch is written", { c, v in int(v, 1...60_000).map { c.flushIntervalMilliseconds = $0; return nil } ?? "expected milliseconds" }),
        ("storage", "queue_size", "hits waiting to be stored before new ones are dropped", { c, v in int(v, 1...10_000_000).map { c.eventQueueSize = $0; return nil } ?? "expected a positive integer" }),
        ("attacks", "idle_gap_seconds", "an attack stays open while hits arrive within this gap", { c, v in int(v, 1...31_536_000).map { c.grouping.idleGapSeconds = Int64($0); return nil } ?? "expected seconds" }),
        ("attacks", "keep_first_hits", "hit rows kept in full per attack", { c, v in int(v, 1...1_000_000).map { c.grouping.keepFirst = $0; return nil } ?? "expected a positive integer" }),
        ("attacks", "sample_one_in", "then one hit row in this many is kept (counts stay exact)", { c, v in int(v, 1...1_000_000).map { c.grouping.sampleOneIn = $0; return nil } ?? "expected a positive integer" }),
        ("events", "log", "JSON Lines event log: off, stdout or a file path", { c, v in c.eventLog = v; return nil }),
        ("webhook", "url", "POST each new attack here as JSON (empty: off)", { c, v in
            guard v.isEmpty || v.hasPrefix("http://") || v.hasPrefix("https://") else { return "expected an http:// or https:// URL" }
            c.webhookURL = v
            return nil
        }),
        ("webhook", "attempts", "attempts per notification", { c, v in int(v, 1...10).map { c.webhookAttempts = $0; return nil } ?? "expected 1…10" }),
        ("webhook", "timeout_seconds", "per-attempt timeout", { c, v in Double(v).flatMap { $0 > 0 && $0 <= 60 ? $0 : nil }.map { c.webhookTimeoutSeconds = $0; return nil } ?? "expected seconds 0…60" }),
        ("discovery", "enabled", "learn the API (endpoints, parameters, auth) from the copies", { c, v in bool(v).map { c.discoveryEnabled = $0; return nil } ?? "expected true or false" }),
        ("discovery", "deviations", "report anomaly.* hits for requests that deviate from learned endpoints", { c, v in bool(v).map { c.discovery.reportDeviations = $0; return nil } ?? "expected true or false" }),
        ("discovery", "learned_after_requests", "requests before an endpoint's model is frozen and watched", { c, v in int(v, 1...100_000_000).map { c.discovery.learnedAfterRequests = $0; return nil } ?? "expected a positive integer" }),
        ("discovery", "learned_after_seconds", "and seconds between its first and last request", { c, v in int(v, 0...31_536_000).map { c.discovery.learnedAfterSeconds = Int64($0); return nil } ?? "expected seconds" }),
        ("discovery", "max_hosts", "hosts learned (further hosts are counted, not learned)", { c, v in int(v, 1...100_000).map { c.discovery.maxHosts = $0; return nil } ?? "expected a positive integer" }),
        ("discovery", "max_endpoints_per_host", "endpoints (method + template) per host", { c, v in int(v, 1...1_000_000).map { c.discovery.maxEndpointsPerHost = $0; return nil } ?? "expected a positive integer" }),
        ("discovery", "max_nodes_per_host", "path-tree nodes per host", { c, v in int(v, 1...10_000_000).map { c.discovery.maxNodesPerHost = $0; return nil } ?? "expected a positive integer" }),
        ("discovery", "max_total_parameters", "parameters learned across all hosts and endpoints", { c, v in int(v, 1...10_000_000).map { c.discovery.maxTotalParameters = $0; return nil } ?? "expected a positive integer" }),
        ("discovery", "static_extensions", "file extensions of static assets, not learned", { c, v in
            c.discovery.staticExtensions = Set(v.split(separator: ",").map { String($0).trimmingCharactersInSpaces().lowercased() }.filter { !$0.isEmpty })
            return nil
        }),
        ("discovery", "save_interval_seconds", "seconds between snapshots of the inventory to the store", { c, v in int(v, 1...86_400).map { c.discoverySaveIntervalSeconds = $0; return nil } ?? "expected seconds 1…86400" }),
    ]

    private static func bool(_ text: String) -> Bool? {
        switch text.trimmingCharactersInSpaces().lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    private static func int(_ text: String, _ range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text.trimmingCharactersInSpaces()), range.contains(value) else { return nil }
        return value
    }

    /// Loads `file` over the defaults, then applies `MIRRORGUARD_<SECTION>_<KEY>` environment overrides.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> NodeConfiguration {
        var configuration = NodeConfiguration()
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationError(file: file, line: nil, column: nil, message: "cannot read the file: \(error.localizedDescription)")
            }
            try configuration.apply(yaml: text, file: file)
        }
        try configuration.applyEnvironment(environment)
        return configuration
    }

    /// Applies YAML text; errors carry the line and column of the offending key or value.
    public mutating func apply(yaml text: String, file: String) throws {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(file: file, line: nil, column: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { return }
        guard let sections = root.mapping else {
            throw ConfigurationError(file: file, line: root.mark.map { $0.line }, column: root.mark.map { $0.column }, message: "expected a mapping of sections (mirror, admin, analysis, limits, storage, attacks, events, webhook)")
        }
        for (sectionNode, body) in sections {
            let section = sectionNode.string ?? ""
            guard Self.keys.contains(where: { $0.section == section }) else {
                throw ConfigurationError(file: file, line: sectionNode.mark.map { $0.line }, column: sectionNode.mark.map { $0.column },
                                         message: "unknown section \"\(section)\"; known: \(Set(Self.keys.map(\.section)).sorted().joined(separator: ", "))")
            }
            guard let entries = body.mapping else {
                throw ConfigurationError(file: file, line: body.mark.map { $0.line }, column: body.mark.map { $0.column }, message: "section \(section) must be a mapping")
            }
            for (keyNode, valueNode) in entries {
                let key = keyNode.string ?? ""
                guard let entry = Self.keys.first(where: { $0.section == section && $0.key == key }) else {
                    let known = Self.keys.filter { $0.section == section }.map(\.key).joined(separator: ", ")
                    throw ConfigurationError(file: file, line: keyNode.mark.map { $0.line }, column: keyNode.mark.map { $0.column },
                                             message: "unknown key \"\(key)\" in \(section); known: \(known)")
                }
                let value: String
                if let sequence = valueNode.sequence {
                    value = sequence.compactMap(\.string).joined(separator: ",")
                } else if let scalar = valueNode.scalar {
                    value = scalar.string
                } else {
                    throw ConfigurationError(file: file, line: valueNode.mark.map { $0.line }, column: valueNode.mark.map { $0.column }, message: "\(section).\(key) must be a value or a list")
                }
                if let problem = entry.apply(&self, value) {
                    throw ConfigurationError(file: file, line: valueNode.mark.map { $0.line }, column: valueNode.mark.map { $0.column },
                                             message: "\(section).\(key) = \"\(value)\": \(problem)")
                }
            }
        }
    }

    /// `MIRRORGUARD_MIRROR_LISTEN=…`, `MIRRORGUARD_STORAGE_DATA_DIR=…`, `MIRRORGUARD_ADMIN_TOKEN=…`.
    public mutating func applyEnvironment(_ environment: [String: String]) throws {
        for entry in Self.keys {
            let name = "MIRRORGUARD_\(entry.section)_\(entry.key)".uppercased()
            guard let value = environment[name] else { continue }
            if let problem = entry.apply(&self, value) {
                throw ConfigurationError(file: "environment", line: nil, column: nil, message: "\(name)=\"\(value)\": \(problem)")
            }
        }
    }

    /// A commented YAML document with every key at its default.
    public static func documentedDefaults() -> String {
        let defaults = NodeConfiguration()
        var text = "# mirrorguard configuration: every key with its default. Environment: MIRRORGUARD_<SECTION>_<KEY>.\n"
        var section = ""
        for entry in keys {
            if entry.section != section {
                section = entry.section
                text += "\n\(section):\n"
            }
            text += "  # \(entry.help)\n  \(entry.key): \(defaults.value(of: entry.section, entry.key))\n"
        }
        return text
    }

    private func value(of section: String, _ key: String) -> String {
        switch (section, key) {
        case ("mirror", "listen"): return "\"\(mirrorListen)\""
        case ("mirror", "threads"): return "\(mirrorThreads)"
        case ("mirror", "max_connections"): return "\(listener.maxConnections)"
        case ("mirror", "idle_timeout_seconds"): return "\(listener.idleTimeoutSeconds)"
        case ("mirror", "message_timeout_seconds"): return "\(listener.messageTimeoutSeconds)"
        case ("mirror", "trusted_networks"): return "[" + trustedNetworks.networks.map { "\"\($0.description)\"" }.joined(separator: ", ") + "]"
        case ("admin", "listen"): return "\"\(adminListen)\""
        case ("admin", "token"): return "\"\""
        case ("analysis", "workers"): return "\(workers)"
        case ("analysis", "queue_size"): return "\(queueSize)"
        case ("analysis", "disabled_detectors"): return "[]"
        case ("analysis", "clean_value_cache"): return "\(cleanValueCacheEntries)"
        case ("limits", "max_body_bytes"): return "\(limits.maxBodyBytes)"
        case ("limits", "max_head_bytes"): return "\(limits.maxHeadBytes)"
        case ("limits", "max_line_bytes"): return "\(limits.maxLineBytes)"
        case ("limits", "max_header_count"): return "\(limits.maxHeaderCount)"
        case ("limits", "max_parameters"): return "\(limits.maxParameters)"
        case ("limits", "max_nesting_depth"): return "\(limits.maxNestingDepth)"
        case ("limits", "max_decode_layers"): return "\(limits.maxDecodeLayers)"
        case ("limits", "max_decompressed_bytes"): return "\(limits.maxDecompressedBytes)"
        case ("limits", "max_decompression_ratio"): return "\(limits.maxDecompressionRatio)"
        case ("storage", "data_dir"): return "\"\(dataDirectory)\""
        case ("storage", "retention_days"): return "\(Int(retentionDays))"
        case ("storage", "max_size_mb"): return "\(maxStoreMB)"
        case ("storage", "batch_size"): return "\(batchSize)"
        case ("storage", "flush_interval_ms"): return "\(flushIntervalMilliseconds)"
        case ("storage", "queue_size"): return "\(eventQueueSize)"
        case ("attacks", "idle_gap_seconds"): return "\(grouping.idleGapSeconds)"
        case ("attacks", "keep_first_hits"): return "\(grouping.keepFirst)"
        case ("attacks", "sample_one_in"): return "\(grouping.sampleOneIn)"
        case ("events", "log"): return eventLog
        case ("webhook", "url"): return "\"\""
        case ("webhook", "attempts"): return "\(webhookAttempts)"
        case ("webhook", "timeout_seconds"): return "\(Int(webhookTimeoutSeconds))"
        case ("discovery", "enabled"): return "\(discoveryEnabled)"
        case ("discovery", "deviations"): return "\(discovery.reportDeviations)"
        case ("discovery", "learned_after_requests"): return "\(discovery.learnedAfterRequests)"
        case ("discovery", "learned_after_seconds"): return "\(discovery.learnedAfterSeconds)"
        case ("discovery", "max_hosts"): return "\(discovery.maxHosts)"
        case ("discovery", "max_endpoints_per_host"): return "\(discovery.maxEndpointsPerHost)"
        case ("discovery", "max_nodes_per_host"): return "\(discovery.maxNodesPerHost)"
        case ("discovery", "max_total_parameters"): return "\(discovery.maxTotalParameters)"
        case ("discovery", "static_extensions"): return "[" + discovery.staticExtensions.sorted().joined(separator: ", ") + "]"
        case ("discovery", "save_interval_seconds"): return "\(discoverySaveIntervalSeconds)"
        default: return ""
        }
    }
}
