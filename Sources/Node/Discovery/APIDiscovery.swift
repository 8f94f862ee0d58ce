import Detection
import Discovery
import Foundation
import MirrorGuardCore
import Storage

/// The node's learned API: one `Inventory` behind a lock, fed by every analysis worker (and by `scan --learn`),
/// snapshotted to the event store so learning survives restarts. Observations are read outside the lock; only
/// the tree update holds it.
public final class APIDiscovery: @unchecked Sendable {
    /// The snapshot's name in the event store.
    public static let snapshotName = "discovery.inventory"

    public let configuration: DiscoveryConfiguration
    private let lock = NSLock()
    private var inventory: Inventory
    private var changed = false
    private let clock: @Sendable () -> Int64

    /// Starts from `inventory` (empty, or loaded from the store).
    public init(configuration: DiscoveryConfiguration, inventory: Inventory = Inventory(),
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1e9) }) {
        self.configuration = configuration
        self.inventory = inventory
        self.clock = clock
    }

    /// Learns one analysed exchange; returns its deviations from learned endpoints. Requests with attack hits
    /// are counted and never learned.
    public func observe(_ exchange: Exchange, analysis: Analysis) -> [Hit] {
        guard Inventory.learns(from: analysis.hits) else {
            lock.withLock { inventory.skippedAttacks += 1 }
            return []
        }
        var observation = RequestObservation(exchange: exchange, points: analysis.points)
        if exchange.receivedAt == nil { observation.time = clock() }
        return lock.withLock {
            changed = true
            return inventory.learn(observation, configuration: configuration)
        }
    }

    /// A copy of the inventory as it is now.
    public var snapshot: Inventory { lock.withLock { inventory } }

    /// Loads the stored inventory; nil when none was saved. A snapshot that cannot be read is an error naming the store.
    public static func load(from store: any EventStore) throws -> Inventory? {
        guard let bytes = try store.snapshot(name: snapshotName) else { return nil }
        do {
            return try JSONDecoder().decode(Inventory.self, from: Data(bytes))
        } catch {
            throw StoreError("the stored API inventory cannot be read (\(error)); remove it with `mirrorguard discovery reset`")
        }
    }

    /// Opens the store of a data folder for discovery commands. `mustExist`: fail (naming the file) rather than
    /// create an empty store.
    public static func openStore(_ configuration: NodeConfiguration, mustExist: Bool) throws -> SQLiteEventStore {
        let path = configuration.databasePath
        if mustExist && !FileManager.default.fileExists(atPath: path) {
            throw StoreError("no store at \(path): run `mirrorguard serve` or `mirrorguard scan --learn` first (or pass --data-dir)")
        }
        return try SQLiteEventStore(path: path)
    }

    /// Saves the inventory when it changed since the last save. Returns the bytes written (0 when unchanged).
    @discardableResult
    public func save(to store: any EventStore, force: Bool = false) throws -> Int {
        let (copy, dirty) = lock.withLock { () -> (Inventory, Bool) in
            defer { changed = false }
            return (inventory, changed)
        }
        guard dirty || force else { return 0 }
        let bytes: Data
        do {
            bytes = try JSONEncoder().encode(copy)
        } catch {
            lock.withLock { changed = true }
            throw StoreError("cannot encode the API inventory: \(error)")
        }
        do {
            try store.saveSnapshot(name: Self.snapshotName, bytes: [UInt8](bytes), at: Timestamp(nanosecondsSinceEpoch: clock()))
        } catch {
            lock.withLock { changed = true }
            throw error
        }
        return bytes.count
    }
}
