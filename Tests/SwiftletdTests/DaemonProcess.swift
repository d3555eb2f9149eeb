// SPDX-License-Identifier: Apache-2.0
// Runs the built binaries (next to the test executable) for end-to-end tests on loopback: swiftletd with a generated
// Calico-style config, swiftletctl against its control socket, and bgp-fakepeer as the misbehaving or healthy peer.
// Every wait is a bounded poll; every process started is terminated by PID.

import BGPTestSupport
import Foundation
import Testing

/// The package's executables (see `BuiltProduct`).
enum Binary {
    static func path(_ name: String) -> String { BuiltProduct.path(name) }

    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> BuiltProduct.Output {
        try BuiltProduct.run(name, arguments)
    }
}

/// A swiftletd process with its own directory, config, control socket and log.
final class DaemonProcess {
    let directory: URL
    let process = Process()
    var socket: String { directory.appendingPathComponent("ctl").path }
    var logPath: String { directory.appendingPathComponent("swiftletd.log").path }

    init(config: String, node: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftletd-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("swiftlet.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Binary.path("swiftletd"))
        // On the host: never touch its routing table (kernel programming is tested in namespaces).
        process.arguments = [
            "--config", configPath, "--node", node, "--control-socket", socket, "--log-level", "debug", "--no-kernel",
        ]
        let log = FileHandle(forWritingAtPath: logPath)!
        process.standardError = log
        process.standardOutput = log
        try process.run()
        // Ready when the control socket answers.
        try waitUntil("control socket of swiftletd answers", timeout: .seconds(15)) {
            (try? Binary.run("swiftletctl", ["show", "status", "--socket", socket]).status) == 0
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func protocols() throws -> String {
        try Binary.run("swiftletctl", ["show", "protocols", "--socket", socket]).stdout
    }

    /// SIGTERM and wait (bounded) for exit; returns the exit status.
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

/// `bgp-fakepeer sessions` with one eBGP session (AS 65001 → 64512, hold 3 s) from `source`, in the background;
/// its JSON summary is read with `summary()` after it exits.
final class FakePeerProcess {
    let process = Process()
    private let output = Pipe()

    init(port: Int, source: String, seconds: Int) throws {
        process.executableURL = URL(fileURLWithPath: Binary.path("bgp-fakepeer"))
        process.arguments = [
            "sessions", "--target", "127.0.0.1", "--port", "\(port)", "--count", "1", "--source-base", source,
            "--local-as", "65001", "--remote-as", "64512", "--hold", "3", "--duration", "\(seconds)", "--json",
        ]
        process.standardOutput = output
        try process.run()
    }

    /// Waits for the run to end and returns its exit status and JSON summary.
    func summary() -> (status: Int32, json: String) {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A bounded poll: checks `condition` every 100 ms until it holds or `timeout` passes.
func waitUntil(_ what: String, timeout: Duration, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        usleep(100_000)
    }
    Issue.record("timed out after \(timeout) waiting until \(what)")
    throw TimedOut()
}

struct TimedOut: Error {}

/// Config for a DUT on 127.0.0.1:`port` with passive eBGP peers at the given addresses.
func dutConfig(port: Int, peers: [String], holdTime: Int = 3) -> String {
    var yaml = """
        apiVersion: projectcalico.org/v3
        kind: BGPConfiguration
        metadata: {name: default}
        spec: {asNumber: 64512, nodeToNodeMeshEnabled: false, listenPort: \(port), listenAddress: 127.0.0.1}
        ---
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: dut}
        spec: {bgp: {ipv4Address: 127.0.0.1/8}}

        """
    for (i, address) in peers.enumerated() {
        yaml += """
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: peer-\(i)}
            spec: {node: dut, peerIP: \(address), asNumber: 65001, holdTime: \(holdTime)s, passive: true}

            """
    }
    return yaml
}

/// A port that differs between concurrent test runs.
func testPort(_ offset: Int) -> Int { 20000 + Int(getpid() % 10000) * 3 % 30000 + offset }
