import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Node

/// `mirrorguard config test <source>`: proves in one step that copies from a proxy reach the node, and shows
/// how the node reads them (client, host, request id), so a misconfigured proxy is visible at once.
struct ConfigTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check that copies from your proxy reach the node and carry the client, host and request id.",
        discussion: """
        With --through, sends one probe request (GET /mirrorguard-probe/<id>) through the proxy and waits for its
        copy at the node; without it, shows the copies the node received last. Reads the node's admin API
        (--admin, token from --token, the configuration, or the data folder). Exit status 0 when a copy arrived
        and looks right, 1 when none arrived or something needs fixing.
        """
    )

    @Argument(help: "The proxy: nginx, envoy, istio, traefik or kong (tailors the hints).")
    var source: String

    @Option(name: .long, help: "The proxy's URL to send a probe through, e.g. http://127.0.0.1:80.")
    var through: String?

    @Option(name: .long, help: "Host header of the probe (default: the --through URL's host).")
    var host: String?

    @Option(name: .long, help: "The node's admin address, host:port (default: the configuration's admin.listen).")
    var admin: String?

    @Option(name: .long, help: "Admin API token (default: admin.token or the data folder's admin-token).")
    var token: String?

    @Option(name: .long, help: "YAML configuration of the node.")
    var config: String?

    @Option(name: .long, help: "Seconds to wait for the probe's copy.")
    var timeout: Double = 5

    func run() throws {
        guard ProxySnippets.sources.contains(source) else {
            throw ValidationError("unknown source \"\(source)\"; expected one of \(ProxySnippets.sources.joined(separator: ", "))")
        }
        let configuration = try NodeConfiguration.load(file: config)
        let adminAddress = admin.flatMap(HostPort.init) ?? configuration.adminListen
        let adminHost = adminAddress.host == "0.0.0.0" ? "127.0.0.1" : adminAddress.host
        let adminToken = token ?? (configuration.adminToken.isEmpty ? storedToken(configuration) : configuration.adminToken)
        guard let adminToken, !adminToken.isEmpty else {
            throw CommandFailure("no admin token: pass --token, or --config with admin.token, or run where the node's data folder is")
        }
        let adminURL = "http://\(adminHost.contains(":") ? "[\(adminHost)]" : adminHost):\(adminAddress.port)/api/v1/sources/recent"

        guard let through else {
            let copies = try recent(adminURL, token: adminToken)
            guard !copies.isEmpty else {
                print("the node has received no copy yet: check the proxy's mirror points at the node's mirror listener")
                throw ExitCode(1)
            }
            print("the node's last \(min(copies.count, 5)) copies, newest first:")
            var clean = true
            for copy in copies.prefix(5) { clean = report(copy) && clean }
            if !clean { throw ExitCode(1) }
            return
        }
        guard let url = URL(string: through), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil else {
            throw ValidationError("--through: expected an http(s) URL, got \"\(through)\"")
        }
        let marker = UUID().uuidString.lowercased()
        let probePath = "/mirrorguard-probe/\(marker)"
        var probe = URLRequest(url: url.appendingPathComponent("mirrorguard-probe").appendingPathComponent(marker), timeoutInterval: timeout)
        if let host { probe.setValue(host, forHTTPHeaderField: "Host") }
        let started = Date()
        let (status, _) = fetch(probe)
        print("probe GET \(url.absoluteString)\(probePath) → \(status.map { "\($0) from the proxy" } ?? "no answer from the proxy")")
        let deadline = started.addingTimeInterval(timeout)
        while Date() < deadline {
            if let copy = try recent(adminURL, token: adminToken).first(where: { $0["target"] as? String == probePath }) {
                print("copy received \(Int(Date().timeIntervalSince(started) * 1000)) ms after the probe was sent:")
                if !report(copy) { throw ExitCode(1) }
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        print("""
        no copy of the probe reached the node within \(timeout) s. Check that:
          - the proxy's mirror points at the node's mirror listener (mirrorguard config \(source) --node HOST:PORT),
          - the proxy can connect to it (firewalls, the node listening on the right interface: mirror.listen),
          - the probe's route is mirrored (the snippet mirrors every path).
        """)
        throw ExitCode(1)
    }

    /// Prints one copy and the checks; false when something needs fixing.
    private func report(_ copy: [String: Any]) -> Bool {
        func text(_ key: String) -> String { (copy[key] as? String) ?? "" }
        let trusted = copy["sender_trusted"] as? Bool ?? false
        let clientFrom = text("client_from")
        print("  from       \(text("sender")) (\(trusted ? "trusted sender" : "untrusted sender"))")
        print("  request    \(text("method")) \(text("target"))")
        print("  client     \(text("client"))  (from \(clientFrom))")
        let hostHeader = text("host_header")
        print("  host       \(text("host"))  (Host header \"\(hostHeader)\"\(hostHeader.hasSuffix("-shadow") ? ", -shadow removed" : ""))")
        print("  request id \((copy["request_id"] as? String) ?? "none")")
        print("  scheme     \((copy["scheme"] as? String) ?? "-")    server \((copy["server"] as? String) ?? "-")")
        var clean = true
        if !trusted {
            print("  WARN  \(text("sender")) is not in mirror.trusted_networks: its forwarding headers are ignored and every client looks like the proxy")
            clean = false
        } else if clientFrom == "connection" {
            print("  WARN  the copy carries none of X-Real-IP, X-Envoy-External-Address, X-Forwarded-For: every client looks like the proxy; use the headers of `mirrorguard config \(source)`")
            clean = false
        } else {
            print("  ok    the client address comes from \(clientFrom)")
        }
        if text("host").isEmpty {
            print("  WARN  no Host: the proxy must pass the original Host (or X-Forwarded-Host)")
            clean = false
        }
        if copy["request_id"] as? String == nil {
            print(source == "traefik" || source == "kong"
                ? "  note  no request id (\(source) adds none): hits cannot be matched with the proxy's logs"
                : "  WARN  no request id: the snippet of `mirrorguard config \(source)` sends one")
            if source != "traefik" && source != "kong" { clean = false }
        }
        return clean
    }

    private func recent(_ url: String, token: String) throws -> [[String: Any]] {
        guard let address = URL(string: url) else { throw CommandFailure("bad admin address \(url)") }
        var request = URLRequest(url: address, timeoutInterval: 5)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (status, body) = fetch(request)
        guard let status else { throw CommandFailure("the node's admin API at \(url) does not answer: is the node running (--admin)?") }
        guard status == 200 else { throw CommandFailure("the node's admin API answered \(status) (a wrong --token answers 401)") }
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        return object?["copies"] as? [[String: Any]] ?? []
    }

    private func fetch(_ request: URLRequest) -> (Int?, Data) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int?, Data) = (nil, Data())
        URLSession.shared.dataTask(with: request) { data, response, _ in
            result = ((response as? HTTPURLResponse)?.statusCode, data ?? Data())
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + request.timeoutInterval + 1)
        return result
    }

    private func storedToken(_ configuration: NodeConfiguration) -> String? {
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("admin-token")
        return (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
    }
}
