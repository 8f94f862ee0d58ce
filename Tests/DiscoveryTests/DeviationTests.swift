import Discovery
import MirrorGuardCore
import Testing

@Suite("Deviations from the learned model")
struct DeviationTests {
    static var configuration: DiscoveryConfiguration {
        var configuration = DiscoveryConfiguration()
        configuration.learnedAfterRequests = 50
        configuration.learnedAfterSeconds = 60
        return configuration
    }

    /// A generator that has learned the shop, positioned after its training traffic.
    static func trained(_ configuration: DiscoveryConfiguration = configuration) -> (SyntheticAPI, Inventory) {
        var api = SyntheticAPI()
        var inventory = Inventory()
        for _ in 0..<2_000 { _ = api.learn(api.benign(), into: &inventory, configuration: configuration) }
        return (api, inventory)
    }

    @Test("each deviation kind is reported with its point and reason; normal requests report none", arguments: [
        ("/users/5/orders?status=open&page=3", nil, ""),
        ("/users/5/orders?status=refunded&page=3", AttackType.anomalyOutOfRange, "query.status"),
        ("/users/5/orders?status=open&page=abc", .anomalyTypeViolation, "query.page"),
        ("/users/5/orders?status=open&page=900000", .anomalyOutOfRange, "query.page"),
        ("/users/5/orders?status=open&page=2&debug=1", .anomalyNewParameter, "query.debug"),
        ("/users/5/orders?status=open", .anomalyMissingParameter, "query.page"),
    ] as [(String, AttackType?, String)])
    func deviations(target: String, expected: AttackType?, point: String) throws {
        var (api, inventory) = Self.trained()
        let bearer = ("Authorization", "Bearer \(SyntheticAPI.jwt)")
        let hits = api.learn(api.request("GET", target, [bearer]), into: &inventory, configuration: Self.configuration)
        guard let expected else {
            #expect(hits.isEmpty)
            return
        }
        #expect(hits.count == 1)
        let hit = try #require(hits.first)
        #expect(hit.type == expected)
        #expect(hit.point == point)
        #expect(hit.detector == "discovery.model")
        #expect(hit.context == "GET /users/{id:int}/orders")
        #expect(!hit.reason.isEmpty)
    }

    @Test("an unexpected method on a learned path")
    func unexpectedMethod() {
        var (api, inventory) = Self.trained()
        let hits = api.learn(api.request("DELETE", "/users/77"), into: &inventory, configuration: Self.configuration)
        #expect(hits.map(\.type) == [.anomalyUnexpectedMethod])
        #expect(hits.first?.fragment == "DELETE")
        #expect(!inventory.endpoints().contains { $0.method == "DELETE" })
    }

    @Test("while an endpoint is still learning, or with deviations switched off, nothing is reported")
    func quietWhileLearning() {
        var learning = Self.configuration
        learning.learnedAfterSeconds = 10 * 86_400
        var (api, inventory) = Self.trained(learning)
        #expect(api.learn(api.request("GET", "/users/5/orders?status=open&page=2&debug=1"), into: &inventory, configuration: learning).isEmpty)
        var off = Self.configuration
        off.reportDeviations = false
        var (api2, inventory2) = Self.trained(off)
        #expect(api2.learn(api2.request("GET", "/users/5/orders?status=open&page=2&debug=1"), into: &inventory2, configuration: off).isEmpty)
        #expect(inventory2.endpoints().allSatisfy { $0.stats.parameters[ParameterKey(.query, "debug")] == nil })
    }
}
