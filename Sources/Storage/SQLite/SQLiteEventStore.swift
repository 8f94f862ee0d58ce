import Foundation
import GRDB
import MirrorGuardCore

/// The embedded store: one SQLite file (WAL mode) through GRDB. Writes are batched in transactions, so a
/// `kill -9` loses at most the batch in flight and never corrupts the file.
public final class SQLiteEventStore: EventStore {
    private let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the store at `path`; its folder is created too.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError("cannot create the data folder \(folder): \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError("cannot open the SQLite store \(path): \(error)")
        }
        try migrator.migrate(pool)
    }

    private var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
            CREATE TABLE attack (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                type TEXT NOT NULL, host TEXT NOT NULL, endpoint TEXT NOT NULL, point TEXT NOT NULL,
                first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
                hit_count INTEGER NOT NULL, source_count INTEGER NOT NULL, stored_hits INTEGER NOT NULL,
                fragment TEXT NOT NULL, detector TEXT NOT NULL
            );
            CREATE INDEX attack_group ON attack(type, host, endpoint, point, last_seen);
            CREATE INDEX attack_last_seen ON attack(last_seen);
            CREATE TABLE attack_source (
                attack_id INTEGER NOT NULL REFERENCES attack(id) ON DELETE CASCADE,
                client TEXT NOT NULL,
                PRIMARY KEY (attack_id, client)
            ) WITHOUT ROWID;
            CREATE TABLE hit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                attack_id INTEGER NOT NULL REFERENCES attack(id) ON DELETE CASCADE,
                time INTEGER NOT NULL, request_id TEXT, method TEXT NOT NULL, target TEXT NOT NULL, host TEXT NOT NULL,
                endpoint TEXT NOT NULL, client TEXT, type TEXT NOT NULL, point TEXT NOT NULL, fragment TEXT NOT NULL,
                detector TEXT NOT NULL, context TEXT NOT NULL, reason TEXT NOT NULL, request TEXT NOT NULL
            );
            CREATE INDEX hit_attack ON hit(attack_id, id);
            CREATE INDEX hit_request ON hit(request_id);
            CREATE INDEX hit_time ON hit(time);
            """)
        }
        migrator.registerMigration("v2-snapshots") { db in
            try db.execute(sql: """
            CREATE TABLE snapshot (name TEXT PRIMARY KEY, bytes BLOB NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
            """)
        }
        return migrator
    }

    public func saveSnapshot(name: String, bytes: [UInt8], at time: Timestamp) throws {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO snapshot (name, bytes, updated_at) VALUES (?, ?, ?)",
                               arguments: [name, Data(bytes), time.nanosecondsSinceEpoch])
            }
        } catch {
            throw StoreError("cannot save the \(name) snapshot to \(path): \(error)")
        }
    }

    public func snapshot(name: String) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM snapshot WHERE name = ?", arguments: [name]).map { [UInt8]($0) }
        }
    }

    public func write(_ events: [HitEvent], policy: GroupingPolicy) throws -> WriteResult {
        guard !events.isEmpty else { return WriteResult() }
        do {
            return try pool.write { db in
                var result = WriteResult()
                for event in events {
                    let gapStart = event.time.nanosecondsSinceEpoch - policy.idleGapSeconds * 1_000_000_000
                    let open = try Row.fetchOne(db, sql: """
                        SELECT id, hit_count, stored_hits FROM attack
                        WHERE type = ? AND host = ? AND endpoint = ? AND point = ? AND last_seen >= ?
                        ORDER BY last_seen DESC LIMIT 1
                        """, arguments: [event.hit.type.rawValue, event.host, event.endpoint, event.hit.point, gapStart])
                    let attackID: Int64
                    var keep = true
                    if let open {
                        attackID = open["id"]
                        let hitCount: Int = open["hit_count"]
                        keep = hitCount < policy.keepFirst || (hitCount - policy.keepFirst) % max(policy.sampleOneIn, 1) == 0
                        try db.execute(sql: """
                            UPDATE attack SET hit_count = hit_count + 1, last_seen = MAX(last_seen, ?), stored_hits = stored_hits + ?
                            WHERE id = ?
                            """, arguments: [event.time.nanosecondsSinceEpoch, keep ? 1 : 0, attackID])
                    } else {
                        try db.execute(sql: """
                            INSERT INTO attack (type, host, endpoint, point, first_seen, last_seen, hit_count, source_count, stored_hits, fragment, detector)
                            VALUES (?, ?, ?, ?, ?, ?, 1, 0, 1, ?, ?)
                            """, arguments: [event.hit.type.rawValue, event.host, event.endpoint, event.hit.point,
                                             event.time.nanosecondsSinceEpoch, event.time.nanosecondsSinceEpoch, event.hit.fragment, event.hit.detector])
                        attackID = db.lastInsertedRowID
                    }
                    if let client = event.clientAddress {
                        try db.execute(sql: "INSERT OR IGNORE INTO attack_source (attack_id, client) VALUES (?, ?)", arguments: [attackID, client])
                        if db.changesCount > 0 {
                            try db.execute(sql: "UPDATE attack SET source_count = source_count + 1 WHERE id = ?", arguments: [attackID])
                        }
                    }
                    if keep {
                        try db.execute(sql: """
                            INSERT INTO hit (attack_id, time, request_id, method, target, host, endpoint, client, type, point, fragment, detector, context, reason, request)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [attackID, event.time.nanosecondsSinceEpoch, event.requestID, event.method, event.target, event.host,
                                             event.endpoint, event.clientAddress, event.hit.type.rawValue, event.hit.point, event.hit.fragment,
                                             event.hit.detector, event.hit.context, event.hit.reason, event.request])
                        result.storedHits += 1
                    } else {
                        result.sampledOut += 1
                    }
                    if open == nil, let record = try fetchAttack(db, id: attackID) { result.newAttacks.append(record) }
                }
                return result
            }
        } catch {
            throw StoreError("writing \(events.count) events to \(path) failed: \(error)")
        }
    }

    public func attacks(_ query: AttackQuery) throws -> [AttackRecord] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let type = query.type { conditions.append("type = ?"); arguments.append(type.rawValue) }
        if let host = query.host { conditions.append("host = ?"); arguments.append(host) }
        if let endpoint = query.endpoint { conditions.append("endpoint = ?"); arguments.append(endpoint) }
        if let client = query.clientAddress {
            conditions.append("id IN (SELECT attack_id FROM attack_source WHERE client = ?)")
            arguments.append(client)
        }
        if let since = query.since { conditions.append("last_seen >= ?"); arguments.append(since.nanosecondsSinceEpoch) }
        if let until = query.until { conditions.append("first_seen < ?"); arguments.append(until.nanosecondsSinceEpoch) }
        if let before = query.before { conditions.append("id < ?"); arguments.append(before) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(query.limit)
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attack \(whereClause) ORDER BY id DESC LIMIT ?", arguments: StatementArguments(arguments))
                .compactMap(Self.attack(from:))
        }
    }

    public func attack(id: Int64) throws -> AttackRecord? {
        try read { db in try fetchAttack(db, id: id) }
    }

    public func hits(attackID: Int64, limit: Int) throws -> [HitEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hit WHERE attack_id = ? ORDER BY id DESC LIMIT ?", arguments: [attackID, min(max(limit, 1), 1000)])
                .compactMap(Self.hit(from:))
        }
    }

    public func hits(requestID: String) throws -> [HitEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hit WHERE request_id = ? ORDER BY id LIMIT 1000", arguments: [requestID]).compactMap(Self.hit(from:))
        }
    }

    public func statistics(since: Timestamp, bucketSeconds: Int64) throws -> EventStatistics {
        let bucket = max(bucketSeconds, 1) * 1_000_000_000
        return try read { db in
            var hitsByType: [AttackType: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT type, SUM(hit_count) AS n FROM attack WHERE last_seen >= ? GROUP BY type", arguments: [since.nanosecondsSinceEpoch]) {
                if let type = AttackType(rawValue: row["type"]) { hitsByType[type] = row["n"] }
            }
            var attacksByType: [AttackType: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT type, COUNT(*) AS n FROM attack WHERE last_seen >= ? GROUP BY type", arguments: [since.nanosecondsSinceEpoch]) {
                if let type = AttackType(rawValue: row["type"]) { attacksByType[type] = row["n"] }
            }
            let series = try Row.fetchAll(db, sql: """
                SELECT (time / ?) * ? AS bucket, COUNT(*) AS n FROM hit WHERE time >= ? GROUP BY bucket ORDER BY bucket
                """, arguments: [bucket, bucket, since.nanosecondsSinceEpoch]).map { row -> (Timestamp, Int) in
                (Timestamp(nanosecondsSinceEpoch: row["bucket"]), row["n"])
            }
            return EventStatistics(hitsByType: hitsByType, attacksByType: attacksByType, hitsOverTime: series)
        }
    }

    public func applyRetention(olderThan: Timestamp, maxBytes: Int64) throws -> Int {
        do {
            var deleted = try pool.write { db -> Int in
                try db.execute(sql: "DELETE FROM hit WHERE time < ?", arguments: [olderThan.nanosecondsSinceEpoch])
                let hits = db.changesCount
                try db.execute(sql: "DELETE FROM attack WHERE last_seen < ?", arguments: [olderThan.nanosecondsSinceEpoch])
                return hits
            }
            // Size bound: drop the oldest hit rows in chunks until the database fits.
            var rounds = 0
            while try sizeInBytes() > maxBytes, rounds < 100 {
                rounds += 1
                let removed = try pool.write { db -> Int in
                    try db.execute(sql: "DELETE FROM hit WHERE id IN (SELECT id FROM hit ORDER BY id LIMIT 1000)")
                    return db.changesCount
                }
                deleted += removed
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE)") }
                if removed == 0 { break }
            }
            return deleted
        } catch {
            throw StoreError("retention on \(path) failed: \(error)")
        }
    }

    /// Pages in use times the page size.
    public func sizeInBytes() throws -> Int64 {
        try read { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
    }

    /// Checks the file's integrity (used after crashes and in tests).
    public func integrityCheck() throws -> Bool {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok" }
    }

    // MARK: - Rows

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError("reading \(path) failed: \(error)")
        }
    }

    private func fetchAttack(_ db: Database, id: Int64) throws -> AttackRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM attack WHERE id = ?", arguments: [id]).flatMap(Self.attack(from:))
    }

    private static func attack(from row: Row) -> AttackRecord? {
        guard let type = AttackType(rawValue: row["type"]) else { return nil }
        return AttackRecord(id: row["id"], type: type, host: row["host"], endpoint: row["endpoint"], point: row["point"],
                            firstSeen: Timestamp(nanosecondsSinceEpoch: row["first_seen"]), lastSeen: Timestamp(nanosecondsSinceEpoch: row["last_seen"]),
                            hitCount: row["hit_count"], sourceCount: row["source_count"], storedHits: row["stored_hits"],
                            fragment: row["fragment"], detector: row["detector"])
    }

    private static func hit(from row: Row) -> HitEvent? {
        guard let type = AttackType(rawValue: row["type"]) else { return nil }
        let hit = Hit(type: type, point: row["point"], fragment: row["fragment"], detector: row["detector"], context: row["context"], reason: row["reason"])
        return HitEvent(id: row["id"], attackID: row["attack_id"], time: Timestamp(nanosecondsSinceEpoch: row["time"]), requestID: row["request_id"],
                        method: row["method"], target: row["target"], host: row["host"], endpoint: row["endpoint"], clientAddress: row["client"],
                        hit: hit, request: row["request"])
    }
}
