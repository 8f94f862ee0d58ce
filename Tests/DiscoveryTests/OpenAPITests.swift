import Discovery
import Foundation
import MirrorGuardCore
import Testing

/// Reads JSON text into a `JSONValue` (Foundation is fine in tests; the product parses at its edges).
func jsonValue(_ object: Any) -> JSONValue {
    switch object {
    case let dictionary as [String: Any]: return .object(dictionary.keys.sorted().map { ($0, jsonValue(dictionary[$0] as Any)) })
    case let array as [Any]: return .array(array.map(jsonValue))
    case let string as String: return .string(string)
    case let number as NSNumber:
        if String(describing: type(of: number)).contains("Boolean") { return .bool(number.boolValue) }
        return number.doubleValue == number.doubleValue.rounded() ? .integer(number.int64Value) : .number(number.doubleValue)
    default: return .null
    }
}

func parseJSON(_ text: String) throws -> JSONValue {
    jsonValue(try JSONSerialization.jsonObject(with: Data(text.utf8)))
}

@Suite("OpenAPI export and spec comparison")
struct OpenAPITests {
    static let endpoints = InventoryTests.shop.endpoints()
    static let document = OpenAPIExporter.document(host: SyntheticAPI.host, endpoints: endpoints)

    @Test("the export describes paths, typed parameters, bodies, security and sensitive data")
    func exportShape() throws {
        let text = Self.document.serialized()
        let parsed = try parseJSON(text)
        #expect(parsed["openapi"]?.stringValue == "3.1.0")
        let paths = try #require(parsed["paths"])
        #expect(Set(paths.members.map(\.0)) == [
            "/users/{id}", "/users/me", "/users/{id}/orders", "/orders/{id}", "/orders", "/search", "/uploads",
            "/graphql", "/login", "/products/{id}", "/api/v1/health", "/api/v2/health",
        ])
        let orders = try #require(paths["/users/{id}/orders"]?["get"])
        let parameters = orders["parameters"]?.elements ?? []
        let id = try #require(parameters.first { $0["name"]?.stringValue == "id" })
        #expect(id["in"]?.stringValue == "path" && id["schema"]?["type"]?.stringValue == "integer")
        let status = try #require(parameters.first { $0["name"]?.stringValue == "status" })
        #expect(status["schema"]?["enum"]?.elements.compactMap(\.stringValue) == ["open", "paid", "shipped"])
        #expect(orders["security"]?.elements.first?["jwtAuth"] != nil)
        let body = try #require(paths["/orders"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"])
        #expect(body["properties"]?["customer"]?["properties"]?["email"]?["format"]?.stringValue == "email")
        #expect(body["properties"]?["items"]?["type"]?.stringValue == "array")
        #expect(body["properties"]?["items"]?["items"]?["properties"]?["qty"]?["type"]?.stringValue == "integer")
        let sensitive = try #require(paths["/orders"]?["post"]?["x-mirrorguard"]?["sensitive"])
        #expect(sensitive["json.card"]?.elements.first?.stringValue == "payment_card")
        let upload = try #require(paths["/uploads"]?["post"]?["requestBody"]?["content"]?["multipart/form-data"]?["schema"])
        #expect(upload["properties"]?["avatar"]?["contentMediaType"]?.stringValue == "application/octet-stream")
        #expect(parsed["components"]?["securitySchemes"]?["cookie_sessionAuth"]?["name"]?.stringValue == "session")
    }

    @Test("the export is valid OpenAPI 3.1 (openapi-spec-validator)")
    func validates() throws {
        guard let python = Self.validatorPython() else {
            if ProcessInfo.processInfo.environment["MIRRORGUARD_REQUIRE_INTEGRATION"] != nil {
                Issue.record("openapi-spec-validator is not installed (scripts/test installs it)")
            }
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mirrorguard-openapi-\(getpid()).json")
        try Self.document.serialized().write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try Self.run("/usr/bin/env", [python, "-m", "openapi_spec_validator", file.path])
        #expect(status == 0, "validator said: \(output)")
    }

    @Test("the export round-trips: compared with itself after serialising, nothing differs")
    func roundTrip() throws {
        let parsed = try parseJSON(Self.document.serialized())
        #expect(SpecComparison.compare(spec: parsed, endpoints: Self.endpoints.filter { $0.host == SyntheticAPI.host }) == [])
    }

    @Test("comparison with a user's spec finds shadow and orphan endpoints, undocumented parameters, wrong types")
    func compare() throws {
        let spec = try parseJSON(#"""
        {"openapi":"3.1.0","info":{"title":"shop","version":"1"},"servers":[{"url":"https://shop.test/"}],
         "paths":{
          "/users/{userId}":{"get":{"parameters":[{"name":"userId","in":"path","required":true,"schema":{"type":"integer"}}]}},
          "/users/{userId}/orders":{"parameters":[{"$ref":"#/components/parameters/Page"}],
             "get":{"parameters":[{"name":"status","in":"query","schema":{"type":"integer"}}]}},
          "/orders":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Order"}}}}}},
          "/legacy/report":{"get":{}}
         },
         "components":{
          "parameters":{"Page":{"name":"page","in":"query","schema":{"type":"integer"}}},
          "schemas":{"Order":{"type":"object","properties":{
             "customer":{"type":"object","properties":{"email":{"type":"string"}}},
             "items":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer"}}}},
             "card":{"type":"string"},"total":{"type":"number"},"gift":{"type":"boolean"}}}}}}
        """#)
        let findings = SpecComparison.compare(spec: spec, endpoints: Self.endpoints)
        let summary = Set(findings.map { "\($0.kind.rawValue) \($0.method) \($0.path) \($0.parameter ?? "")" })
        #expect(summary.contains("orphan_endpoint get /legacy/report "))
        #expect(summary.contains("shadow_endpoint GET /search "))
        #expect(summary.contains("shadow_endpoint GET /users/me ") == false, "/users/me is covered by /users/{userId}")
        #expect(summary.contains("type_mismatch GET /users/{id}/orders query.status"))
        #expect(summary.contains("undocumented_parameter POST /orders json.customer.phone"))
        #expect(!summary.contains { $0.hasPrefix("undocumented_parameter POST /orders json.items[].qty") })
        #expect(!summary.contains { $0.contains("query.page") })
        #expect(!summary.contains { $0.hasPrefix("shadow_endpoint GET /users/{id} ") })
        #expect(findings.filter { $0.kind == .shadowEndpoint }.count == 8)
    }

    static func validatorPython() -> String? {
        for python in ["python3", "python"] {
            if let (status, _) = try? run("/usr/bin/env", [python, "-c", "import openapi_spec_validator"]), status == 0 { return python }
        }
        return nil
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
