// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show route` as built, against a fake control socket that records what it was asked: the words and
// options become the documented RouteQuery (addresses canonical), the text is RouteReportText's, `--json` prints
// the line, and every malformed invocation is a usage error (exit 64) that never reaches the socket.

import BGPTestSupport
import ControlProtocol
import Foundation
import Synchronization
import Testing

@Suite("swiftletctl show route")
struct SwiftletCtlRouteTests {
    /// The requests a fake server received.
    final class Recorder: Sendable {
        let requests = Mutex<[ControlRequest]>([])

        func server() throws -> FakeControlServer {
            try FakeControlServer { request in
                self.requests.withLock { $0.append(request) }
                return ControlConnectionTests.answering(request)
            }
        }
    }

    static func run(_ arguments: [String]) throws -> SwiftletCtlControlTests.Result {
        try SwiftletCtlControlTests.run(arguments)
    }

    @Test(
        "Words and options become the query",
        arguments: [
            ([], RouteQuery()),
            (["10.0.1.0/26"], RouteQuery(prefix: "10.0.1.0/26")),
            (["10.0.1.7", "all"], RouteQuery(prefix: "10.0.1.7", all: true)),
            (["detail", "2001:DB8:0::1"], RouteQuery(prefix: "2001:db8::1", all: true, detail: true)),
            (["all"], RouteQuery(all: true)),
            (["--peer", "Mesh_10_0_0_2"], RouteQuery(peer: "Mesh_10_0_0_2")),
            (
                ["--peer", "Mesh_10_0_0_2", "--received", "--family", "ipv4"],
                RouteQuery(view: .received, peer: "Mesh_10_0_0_2", family: .ipv4)
            ),
            (
                ["2001:db8::/32", "all", "--advertised", "--peer", "Mesh_10_0_0_2", "--family", "ipv6"],
                RouteQuery(prefix: "2001:db8::/32", view: .advertised, peer: "Mesh_10_0_0_2", all: true, family: .ipv6)
            ),
        ] as [([String], RouteQuery)])
    func query(_ words: [String], _ query: RouteQuery) throws {
        let recorder = Recorder()
        let server = try recorder.server()
        defer { server.stop() }
        let result = try Self.run(["show", "route"] + words + ["--socket", server.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(recorder.requests.withLock { $0 } == [.showRoute(query)])
    }

    @Test("The text is RouteReportText's: best paths, or every path with attributes for 'all'")
    func text() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let best = try Self.run(["show", "route", "--socket", server.path])
        #expect(best.status == 0, "\(best.stderr)")
        #expect(best.stdout == RouteReportText.render(RouteSamples.selected))
        #expect(best.stdout.hasPrefix("Table master4:\n10.0.1.0/26          unicast [Mesh_10_0_0_2 "))
        let all = try Self.run(["show", "route", "all", "--socket", server.path])
        #expect(all.stdout == RouteReportText.render(RouteSamples.allPaths, query: RouteQuery(all: true)))
        #expect(all.stdout.contains("\n\tBGP.as_path: 65001 65003\n"))
    }

    @Test("--json prints the response line unchanged")
    func json() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let result = try Self.run(["show", "route", "--json", "--socket", server.path])
        #expect(result.status == 0)
        #expect(result.stdout == ControlCodec.text(ofLine: ControlCodec.encode(.route(RouteSamples.selected))) + "\n")
    }

    @Test("An unknown peer is the daemon's error: exit 1, message on stderr")
    func unknownPeer() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let result = try Self.run(["show", "route", "--peer", "nope", "--received", "--socket", server.path])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "swiftletctl: no protocol named 'nope' (unknownProtocol)\n")
    }

    @Test(
        "Exit 64 on bad usage, with a reason, before connecting",
        arguments: [
            (["--received"], "--received needs --peer NAME"),
            (["--advertised"], "--advertised needs --peer NAME"),
            (["--peer", "p", "--received", "--advertised"], "give one of --received and --advertised"),
            (["all", "detail"], "give one of all or detail"),
            (["all", "all"], "give one of all or detail"),
            (["10.0.0.0/8", "10.1.0.0/16"], "expected one prefix or address"),
            (["10.0.1.5/26"], "is not a prefix (host bits must be zero"),
            (["10.0.0.0/33"], "is not a prefix"),
            (["everything"], "'everything' is not a prefix, an address, 'all' or 'detail'"),
            (["10.0.0.0/8", "--family", "ipv6"], "10.0.0.0/8 is not an ipv6 prefix"),
            (["2001:db8::1", "--family", "ipv4"], "2001:db8::1 is not an ipv4 prefix"),
            (["--family", "ipv5"], "ipv5"),
            (["--peer"], "--peer"),
        ] as [([String], String)])
    func usage(_ words: [String], _ reason: String) throws {
        let recorder = Recorder()
        let server = try recorder.server()
        defer { server.stop() }
        let result = try Self.run(["show", "route"] + words + ["--socket", server.path])
        #expect(result.status == 64, "\(words): \(result.stderr)")
        #expect(result.stderr.contains(reason), "\(result.stderr)")
        #expect(recorder.requests.withLock { $0 } == [])
    }
}
