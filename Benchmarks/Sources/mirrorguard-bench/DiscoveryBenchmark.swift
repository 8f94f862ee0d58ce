import BodyDecompression
import Detection
import Discovery
import Foundation
import MirrorGuardCore
import RequestParsing

#if canImport(Glibc)
import Glibc
#endif

extension BenchmarkMain {
    /// Resident set size from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// Learning cost per request (what a worker adds after analysis: reading the observation and updating the
    /// inventory), on the typical mix; and memory per endpoint on a wide synthetic API.
    static func discovery() {
        let analyzer = Analyzer(decompressor: ZlibBodyDecompressor())
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
        // A wide API: 1,000 endpoints with 12 parameters each, learned from 20 requests per endpoint.
        let before = residentBytes()
        var wide = Inventory()
        var wideConfiguration = DiscoveryConfiguration()
        wideConfiguration.maxEndpointsPerHost = 10_000
        for round in 0..<20 {
            for endpoint in 0..<1_000 {
                let query = (0..<12).map { "p\($0)=\(round * 7 + $0)" }.joined(separator: "&")
                let request = HTTPRequest(method: "GET", target: "/\(words[endpoint / 100])/\(words[endpoint / 10 % 10])/\(words[endpoint % 10])/\(round + 1)?\(query)",
                                          headers: [("Host", "wide.example")])
                let exchange = Exchange(request: request, receivedAt: Timestamp(nanosecondsSinceEpoch: Int64(round)))
                _ = wide.learn(RequestObservation(exchange: exchange, points: analyzer.analyze(exchange).points), configuration: wideConfiguration)

            }
        }
        let after = residentBytes()
        let endpoints = wide.totals.endpoints
        let snapshot = (try? JSONEncoder().encode(wide).count) ?? 0
        print("discovery memory: \(endpoints) endpoints × 12 parameters use \(format(Double(after &- before) / Double(max(endpoints, 1)) / 1024)) KiB of resident memory per endpoint (RSS growth); snapshot \(format(Double(snapshot) / Double(max(endpoints, 1)) / 1024)) KiB per endpoint")
        let exchanges = frame(stream("benign", count: 20_000)).enumerated().map { index, request in
            Exchange(request: request, receivedAt: Timestamp(nanosecondsSinceEpoch: Int64(index) * 1_000_000))
        }
        let configuration = DiscoveryConfiguration()
        // What learning adds to a worker: (analyse + learn) − analyse, each the best of 5 passes, so the request
        // is as warm in cache as it is in the node.
        var analyseOnly = UInt64.max
        var analyseAndLearn = UInt64.max
        var learningOnly = UInt64.max
        var inventory = Inventory()
        var parameters = 0
        for _ in 0..<5 {
            var start = now()
            for exchange in exchanges { _ = analyzer.analyze(exchange) }
            analyseOnly = min(analyseOnly, now() - start)
            inventory = Inventory()
            parameters = 0
            var learned: UInt64 = 0
            start = now()
            for exchange in exchanges {
                let analysis = analyzer.analyze(exchange)
                let learnStart = now()
                let observation = RequestObservation(exchange: exchange, points: analysis.points)
                parameters += observation.parameters.count
                _ = inventory.learn(observation, configuration: configuration)
                learned += now() - learnStart
            }
            analyseAndLearn = min(analyseAndLearn, now() - start)
            learningOnly = min(learningOnly, learned)
        }
        // Warm pieces: 500 requests, 40 rounds each.
        let warm = Array(exchanges.prefix(500))
        let warmAnalyses = warm.map { analyzer.analyze($0).points }
        var start = now()
        var observations: [RequestObservation] = []
        for _ in 0..<40 {
            observations = zip(warm, warmAnalyses).map { RequestObservation(exchange: $0, points: $1) }
        }
        let reading = Double(now() - start) / Double(40 * warm.count)
        var warmInventory = Inventory()
        start = now()
        for _ in 0..<40 { for observation in observations { _ = warmInventory.learn(observation, configuration: configuration) } }
        let updating = Double(now() - start) / Double(40 * warm.count)
        print("  warm: reading a request \(format(reading / 1000)) µs, updating the inventory \(format(updating / 1000)) µs")
        let count = Double(exchanges.count)
        let totals = inventory.totals
        let learning = Double(analyseAndLearn) - Double(analyseOnly)
        print("discovery learning, typical mix: \(format(Double(learningOnly) / count / 1000)) µs/request timed around learning (\(format(learning / count / 1000)) µs by difference; analysis alone \(format(Double(analyseOnly) / count / 1000)) µs; best of 5, one core); \(format(Double(parameters) / count)) candidate points/request → \(totals.endpoints) endpoints, \(totals.parameters) parameters")

    }
}
