import MirrorGuardCore

/// How a request authenticated itself, read from its headers and cookies.
public struct AuthSchemes: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let none = AuthSchemes(rawValue: 1 << 0)
    /// A session cookie (`session`, `sid`, `JSESSIONID`, `PHPSESSID`, `connect.sid`, `*_session`, …).
    public static let cookieSession = AuthSchemes(rawValue: 1 << 1)
    /// `Authorization: Bearer` with an opaque token.
    public static let bearer = AuthSchemes(rawValue: 1 << 2)
    /// `Authorization: Bearer` with a JWT.
    public static let jwt = AuthSchemes(rawValue: 1 << 3)
    /// `Authorization: Basic`.
    public static let basic = AuthSchemes(rawValue: 1 << 4)
    /// An API key header (`X-API-Key`, `Api-Key`, `X-Auth-Token`) or query parameter (`api_key`).
    public static let apiKey = AuthSchemes(rawValue: 1 << 5)

    /// Stable names, for exports and the API.
    public static let names: [(AuthSchemes, String)] = [
        (.none, "none"), (.cookieSession, "cookie_session"), (.bearer, "bearer"), (.jwt, "jwt"), (.basic, "basic"),
        (.apiKey, "api_key"),
    ]

    /// The stable names of the schemes in this set.
    public var labels: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// What the node learned about one method on one path template.
public struct EndpointStats: Sendable, Hashable, Codable {
    /// Parameters kept per endpoint; further new ones are counted in `droppedParameters`.
    public static let maxParameters = 128
    /// Names remembered as "not a parameter" per endpoint (transport headers and the like).
    public static let maxIgnoredNames = 128

    /// Requests learned from.
    public var requests = 0
    /// First and last request, nanoseconds since the epoch.
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min
    /// What each point name seen here is, by `LazyPointName.fingerprint(foldingIndices: true)`: a parameter
    /// with its statistics, or (key nil) a point that is not one — so each name is classified once.
    public var slots: [UInt64: ParameterSlot] = [:]
    /// Slots that are parameters (`slots` also caches up to `maxIgnoredNames` names that are not).
    public var parameterCount = 0
    /// New parameters not kept because the endpoint had `maxParameters`.
    public var droppedParameters = 0
    /// Requests per authentication scheme seen (bit index of `AuthSchemes` → count).
    public var authCounts: [UInt8: Int] = [:]
    /// Request body media types seen (lowercased, without parameters), at most 8.
    public var mediaTypes: [String: Int] = [:]
    /// Whether the model is frozen: enough requests over enough time were seen, deviations are reported.
    public var isLearned = false

    public init() {}

    /// Parameters by location and name (slots with the same key — a GraphQL body read as JSON too — merged).
    public var parameters: [ParameterKey: ParameterStats] {
        var result: [ParameterKey: ParameterStats] = [:]
        for slot in slots.values {
            guard let key = slot.key else { continue }
            if result[key] != nil { result[key]?.merge(slot.stats) } else { result[key] = slot.stats }
        }
        return result
    }

    /// The schemes seen on at least one request in twenty (so a stray header does not change the model).
    public var auth: AuthSchemes {
        var result: AuthSchemes = []
        for (bit, count) in authCounts where count * 20 >= requests {
            result.insert(AuthSchemes(rawValue: 1 << bit))
        }
        return result
    }

    /// Whether a parameter is required: carried by at least 99 % of the requests (and at least 5 of them).
    public func isRequired(_ stats: ParameterStats) -> Bool {
        requests >= 5 && stats.requests * 100 >= requests * 99
    }

    /// Folds another endpoint's statistics into this one.
    public mutating func merge(_ other: EndpointStats) {
        requests += other.requests
        isLearned = isLearned && other.isLearned
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        for (fingerprint, slot) in other.slots {
            if slots[fingerprint] != nil {
                slots[fingerprint]?.stats.merge(slot.stats)
            } else if slot.key == nil || parameterCount < Self.maxParameters {
                slots[fingerprint] = slot
                if slot.key != nil { parameterCount += 1 }
            } else {
                droppedParameters += 1
            }
        }
        droppedParameters += other.droppedParameters
        for (bit, count) in other.authCounts { authCounts[bit, default: 0] += count }
        for (type, count) in other.mediaTypes where mediaTypes[type] != nil || mediaTypes.count < 8 {
            mediaTypes[type, default: 0] += count
        }
    }
}

/// One point name seen on an endpoint: the parameter it is (nil: not a parameter) and its statistics.
public struct ParameterSlot: Sendable, Hashable, Codable {
    public var key: ParameterKey?
    public var stats: ParameterStats

    public init(key: ParameterKey?, stats: ParameterStats = ParameterStats()) {
        self.key = key
        self.stats = stats
    }
}
