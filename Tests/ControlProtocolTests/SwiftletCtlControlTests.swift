// SPDX-License-Identifier: Apache-2.0
// The built swiftletctl binary against a fake control socket, as scripts use it: text output, `--json`, where the
// socket option may go, $SWIFTLET_SOCKET, and the exit codes (0 done, 1 daemon error, 2 unreachable, 64 usage).

import ControlProtocol
import BGPTestSupport
import Foundation
import Testing

@Suite("swiftletctl against a control socket")
struct SwiftletCtlControlTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let output = try BuiltProduct.run(
            "swiftletctl", arguments, environment: environment, removingEnvironment: ["SWIFTLET_SOCKET"])
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    @Test("show protocols prints the BIRD table; the socket option goes before or after the command")
    func showProtocols() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        for arguments in [
            ["show", "protocols", "--socket", server.path], ["--socket", server.path, "show", "protocols"],
        ] {
            let result = try Self.run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first == "Name           Proto      Table      State  Since         Info")
            #expect(lines.count == 4)
            #expect(lines[2].hasPrefix("Node_192_0_2_1 BGP        ---        start  2025-12-29    Active        Socket: Connection refused"))
        }
    }

    @Test("$SWIFTLET_SOCKET replaces the default; --socket beats it")
    func environment() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let viaEnvironment = try Self.run(["show", "status"], environment: ["SWIFTLET_SOCKET": server.path])
        #expect(viaEnvironment.status == 0)
        #expect(viaEnvironment.stdout.hasPrefix("Swiftlet 0.1.0\nRouter ID is 10.0.0.1\n"))
        let overridden = try Self.run(
            ["show", "status", "--socket", server.path], environment: ["SWIFTLET_SOCKET": "/nonexistent/x.ctl"])
        #expect(overridden.status == 0)
    }

    @Test("--json prints the response object exactly as received")
    func json() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let result = try Self.run(["show", "protocols", "--json", "--socket", server.path])
        #expect(result.status == 0)
        #expect(result.stdout == ControlCodec.text(ofLine: ControlCodec.encode(.protocols(ControlSamples.summaries))) + "\n")
        let detail = try Self.run(["show", "protocol", "Mesh_10_0_0_2", "--json", "--socket", server.path])
        #expect(try ControlCodec.decodeResponse(Array(detail.stdout.utf8)) == .protocol(ControlSamples.detail))
    }

    @Test("show protocol NAME and show protocols all NAME print the same report")
    func detail() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let one = try Self.run(["show", "protocol", "Mesh_10_0_0_2", "--socket", server.path])
        let alias = try Self.run(["show", "protocols", "all", "Mesh_10_0_0_2", "--socket", server.path])
        #expect(one.status == 0)
        #expect(one.stdout == alias.stdout)
        #expect(one.stdout.contains("    Notification received:  Cease: Administrative Shutdown: \"maintenance\" (6/2"))
        let row = try Self.run(["show", "protocols", "Mesh_10_0_0_2", "--socket", server.path])
        #expect(row.stdout.split(separator: "\n").count == 2)
    }

    @Test("enable, disable --message, restart print the daemon's confirmation")
    func actions() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let disable = try Self.run(["disable", "peer3", "--message", "maintenance", "--socket", server.path])
        #expect(disable.status == 0)
        #expect(disable.stdout == "peer3: disabled (maintenance)\n")
        #expect(try Self.run(["enable", "peer3", "--socket", server.path]).stdout == "peer3: enabled\n")
        #expect(try Self.run(["restart", "peer3", "--socket", server.path]).stdout == "peer3: restarted\n")
    }

    @Test("Exit 1 when the daemon answers with an error, message on stderr")
    func daemonError() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let result = try Self.run(["disable", "nope", "--socket", server.path])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "swiftletctl: no protocol named 'nope' (unknownProtocol)\n")
        let json = try Self.run(["show", "protocol", "nope", "--json", "--socket", server.path])
        #expect(json.status == 1)
        #expect(json.stdout == #"{"error":{"code":"unknownProtocol","message":"no protocol named 'nope'"}}"# + "\n")
    }

    @Test("Exit 2 when nothing answers on the socket, naming the path and the errno text")
    func unreachable() throws {
        let path = "/tmp/swctl-missing-\(UUID().uuidString.prefix(8)).sock"
        let result = try Self.run(["show", "status", "--socket", path])
        #expect(result.status == 2)
        #expect(result.stderr == "swiftletctl: cannot connect to \(path): No such file or directory (is swiftletd running?)\n")
        let hangUp = try FakeControlServer { _ in .hangUp }
        defer { hangUp.stop() }
        #expect(try Self.run(["show", "protocols", "--socket", hangUp.path]).status == 2)
    }

    @Test("Exit 64 on bad usage", arguments: [
        ["show"], ["show", "protocol"], ["show", "protocols", "all", "a", "b"], ["disable"], ["bogus"],
        ["disable", "p", "--message", String(repeating: "é", count: 128)],
    ])
    func usage(_ arguments: [String]) throws {
        let result = try Self.run(arguments + ["--socket", "/tmp/unused.sock"])
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
    }
}
