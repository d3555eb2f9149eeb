// SPDX-License-Identifier: Apache-2.0
// swiftletd end to end on loopback: bad input on a live session gets exactly the RFC 4271 / RFC 7606 reaction and a
// log line, while another session stays Established and the daemon keeps running; `--check` exit codes; SIGTERM
// sends Cease and exits 0.

import Foundation
import Testing

@Suite("swiftletd on loopback", .serialized)
struct LiveSessionTests {
    @Test("Bad input: every misbehaviour case gets its exact NOTIFICATION or is treated as withdraw; other sessions stay up")
    func badInput() throws {
        let port = testPort(0)
        let caseCount = 12
        let sources = (1...caseCount).map { "127.0.5.\($0)" }
        let daemon = try DaemonProcess(config: dutConfig(port: port, peers: sources + ["127.0.5.100"]), node: "dut")
        defer { daemon.terminate() }

        // A healthy session for the whole run.
        let healthy = try FakePeerProcess(port: port, source: "127.0.5.100", seconds: 20)
        try waitUntil("the healthy session is Established", timeout: .seconds(15)) {
            try daemon.protocols().split(separator: "\n").contains { $0.contains("127_0_5_100") && $0.contains("Established") }
        }

        let misbehave = try Binary.run("bgp-fakepeer", [
            "misbehave", "--target", "127.0.0.1", "--port", "\(port)", "--source", "127.0.5.1", "--local-as", "65001",
            "--remote-as", "64512", "--hold", "3", "--case", "all",
        ])
        #expect(misbehave.status == 0, "some case was answered differently: \(misbehave.stdout)")
        #expect(misbehave.stdout.components(separatedBy: "\"as_expected\":true").count - 1 == caseCount)

        let (status, summary) = healthy.summary()
        #expect(status == 0, "healthy session: \(summary)")
        #expect(summary.contains("\"disconnects\":0"))
        #expect(daemon.process.isRunning)

        let log = daemon.log
        // One log line per reaction, naming what was wrong.
        #expect(log.contains("notification=\"1/1 Message Header Error: Connection Not Synchronized\""))
        #expect(log.contains("notification=\"3/2 UPDATE Message Error: Unrecognized Well-known Attribute\""))
        #expect(log.contains("msg=\"malformed UPDATE handled per RFC 7606\" action=treat-as-withdraw"))
        #expect(log.contains("notification=\"5/3 Finite State Machine Error: Receive Unexpected Message in Established State\""))
    }

    @Test("--check: 0 for a valid config, 1 with file:line:column and field for a broken one")
    func check() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftletd-check-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.yaml").path
        try dutConfig(port: 1790, peers: ["127.0.5.1"]).write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try Binary.run("swiftletd", ["--check", "--config", good, "--node", "dut"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("OK"))

        let bad = directory.appendingPathComponent("bad.yaml").path
        let broken = dutConfig(port: 1790, peers: ["127.0.5.1"]).replacingOccurrences(of: "asNumber: 65001", with: "asNumber: sixty")
        try broken.write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try Binary.run("swiftletd", ["--check", "--config", bad, "--node", "dut"])
        #expect(failed.status == 1)
        // The peer resource starts on line 11; its spec is one flow mapping on line 14.
        #expect(failed.stderr.contains("\(bad):14:"), "\(failed.stderr)")
        #expect(failed.stderr.contains("spec.asNumber"), "\(failed.stderr)")
    }

    @Test("A connection from an unconfigured address is refused with a log line; configured peers are unaffected")
    func unknownAddressRefused() throws {
        let port = testPort(2)
        let daemon = try DaemonProcess(config: dutConfig(port: port, peers: ["127.0.5.102"]), node: "dut")
        defer { daemon.terminate() }
        let stranger = try Binary.run("bgp-fakepeer", [
            "sessions", "--target", "127.0.0.1", "--port", "\(port)", "--count", "1", "--source-base", "127.0.5.199",
            "--local-as", "65001", "--remote-as", "64512", "--hold", "3", "--duration", "2", "--json",
        ])
        #expect(stranger.status != 0)
        #expect(stranger.stdout.contains("\"established\":0"), "\(stranger.stdout)")
        try waitUntil("the refusal is logged", timeout: .seconds(5)) {
            daemon.log.contains("refused connection from an unconfigured address") && daemon.log.contains("127.0.5.199")
        }
        #expect(daemon.process.isRunning)
    }

    @Test("The control socket is root-only (0600) and is removed on shutdown")
    func controlSocketPermissions() throws {
        let daemon = try DaemonProcess(config: dutConfig(port: testPort(3), peers: []), node: "dut")
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socket)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
    }

    @Test("SIGTERM: Cease 6/2 to every peer, exit status 0")
    func sigterm() throws {
        let port = testPort(1)
        let daemon = try DaemonProcess(config: dutConfig(port: port, peers: ["127.0.5.101"]), node: "dut")
        let peer = try FakePeerProcess(port: port, source: "127.0.5.101", seconds: 8)
        try waitUntil("the session is Established", timeout: .seconds(15)) { try daemon.protocols().contains("Established") }
        #expect(daemon.terminate() == 0)
        let summary = peer.summary().json
        #expect(summary.contains(#""code":6,"count":1,"name":"Cease: Administrative Shutdown","subcode":2"#), "the peer did not receive Cease/Administrative Shutdown: \(summary)")
    }
}
