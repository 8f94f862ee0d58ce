import RequestParsing
import MirrorGuardCore
import Testing
@testable import Detection

@Suite("Path traversal")
struct PathTraversalTableTests {
    let detectors: [any PointDetector] = [PathTraversalDetector()]

    @Test("attack rows are detected", arguments: pathTraversalAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .ptrav)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: pathTraversalBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    // Escapes of punctuation the rules ignore (`%27`) and `0x2e` text are decided apart; these rows have neither.
    @Test("whatever the canonicaliser would change is announced by the cheap check", arguments: [
        Array("café crème".utf8), Array("naïve/../résumé".utf8), Array("/a/b".utf8), Array("ｆｕｌｌ/ｗｉｄｔｈ".utf8), Array("x\u{2215}y".utf8),
        Array("\u{FF0E}\u{FF0E}/etc".utf8), [0x61, 0x00, 0x62], [0xC0, 0xAE, 0xC0, 0xAE, 0x2F], [0xE0, 0x80, 0xAF], [0xC3, 0xA9, 0x2F, 0x2E, 0x2E],
        [0xF0, 0x80, 0x80, 0xAE], Array("日本語/テスト".utf8),
    ])
    func canonicalShortcut(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { value in
            let canonical = PathCanonicalizer(value)
            if canonical.bytes != bytes || !canonical.obfuscation.isEmpty {
                #expect(PathCanonicalizer.mayRewrite(value), "\(bytes)")
            }
        }
    }

    @Test("`0x2e` and `..2f` text is found in every position, as a byte-by-byte search finds it")
    func hexSeparatorText() {
        func reference(_ value: [UInt8]) -> Bool {
            guard value.count >= 4 else { return false }
            for index in 0..<(value.count - 3) {
                let byte = value[index], next = value[index + 1], third = value[index + 2]
                if (byte == 0x30 && next | 0x20 == 0x78 || byte == 0x2E && next == 0x2E) && (third == 0x32 || third == 0x35) { return true }
            }
            return false
        }
        // A fixed sequence over the bytes that matter and their neighbours, lengths 0…40: the word skip must not miss a
        // start that straddles two words or sits in the tail.
        let alphabet = Array("0xX.25a/7yY-".utf8)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var found = 0
        for length in 0...40 {
            for _ in 0..<150 {
                var value: [UInt8] = []
                for _ in 0..<length {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    value.append(alphabet[Int(state >> 33) % alphabet.count])
                }
                let expected = reference(value)
                if expected { found += 1 }
                value.withUnsafeBufferPointer { #expect(PathTraversalDetector.hasHexSeparatorText($0) == expected, "\(value)") }
            }
        }
        #expect(found > 200)
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(pathTraversalAttackRows.count >= 50)
        #expect(pathTraversalBenignRows.count >= 50)
    }
}

@Suite("Command and code injection")
struct CommandInjectionTableTests {
    let detectors: [any PointDetector] = [CommandInjectionDetector(), CodeInjectionDetector()]

    @Test("attack rows are detected", arguments: commandInjectionAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .rce)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: commandInjectionBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(commandInjectionAttackRows.count >= 50)
        #expect(commandInjectionBenignRows.count >= 50)
    }
}

@Suite("Server-side request forgery")
struct RequestForgeryTableTests {
    let detectors: [any PointDetector] = [ServerSideRequestForgeryDetector()]

    @Test("attack rows are detected", arguments: requestForgeryAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .ssrf)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: requestForgeryBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(requestForgeryAttackRows.count >= 50)
        #expect(requestForgeryBenignRows.count >= 50)
    }
}

@Suite("Open redirect")
struct OpenRedirectTableTests {
    let detectors: [any PointDetector] = [OpenRedirectDetector()]

    @Test("attack rows are detected", arguments: openRedirectAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .redir)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: openRedirectBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(openRedirectAttackRows.count >= 50)
        #expect(openRedirectBenignRows.count >= 50)
    }
}

@Suite("Server-side template injection")
struct TemplateInjectionTableTests {
    let detectors: [any PointDetector] = [TemplateInjectionDetector()]

    @Test("attack rows are detected", arguments: templateInjectionAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .ssti)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: templateInjectionBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(templateInjectionAttackRows.count >= 50)
        #expect(templateInjectionBenignRows.count >= 50)
    }
}

@Suite("XML external entities")
struct ExternalEntityTableTests {
    let detectors: [any PointDetector] = [ExternalEntityDetector()]

    @Test("attack rows are detected", arguments: externalEntityAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .xxe)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: externalEntityBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .body)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(externalEntityAttackRows.count >= 50)
        #expect(externalEntityBenignRows.count >= 50)
    }
}

@Suite("NoSQL injection")
struct NoSQLInjectionTableTests {
    let detectors: [any PointDetector] = [NoSQLInjectionDetector()]

    @Test("attack rows are detected", arguments: noSQLInjectionAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .nosqli)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: noSQLInjectionBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(noSQLInjectionAttackRows.count >= 50)
        #expect(noSQLInjectionBenignRows.count >= 50)
    }
}

@Suite("LDAP injection")
struct LdapInjectionTableTests {
    let detectors: [any PointDetector] = [LDAPInjectionDetector(), XPathInjectionDetector()]

    @Test("attack rows are detected", arguments: ldapInjectionAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .ldapi)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: ldapInjectionBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(ldapInjectionAttackRows.count >= 50)
        #expect(ldapInjectionBenignRows.count >= 50)
    }
}

@Suite("CRLF injection")
struct CrlfInjectionTableTests {
    let detectors: [any PointDetector] = [CRLFInjectionDetector()]

    @Test("attack rows are detected", arguments: crlfInjectionAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .crlf)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: crlfInjectionBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .body)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(crlfInjectionAttackRows.count >= 50)
        #expect(crlfInjectionBenignRows.count >= 50)
    }
}

@Suite("Mail header injection")
struct MailInjectionTableTests {
    let detectors: [any PointDetector] = [MailInjectionDetector()]

    @Test("attack rows are detected", arguments: mailInjectionAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .mailInjection)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: mailInjectionBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .body)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(mailInjectionAttackRows.count >= 50)
        #expect(mailInjectionBenignRows.count >= 50)
    }
}

@Suite("Log4Shell")
struct Log4ShellTableTests {
    let detectors: [any PointDetector] = [Log4ShellDetector()]

    @Test("attack rows are detected", arguments: log4ShellAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .log4shell)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: log4ShellBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(log4ShellAttackRows.count >= 50)
        #expect(log4ShellBenignRows.count >= 50)
    }
}

@Suite("Scanners")
struct ScannerTableTests {
    let detectors: [any PointDetector] = [ScannerDetector()]

    @Test("attack rows are detected", arguments: scannerAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .header) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .scanner)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: scannerBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .header)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(scannerAttackRows.count >= 50)
        #expect(scannerBenignRows.count >= 50)
    }
}

@Suite("Server-side includes")
struct ServerSideIncludeTableTests {
    let detectors: [any PointDetector] = [ServerSideIncludeDetector()]

    @Test("attack rows are detected", arguments: serverSideIncludeAttackRows)
    func attacks(_ row: Row) {
        let found = detectors.flatMap { hits($0, row, location: .query) }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        for hit in found {
            #expect(hit.type == .ssi)
            #expect(!hit.fragment.isEmpty && !hit.reason.isEmpty)
        }
    }

    @Test("benign look-alikes are not flagged by any detector", arguments: serverSideIncludeBenignRows)
    func benign(_ row: Row) {
        let found = allHits(row, location: .query)
        #expect(found.isEmpty, "false positive: \(row.value) -> \(found.map(\.detector))")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(serverSideIncludeAttackRows.count >= 50)
        #expect(serverSideIncludeBenignRows.count >= 50)
    }
}

/// Request heads that desynchronise a proxy and a server, each written for several methods.
let protocolAttackRows: [Row] = {
    let variants = [
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "Content-Length: 4\r\nContent-Length: 6\r\n\r\nabcdef",
        "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        "Content-Length : 4\r\n\r\nabcd",
        "Transfer-Encoding: xchunked\r\n\r\n",
        "Transfer-Encoding: chunked, identity\r\n\r\n",
        "Content-Length: +4\r\n\r\nabcd",
        "Content-Length: 0x4\r\n\r\nabcd",
        "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n",
    ]
    return ["POST", "PUT", "PATCH", "DELETE", "GET"].flatMap { method in
        variants.map { Row("\(method) /api/items HTTP/1.1\r\nHost: shop.test\r\n" + $0) }
    }
}()

/// Well-formed requests with the same parts used normally.
let protocolBenignRows: [Row] = {
    let variants = [
        "Content-Length: 4\r\n\r\nabcd",
        "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n0\r\nX-Trailer: t\r\n\r\n",
        "content-length: 2\r\n\r\nok",
        "Content-Length:    3\r\n\r\nabc",
        "Content-Length: 0\r\n\r\n",
        "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
        "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n",
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        "Connection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
    ]
    return ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"].flatMap { method in
        variants.map { Row("\(method) /api/items HTTP/1.1\r\nHost: shop.test\r\n" + $0) }
    }
}()

@Suite("Protocol anomalies")
struct ProtocolTableTests {
    func analyze(_ raw: String) -> [Hit] {
        var parser = HTTPStreamParser()
        return (parser.feed(Array(raw.utf8)) + parser.finish()).flatMap { event -> [Hit] in
            guard case let .message(message) = event, let request = message.request else { return [] }
            return Analyzer().analyze(Exchange(request: request, anomalies: message.anomalies)).hits
        }
    }

    @Test("smuggling heads are protocol attacks", arguments: protocolAttackRows)
    func attacks(_ row: Row) {
        let found = analyze(row.value).filter { $0.type == .protocol }
        #expect(!found.isEmpty, "not detected: \(row.value)")
        #expect(found.allSatisfy { $0.detector == ProtocolAnomalies.detectorID && !$0.reason.isEmpty })
    }

    @Test("well-formed heads are clean", arguments: protocolBenignRows)
    func benign(_ row: Row) {
        #expect(analyze(row.value).isEmpty, "false positive: \(row.value)")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(protocolAttackRows.count >= 50)
        #expect(protocolBenignRows.count >= 50)
    }
}
