// SPDX-License-Identifier: Apache-2.0
// swiftletd's Prometheus endpoint on loopback: the session and prefix counters scraped from /metrics match what a
// bgp-fakepeer sent and received, the exposition parses (HELP and TYPE for every family, valid names, labels and
// values, no duplicate series), label cardinality is bounded by the peers, HTTP errors are answered, and a bad
// `--metrics-address` stops the daemon at start with an error naming it.

import BGPTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("swiftletd /metrics on loopback", .serialized)
struct MetricsTests {
    /// Per-peer metric names and how many series each has per peer.
    static let perPeerSeries: [String: Int] = [
        "swiftlet_bgp_session_state": 1, "swiftlet_bgp_session_up": 1, "swiftlet_bgp_session_enabled": 1,
        "swiftlet_bgp_session_state_change_timestamp_seconds": 1, "swiftlet_bgp_session_established_seconds": 1,
        "swiftlet_bgp_session_flaps_total": 1, "swiftlet_bgp_messages_received_total": 5,
        "swiftlet_bgp_messages_sent_total": 5, "swiftlet_bgp_prefix_announcements_received_total": 1,
        "swiftlet_bgp_prefixes_received": 1, "swiftlet_bgp_prefixes_accepted": 1, "swiftlet_bgp_prefixes_filtered": 1,
        "swiftlet_bgp_prefixes_preferred": 1, "swiftlet_bgp_prefixes_advertised": 1, "swiftlet_bgp_last_error_code": 2,
        "swiftlet_bgp_last_error_subcode": 2, "swiftlet_bgp_last_error_timestamp_seconds": 2,
        "swiftlet_bgp_graceful_restart_state": 1, "swiftlet_bgp_graceful_restart_peer_capable": 1,
    ]

    @Test("Session, message and prefix counters match what the fake peer sent and received; NOTIFICATION codes")
    func countersMatchFakePeer() throws {
        let port = testPort(60)
        let metricsPort = testPort(61)
        let routes = 20
        let daemon = try MetricsDaemonProcess(
            config: dutConfig(port: port, peers: ["127.0.61.1", "127.0.61.2"]), metricsAddress: "127.0.0.1:\(metricsPort)")
        defer { daemon.terminate() }
        let scrape = { try MetricsScrape.get(host: "127.0.0.1", port: metricsPort) }
        let peer = ["peer_address": "127.0.61.1"]
        let idle = ["peer_address": "127.0.61.2"]

        // Before any session: both peers listed, nothing received.
        var m = try scrape()
        #expect(m.value("swiftlet_bgp_session_up", peer) == 0)
        #expect(m.value("swiftlet_bgp_prefixes_received", peer) == 0)
        #expect(m.value("swiftlet_rib_prefixes", ["family": "ipv4"]) == 0)

        let fake = try FakePeerProcess(port: port, source: "127.0.61.1", seconds: 6, routes: routes)
        try waitUntil("the peer's \(routes) routes are accepted", timeout: .seconds(15)) {
            try scrape().value("swiftlet_bgp_prefixes_accepted", peer) == Double(routes)
        }
        m = try scrape()
        #expect(m.value("swiftlet_bgp_session_state", peer) == 6)
        #expect(m.value("swiftlet_bgp_session_up", peer) == 1)
        #expect(m.value("swiftlet_bgp_session_enabled", peer) == 1)
        #expect((m.value("swiftlet_bgp_session_established_seconds", peer) ?? 0) > 0)
        #expect(m.value("swiftlet_bgp_session_flaps_total", peer) == 0)
        #expect(m.value("swiftlet_bgp_messages_received_total", peer + ["type": "open"]) == 1)
        // All the routes fit in one UPDATE, then End-of-RIB.
        #expect(m.value("swiftlet_bgp_messages_received_total", peer + ["type": "update"]) == 2)
        #expect(m.value("swiftlet_bgp_messages_received_total", peer + ["type": "notification"]) == 0)
        #expect(m.value("swiftlet_bgp_messages_sent_total", peer + ["type": "open"]) == 1)
        #expect(m.value("swiftlet_bgp_prefix_announcements_received_total", peer) == Double(routes))
        #expect(m.value("swiftlet_bgp_prefixes_received", peer) == Double(routes))
        #expect(m.value("swiftlet_bgp_prefixes_filtered", peer) == 0)
        #expect(m.value("swiftlet_bgp_prefixes_preferred", peer) == Double(routes))
        #expect(m.value("swiftlet_bgp_prefixes_advertised", peer) == 0)
        #expect(m.value("swiftlet_bgp_last_error_code", peer + ["direction": "sent"]) == 0)
        #expect(m.value("swiftlet_bgp_last_error_code", peer + ["direction": "received"]) == 0)
        #expect(m.value("swiftlet_bgp_graceful_restart_state", peer) == 0)
        #expect(m.value("swiftlet_rib_prefixes", ["family": "ipv4"]) == Double(routes))
        #expect(m.value("swiftlet_rib_paths", ["family": "ipv4"]) == Double(routes))
        #expect(m.value("swiftlet_rib_prefixes", ["family": "ipv6"]) == 0)
        #expect(m.value("swiftlet_bgp_peers", ["state": "Established"]) == 1)
        #expect(m.value("swiftlet_kernel_programming") == 0)
        // The other peer never connected.
        #expect(m.value("swiftlet_bgp_session_up", idle) == 0)
        #expect(m.value("swiftlet_bgp_messages_received_total", idle + ["type": "open"]) == 0)

        // The fake peer's own count of UPDATEs received is what swiftletd says it sent.
        let (status, summary) = fake.summary()
        #expect(status == 0, "\(summary)")
        let updatesAtPeer = try #require(Self.jsonInt(summary, "updates_received"), "\(summary)")
        try waitUntil("the session is down", timeout: .seconds(10)) {
            try scrape().value("swiftlet_bgp_session_up", peer) == 0
        }
        m = try scrape()
        #expect(m.value("swiftlet_bgp_messages_sent_total", peer + ["type": "update"]) == Double(updatesAtPeer))
        #expect(m.value("swiftlet_bgp_session_flaps_total", peer) == 1)
        #expect(m.value("swiftlet_bgp_session_established_seconds", peer) == 0)
        #expect(m.value("swiftlet_bgp_prefixes_accepted", peer) == 0)
        #expect(m.value("swiftlet_rib_prefixes", ["family": "ipv4"]) == 0)
        // A counter: announcements stay counted after the session went down.
        #expect(m.value("swiftlet_bgp_prefix_announcements_received_total", peer) == Double(routes))

        // A bad marker: swiftletd answers NOTIFICATION 1/1, and the metric says so.
        let misbehave = try Binary.run("bgp-fakepeer", [
            "misbehave", "--target", "127.0.0.1", "--port", "\(port)", "--source", "127.0.61.1", "--local-as", "65001",
            "--remote-as", "64512", "--hold", "3", "--case", "bad-marker",
        ])
        #expect(misbehave.status == 0, "\(misbehave.stdout)")
        try waitUntil("the NOTIFICATION is counted", timeout: .seconds(10)) {
            try scrape().value("swiftlet_bgp_messages_sent_total", peer + ["type": "notification"]) == 1
        }
        m = try scrape()
        #expect(m.value("swiftlet_bgp_last_error_code", peer + ["direction": "sent"]) == 1)
        #expect(m.value("swiftlet_bgp_last_error_subcode", peer + ["direction": "sent"]) == 1)
        #expect((m.value("swiftlet_bgp_last_error_timestamp_seconds", peer + ["direction": "sent"]) ?? 0) > 1_600_000_000)

        // Bounded cardinality: every per-peer metric has its fixed number of series per configured peer; no label
        // names a prefix.
        for (name, perPeer) in Self.perPeerSeries {
            #expect(m.samples(name).count == 2 * perPeer, "\(name)")
        }
        #expect(!m.samples.contains { $0.labels.keys.contains { ["prefix", "network", "route"].contains($0) } })
        #expect(m.samples.count < 150, "\(m.samples.count) series for 2 peers")
    }

    @Test("The exposition parses: HELP and TYPE for every family, counters end in _total, process metrics plausible")
    func expositionFormat() throws {
        let metricsPort = testPort(62)
        let daemon = try MetricsDaemonProcess(
            config: dutConfig(port: testPort(63), peers: ["127.0.61.3"]), metricsAddress: "127.0.0.1:\(metricsPort)")
        defer { daemon.terminate() }
        let response = try MetricsScrape.request(host: "127.0.0.1", port: metricsPort, path: "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.headers["content-length"] == "\(response.body.utf8.count)")
        let m = try PrometheusExposition.parse(response.body)
        for family in Set(m.samples.map(\.name)) {
            #expect(m.types[family] != nil, "no TYPE for \(family)")
            #expect(!(m.helps[family] ?? "").isEmpty, "no HELP for \(family)")
            #expect(family.hasPrefix("swiftlet_") || family.hasPrefix("process_"), "\(family)")
            #expect((m.types[family] == "counter") == family.hasSuffix("_total"), "\(family): \(m.types[family] ?? "")")
        }
        for name in [
            "process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
            "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
        ] {
            #expect(m.value(name) != nil, "\(name) missing")
        }
        #expect((m.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((m.value("process_open_fds") ?? 0) >= 3)
        let now = Date().timeIntervalSince1970
        let started = m.value("process_start_time_seconds") ?? 0
        #expect(started <= now + 2 && started > now - 600, "start time \(started), now \(now)")
        #expect(m.value("swiftlet_build_info", ["version": "0.1.0"]) == 1)
        #expect(m.value("swiftlet_bgp_session_state", ["peer_address": "127.0.61.3", "peer_as": "65001"]) != nil)
    }

    @Test("HTTP: HEAD, query strings, 404, 405, 400; IPv6 loopback listener")
    func http() throws {
        let ipv6 = (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8))?.contains("00000000000000000000000000000001") ?? false
        let host = ipv6 ? "::1" : "127.0.0.1"
        let metricsPort = testPort(64)
        let daemon = try MetricsDaemonProcess(
            config: dutConfig(port: testPort(65), peers: []),
            metricsAddress: ipv6 ? "[::1]:\(metricsPort)" : "127.0.0.1:\(metricsPort)")
        defer { daemon.terminate() }
        let head = try MetricsScrape.request(host: host, port: metricsPort, path: "/metrics", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 0)
        #expect(try MetricsScrape.request(host: host, port: metricsPort, path: "/metrics?name[]=x").status == 200)
        #expect(try MetricsScrape.request(host: host, port: metricsPort, path: "/other").status == 404)
        let post = try MetricsScrape.request(host: host, port: metricsPort, path: "/metrics", method: "POST")
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        #expect(try MetricsScrape.request(host: host, port: metricsPort, raw: "garbage\r\n\r\n").status == 400)
        // Still serving after all that.
        #expect(try MetricsScrape.get(host: host, port: metricsPort).value("swiftlet_build_info", ["version": "0.1.0"]) == 1)

        // A second daemon on the same metrics address fails at start, naming it.
        let second = try MetricsDaemonProcess.runToExit(
            config: dutConfig(port: testPort(66), peers: []),
            metricsAddress: ipv6 ? "[::1]:\(metricsPort)" : "127.0.0.1:\(metricsPort)")
        #expect(second.status != 0 && second.status != nil)
        #expect(second.output.contains("cannot serve metrics on"), "\(second.output)")
    }

    @Test(
        "A bad --metrics-address stops swiftletd at start with an error naming it",
        arguments: ["nonsense", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:9180", "[::1", "[::1]9180",
                    "example.com:9180", ":9180"])
    func badAddress(_ address: String) throws {
        let result = try MetricsDaemonProcess.runToExit(
            config: dutConfig(port: testPort(67), peers: []), metricsAddress: address)
        #expect(result.status != nil && result.status != 0, "exit \(String(describing: result.status))")
        #expect(result.output.contains("invalid --metrics-address '\(address)'"), "\(result.output)")
    }

    /// An integer field of a one-line JSON object.
    static func jsonInt(_ json: String, _ key: String) -> Int? {
        guard let data = json.split(separator: "\n").last.map({ Data($0.utf8) }),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object[key] as? Int
    }
}

extension Dictionary where Key == String, Value == String {
    fileprivate static func + (lhs: Self, rhs: Self) -> Self { lhs.merging(rhs) { $1 } }
}

/// swiftletd (a DaemonProcess) with `--metrics-address`; up when it serves /metrics.
final class MetricsDaemonProcess {
    let daemon: DaemonProcess
    var process: Process { daemon.process }

    static func start(config: String, metricsAddress: String, ready: DaemonProcess.Readiness?) throws -> DaemonProcess {
        try DaemonProcess(
            config: config, node: "dut", directory: DaemonProcess.temporaryDirectory("metrics"),
            extraArguments: ["--metrics-address", metricsAddress], ready: ready)
    }

    init(config: String, metricsAddress: String) throws {
        let (host, port) = try #require(Self.hostPort(metricsAddress))
        daemon = try Self.start(
            config: config, metricsAddress: metricsAddress,
            ready: DaemonProcess.Readiness(what: "swiftletd serves /metrics") { daemon in
                if !daemon.process.isRunning { return true }
                return (try? MetricsScrape.request(host: host, port: port, path: "/metrics").status) == 200
            })
        if !daemon.process.isRunning {
            Issue.record("swiftletd exited: \(daemon.log)")
            throw TimedOut()
        }
    }

    /// Starts swiftletd and waits (at most 15 s) for it to exit; nil status if it had to be killed.
    static func runToExit(config: String, metricsAddress: String) throws -> (status: Int32?, output: String) {
        let daemon = try start(config: config, metricsAddress: metricsAddress, ready: nil)
        let process = daemon.process
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var status: Int32?
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        } else {
            status = process.terminationStatus
        }
        return (status, daemon.log)
    }

    /// "127.0.0.1:9180" → ("127.0.0.1", 9180); "[::1]:9180" → ("::1", 9180).
    static func hostPort(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    var log: String { daemon.log }

    @discardableResult
    func terminate() -> Int32? { daemon.terminate() }
}

/// A plain HTTP/1.1 client over a POSIX socket (no URLSession), and a scrape parsed as a PrometheusExposition.
enum MetricsScrape {
    struct Response {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func get(host: String, port: Int) throws -> PrometheusExposition {
        let response = try request(host: host, port: port, path: "/metrics")
        guard response.status == 200 else { throw Failure(description: "GET /metrics: \(response.status)") }
        return try PrometheusExposition.parse(response.body)
    }

    static func request(host: String, port: Int, path: String = "/", method: String = "GET", raw: String? = nil) throws
        -> Response
    {
        let text = raw ?? "\(method) \(path) HTTP/1.1\r\nHost: metrics\r\nUser-Agent: swiftlet-test\r\nAccept: */*\r\n\r\n"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, "\(port)", &hints, &list) == 0, let info = list else {
            throw Failure(description: "bad address \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw Failure(description: "connect \(host) \(port): errno \(errno)")
        }
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                if n < 0 { throw Failure(description: "recv: errno \(errno)") }
                break
            }
            received += buffer[0..<n]
        }
        guard let split = received.indices.first(where: { received[$0...].starts(with: [13, 10, 13, 10]) }) else {
            throw Failure(description: "no header end in \(String(decoding: received, as: UTF8.self))")
        }
        let head = String(decoding: received[..<split], as: UTF8.self)
        let body = String(decoding: received[(split + 4)...], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, statusWords[0] == "HTTP/1.1", let status = Int(statusWords[1]) else {
            throw Failure(description: "bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: body)
    }
}
