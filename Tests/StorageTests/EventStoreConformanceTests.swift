import Foundation
import MirrorGuardCore
import Testing
@testable import Storage

/// The behaviour every `EventStore` backend must show. SQLite runs it here; other backends reuse `Conformance`.
enum Conformance {
    static let second: Int64 = 1_000_000_000

    static func event(_ type: AttackType = .sqli, at seconds: Int64, client: String? = "203.0.113.1", point: String = "query.id",
                      endpoint: String = "GET /item", host: String = "shop.test", requestID: String? = nil) -> HitEvent {
        HitEvent(time: Timestamp(nanosecondsSinceEpoch: 1_700_000_000 * second + seconds * second), requestID: requestID, method: "GET",
                 target: "/item?id=1", host: host, endpoint: endpoint, clientAddress: client,
                 hit: Hit(type: type, point: point, fragment: "1 OR 1=1", detector: "sqli.grammar", context: "numeric", reason: "r"),
                 request: "GET /item?id=1 HTTP/1.1\r\n\r\n")
    }

    static func grouping(_ store: any EventStore) throws {
        let policy = GroupingPolicy()
        let first = try store.write([event(at: 0), event(at: 10, client: "203.0.113.2"), event(at: 20)], policy: policy)
        #expect(first.storedHits == 3)
        #expect(first.newAttacks.count == 1)
        // Another point, type or endpoint is another attack.
        _ = try store.write([event(.xss, at: 30), event(at: 30, point: "query.q"), event(at: 30, endpoint: "GET /other")], policy: policy)
        // After the idle gap, a new attack opens.
        let later = try store.write([event(at: 20 + 3601)], policy: policy)
        #expect(later.newAttacks.count == 1)
        let all = try store.attacks(AttackQuery())
        #expect(all.count == 5)
        let sqli = try store.attacks(AttackQuery(type: .sqli, endpoint: "GET /item")).filter { $0.point == "query.id" }
        #expect(sqli.count == 2)
        let firstAttack = try #require(sqli.last)
        #expect(firstAttack.hitCount == 3)
        #expect(firstAttack.sourceCount == 2)
        #expect(firstAttack.lastSeen.nanosecondsSinceEpoch - firstAttack.firstSeen.nanosecondsSinceEpoch == 20 * second)
    }

    static func sampling(_ store: any EventStore) throws {
        var policy = GroupingPolicy()
        policy.keepFirst = 5
        policy.sampleOneIn = 10
        let events = (0..<105).map { event(at: Int64($0), client: "198.51.100.\($0 % 7)") }
        let result = try store.write(events, policy: policy)
        let attack = try #require(try store.attacks(AttackQuery()).first)
        #expect(attack.hitCount == 105)
        #expect(attack.sourceCount == 7)
        #expect(attack.storedHits == result.storedHits)
        #expect(result.storedHits + result.sampledOut == 105)
        #expect(result.storedHits == 5 + 10)
        #expect(try store.hits(attackID: attack.id, limit: 1000).count == result.storedHits)
    }

    static func queries(_ store: any EventStore) throws {
        let policy = GroupingPolicy()
        var events: [HitEvent] = []
        for index in 0..<30 {
            events.append(event(index % 2 == 0 ? .sqli : .xss, at: Int64(index * 4000), client: "192.0.2.\(index)", point: "query.p\(index)",
                                host: index < 10 ? "a.test" : "b.test", requestID: "req-\(index)"))
        }
        _ = try store.write(events, policy: policy)
        #expect(try store.attacks(AttackQuery(limit: 500)).count == 30)
        #expect(try store.attacks(AttackQuery(type: .xss, limit: 500)).count == 15)
        #expect(try store.attacks(AttackQuery(host: "a.test", limit: 500)).count == 10)
        #expect(try store.attacks(AttackQuery(clientAddress: "192.0.2.7")).map(\.point) == ["query.p7"])
        let base = Conformance.event(at: 0).time.nanosecondsSinceEpoch
        let windowed = try store.attacks(AttackQuery(since: Timestamp(nanosecondsSinceEpoch: base + 40_000 * second),
                                                     until: Timestamp(nanosecondsSinceEpoch: base + 60_000 * second), limit: 500))
        #expect(windowed.count == 5)
        // Pagination: newest first, pages do not overlap and cover everything.
        var seen: [Int64] = []
        var cursor: Int64? = nil
        repeat {
            let page = try store.attacks(AttackQuery(limit: 7, before: cursor))
            seen += page.map(\.id)
            cursor = page.count == 7 ? page.last?.id : nil
        } while cursor != nil
        #expect(seen.count == 30)
        #expect(Set(seen).count == 30)
        #expect(seen == seen.sorted(by: >))
        let hits = try store.hits(requestID: "req-3")
        #expect(hits.count == 1)
        #expect(hits.first?.clientAddress == "192.0.2.3")
        #expect(hits.first?.hit.point == "query.p3")
        let one = try #require(try store.attack(id: seen[0]))
        #expect(try store.hits(attackID: one.id, limit: 10).count == 1)
        #expect(try store.attack(id: 999_999) == nil)
    }

    static func statistics(_ store: any EventStore) throws {
        let events = (0..<12).map { event($0 < 8 ? .sqli : .xss, at: Int64($0) * 1800, point: "query.p\($0 % 3)") }
        _ = try store.write(events, policy: GroupingPolicy())
        let statistics = try store.statistics(since: Conformance.event(at: 0).time, bucketSeconds: 3600)
        #expect(statistics.hitsByType[.sqli] == 8)
        #expect(statistics.hitsByType[.xss] == 4)
        #expect(statistics.hitsOverTime.map(\.1).reduce(0, +) == 12)
        #expect(statistics.hitsOverTime.allSatisfy { $0.1 <= 2 })
    }

    static func snapshots(_ store: any EventStore) throws {
        #expect(try store.snapshot(name: "inventory") == nil)
        try store.saveSnapshot(name: "inventory", bytes: Array("first".utf8), at: event(at: 0).time)
        try store.saveSnapshot(name: "inventory", bytes: Array("second".utf8), at: event(at: 60).time)
        try store.saveSnapshot(name: "other", bytes: [0, 255, 1], at: event(at: 60).time)
        #expect(try store.snapshot(name: "inventory") == Array("second".utf8))
        #expect(try store.snapshot(name: "other") == [0, 255, 1])
        _ = try store.applyRetention(olderThan: event(at: 1_000_000).time, maxBytes: 1)
        #expect(try store.snapshot(name: "inventory") == Array("second".utf8))
    }

    static func retention(_ store: any EventStore) throws {
        _ = try store.write((0..<50).map { event(at: Int64($0) * 60, point: "query.p\($0 / 10)") }, policy: GroupingPolicy())
        let cutoff = Conformance.event(at: 25 * 60).time
        let deleted = try store.applyRetention(olderThan: cutoff, maxBytes: 1 << 40)
        #expect(deleted == 25)
        let remaining = try store.attacks(AttackQuery(limit: 500))
        #expect(remaining.allSatisfy { $0.lastSeen >= cutoff })
        #expect(remaining.map(\.storedHits).reduce(0, +) >= 25)
    }
}

@Suite("SQLite event store")
struct SQLiteEventStoreTests {
    func makeStore() throws -> (SQLiteEventStore, String) {
        let folder = NSTemporaryDirectory() + "mirrorguard-store-\(UUID().uuidString)"
        let store = try SQLiteEventStore(path: folder + "/data/events.sqlite")
        return (store, folder)
    }

    @Test("grouping by type, host, endpoint and point with an idle gap")
    func grouping() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Conformance.grouping(store)
    }

    @Test("sampling keeps counts exact")
    func sampling() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Conformance.sampling(store)
    }

    @Test("filters, time ranges, pagination, hits by request id")
    func queries() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Conformance.queries(store)
    }

    @Test("statistics by type and over time")
    func statistics() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Conformance.statistics(store)
    }

    @Test("snapshots replace by name and survive retention")
    func snapshots() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Conformance.snapshots(store)
    }

    @Test("retention by age")
    func retention() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Conformance.retention(store)
    }

    @Test("retention by size drops the oldest hits until the store fits")
    func sizeBound() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let big = String(repeating: "x", count: 4000)
        var events: [HitEvent] = []
        for index in 0..<600 {
            var event = Conformance.event(at: Int64(index), point: "query.p\(index % 5)")
            event.request = big
            events.append(event)
        }
        _ = try store.write(events, policy: GroupingPolicy())
        let before = try store.sizeInBytes()
        #expect(before > 2_000_000)
        _ = try store.applyRetention(olderThan: Timestamp(nanosecondsSinceEpoch: 0), maxBytes: 1_000_000)
        #expect(try store.sizeInBytes() <= 1_000_000)
        #expect(try store.integrityCheck())
    }

    @Test("a store reopens with its data; an unusable path is a clear error")
    func reopen() throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try store.write([Conformance.event(at: 0)], policy: GroupingPolicy())
        let again = try SQLiteEventStore(path: store.path)
        #expect(try again.attacks(AttackQuery()).count == 1)
        #expect(throws: StoreError.self) { try SQLiteEventStore(path: "/proc/mirrorguard/cannot/events.sqlite") }
    }
}
