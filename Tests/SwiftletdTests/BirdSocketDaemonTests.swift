// SPDX-License-Identifier: Apache-2.0
// swiftletd's BIRD-compatible socket end to end on loopback (`--bird-socket`, `--bird6-socket`): the greeting,
// `show status`, `show protocols [all] [NAME]`, errors, many commands on one connection, `quit`, an over-long line,
// the socket's mode, and the peer table exactly as calicoctl `node status` parses it (`CalicoPeerTable`, a port of
// its `scanBIRDPeers`). One Established session (bgp-fakepeer), one passive peer nobody dials, one global peer
// nobody answers.

import Foundation
import Testing

@Suite("BIRD-compatible socket", .serialized)
struct BirdSocketDaemonTests {
    static func config(port: Int) -> String {
        """
        apiVersion: projectcalico.org/v3
        kind: BGPConfiguration
        metadata: {name: default}
        spec: {asNumber: 64512, nodeToNodeMeshEnabled: false, listenPort: \(port), listenAddress: 127.0.0.1}
        ---
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: dut}
        spec: {bgp: {ipv4Address: 127.0.0.1/8}}
        ---
        apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata: {name: fake}
        spec: {node: dut, peerIP: 127.0.6.1, asNumber: 65001, holdTime: 3s, passive: true}
        ---
        apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata: {name: quiet}
        spec: {node: dut, peerIP: 127.0.6.2, asNumber: 65001, passive: true}
        ---
        apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata: {name: unreachable}
        spec: {peerIP: 127.0.6.9, asNumber: 65002}

        """
    }

    @Test("Greeting, show status, show protocols [all] NAME, errors and quit on one connection; calicoctl's parse")
    func socket() throws {
        let port = testPort(41)
        let daemon = try BirdDaemonProcess(config: Self.config(port: port), node: "dut")
        defer { daemon.terminate() }
        let peer = try FakePeerProcess(port: port, source: "127.0.6.1", seconds: 6)
        defer { _ = peer.summary() }
        try waitUntil("Node_127_0_6_1 is Established", timeout: .seconds(15)) {
            try daemon.protocols().contains { $0.contains("Node_127_0_6_1") && $0.contains("Established") }
        }

        // The socket file: a socket, 0660.
        var info = stat()
        #expect(lstat(daemon.birdSocket, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o660)

        let client = try BirdSocketClient(path: daemon.birdSocket)
        #expect(try client.reply() == "0001 BIRD 2.0.12 (swiftletd 0.1.0) ready.\n")

        client.send("show status")
        let status = try client.reply()
        let statusLines = status.split(separator: "\n").map(String.init)
        #expect(statusLines.first == "1000-BIRD 2.0.12 (swiftletd 0.1.0)")
        #expect(statusLines.dropFirst().first == "1011-Router ID is 127.0.0.1")
        #expect(statusLines.contains { $0.hasPrefix(" Hostname is ") })
        #expect(statusLines.contains { $0.hasPrefix(" Current server time is 20") })
        #expect(statusLines.contains { $0.hasPrefix(" Last reboot on 20") })
        #expect(statusLines.contains { $0.hasPrefix(" Last reconfiguration on 20") })
        #expect(statusLines.last == "0013 Daemon is up and running")
        #expect(!status.contains("0024"), "--no-kernel: there is no graceful-restart recovery")

        client.send("show protocols")
        let table = try client.reply()
        let rows = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rows.first == "2002-name       proto      table      state  since         info")
        #expect(rows.dropLast().last == "0000 ")
        #expect(rows.count == 6, "\(table)")
        #expect(rows[1].hasPrefix("1002-Global_127_0_6_9 BGP        ---        start  "))
        #expect(rows[2].hasPrefix(" Node_127_0_6_1 BGP        ---        up     "))
        #expect(rows[2].hasSuffix("  Established   "))
        #expect(rows[3].hasPrefix(" Node_127_0_6_2 BGP        ---        start  "))
        #expect(rows[3].hasSuffix("  Passive       "))

        // calicoctl node status over the same bytes: the greeting and the table, read until 0000.
        let peers = try CalicoPeerTable.scan("0001 BIRD 2.0.12 (swiftletd 0.1.0) ready.\n" + table, ipv: "4")
        #expect(peers.map(\.peerIP) == ["127.0.6.9", "127.0.6.1", "127.0.6.2"])
        #expect(peers.map(\.peerType) == ["global", "node specific", "node specific"])
        #expect(peers.map(\.state) == ["start", "up", "start"])
        #expect(["Active", "Connect"].contains(peers[0].bgpState), "\(peers[0])")
        #expect(peers[1].bgpState == "Established" && peers[1].info.isEmpty)
        #expect(peers[2].bgpState == "Passive" && peers[2].info.isEmpty)
        #expect(peers.allSatisfy { $0.since.count == 12 && $0.since.contains(":") }, "\(peers)")

        client.send("show protocols all Node_127_0_6_1")
        let detail = try client.reply()
        #expect(detail.hasPrefix("2002-name       proto      table      state  since         info\n1002-Node_127_0_6_1 BGP "))
        #expect(detail.contains("\n1006-  BGP state:          Established\n"))
        #expect(detail.contains("\n     Neighbor address: 127.0.6.1\n     Neighbor AS:      65001\n     Local AS:         64512\n"))
        #expect(detail.contains("\n     Session:          external AS4\n"))
        #expect(detail.contains("\n   Channel ipv4\n     State:          UP\n"))
        #expect(detail.hasSuffix("\n \n0000 \n"))

        client.send("show protocols \"Node_*\"")
        #expect(try client.reply().split(separator: "\n").count == 4)
        client.send("show protocols \"Mesh_*\"")
        #expect(try client.reply() == "8003 No protocols match\n")
        client.send("show protocols all Mesh_10_0_0_2")
        #expect(try client.reply() == "9001 syntax error, unexpected CF_SYM_UNDEFINED, expecting END or CF_SYM_KNOWN or TEXT\n")
        client.send("frobnicate")
        #expect(try client.reply() == "9001 syntax error, unexpected CF_SYM_UNDEFINED\n")
        client.send("")
        #expect(try client.reply() == "9001 syntax error, unexpected END\n")
        client.send("configure")
        #expect(try client.reply() == "9001 syntax error, command not supported by swiftletd: configure\n")
        client.send("show route protocol Node_127_0_6_2")
        #expect(try client.reply() == "0000 \n")
        // quit: no reply (BIRD's server ignores it too), the connection keeps answering.
        client.send("quit")
        client.send("sh pro")
        #expect(try client.reply().hasPrefix("2002-name "))

        // A line longer than any command: 9000, then the connection is closed.
        client.send(String(repeating: "x", count: 5000))
        #expect(try client.reply() == "9000 Command too long\n")
        #expect(client.closed())

        // The IPv6 socket lists only IPv6 sessions: none here.
        let six = try BirdSocketClient(path: daemon.bird6Socket)
        _ = try six.reply()
        six.send("show protocols")
        #expect(try six.reply() == "2002-name       proto      table      state  since         info\n0000 \n")
        #expect(daemon.process.isRunning)
    }

    @Test("Without --bird6-socket the one socket lists IPv4 and IPv6 sessions (BIRD 3 style); with it, they split")
    func singleSocket() throws {
        let port = testPort(43)
        let config = Self.config(port: port)
            .replacingOccurrences(of: "spec: {bgp: {ipv4Address: 127.0.0.1/8}}", with: "spec: {bgp: {ipv4Address: 127.0.0.1/8, ipv6Address: \"::1/128\"}}")
            + """
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: six}
            spec: {node: dut, peerIP: "fd00::6", asNumber: 65001, passive: true}

            """
        let single = try BirdDaemonProcess(config: config, node: "dut", bird6: false)
        let names = try single.protocols().dropFirst().dropLast().map {
            String($0.dropFirst($0.hasPrefix("1002-") ? 5 : 1).prefix { $0 != " " })
        }
        #expect(names == ["Global_127_0_6_9", "Node_127_0_6_1", "Node_127_0_6_2", "Node_fd00__6"])
        #expect(single.terminate() == 0)

        let split = try BirdDaemonProcess(config: config, node: "dut")
        defer { split.terminate() }
        #expect(try split.protocols().count == 5)
        let six = try BirdSocketClient(path: split.bird6Socket)
        _ = try six.reply()
        six.send("show protocols all")
        let text = try six.reply()
        #expect(text.contains("\n1002-Node_fd00__6 BGP        ---        start  "), "\(text)")
        #expect(text.contains("\n     Neighbor address: fd00::6\n"))
        #expect(text.contains("\n   Channel ipv6\n     State:          DOWN\n     Table:          master6\n"))
    }

    @Test("SIGTERM: swiftletd exits 0 and removes the BIRD socket files")
    func socketFileLifecycle() throws {
        let port = testPort(42)
        let first = try BirdDaemonProcess(config: Self.config(port: port), node: "dut")
        let paths = [first.birdSocket, first.bird6Socket]
        #expect(paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(first.terminate() == 0)
        #expect(paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }
}

/// swiftletd (a DaemonProcess) with `--bird-socket` and `--bird6-socket` next to its control socket; up when the
/// BIRD socket greets.
final class BirdDaemonProcess {
    let daemon: DaemonProcess
    let birdSocket: String
    let bird6Socket: String
    var process: Process { daemon.process }

    init(config: String, node: String, bird6: Bool = true) throws {
        let directory = DaemonProcess.temporaryDirectory("bird")
        let birdSocket = directory.appendingPathComponent("bird.ctl").path
        let bird6Socket = directory.appendingPathComponent("bird6.ctl").path
        self.birdSocket = birdSocket
        self.bird6Socket = bird6Socket
        daemon = try DaemonProcess(
            config: config, node: node, directory: directory,
            extraArguments: ["--bird-socket", birdSocket] + (bird6 ? ["--bird6-socket", bird6Socket] : []),
            ready: DaemonProcess.Readiness(what: "the BIRD socket answers") { _ in
                guard let client = try? BirdSocketClient(path: birdSocket) else { return false }
                return (try? client.reply(timeout: 1))?.hasPrefix("0001 ") == true
                    && (!bird6 || FileManager.default.fileExists(atPath: bird6Socket))
            })
    }

    /// The rows of `show protocols` on the BIRD socket.
    func protocols() throws -> [String] {
        let client = try BirdSocketClient(path: birdSocket)
        _ = try client.reply()
        client.send("show protocols")
        return try client.reply().split(separator: "\n").map(String.init)
    }

    @discardableResult
    func terminate() -> Int32? { daemon.terminate() }
}

/// A raw client of a BIRD socket: sends lines, reads one complete reply at a time (lines up to one whose four-digit
/// code is followed by a space), every read bounded.
final class BirdSocketClient {
    let fd: Int32
    private var pending: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "connect \(path): errno \(error)")
        }
    }

    deinit { close(fd) }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads until a final line (`NNNN text`).
    func reply(timeout: Double = 5) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var lines: [String] = []
        while true {
            guard let line = try readLine(deadline: deadline) else {
                throw Failure(description: "connection closed after \(lines)")
            }
            lines.append(line)
            let bytes = Array(line.utf8)
            if bytes.count >= 5, bytes[0..<4].allSatisfy({ (0x30...0x39).contains($0) }), bytes[4] == 0x20 {
                return lines.map { $0 + "\n" }.joined()
            }
        }
    }

    /// Whether the server closed the connection (end of file within a second).
    func closed() -> Bool {
        (try? readLine(deadline: Date().addingTimeInterval(1))) == .some(nil)
    }

    private func readLine(deadline: Date) throws -> String? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure(description: "no complete reply in time; have \(pending.count) bytes") }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { return nil }
            pending += buffer[..<n]
        }
    }
}

/// calicoctl `node status`'s reading of `show protocols` (`scanBIRDPeers` / `unmarshalBIRD`), line for line.
enum CalicoPeerTable {
    struct Peer: Equatable {
        var peerIP, peerType, state, since, bgpState, info: String
    }

    struct Failure: Error {
        var message: String
    }

    static func scan(_ text: String, ipv: String) throws -> [Peer] {
        let separator = ipv == "6" ? ":" : "."
        let regex = try Regex("^(Global|Node|Mesh)_(.+)$")
        let types = ["Global": "global", "Mesh": "node-to-node mesh", "Node": "node specific"]
        func fields(_ s: Substring) -> [String] { s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        func unmarshal(_ line: Substring) -> Peer? {
            let columns = fields(line)
            guard columns.count >= 6, columns[1] == "BGP", let match = columns[0].wholeMatch(of: regex),
                let kind = match.output[1].substring, let address = match.output[2].substring, let type = types[String(kind)]
            else { return nil }
            return Peer(
                peerIP: address.replacingOccurrences(of: "_", with: separator), peerType: type, state: columns[3],
                since: columns[4], bgpState: columns[5], info: columns.count > 6 ? columns[6...].joined(separator: " ") : "")
        }
        var peers: [Peer] = []
        for str in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if str.hasPrefix("0000") {
                break
            } else if str.hasPrefix("0001") {
            } else if str.hasPrefix("2002") {
                guard fields(str.dropFirst(5)) == ["name", "proto", "table", "state", "since", "info"] else {
                    throw Failure(message: "unknown BIRD table output format")
                }
            } else if str.hasPrefix("1002") {
                if let peer = unmarshal(str.dropFirst(5)) { peers.append(peer) }
            } else if str.hasPrefix(" ") {
                if let peer = unmarshal(str.dropFirst(1)) { peers.append(peer) }
            } else {
                throw Failure(message: "unexpected output line from BIRD: \(str)")
            }
        }
        return peers
    }
}
