import MirrorGuardCore

/// One stored detection: the hit plus the request context needed to act on it.
public struct HitEvent: Sendable, Hashable {
    /// Row id once stored.
    public var id: Int64?
    /// The attack this hit was grouped into, once stored.
    public var attackID: Int64?
    /// When the request arrived.
    public var time: Timestamp
    /// `X-Request-ID` of the request, if any.
    public var requestID: String?
    /// Method and target of the request.
    public var method: String
    public var target: String
    /// Original host (without a mirror's `-shadow` suffix).
    public var host: String
    /// Method + path without the query string: what attacks are grouped by.
    public var endpoint: String
    /// Original client address.
    public var clientAddress: String?
    /// What was detected.
    public var hit: Hit
    /// The request with secrets masked, cut to a bounded size.
    public var request: String

    /// Creates an event.
    public init(id: Int64? = nil, attackID: Int64? = nil, time: Timestamp, requestID: String?, method: String, target: String, host: String,
                endpoint: String, clientAddress: String?, hit: Hit, request: String) {
        self.id = id
        self.attackID = attackID
        self.time = time
        self.requestID = requestID
        self.method = method
        self.target = target
        self.host = host
        self.endpoint = endpoint
        self.clientAddress = clientAddress
        self.hit = hit
        self.request = request
    }
}

/// Hits grouped: one attack type against one point of one endpoint of one host, until it goes quiet.
public struct AttackRecord: Sendable, Hashable {
    public var id: Int64
    public var type: AttackType
    public var host: String
    public var endpoint: String
    public var point: String
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    /// Every hit counted, including the ones not kept as rows (sampling).
    public var hitCount: Int
    /// Distinct client addresses.
    public var sourceCount: Int
    /// Hit rows kept for this attack.
    public var storedHits: Int
    /// A representative fragment (the first one).
    public var fragment: String
    /// The detector that found the first hit.
    public var detector: String

    public init(id: Int64, type: AttackType, host: String, endpoint: String, point: String, firstSeen: Timestamp, lastSeen: Timestamp,
                hitCount: Int, sourceCount: Int, storedHits: Int, fragment: String, detector: String) {
        self.id = id
        self.type = type
        self.host = host
        self.endpoint = endpoint
        self.point = point
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.hitCount = hitCount
        self.sourceCount = sourceCount
        self.storedHits = storedHits
        self.fragment = fragment
        self.detector = detector
    }
}

/// A filter over attacks; every field optional.
public struct AttackQuery: Sendable, Hashable {
    public var type: AttackType?
    public var host: String?
    public var endpoint: String?
    public var clientAddress: String?
    /// Attacks seen at or after this instant.
    public var since: Timestamp?
    /// Attacks seen before this instant.
    public var until: Timestamp?
    /// Page size (1…500). Default 50.
    public var limit: Int
    /// Continue after the attack with this id (ids descend: newest first).
    public var before: Int64?

    public init(type: AttackType? = nil, host: String? = nil, endpoint: String? = nil, clientAddress: String? = nil,
                since: Timestamp? = nil, until: Timestamp? = nil, limit: Int = 50, before: Int64? = nil) {
        self.type = type
        self.host = host
        self.endpoint = endpoint
        self.clientAddress = clientAddress
        self.since = since
        self.until = until
        self.limit = min(max(limit, 1), 500)
        self.before = before
    }
}

/// Counts for dashboards: by type, and over time in fixed buckets.
public struct EventStatistics: Sendable, Hashable {
    public var hitsByType: [AttackType: Int]
    public var attacksByType: [AttackType: Int]
    /// (bucket start, hits) in ascending time.
    public var hitsOverTime: [(Timestamp, Int)]

    public init(hitsByType: [AttackType: Int], attacksByType: [AttackType: Int], hitsOverTime: [(Timestamp, Int)]) {
        self.hitsByType = hitsByType
        self.attacksByType = attacksByType
        self.hitsOverTime = hitsOverTime
    }

    public static func == (lhs: EventStatistics, rhs: EventStatistics) -> Bool {
        lhs.hitsByType == rhs.hitsByType && lhs.attacksByType == rhs.attacksByType
            && lhs.hitsOverTime.map(\.0) == rhs.hitsOverTime.map(\.0) && lhs.hitsOverTime.map(\.1) == rhs.hitsOverTime.map(\.1)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hitsByType)
        hasher.combine(attacksByType)
        hasher.combine(hitsOverTime.count)
    }
}

/// How hits are grouped and kept.
public struct GroupingPolicy: Sendable, Hashable {
    /// An attack stays open while hits keep arriving within this gap. Default 1 hour.
    public var idleGapSeconds: Int64 = 3600
    /// Hit rows kept in full per attack before sampling starts. Default 100.
    public var keepFirst: Int = 100
    /// After that, one row in this many is kept (counts stay exact). Default 100.
    public var sampleOneIn: Int = 100

    public init() {}
}

/// What a write did, for metrics and sinks (new attacks trigger webhooks).
public struct WriteResult: Sendable, Hashable {
    /// Hit rows written.
    public var storedHits = 0
    /// Hits counted but not stored because of sampling.
    public var sampledOut = 0
    /// Attacks opened by this batch.
    public var newAttacks: [AttackRecord] = []

    public init() {}
}

/// Where events go. SQLite for one node; PostgreSQL for fleets. Every backend passes the same conformance suite.
public protocol EventStore: Sendable {
    /// Stores a batch of hits in one transaction, grouping them into attacks.
    func write(_ events: [HitEvent], policy: GroupingPolicy) throws -> WriteResult
    /// Attacks matching `query`, newest first.
    func attacks(_ query: AttackQuery) throws -> [AttackRecord]
    /// One attack.
    func attack(id: Int64) throws -> AttackRecord?
    /// Stored hits of an attack, newest first.
    func hits(attackID: Int64, limit: Int) throws -> [HitEvent]
    /// Stored hits of one request.
    func hits(requestID: String) throws -> [HitEvent]
    /// Counts by type and over time since `since`, in buckets of `bucketSeconds`.
    func statistics(since: Timestamp, bucketSeconds: Int64) throws -> EventStatistics
    /// Deletes what is older than `olderThan`, then the oldest hits until the store is under `maxBytes`.
    func applyRetention(olderThan: Timestamp, maxBytes: Int64) throws -> Int
    /// Replaces the named snapshot (the learned API inventory) in one transaction; retention never touches it.
    func saveSnapshot(name: String, bytes: [UInt8], at time: Timestamp) throws
    /// The named snapshot, if one was saved.
    func snapshot(name: String) throws -> [UInt8]?
}

/// Errors from stores, naming what failed.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
