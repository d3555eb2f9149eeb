// SPDX-License-Identifier: Apache-2.0
// swiftletd's log output from the built binary: `--log-level` per subsystem (the old single `--log-level LEVEL`
// still works), session lines naming peer and address, repeats of one message rate-limited and summarized, JSON
// lines that parse, and bad `--log-level` values refused as usage errors. The unit tests of the writer are
// ControlProtocolTests/LogWriterTests.

import Foundation
import Testing

@Suite("swiftletd log output", .serialized)
struct LogOutputTests {
    /// swiftletd with its own log arguments instead of DaemonProcess's `--log-level debug`.
    static func daemon(config: String, logArguments: [String]) throws -> DaemonProcess {
        try DaemonProcess(config: config, node: "dut", directory: DaemonProcess.temporaryDirectory("log"), logArguments: logArguments)
    }

    @Test("--log-level warning --log-level session=debug: session debug lines with peer and address, no swiftletd info")
    func levelsPerSubsystem() throws {
        let port = testPort(20)
        let daemon = try Self.daemon(
            config: dutConfig(port: port, peers: ["127.0.8.1"]),
            logArguments: ["--log-level", "warning", "--log-level", "session=debug,control=info"])
        defer { daemon.terminate() }
        let peer = try FakePeerProcess(port: port, source: "127.0.8.1", seconds: 3)
        try waitUntil("the session is established and logged", timeout: .seconds(15)) {
            daemon.log.contains(#"msg="session established""#)
        }
        _ = peer.summary()
        try waitUntil("the session end is logged", timeout: .seconds(10)) { daemon.log.contains(#"msg="session down""#) }
        let lines = daemon.lines
        // session=debug: its debug lines are written, each naming peer and address.
        let accepted = try #require(lines.first { $0.contains(#"msg="accepted connection""#) })
        #expect(accepted.contains("level=debug logger=session"))
        for message in ["accepted connection", "session established", "session down"] {
            let line = try #require(lines.first { $0.contains("msg=\"\(message)\"") }, "\(message)")
            #expect(line.contains("peer=Node_127_0_8_1"), "\(line)")
            #expect(line.contains("address=127.0.8.1"), "\(line)")
        }
        // control=info: its info line is written; swiftletd stays at warning: "starting" (info) is not.
        #expect(lines.contains { $0.contains("logger=control") && $0.contains("level=info") })
        #expect(!lines.contains { $0.contains("logger=swiftletd") && ($0.contains("level=info") || $0.contains("level=debug")) })
        #expect(!lines.contains { $0.contains(#"msg=starting"#) })
    }

    @Test("The same message about the same source is written N times per window, then 'repeated K times'")
    func repeatsLimited() throws {
        let port = testPort(21)
        let daemon = try Self.daemon(
            config: dutConfig(port: port, peers: ["127.0.8.2"]),
            logArguments: ["--log-level", "info", "--log-repeat-limit", "2", "--log-repeat-window", "3", "--log-format", "json"])
        defer { daemon.terminate() }
        // A stranger that reconnects every 100 ms: each attempt is refused with the same log line.
        _ = try Binary.run("bgp-fakepeer", [
            "sessions", "--target", "127.0.0.1", "--port", "\(port)", "--count", "1", "--source-base", "127.0.8.99",
            "--local-as", "65001", "--remote-as", "64512", "--hold", "3", "--duration", "2", "--retry-ms", "100", "--json",
        ])
        try waitUntil("the window ends and the repeats are summarized", timeout: .seconds(10)) {
            daemon.log.contains(#""msg":"repeated "#)
        }
        let objects = daemon.lines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String]
        }
        #expect(objects.count == daemon.lines.count, "every line is one JSON object")
        let refused = objects.filter { $0["msg"] == "refused connection from an unconfigured address" }
        // One window of 3 s covers the 2 s run: two lines written.
        #expect(refused.count == 2, "\(refused)")
        let summary = try #require(objects.first { $0["repeated_msg"] == "refused connection from an unconfigured address" })
        #expect(Int(summary["repeated"] ?? "") ?? 0 >= 3, "\(summary)")
        #expect(summary["msg"] == "repeated \(summary["repeated"] ?? "") times")
        #expect(summary["logger"] == "session")
        #expect(daemon.process.isRunning)
    }

    @Test("A bad --log-level is a usage error (exit 64) naming the problem", arguments: [
        ["--log-level", "loud"], ["--log-level", "kernal=debug"], ["--log-level", "info,"],
    ])
    func badLevel(_ arguments: [String]) throws {
        let result = try Binary.run("swiftletd", ["--check", "--config", "/nonexistent.yaml"] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--log-level") || result.stderr.contains("log level") || result.stderr.contains("subsystem"), "\(result.stderr)")
    }
}
