// SPDX-License-Identifier: Apache-2.0
// The blocking client against a real Unix socket: several requests on one connection, and each way it can fail
// (no socket, a daemon that hangs up, one that never answers) ends in a typed error naming the path, not a hang.

import ControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("ControlConnection")
struct ControlConnectionTests {
    static func answering(_ request: ControlRequest) -> FakeControlServer.Reply {
        switch request {
        case .showStatus: .respond(.status(ControlSamples.status))
        case .showProtocols: .respond(.protocols(ControlSamples.summaries))
        case .showProtocol(let name) where name == ControlSamples.detail.summary.name: .respond(.protocol(ControlSamples.detail))
        case .disable(let name, let message) where name == "peer3":
            .respond(.ok("peer3: disabled" + (message.map { " (\($0))" } ?? "")))
        case .enable(let name) where name == "peer3": .respond(.ok("peer3: enabled"))
        case .restart(let name, _) where name == "peer3": .respond(.ok("peer3: restarted"))
        case .showRoute(let query) where query.peer == nil || query.peer == "Mesh_10_0_0_2":
            .respond(.route(query.everyPath ? RouteSamples.allPaths : RouteSamples.selected))
        case .showRoute(let query):
            .respond(.error(code: .unknownProtocol, message: "no protocol named '\(query.peer ?? "")'"))
        case .showProtocol(let name), .disable(let name, _), .enable(let name), .restart(let name, _):
            .respond(.error(code: .unknownProtocol, message: "no protocol named '\(name)'"))
        case .showKernel: .respond(.kernel(KernelReportTests.report))
        case .reload: .respond(.reload(ReloadConfigTests.reload))
        case .showConfig: .respond(.config(ReloadConfigTests.config))
        case .showBFD: .respond(.bfd(BFDReport(sessions: [])))
        }
    }

    @Test("Several requests on one connection, answered in order")
    func severalRequests() throws {
        let server = try FakeControlServer(Self.answering)
        defer { server.stop() }
        var connection = try ControlConnection(socketPath: server.path, timeout: .seconds(5))
        #expect(try connection.send(.showStatus) == .status(ControlSamples.status))
        #expect(try connection.send(.showProtocols) == .protocols(ControlSamples.summaries))
        #expect(try connection.send(.showProtocol(name: "Mesh_10_0_0_2")) == .protocol(ControlSamples.detail))
        #expect(try connection.send(.disable(name: "peer3", message: "maint")) == .ok("peer3: disabled (maint)"))
        #expect(
            try connection.send(.enable(name: "nope")) == .error(code: .unknownProtocol, message: "no protocol named 'nope'"))
        try connection.write(Array("this is not json\n".utf8))
        let garbage = try ControlCodec.decodeResponse(connection.readLine())
        #expect(garbage == .error(code: .invalidRequest, message: "malformed request: not valid JSON"))
        #expect(try connection.send(.showStatus) == .status(ControlSamples.status))
    }

    @Test("One-shot client")
    func oneShot() throws {
        let server = try FakeControlServer(Self.answering)
        defer { server.stop() }
        #expect(try ControlClient(socketPath: server.path).send(.restart(name: "peer3", message: nil)) == .ok("peer3: restarted"))
    }

    @Test("No socket: a connect error with ENOENT and the path")
    func noSocket() {
        let path = "/tmp/swctl-missing-\(UUID().uuidString.prefix(8)).sock"
        #expect {
            try ControlClient(socketPath: path).send(.showStatus)
        } throws: { error in
            guard let error = error as? ControlClientError else { return false }
            return error.kind == .connect && error.errno == ENOENT
                && error.description == "cannot connect to \(path): No such file or directory (is swiftletd running?)"
        }
    }

    @Test("A path longer than sockaddr_un holds is refused before connecting")
    func pathTooLong() {
        #expect {
            try ControlClient(socketPath: "/tmp/" + String(repeating: "x", count: 200)).send(.showStatus)
        } throws: { ($0 as? ControlClientError)?.kind == .pathTooLong }
    }

    @Test("A daemon that hangs up without answering")
    func hangUp() throws {
        let server = try FakeControlServer { _ in .hangUp }
        defer { server.stop() }
        #expect {
            try ControlClient(socketPath: server.path).send(.showStatus)
        } throws: { ($0 as? ControlClientError)?.kind == .closed }
    }

    @Test("A daemon that never answers: timeout, not a hang")
    func silence() throws {
        let server = try FakeControlServer { _ in .silence }
        defer { server.stop() }
        let start = ContinuousClock.now
        #expect {
            try ControlClient(socketPath: server.path, timeout: .milliseconds(300)).send(.showStatus)
        } throws: { ($0 as? ControlClientError)?.kind == .timeout }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
