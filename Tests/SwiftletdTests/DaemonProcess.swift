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

/// A swiftletd process with its own directory, config, control socket and log; `--no-kernel`. Tests that need more
/// of swiftletd (BIRD sockets, `--metrics-address`, other log levels) pass `extraArguments` or `logArguments` and say
/// what "up" means with `ready`.
final class DaemonProcess {
    /// When a started swiftletd is up: `check` holds, polled for at most 15 s (a test issue and `TimedOut` if not).
    struct Readiness {
        var what: String
        var check: (DaemonProcess) throws -> Bool

        /// The control socket answers `swiftletctl show status`.
        static var controlSocket: Readiness {
            Readiness(what: "control socket of swiftletd answers") { daemon in
                (try? Binary.run("swiftletctl", ["show", "status", "--socket", daemon.socket]).status) == 0
            }
        }
    }

    let directory: URL
    let process = Process()
    var socket: String { directory.appendingPathComponent("ctl").path }
    var logPath: String { directory.appendingPathComponent("swiftletd.log").path }

    /// A fresh directory name under the temporary directory, `swiftletd-<purpose>-XXXXXXXX`.
    static func temporaryDirectory(_ purpose: String = "test") -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("swiftletd-\(purpose)-\(UUID().uuidString.prefix(8))")
    }

    /// Writes `config` into `directory` (created; removed again when this object goes), starts swiftletd with
    /// `--config`, `--node`, `--control-socket`, `logArguments`, `--no-kernel` and `extraArguments`, stdout and stderr
    /// to `logPath`, and waits until `ready` holds (with nil: returns as soon as the process runs).
    init(
        config: String, node: String, directory: URL = DaemonProcess.temporaryDirectory(),
        logArguments: [String] = ["--log-level", "debug"], extraArguments: [String] = [],
        ready: Readiness? = .controlSocket
    ) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("swiftlet.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Binary.path("swiftletd"))
        // On the host: never touch its routing table (kernel programming is tested in namespaces).
        process.arguments =
            ["--config", configPath, "--node", node, "--control-socket", socket] + logArguments + ["--no-kernel"]
            + extraArguments
        let log = FileHandle(forWritingAtPath: logPath)!
        process.standardError = log
        process.standardOutput = log
        try process.run()
        if let ready {
            try waitUntil(ready.what, timeout: .seconds(15)) { try ready.check(self) }
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var lines: [String] { log.split(separator: "\n").map(String.init) }

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
/// with `routes`, it announces that many host routes (one UPDATE, then End-of-RIB) once Established. Its JSON summary
/// is read with `summary()` after it exits.
final class FakePeerProcess {
    let process = Process()
    private let output = Pipe()

    init(port: Int, source: String, seconds: Int, routes: Int? = nil) throws {
        process.executableURL = URL(fileURLWithPath: Binary.path("bgp-fakepeer"))
        process.arguments = [
            "sessions", "--target", "127.0.0.1", "--port", "\(port)", "--count", "1", "--source-base", source,
            "--local-as", "65001", "--remote-as", "64512", "--hold", "3", "--duration", "\(seconds)", "--json",
        ] + (routes.map { ["--routes-per-session", "\($0)"] } ?? [])
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
