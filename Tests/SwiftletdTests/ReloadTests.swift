// SPDX-License-Identifier: Apache-2.0
// `swiftletctl reload` against the built daemon on loopback with bgp-fakepeer sessions (issue #7): adding a peer,
// removing one and changing one peer's timers touch only those sessions (the others keep their `since` in
// `show protocols --json`); a broken configuration (YAML syntax error, bad field) is rejected with exit status 1 and
// file:line:column: field on stderr while every session keeps running, and a later good reload is applied. A changed
// file, or a file added to a configuration directory, is reloaded without being asked (issue #6). Every wait is a
// bounded poll.

import Foundation
import Testing

@Suite("swiftletctl reload on loopback", .serialized)
struct ReloadTests {
    /// One row of `show protocols --json`.
    struct Row: Equatable {
        var state: String
        var since: Double
    }

    static func protocols(_ daemon: DaemonProcess) throws -> [String: Row] {
        let output = try Binary.run("swiftletctl", ["show", "protocols", "--json", "--socket", daemon.socket])
        guard output.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
            let rows = object["protocols"] as? [[String: Any]]
        else { return [:] }
        var result: [String: Row] = [:]
        for row in rows {
            guard let name = row["name"] as? String, let state = row["state"] as? String,
                let since = (row["since"] as? NSNumber)?.doubleValue
            else { continue }
            result[name] = Row(state: state, since: since)
        }
        return result
    }

    /// `swiftletctl reload --json`: exit status, the decoded `reload` object (on success) and stderr.
    static func reload(_ daemon: DaemonProcess) throws -> (status: Int32, report: [String: Any], stderr: String) {
        let output = try Binary.run("swiftletctl", ["reload", "--json", "--socket", daemon.socket])
        let object = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any]
        return (output.status, object?["reload"] as? [String: Any] ?? [:], output.stderr)
    }

    static func peerConfig(port: Int, peers: [(address: String, hold: Int)]) -> String {
        var yaml = dutConfig(port: port, peers: [])
        for (i, peer) in peers.enumerated() {
            yaml += """
                ---
                apiVersion: projectcalico.org/v3
                kind: BGPPeer
                metadata: {name: peer-\(i)}
                spec: {node: dut, peerIP: \(peer.address), asNumber: 65001, holdTime: \(peer.hold)s, passive: true}

                """
        }
        return yaml
    }

    static func name(_ address: String) -> String { "Node_" + address.replacingOccurrences(of: ".", with: "_") }

    /// `bgp-fakepeer sessions` offering hold time 90 s, so a busy machine cannot end a session by itself and move a
    /// `since` the test expects to stay (the configured hold times, 30 s and 60 s, are what is negotiated).
    static func fakePeer(port: Int, source: String, seconds: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.path("bgp-fakepeer"))
        process.arguments = [
            "sessions", "--target", "127.0.0.1", "--port", "\(port)", "--count", "1", "--source-base", source,
            "--local-as", "65001", "--remote-as", "64512", "--hold", "90", "--duration", "\(seconds)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("Add, remove, change timers: only the affected sessions change; broken configs are rejected with file:line:field")
    func reloadTouchesOnlyChangedPeers() throws {
        let port = testPort(10)
        let (a, b, c) = ("127.0.7.1", "127.0.7.2", "127.0.7.3")
        let (nameA, nameB, nameC) = (Self.name(a), Self.name(b), Self.name(c))
        // Only the explicit reloads below may apply a change: the file watcher is off (its own test is further down).
        let daemon = try DaemonProcess(
            config: Self.peerConfig(port: port, peers: [(a, 30), (b, 30)]), node: "dut",
            extraArguments: ["--config-poll-interval", "0"])
        defer { daemon.terminate() }
        let configPath = daemon.directory.appendingPathComponent("swiftlet.yaml").path
        func writeConfig(_ text: String) throws { try text.write(toFile: configPath, atomically: true, encoding: .utf8) }

        // The fake peers reconnect by themselves (after 1 s) when a session ends.
        let peers = try [a, b, c].map { try Self.fakePeer(port: port, source: $0, seconds: 120) }
        defer {
            for peer in peers where peer.isRunning {
                kill(peer.processIdentifier, SIGKILL)
                peer.waitUntilExit()
            }
        }

        try waitUntil("A and B are Established", timeout: .seconds(20)) {
            let rows = try Self.protocols(daemon)
            return rows[nameA]?.state == "Established" && rows[nameB]?.state == "Established"
        }
        let start = try Self.protocols(daemon)
        #expect(start[nameC] == nil)

        // 1. Add C: A and B untouched.
        try writeConfig(Self.peerConfig(port: port, peers: [(a, 30), (b, 30), (c, 30)]))
        let added = try Self.reload(daemon)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.report["peersAdded"] as? [String] == [nameC])
        #expect(added.report["peersChanged"] as? [String] == [])
        #expect(added.report["peersRemoved"] as? [String] == [])
        #expect(added.report["peersUnchanged"] as? [String] == [nameA, nameB])
        try waitUntil("C is Established", timeout: .seconds(20)) { try Self.protocols(daemon)[nameC]?.state == "Established" }
        let afterAdd = try Self.protocols(daemon)
        #expect(afterAdd[nameA] == start[nameA], "A was touched by adding C")
        #expect(afterAdd[nameB] == start[nameB], "B was touched by adding C")

        // 2. Remove B: A and C untouched, B gone.
        try writeConfig(Self.peerConfig(port: port, peers: [(a, 30), (c, 30)]))
        let removed = try Self.reload(daemon)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.report["peersRemoved"] as? [String] == [nameB])
        #expect(removed.report["peersAdded"] as? [String] == [])
        #expect(removed.report["peersChanged"] as? [String] == [])
        let afterRemove = try Self.protocols(daemon)
        #expect(afterRemove[nameB] == nil)
        #expect(afterRemove[nameA] == start[nameA], "A was touched by removing B")
        #expect(afterRemove[nameC] == afterAdd[nameC], "C was touched by removing B")

        // 3. Change A's hold time: A restarts (new `since`, back to Established), C untouched.
        try writeConfig(Self.peerConfig(port: port, peers: [(a, 60), (c, 30)]))
        let changed = try Self.reload(daemon)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.report["peersChanged"] as? [String] == [nameA])
        #expect(changed.report["peersUnchanged"] as? [String] == [nameC])
        try waitUntil("A is Established again after its restart", timeout: .seconds(20)) {
            let row = try Self.protocols(daemon)[nameA]
            return row?.state == "Established" && row!.since != start[nameA]!.since
        }
        let afterChange = try Self.protocols(daemon)
        #expect(afterChange[nameC] == afterAdd[nameC], "C was touched by changing A")
        let detail = try Binary.run("swiftletctl", ["show", "config", "--json", "--socket", daemon.socket]).stdout
        #expect(detail.contains(#""holdTime":60"#), "show config does not show A's new hold time: \(detail)")

        // 4. A YAML syntax error: exit 1 with file:line, nothing changes.
        let good = Self.peerConfig(port: port, peers: [(a, 60), (c, 30)])
        try writeConfig(good.replacingOccurrences(of: "metadata: {name: peer-1}", with: "metadata: {name: peer-1"))
        let syntax = try Self.reload(daemon)
        #expect(syntax.status == 1)
        #expect(syntax.stderr.contains("(configInvalid)"), "\(syntax.stderr)")
        #expect(syntax.stderr.contains("\(configPath):"), "no file:line in \(syntax.stderr)")
        #expect(syntax.stderr.range(of: #"\.yaml:\d+:\d+: "#, options: .regularExpression) != nil, "\(syntax.stderr)")

        // 5. A bad field: exit 1 with file:line:column: field.
        try writeConfig(good.replacingOccurrences(of: "holdTime: 30s", with: "holdTime: soon"))
        let field = try Self.reload(daemon)
        #expect(field.status == 1)
        #expect(field.stderr.contains("spec.holdTime"), "\(field.stderr)")
        #expect(field.stderr.range(of: #"swiftlet\.yaml:\d+:\d+: BGPPeer\(peer-1\)\.spec\.holdTime: "#, options: .regularExpression) != nil, "\(field.stderr)")

        // Everything kept running, untouched.
        #expect(daemon.process.isRunning)
        let afterBroken = try Self.protocols(daemon)
        #expect(afterBroken[nameA] == afterChange[nameA])
        #expect(afterBroken[nameC] == afterChange[nameC])
        #expect(afterBroken.count == 2)

        // 6. A later good reload is applied (B back).
        try writeConfig(Self.peerConfig(port: port, peers: [(a, 60), (c, 30), (b, 30)]))
        let fixed = try Self.reload(daemon)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.report["peersAdded"] as? [String] == [nameB])
        #expect(fixed.report["peersUnchanged"] as? [String] == [nameA, nameC])
        try waitUntil("B is Established again", timeout: .seconds(20)) { try Self.protocols(daemon)[nameB]?.state == "Established" }
        let final = try Self.protocols(daemon)
        #expect(final[nameA] == afterChange[nameA])
        #expect(final[nameC] == afterChange[nameC])

        // The daemon logged every reload, rejected ones with each error.
        let log = daemon.log
        #expect(log.contains(#"msg="configuration reloaded""#))
        #expect(log.contains(#"msg="reload rejected; the running configuration stays in force""#))
        #expect(log.contains("field=BGPPeer(peer-1).spec.holdTime"))
    }

    @Test("SIGHUP runs the same reload: a change is applied and logged with trigger=SIGHUP; a broken file is logged per error")
    func sighupSharesTheReload() throws {
        let port = testPort(11)
        let daemon = try DaemonProcess(
            config: Self.peerConfig(port: port, peers: [("127.0.7.11", 3)]), node: "dut",
            extraArguments: ["--config-poll-interval", "0"])
        defer { daemon.terminate() }
        let configPath = daemon.directory.appendingPathComponent("swiftlet.yaml").path
        try Self.peerConfig(port: port, peers: [("127.0.7.11", 3), ("127.0.7.12", 3)])
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try waitUntil("the SIGHUP reload added the peer", timeout: .seconds(10)) {
            try Self.protocols(daemon)[Self.name("127.0.7.12")] != nil
        }
        try waitUntil("the reload is logged", timeout: .seconds(5)) {
            daemon.log.contains("trigger=SIGHUP") && daemon.log.contains("peers_added=Node_127_0_7_12")
        }
        try "kind: [".write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try waitUntil("the rejection is logged with the file", timeout: .seconds(10)) {
            daemon.log.contains(#"msg="configuration error""#) && daemon.log.contains("file=\(configPath)")
        }
        #expect(daemon.process.isRunning)
        #expect(try Self.protocols(daemon).count == 2)
    }

    @Test("A changed file reloads by itself (trigger=file change); a directory of files is one configuration")
    func fileChangeReloads() throws {
        let port = testPort(12)
        let daemon = try DaemonProcess(
            config: Self.peerConfig(port: port, peers: [("127.0.7.21", 3)]), node: "dut",
            extraArguments: ["--config-poll-interval", "0.2"])
        defer { daemon.terminate() }
        let configPath = daemon.directory.appendingPathComponent("swiftlet.yaml").path
        try Self.peerConfig(port: port, peers: [("127.0.7.21", 3), ("127.0.7.22", 3)])
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        try waitUntil("the edited file was reloaded", timeout: .seconds(10)) {
            try Self.protocols(daemon)[Self.name("127.0.7.22")] != nil
        }
        try waitUntil("the reload is logged", timeout: .seconds(5)) { daemon.log.contains("trigger=\"file change\"") }
        // A broken edit is rejected and logged; the sessions stay.
        try "kind: [".write(toFile: configPath, atomically: true, encoding: .utf8)
        try waitUntil("the broken edit is rejected", timeout: .seconds(10)) {
            daemon.log.contains(#"msg="reload rejected; the running configuration stays in force""#)
        }
        #expect(try Self.protocols(daemon).count == 2)

        // A directory: the DUT's own resources in one file, each peer in a file of its own.
        let directory = DaemonProcess.temporaryDirectory("config-dir")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try dutConfig(port: testPort(13), peers: []).write(
            to: directory.appendingPathComponent("00-node.yaml"), atomically: true, encoding: .utf8)
        func peerFile(_ index: Int, _ address: String) throws {
            try """
                apiVersion: projectcalico.org/v3
                kind: BGPPeer
                metadata: {name: peer-\(index)}
                spec: {node: dut, peerIP: \(address), asNumber: 65001, passive: true}

                """.write(to: directory.appendingPathComponent("peer-\(index).yaml"), atomically: true, encoding: .utf8)
        }
        try peerFile(0, "127.0.7.31")
        let second = try DaemonProcess(
            config: "", node: "dut", extraArguments: ["--config", directory.path, "--config-poll-interval", "0.2"])
        defer { second.terminate() }
        try waitUntil("the directory's peer is configured", timeout: .seconds(10)) {
            try Self.protocols(second)[Self.name("127.0.7.31")] != nil
        }
        try peerFile(1, "127.0.7.32")
        try waitUntil("a file added to the directory is reloaded", timeout: .seconds(10)) {
            try Self.protocols(second)[Self.name("127.0.7.32")] != nil
        }
        // The same name in two files is one error naming the second file.
        try """
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: peer-0}
            spec: {node: dut, peerIP: 127.0.7.33, asNumber: 65001}

            """.write(to: directory.appendingPathComponent("peer-9.yaml"), atomically: true, encoding: .utf8)
        try waitUntil("the duplicate is rejected with its file", timeout: .seconds(10)) {
            second.log.contains("peer-9.yaml") && second.log.contains("duplicate BGPPeer name")
        }
        #expect(try Self.protocols(second).count == 2)
    }
}
