import Foundation
import MirrorGuardCore
import Storage
import Testing
@testable import Node

@Suite("scan")
struct ScanRunnerTests {
    private func run(_ input: String, options: ScanOptions = ScanOptions(), name: String = "test") -> (records: [[String: Any]], diagnostics: [String], summary: ScanSummary) {
        let sink = MemorySink()
        var lines: [String] = []
        let runner = ScanRunner(options: options, decompressor: nil, output: sink, diagnostics: { lines.append($0) })
        runner.scan(bytes: Array(input.utf8), name: name)
        let summary = runner.finish()
        let records = sink.lines.map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": line]
        }
        return (records, lines, summary)
    }

    @Test("N pipelined requests give exactly N records in order, with request ids and the contract's fields")
    func pipelined() throws {
        let stream = (0..<25).map { number in
            number % 3 == 0
                ? "POST /p/\(number) HTTP/1.1\r\nX-Request-ID: id-\(number)\r\nContent-Length: 3\r\n\r\na=b"
                : "GET /g/\(number)?x=\(number) HTTP/1.1\r\nX-Request-ID: id-\(number)\r\n\r\n"
        }.joined()
        let (records, _, summary) = run(stream)
        #expect(records.count == 25)
        #expect(summary.requests == 25)
        for (number, record) in records.enumerated() {
            #expect(Set(record.keys) == ["index", "request_id", "method", "target", "attack", "hits", "anomalies"])
            #expect(record["index"] as? Int == number)
            #expect(record["request_id"] as? String == "id-\(number)")
            #expect(record["method"] as? String == (number % 3 == 0 ? "POST" : "GET"))
            #expect(record["attack"] as? Bool == false)
        }
    }

    @Test("request_id is null without X-Request-ID; anomalies carry kind, detail and offset")
    func anomaliesInRecords() throws {
        let (records, _, _) = run("GET / HTTP/1.1\nHost: a\n\n")
        let record = try #require(records.first)
        #expect(record["request_id"] is NSNull)
        let anomalies = try #require(record["anomalies"] as? [[String: Any]])
        #expect(anomalies.first?["kind"] as? String == "bare_lf")
        #expect(anomalies.first?["offset"] as? Int == 0)
    }

    @Test("--points adds named points with decoders; invalid UTF-8 travels as base64 too")
    func pointsOutput() throws {
        var options = ScanOptions()
        options.includePoints = true
        let (records, _, _) = run("GET /?a=%253C&b=%FF HTTP/1.1\r\n\r\n", options: options)
        let points = try #require(records.first?["points"] as? [[String: Any]])
        let decoded = try #require(points.first { $0["name"] as? String == "query.a|percent" })
        #expect(decoded["value"] as? String == "<")
        #expect(decoded["decoders"] as? [String] == ["percent"])
        let invalid = try #require(points.first { $0["name"] as? String == "query.b" })
        #expect(invalid["value_base64"] as? String == "/w==")
    }

    @Test("garbage between requests is reported with its byte offset and the rest is analysed")
    func garbage() {
        let (records, diagnostics, summary) = run("GET /1 HTTP/1.1\r\n\r\n%%%%\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
        #expect(records.count == 2)
        #expect(summary.skippedBytes == 8)
        #expect(diagnostics.contains { $0.contains("skipped 8 bytes at offset 19") })
    }

    @Test("HAR input: entries become requests, host and body kept, format detected")
    func har() throws {
        let har = """
        {"log": {"version": "1.2", "creator": {"name": "x", "entries": []}, "entries": [
          {"request": {"method": "GET", "url": "https://shop.test/search?q=shoes", "httpVersion": "HTTP/2",
             "headers": [{"name": ":authority", "value": "shop.test"}, {"name": "X-Request-ID", "value": "h1"}]},
           "response": {"status": 200, "headers": [], "content": {"text": "ok"}}},
          {"request": {"method": "POST", "url": "https://shop.test/login", "headers": [],
             "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "user", "value": "a b"}]}}}
        ]}}
        """
        var options = ScanOptions()
        options.includePoints = true
        let (records, diagnostics, summary) = run(har, options: options)
        #expect(summary.failedInputs == 0, "\(diagnostics)")
        #expect(records.count == 2)
        #expect(records[0]["request_id"] as? String == "h1")
        #expect(records[0]["target"] as? String == "/search?q=shoes")
        let points = try #require(records[1]["points"] as? [[String: Any]])
        #expect(points.contains { $0["name"] as? String == "body.form.user" && $0["value"] as? String == "a b" })
        #expect(points.contains { $0["name"] as? String == "header.host" && $0["value"] as? String == "shop.test" })
    }

    @Test("a JSON file that is not HAR, and a broken entry, are reported clearly")
    func badHAR() {
        let (_, diagnostics, summary) = run(#"{"not": "a har"}"#)
        #expect(summary.failedInputs == 1)
        #expect(diagnostics.contains { $0.contains("not a HAR file") })
        let (records, brokenDiagnostics, _) = run(#"{"log": {"entries": [{"request": {"url": "/x"}}, {"request": {"method": "GET", "url": "/ok"}}]}}"#)
        #expect(records.count == 1)
        #expect(brokenDiagnostics.contains { $0.contains("HAR entry 0") && $0.contains("without method or url") })
    }

    @Test("an unreadable file is named in the error and counted")
    func unreadable() {
        var lines: [String] = []
        let runner = ScanRunner(options: ScanOptions(), decompressor: nil, output: MemorySink(), diagnostics: { lines.append($0) })
        #expect(!runner.scan(path: "/nonexistent/input.http"))
        #expect(runner.finish().failedInputs == 1)
        #expect(lines.contains { $0.contains("cannot read /nonexistent/input.http") })
    }

    @Test("long inputs print progress lines")
    func progress() {
        var ticks: UInt64 = 0
        var lines: [String] = []
        var options = ScanOptions()
        options.progressIntervalNanoseconds = 1
        let runner = ScanRunner(options: options, decompressor: nil, output: MemorySink(), diagnostics: { lines.append($0) }, clock: {
            ticks += 1_000_000_000
            return ticks
        })
        runner.scan(bytes: Array("GET / HTTP/1.1\r\n\r\n".utf8), name: "big.http")
        _ = runner.finish()
        #expect(lines.contains { $0.hasPrefix("mirrorguard scan: big.http: 1 requests") && $0.contains("(100%)") })
        #expect(lines.contains { $0.contains("1 requests, 0 with attacks") })
    }
}

@Suite("mirrorguard binary")
struct BinaryTests {
    /// The built `mirrorguard` executable next to the test bundle.
    static var executable: URL {
        let this = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return this.deletingLastPathComponent().appendingPathComponent("mirrorguard")
    }

    static func run(_ arguments: [String], stdin: [UInt8]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(stdin))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test("scan --format raw - prints exactly N lines with request ids, summary on stderr")
    func rawStdin() throws {
        let count = 500
        let stream = (0..<count).map { "GET /item/\($0) HTTP/1.1\r\nHost: x\r\nX-Request-ID: req-\($0)\r\n\r\n" }.joined()
        let result = try Self.run(["scan", "--format", "raw", "-"], stdin: Array(stream.utf8))
        let lines = result.stdout.split(separator: "\n")
        #expect(result.status == 0)
        #expect(lines.count == count)
        #expect(lines.first?.contains(#""request_id":"req-0""#) == true)
        #expect(lines.last?.contains(#""request_id":"req-499""#) == true)
        #expect(result.stderr.contains("\(count) requests"))
    }

    @Test("attacks are reported with point, fragment, context and reason; exit status 1; --explain is readable")
    func attacks() throws {
        let stream = "GET /item?id=5%20UNION%20SELECT%20password%20FROM%20users HTTP/1.1\r\nX-Request-ID: a1\r\n\r\n"
            + "POST /comment HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 45\r\nX-Request-ID: a2\r\n\r\n{\"text\":\"<img src=x onerror=alert(1)>\",\"n\":1}"
            + "GET /ok?q=O%27Brien HTTP/1.1\r\nX-Request-ID: b1\r\n\r\n"
        let result = try Self.run(["scan", "-"], stdin: Array(stream.utf8))
        #expect(result.status == 1)
        let records = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 3)
        let sqli = try #require((records[0]["hits"] as? [[String: Any]])?.first)
        #expect(records[0]["attack"] as? Bool == true)
        #expect(sqli["type"] as? String == "sqli")
        #expect(sqli["point"] as? String == "query.id")
        #expect(sqli["context"] as? String == "numeric")
        #expect((sqli["fragment"] as? String)?.contains("UNION SELECT") == true)
        let xss = try #require((records[1]["hits"] as? [[String: Any]])?.first)
        #expect(xss["type"] as? String == "xss")
        #expect(xss["point"] as? String == "body.json.text")
        #expect(xss["detector"] as? String == "xss.html")
        #expect(records[2]["attack"] as? Bool == false)
        #expect(result.stderr.contains("hits by type: sqli 1, xss 1"))

        let explained = try Self.run(["scan", "--explain", "-"], stdin: Array(stream.utf8))
        #expect(explained.stdout.contains("#0 GET /item?id=5%20UNION"))
        #expect(explained.stdout.contains("sqli in query.id (detector sqli.grammar, context numeric)"))
        #expect(explained.stdout.contains("reason:"))
        #expect(!explained.stdout.contains("#2 "))
    }

    @Test("serve survives kill -9 mid-write: the SQLite file stays intact and reopens with its data")
    func killNine() throws {
        let folder = NSTemporaryDirectory() + "mirrorguard-kill-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let mirrorPort = RawHTTP.freePort()
        let adminPort = RawHTTP.freePort()
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve"]
        process.environment = [
            "MIRRORGUARD_MIRROR_LISTEN": "127.0.0.1:\(mirrorPort)", "MIRRORGUARD_ADMIN_LISTEN": "127.0.0.1:\(adminPort)",
            "MIRRORGUARD_STORAGE_DATA_DIR": folder, "MIRRORGUARD_ADMIN_TOKEN": "t", "MIRRORGUARD_STORAGE_BATCH_SIZE": "50",
            "MIRRORGUARD_STORAGE_FLUSH_INTERVAL_MS": "5",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(eventually(20) { (try? RawHTTP.connect(port: mirrorPort)).map { close($0); return true } ?? false })
        // Distinct endpoints make many attacks and hits: the writer is busy when the process dies.
        func burst(_ base: Int) -> [UInt8] {
            Array((0..<3000).map { "GET /e\(($0 + base) % 400)?id=\($0)%20OR%201=1 HTTP/1.1\r\nX-Real-IP: 198.51.100.\($0 % 200)\r\n\r\n" }.joined().utf8)
        }
        _ = try RawHTTP.exchange(port: mirrorPort, bytes: burst(0), responses: 3000)
        // Wait until the store holds rows, then kill during a second burst of writes.
        let reader = try SQLiteEventStore(path: folder + "/mirrorguard.sqlite")
        #expect(eventually(30) { ((try? reader.attacks(AttackQuery())) ?? []).count > 0 })
        let secondBurst = burst(200)
        let second = Thread { _ = try? RawHTTP.exchange(port: mirrorPort, bytes: secondBurst, responses: 3000) }
        second.start()
        Thread.sleep(forTimeInterval: 0.05)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let store = try SQLiteEventStore(path: folder + "/mirrorguard.sqlite")
        #expect(try store.integrityCheck())
        let attacks = try store.attacks(AttackQuery(limit: 500))
        #expect(!attacks.isEmpty)
        #expect(attacks.allSatisfy { $0.hitCount >= 1 && $0.type == .sqli })
    }

    @Test("bad arguments and unreadable files give clear errors and a non-zero status")
    func errors() throws {
        let badFormat = try Self.run(["scan", "--format", "pcapng"], stdin: [])
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("format"))
        let missing = try Self.run(["scan", "/no/such/file"], stdin: [])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read /no/such/file"))
    }
}
