// SPDX-License-Identifier: Apache-2.0
// swiftletd's Prometheus endpoint on loopback: the session and prefix counters scraped from /metrics match what a
// bgp-fakepeer sent and received, the exposition parses (HELP and TYPE for every family, valid names, labels and
// values, no duplicate series), label cardinality is bounded by the peers, HTTP errors are answered, and a bad
// `--metrics-address` stops the daemon at start with an error naming it.

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

        let fake = try RoutesFakePeer(port: port, source: "127.0.61.1", seconds: 6, routes: routes)
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
        let m = try Exposition.parse(response.body)
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

/// `bgp-fakepeer sessions` with one eBGP session (AS 65001 → 64512, hold 3 s) from `source` announcing `routes`
/// host routes (one UPDATE, then End-of-RIB) once Established; its JSON summary is read after it exits.
final class RoutesFakePeer {
    let process = Process()
    private let output = Pipe()

    init(port: Int, source: String, seconds: Int, routes: Int) throws {
        process.executableURL = URL(fileURLWithPath: Binary.path("bgp-fakepeer"))
        process.arguments = [
            "sessions", "--target", "127.0.0.1", "--port", "\(port)", "--count", "1", "--source-base", source,
            "--local-as", "65001", "--remote-as", "64512", "--hold", "3", "--duration", "\(seconds)",
            "--routes-per-session", "\(routes)", "--json",
        ]
        process.standardOutput = output
        try process.run()
    }

    func summary() -> (status: Int32, json: String) {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// swiftletd with `--metrics-address`, otherwise like DaemonProcess (own directory, `--no-kernel`).
final class MetricsDaemonProcess {
    let directory: URL
    let process = Process()
    var socket: String { directory.appendingPathComponent("ctl").path }
    var logPath: String { directory.appendingPathComponent("swiftletd.log").path }

    static func arguments(directory: URL, config: String, metricsAddress: String) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("swiftlet.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        return [
            "--config", configPath, "--node", "dut", "--control-socket", directory.appendingPathComponent("ctl").path,
            "--log-level", "debug", "--no-kernel", "--metrics-address", metricsAddress,
        ]
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("swiftletd-metrics-\(UUID().uuidString.prefix(8))")
    }

    init(config: String, metricsAddress: String) throws {
        directory = Self.temporaryDirectory()
        process.arguments = try Self.arguments(directory: directory, config: config, metricsAddress: metricsAddress)
        process.executableURL = URL(fileURLWithPath: Binary.path("swiftletd"))
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let (host, port) = try #require(Self.hostPort(metricsAddress))
        try waitUntil("swiftletd serves /metrics", timeout: .seconds(15)) {
            if !process.isRunning { return true }
            return (try? MetricsScrape.request(host: host, port: port, path: "/metrics").status) == 200
        }
        if !process.isRunning {
            Issue.record("swiftletd exited: \(log)")
            throw TimedOut()
        }
    }

    /// Starts swiftletd and waits (at most 15 s) for it to exit; nil status if it had to be killed.
    static func runToExit(config: String, metricsAddress: String) throws -> (status: Int32?, output: String) {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.path("swiftletd"))
        process.arguments = try arguments(directory: directory, config: config, metricsAddress: metricsAddress)
        let logPath = directory.appendingPathComponent("out.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var status: Int32?
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        } else {
            status = process.terminationStatus
        }
        return (status, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    /// "127.0.0.1:9180" → ("127.0.0.1", 9180); "[::1]:9180" → ("::1", 9180).
    static func hostPort(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    @discardableResult
    func terminate() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A plain HTTP/1.1 client over a POSIX socket (no URLSession), and a scrape parsed as an Exposition.
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

    static func get(host: String, port: Int) throws -> Exposition {
        let response = try request(host: host, port: port, path: "/metrics")
        guard response.status == 200 else { throw Failure(description: "GET /metrics: \(response.status)") }
        return try Exposition.parse(response.body)
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

/// The Prometheus text format 0.0.4, parsed strictly enough to catch what would break a scrape: metric and label
/// names, quoted and escaped label values, float values, HELP/TYPE at most once per family and before its samples,
/// a family's samples together, no duplicate series, non-negative counters.
struct Exposition {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var text: String
        var description: String { "line \(line): \(reason): \(text)" }
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]
    var helps: [String: String] = [:]

    /// The one sample named `name` whose labels include `labels`; nil if none or several.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }

    func samples(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    static func isName(_ text: Substring, colons: Bool = true) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" || (colons && first == ":") else {
            return false
        }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || (colons && $0 == ":")) }
    }

    static func parse(_ text: String) throws -> Exposition {
        var result = Exposition()
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: 0, reason: "no final line feed", text: "") }
        var seen = Set<String>()
        var finished = Set<String>()
        var current: String?
        func family(_ name: String) -> String {
            if result.types[name] != nil { return name }
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if result.types[base] != nil { return base }
            }
            return name
        }
        func enter(_ name: String, _ number: Int, _ line: Substring) throws {
            if current == name { return }
            if let current { finished.insert(current) }
            if finished.contains(name) { throw ParseError(line: number, reason: "family \(name) split up", text: String(line)) }
            current = name
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            func fail(_ reason: String) -> ParseError { ParseError(line: number, reason: reason, text: String(line)) }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard words.count >= 3, words[0] == "#", words[1] == "HELP" || words[1] == "TYPE" else { continue }
                let name = String(words[2])
                guard isName(words[2]) else { throw fail("bad metric name") }
                if result.samples.contains(where: { family($0.name) == name }) { throw fail("\(words[1]) after samples") }
                try enter(name, number, line)
                if words[1] == "HELP" {
                    guard result.helps[name] == nil else { throw fail("second HELP") }
                    result.helps[name] = words.count > 3 ? String(words[3]) : ""
                } else {
                    guard result.types[name] == nil else { throw fail("second TYPE") }
                    guard words.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3]) else {
                        throw fail("bad TYPE")
                    }
                    result.types[name] = String(words[3])
                }
                continue
            }
            // name{label="value",...} value [timestamp]
            var rest = line[...]
            let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
            let name = String(rest[..<nameEnd])
            guard isName(rest[..<nameEnd]) else { throw fail("bad metric name") }
            rest = rest[nameEnd...]
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    guard let equals = rest.firstIndex(of: "=") else { throw fail("label without =") }
                    let label = rest[..<equals]
                    guard isName(label, colons: false), !label.hasPrefix("__") else { throw fail("bad label name \(label)") }
                    rest = rest[rest.index(after: equals)...]
                    guard rest.first == "\"" else { throw fail("unquoted label value") }
                    rest = rest.dropFirst()
                    var value = ""
                    var closed = false
                    while let c = rest.first {
                        rest = rest.dropFirst()
                        if c == "\"" { closed = true; break }
                        if c == "\\" {
                            guard let e = rest.first else { break }
                            rest = rest.dropFirst()
                            switch e {
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "n": value.append("\n")
                            default: throw fail("bad escape \\\(e)")
                            }
                        } else {
                            value.append(c)
                        }
                    }
                    guard closed else { throw fail("unterminated label value") }
                    guard labels.updateValue(value, forKey: String(label)) == nil else { throw fail("label \(label) twice") }
                    if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("expected , or }") }
                }
                rest = rest.dropFirst()
            }
            let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
            guard rest.first == " ", fields.count == 1 || fields.count == 2 else { throw fail("expected value [timestamp]") }
            let value: Double
            switch fields[0] {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let parsed = Double(fields[0]) else { throw fail("bad value") }
                value = parsed
            }
            if fields.count == 2, Int64(fields[1]) == nil { throw fail("bad timestamp") }
            let base = family(name)
            try enter(base, number, line)
            if result.types[base] == "counter" && !(value >= 0) { throw fail("negative counter") }
            let key = name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seen.insert(key).inserted else { throw fail("duplicate series") }
            result.samples.append(Sample(name: name, labels: labels, value: value))
        }
        return result
    }
}
