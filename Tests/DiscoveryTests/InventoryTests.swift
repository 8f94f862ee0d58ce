import Detection
import Discovery
import Foundation
import MirrorGuardCore
import Testing

/// Learns `count` benign requests (and, every `attackEvery`-th time, an attack from a separate generator, so
/// the benign stream is the same with and without attacks).
func learnShop(_ count: Int, attackEvery: Int? = nil, configuration: DiscoveryConfiguration = DiscoveryConfiguration()) -> Inventory {
    var api = SyntheticAPI()
    var attacker = SyntheticAPI()
    attacker.random = .init(state: 42)
    var inventory = Inventory()
    for index in 0..<count {
        if let attackEvery, index % attackEvery == 0 {
            _ = api.learn(attacker.attack(), into: &inventory, configuration: configuration)
        }
        _ = api.learn(api.benign(), into: &inventory, configuration: configuration)
    }
    return inventory
}

func endpoint(_ inventory: Inventory, _ method: String, _ template: String) -> LearnedEndpoint? {
    inventory.endpoints().first { $0.method == method && $0.template.text == template }
}

@Suite("API inventory")
struct InventoryTests {
    static let shop = learnShop(2_000)

    @Test("templates fold ids, UUIDs and slugs from evidence and keep literals like /users/me and /api/v1")
    func templates() {
        let found = Set(Self.shop.endpoints().map { "\($0.method) \($0.template.text)" })
        #expect(found == [
            "GET /users/{id:int}", "GET /users/me", "GET /users/{id:int}/orders", "GET /orders/{id:uuid}",
            "POST /orders", "GET /search", "POST /uploads", "POST /graphql", "POST /login", "GET /products/{id:slug}",
            "GET /api/v1/health", "GET /api/v2/health",
        ])
        #expect(Self.shop.skippedStatic > 100)
        #expect(Self.shop.hosts.keys.sorted() == ["shop.test"])
    }

    @Test("one slug is a literal; the third distinct slug folds the position")
    func slugEvidence() {
        var api = SyntheticAPI()
        var inventory = Inventory()
        let configuration = DiscoveryConfiguration()
        _ = api.learn(api.request("GET", "/products/iphone-15-pro"), into: &inventory, configuration: configuration)
        _ = api.learn(api.request("GET", "/products/pixel-8a"), into: &inventory, configuration: configuration)
        #expect(Set(inventory.endpoints().map(\.template.text)) == ["/products/iphone-15-pro", "/products/pixel-8a"])
        _ = api.learn(api.request("GET", "/products/kindle-2024"), into: &inventory, configuration: configuration)
        #expect(inventory.endpoints().map(\.template.text) == ["/products/{id:slug}"])
        #expect(inventory.endpoints().first?.stats.requests == 3)
    }

    @Test("parameters: types, formats, ranges, enums, required and arrays")
    func parameters() throws {
        let orders = try #require(endpoint(Self.shop, "GET", "/users/{id:int}/orders"))
        let status = try #require(orders.stats.parameters[ParameterKey(.query, "status")])
        #expect(status.type == .string)
        #expect(status.enumValues == ["open", "paid", "shipped"])
        let page = try #require(orders.stats.parameters[ParameterKey(.query, "page")])
        #expect(page.type == .integer && page.minimum == 1 && page.maximum == 20)
        #expect(orders.stats.isRequired(page))

        let post = try #require(endpoint(Self.shop, "POST", "/orders"))
        let p = post.stats.parameters
        #expect(p[ParameterKey(.json, "customer.email")]?.stringFormat == "email")
        #expect(p[ParameterKey(.json, "items[].qty")]?.type == .integer)
        #expect(p[ParameterKey(.json, "items[].qty")]?.isArray == true)
        #expect(p[ParameterKey(.json, "items[].sku")]?.type == .string)
        #expect(p[ParameterKey(.json, "total")]?.type == .number)
        #expect(p[ParameterKey(.json, "gift")]?.type == .boolean)
        #expect(post.stats.mediaTypes.keys.sorted() == ["application/json"])

        let uuid = try #require(endpoint(Self.shop, "GET", "/orders/{id:uuid}"))
        #expect(uuid.stats.parameters[ParameterKey(.header, "x-tenant")]?.enumValues == ["t1", "t2", "t3"])
        #expect(uuid.stats.parameters.keys.allSatisfy { $0.location != .header || $0.name == "x-tenant" })

        let upload = try #require(endpoint(Self.shop, "POST", "/uploads"))
        #expect(upload.stats.parameters[ParameterKey(.multipart, "avatar.filename")] != nil)
        #expect(upload.stats.parameters[ParameterKey(.multipart, "description")]?.type == .string)

        let graphql = try #require(endpoint(Self.shop, "POST", "/graphql"))
        #expect(graphql.stats.parameters[ParameterKey(.json, "variables.id")]?.type == .integer)
        #expect(graphql.stats.parameters[ParameterKey(.json, "query")] != nil)
    }

    @Test("sensitive data flags: e-mail, phone, card (Luhn), password, secrets, JWT")
    func sensitive() throws {
        let post = try #require(endpoint(Self.shop, "POST", "/orders")).stats.parameters
        #expect(post[ParameterKey(.json, "customer.email")]?.sensitive == .email)
        #expect(post[ParameterKey(.json, "customer.phone")]?.sensitive == .phone)
        #expect(post[ParameterKey(.json, "card")]?.sensitive == .paymentCard)
        #expect(post[ParameterKey(.json, "items[].qty")]?.sensitive == [])
        #expect(post[ParameterKey(.json, "total")]?.sensitive == [])
        let login = try #require(endpoint(Self.shop, "POST", "/login")).stats.parameters
        #expect(login[ParameterKey(.form, "password")]?.sensitive == .password)
        #expect(login[ParameterKey(.form, "username")]?.sensitive == [])
        let health = try #require(endpoint(Self.shop, "GET", "/api/v1/health")).stats.parameters
        #expect(health[ParameterKey(.header, "x-api-key")]?.sensitive.contains(.secret) == true)
    }

    @Test("authentication per endpoint")
    func auth() throws {
        #expect(try #require(endpoint(Self.shop, "GET", "/users/{id:int}")).stats.auth == .jwt)
        #expect(try #require(endpoint(Self.shop, "GET", "/search")).stats.auth == .cookieSession)
        #expect(try #require(endpoint(Self.shop, "POST", "/login")).stats.auth == .none)
        #expect(try #require(endpoint(Self.shop, "GET", "/api/v2/health")).stats.auth == .apiKey)
    }

    @Test("attack and scanner traffic mixed in does not change the inventory")
    func attacksDoNotDistort() {
        let mixed = learnShop(2_000, attackEvery: 5)
        #expect(mixed.skippedAttacks == 400)
        let clean = Self.shop.endpoints()
        let dirty = mixed.endpoints()
        #expect(dirty.map { "\($0.method) \($0.template.text)" } == clean.map { "\($0.method) \($0.template.text)" })
        for (a, b) in zip(clean, dirty) {
            #expect(a.stats.requests == b.stats.requests)
            #expect(a.stats.parameters.keys.sorted() == b.stats.parameters.keys.sorted())
            for (key, stats) in a.stats.parameters {
                #expect(b.stats.parameters[key]?.type == stats.type)
                #expect(b.stats.parameters[key]?.enumValues == stats.enumValues)
            }
        }
    }

    @Test("hostile paths and parameter names stay within the configured bounds")
    func bounded() {
        var configuration = DiscoveryConfiguration()
        configuration.maxNodesPerHost = 500
        configuration.maxEndpointsPerHost = 100
        configuration.maxHosts = 3
        configuration.maxTotalParameters = 1_000
        var api = SyntheticAPI()
        var inventory = Inventory()
        for index in 0..<20 {
            let names = (0..<20).map { "wide\(index)_\($0)=1" }.joined(separator: "&")
            _ = api.learn(api.request("GET", "/wide?" + names), into: &inventory, configuration: configuration)
        }
        for index in 0..<2_000 {
            let depth = api.random.int(1...40)
            let path = (0..<depth).map { _ in api.random.pick(["a", "b", "zz", "q\(api.random.int(0...9))", "x_y"]) + api.random.pick(["", "k", "m"]) }
            let names = (0..<20).map { "p\(index)_\($0)=1" }.joined(separator: "&")
            var request = api.request("GET", "/" + path.joined(separator: "/") + "?" + names)
            if index % 7 == 0 {
                request.headers = HeaderFields(request.headers.map { $0.name == "Host" ? HeaderField(name: "Host", value: "h\(index).test") : $0 })
            }
            _ = api.learn(request, into: &inventory, configuration: configuration)
        }
        #expect(inventory.hosts.count <= 3)
        #expect(inventory.droppedHosts > 0)
        for host in inventory.hosts.values {
            #expect(host.root.nodeCount <= 500)
            #expect(host.root.endpointCount <= 100)
            #expect(host.nodeCount == host.root.nodeCount)
        }
        for endpoint in inventory.endpoints() {
            #expect(endpoint.stats.parameters.count <= EndpointStats.maxParameters)
            #expect(endpoint.template.steps.count <= configuration.maxPathDepth)
        }
        #expect(inventory.endpoints().contains { $0.stats.droppedParameters > 0 })
        #expect(inventory.totalParameters <= 1_000)
        #expect(inventory.endpoints().reduce(0) { $0 + $1.stats.parameters.count } <= 1_000)
    }

    @Test("the inventory survives encoding and decoding unchanged")
    func codable() throws {
        let data = try JSONEncoder().encode(Self.shop)
        let decoded = try JSONDecoder().decode(Inventory.self, from: data)
        #expect(decoded == Self.shop)
    }
}
