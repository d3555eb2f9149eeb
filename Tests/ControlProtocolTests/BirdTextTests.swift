// SPDX-License-Identifier: Apache-2.0
// The BIRD-compatible socket's replies byte for byte (framing, greeting, `show status` with and without the
// graceful-restart block, `show protocols [all]`, `show route`, errors), the command parser (abbreviations,
// patterns, errors), and the two Calico parsers run over the rendered bytes: calicoctl `node status`
// (`scanBIRDPeers`) and calico/node's `GRInProgress`, ported line for line in `CalicoBirdParsers`.

import ControlProtocol
import Foundation
import Testing

@Suite("BIRD socket text")
struct BirdTextTests {
    /// 2026-01-01 12:00:00 UTC.
    static let now: Double = 1_767_268_800
    let utc = TimeZone(identifier: "UTC")!

    static func detail(
        _ name: String, _ address: String, state: ProtocolState, since: Double, info: String = "", passive: Bool = false,
        peerAS: UInt32 = 64512, remotePort: Int? = 179
    ) -> ProtocolDetail {
        ProtocolDetail(
            summary: ProtocolSummary(
                name: name, state: state, since: since, info: info, peerAddress: address, peerAS: peerAS, localAS: 64512,
                routesImported: state == .established ? 3 : nil, routesFiltered: state == .established ? 0 : nil,
                routesExported: state == .established ? 2 : nil, routesPreferred: state == .established ? 3 : nil),
            peerRouterID: state == .established ? address : nil, remotePort: remotePort,
            negotiatedHoldTime: state == .established ? 90 : nil, negotiatedKeepalive: state == .established ? 30 : nil,
            passive: passive, capabilitiesNegotiated: state == .established ? ["multiprotocol ipv4-unicast", "4-octet-as"] : [])
    }

    static let sessions: [BirdProtocol] = [
        BirdProtocol(detail("Mesh_10_0_0_2", "10.0.0.2", state: .established, since: now - 60 + 0.369)),
        BirdProtocol(detail("Node_10_0_0_3", "10.0.0.3", state: .active, since: now - 3600, info: "Active", passive: true, peerAS: 65001)),
        BirdProtocol(
            detail(
                "Global_10_0_0_4", "10.0.0.4", state: .active, since: now - 2,
                info: "Socket: connection reset (error set): Connection refused) (errno: 111)", peerAS: 65002)),
        BirdProtocol(detail("Global_10_0_0_5", "10.0.0.5", state: .connect, since: now - 30 * 3600, info: "Connect", peerAS: 65002)),
        BirdProtocol(detail("Node_10_0_0_6", "10.0.0.6", state: .openSent, since: now - 1, info: "OpenSent", peerAS: 65001)),
        BirdProtocol(
            detail(
                "Node_10_0_0_7", "10.0.0.7", state: .disabled, since: now - 5,
                info: "Received: Cease: Administrative Shutdown", peerAS: 65001)),
    ]

    @Test("Framing: NNNN- for the first line of a code, a space for its continuation, NNNN for the last; 0000 ends")
    func framing() {
        var reply = BirdReply()
        reply.line(1000, "a")
        reply.line(1011, "b")
        reply.line(1011, "c")
        reply.line(24, "d")
        #expect(reply.finish(13, "e") == "1000-a\n1011-b\n c\n0024-d\n0013 e\n")
        var empty = BirdReply()
        #expect(empty.end() == "0000 \n")
        #expect(BirdReply.single(8003, "No protocols match") == "8003 No protocols match\n")
    }

    @Test("Greeting: 0001 BIRD <version> ready.")
    func greeting() {
        #expect(BirdText.greeting(version: "2.0.12") == "0001 BIRD 2.0.12 ready.\n")
    }

    @Test("show status: BIRD 2.0.12's lines; 0013 at the end; the 0024 block while recovery is in progress")
    func status() throws {
        var status = BirdStatus(
            version: "2.0.12 (swiftletd 0.1.0)", routerID: "10.0.0.1", hostname: "node-1", serverTime: Self.now + 0.5,
            bootTime: Self.now - 6.1, reconfigurationTime: Self.now - 6.1)
        #expect(
            BirdText.status(status, timeZone: utc) == """
                1000-BIRD 2.0.12 (swiftletd 0.1.0)
                1011-Router ID is 10.0.0.1
                 Hostname is node-1
                 Current server time is 2026-01-01 12:00:00.500
                 Last reboot on 2026-01-01 11:59:53.900
                 Last reconfiguration on 2026-01-01 11:59:53.900
                0013 Daemon is up and running

                """)
        status.gracefulRestart = BirdStatus.GracefulRestart(waiting: 2, remaining: 113.9, wait: 120)
        let recovering = BirdText.status(status, timeZone: utc)
        #expect(
            recovering.hasSuffix("""
                 Last reconfiguration on 2026-01-01 11:59:53.900
                0024-Graceful restart recovery in progress
                   Waiting for 2 channels to recover
                   Wait timer is 113.900/120
                0013 Daemon is up and running

                """))
        #expect(try CalicoBirdParsers.grInProgress(recovering) == true)
        status.gracefulRestart = nil
        #expect(try CalicoBirdParsers.grInProgress(BirdText.greeting(version: "2.0.12") + BirdText.status(status)) == false)
    }

    @Test("show protocols: BIRD 2's %-10s columns, Info = BGP state in 14 columns + last error, trailing spaces kept")
    func protocols() {
        let text = BirdText.protocols(Self.sessions, all: false, now: Self.now, timeZone: utc)
        let expected = [
            "2002-name       proto      table      state  since         info",
            "1002-Mesh_10_0_0_2 BGP        ---        up     11:59:00.369  Established   ",
            " Node_10_0_0_3 BGP        ---        start  11:00:00.000  Passive       ",
            " Global_10_0_0_4 BGP        ---        start  11:59:58.000  Active        Socket: Connection refused",
            " Global_10_0_0_5 BGP        ---        start  2025-12-31    Connect       ",
            " Node_10_0_0_6 BGP        ---        start  11:59:59.000  OpenSent      ",
            " Node_10_0_0_7 BGP        ---        down   11:59:55.000  Received: Cease: Administrative Shutdown",
            "0000 ",
        ].map { $0 + "\n" }.joined()
        #expect(text == expected)
        // The BIRD 2 heading, for comparison with a BIRD 2 daemon byte for byte.
        #expect(
            BirdText.protocols([], all: false, heading: .bird2, now: Self.now, timeZone: utc)
                == "2002-Name       Proto      Table      State  Since         Info\n0000 \n")
    }

    @Test("show protocols all NAME: the row, 1006 details as bgp_show_proto_info prints them, an empty line, 0000")
    func protocolsAll() {
        let rows = [Self.sessions[0], Self.sessions[2]]
        let text = BirdText.protocols(rows, all: true, now: Self.now, timeZone: utc)
        #expect(
            text == """
                2002-name       proto      table      state  since         info
                1002-Mesh_10_0_0_2 BGP        ---        up     11:59:00.369  Established   
                1006-  BGP state:          Established
                     Neighbor address: 10.0.0.2
                     Neighbor AS:      64512
                     Local AS:         64512
                     Neighbor ID:      10.0.0.2
                     Session:          internal AS4
                     Hold time:        90
                     Keepalive time:   30
                   Channel ipv4
                     State:          UP
                     Table:          master4
                     Preference:     100
                     Routes:         3 imported, 2 exported, 3 preferred
                 
                1002-Global_10_0_0_4 BGP        ---        start  11:59:58.000  Active        Socket: Connection refused
                1006-  BGP state:          Active
                     Neighbor address: 10.0.0.4
                     Neighbor AS:      65002
                     Local AS:         64512
                     Last error:       Socket: Connection refused
                   Channel ipv4
                     State:          DOWN
                     Table:          master4
                     Preference:     100
                 
                0000 

                """)
    }

    @Test("calicoctl node status parses the table: peer address from the name, type, state, since, info")
    func calicoctlParse() throws {
        let text = BirdText.greeting(version: "2.0.12") + BirdText.protocols(Self.sessions, all: false, now: Self.now, timeZone: utc)
        let peers = try CalicoBirdParsers.scanBIRDPeers(text, ipv: "4")
        #expect(
            peers == [
                .init(peerIP: "10.0.0.2", peerType: "node-to-node mesh", state: "up", since: "11:59:00.369", bgpState: "Established", info: ""),
                .init(peerIP: "10.0.0.3", peerType: "node specific", state: "start", since: "11:00:00.000", bgpState: "Passive", info: ""),
                .init(
                    peerIP: "10.0.0.4", peerType: "global", state: "start", since: "11:59:58.000", bgpState: "Active",
                    info: "Socket: Connection refused"),
                .init(peerIP: "10.0.0.5", peerType: "global", state: "start", since: "2025-12-31", bgpState: "Connect", info: ""),
                .init(peerIP: "10.0.0.6", peerType: "node specific", state: "start", since: "11:59:59.000", bgpState: "OpenSent", info: ""),
                .init(
                    peerIP: "10.0.0.7", peerType: "node specific", state: "down", since: "11:59:55.000", bgpState: "Received:",
                    info: "Cease: Administrative Shutdown"),
            ])
        // BIRD 2's capitalised heading is what the strict (pre-BIRD 3) calicoctl rejects: the reason for `.calico`.
        let bird2 = BirdText.protocols(Self.sessions, all: false, heading: .bird2, now: Self.now, timeZone: utc)
        #expect(throws: CalicoBirdParsers.ParseError.unknownFormat) { try CalicoBirdParsers.scanBIRDPeers(bird2, ipv: "4") }
        #expect(try CalicoBirdParsers.scanBIRDPeers(bird2, ipv: "4", caseInsensitiveHeading: true).count == 6)
    }

    @Test("show route: BIRD 2's row, next hop line, attributes with all; 8001 for a prefix that is not there")
    func routes() {
        let report = RouteReport(routes: [
            RouteEntry(
                prefix: "10.65.1.0/26",
                paths: [
                    RoutePath(
                        best: true, from: "Mesh_10_0_0_2", sourceKind: .internal, nextHop: "10.0.0.2", asPath: "",
                        origin: "IGP", localPreference: 100, since: Self.now - 10),
                    RoutePath(
                        best: false, from: "Global_10_0_0_4", sourceKind: .external, nextHop: "10.0.0.9",
                        asPath: "65002 65010", origin: "incomplete", since: Self.now - 20),
                ]),
            RouteEntry(
                prefix: "10.65.7.0/26",
                paths: [RoutePath(best: true, from: "local", sourceKind: .local, nextHop: "", asPath: "", origin: "IGP")]),
        ])
        let rows = BirdRoute.rows(
            report, peerAddresses: ["Mesh_10_0_0_2": "10.0.0.2", "Global_10_0_0_4": "10.0.0.4"], localSince: Self.now - 100)
        #expect(
            BirdText.routes(rows, all: false, prefixAsked: false, now: Self.now, timeZone: utc) == """
                1007-Table master4:
                 10.65.1.0/26         unicast [Mesh_10_0_0_2 11:59:50.000] * (100/?) [i]
                 \tvia 10.0.0.2
                 10.65.1.0/26         unicast [Global_10_0_0_4 11:59:40.000 from 10.0.0.4] (100/?) [AS65010?]
                 \tvia 10.0.0.9
                 10.65.7.0/26         blackhole [static1 11:58:20.000] * (200)
                0000 

                """)
        #expect(
            BirdText.routes(Array(rows.prefix(1)), all: true, prefixAsked: true, now: Self.now, timeZone: utc) == """
                1007-Table master4:
                 10.65.1.0/26         unicast [Mesh_10_0_0_2 11:59:50.000] * (100/?) [i]
                 \tvia 10.0.0.2
                1008-\tType: BGP univ
                1012-\tBGP.origin: IGP
                 \tBGP.as_path: 
                 \tBGP.next_hop: 10.0.0.2
                 \tBGP.local_pref: 100
                0000 

                """)
        #expect(BirdText.routes([], all: false, prefixAsked: true, now: Self.now) == "8001 Network not found\n")
        #expect(BirdText.routes([], all: false, prefixAsked: false, now: Self.now) == "0000 \n")
    }

    @Test("Errors: 9001 syntax error with BIRD's wording, 8003 No protocols match")
    func errors() {
        #expect(BirdText.syntaxError("unexpected END") == "9001 syntax error, unexpected END\n")
        #expect(BirdText.noProtocolsMatch == "8003 No protocols match\n")
        #expect(BirdProtocol.errorText("Socket: connect failed: Connection refused) (errno: 111)") == "Socket: Connection refused")
        #expect(BirdProtocol.errorText("Socket: Connection reset by peer") == "Socket: Connection reset by peer")
        #expect(BirdProtocol.errorText("Received: Cease: Administrative Reset") == "Received: Cease: Administrative Reset")
    }

    @Test("Commands: whole words, birdc's abbreviations, quoted patterns, and errors that never leave a client waiting")
    func commands() {
        #expect(BirdCommand.parse("show status") == .showStatus)
        #expect(BirdCommand.parse("show protocols") == .showProtocols(all: false, selector: nil))
        #expect(BirdCommand.parse("  SHOW   Protocols  ") == .showProtocols(all: false, selector: nil))
        #expect(BirdCommand.parse("sh pro") == .showProtocols(all: false, selector: nil))
        #expect(BirdCommand.parse("show proto all Mesh_10_0_0_2") == .showProtocols(all: true, selector: .name("Mesh_10_0_0_2")))
        #expect(BirdCommand.parse("show protocols \"Mesh_*\"") == .showProtocols(all: false, selector: .pattern("Mesh_*")))
        #expect(BirdCommand.parse("show route") == .showRoute(BirdRouteQuery()))
        #expect(BirdCommand.parse("show route for 10.65.1.7 all") == .showRoute(BirdRouteQuery(all: true, prefix: "10.65.1.7", longestMatch: true)))
        #expect(BirdCommand.parse("show route 10.65.1.0/26 protocol Mesh_10_0_0_2") == .showRoute(BirdRouteQuery(prefix: "10.65.1.0/26", protocolName: "Mesh_10_0_0_2")))
        #expect(BirdCommand.parse("quit") == .quit)
        #expect(BirdCommand.parse("exit") == .quit)
        #expect(BirdCommand.parse("") == .syntaxError("unexpected END"))
        #expect(BirdCommand.parse("show") == .syntaxError("unexpected END"))
        #expect(BirdCommand.parse("foo") == .syntaxError("unexpected CF_SYM_UNDEFINED"))
        #expect(BirdCommand.parse("show foo") == .syntaxError("unexpected CF_SYM_UNDEFINED"))
        #expect(BirdCommand.parse("configure") == .syntaxError("command not supported by swiftletd: configure"))
        #expect(BirdCommand.parse("show interfaces") == .syntaxError("command not supported by swiftletd: show interfaces"))
        #expect(BirdCommand.parse("show protocols \"Mesh") == .syntaxError("Unterminated string"))
        #expect(BirdCommand.parse("show protocols x y") == .syntaxError("unexpected CF_SYM_UNDEFINED, expecting END"))
        #expect(BirdCommand.parse("show status now") == .syntaxError("unexpected CF_SYM_UNDEFINED, expecting END"))
    }

    @Test("Patterns: * and ? like BIRD's patmatch")
    func patterns() {
        #expect(BirdProtocolSelector.pattern("Mesh_*").matches("Mesh_10_0_0_2"))
        #expect(!BirdProtocolSelector.pattern("Mesh_*").matches("Node_10_0_0_2"))
        #expect(BirdProtocolSelector.pattern("*_0_0_?").matches("Node_10_0_0_2"))
        #expect(BirdProtocolSelector.pattern("*").matches(""))
        #expect(!BirdProtocolSelector.pattern("?").matches(""))
        #expect(BirdProtocolSelector.name("Mesh_1").matches("Mesh_1"))
        #expect(!BirdProtocolSelector.name("Mesh_1").matches("Mesh_10"))
    }
}

/// calicoctl `node status` (`calicoctl/commands/node/status.go` `scanBIRDPeers`, `unmarshalBIRD`) and calico/node's
/// readiness check (`GRInProgress`), ported line for line: same prefixes, same heading check, same field split.
enum CalicoBirdParsers {
    struct Peer: Equatable {
        var peerIP, peerType, state, since, bgpState, info: String
    }

    enum ParseError: Error, Equatable {
        case unknownFormat
        case unexpectedLine(String)
    }

    static var peerRegex: Regex<AnyRegexOutput> { try! Regex("^(Global|Node|Mesh)_(.+)$") }
    static let typeMap = ["Global": "global", "Mesh": "node-to-node mesh", "Node": "node specific"]
    static let expectedHeadings = ["name", "proto", "table", "state", "since", "info"]

    /// `bufio.Scanner` lines: split at "\n", a trailing "\r" dropped.
    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
    }

    /// Go's `strings.Fields`.
    static func fields(_ s: Substring) -> [String] {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
    }

    static func scanBIRDPeers(_ text: String, ipv: String, caseInsensitiveHeading: Bool = false) throws -> [Peer] {
        let separator = ipv == "6" ? ":" : "."
        var peers: [Peer] = []
        for str in lines(text) {
            if str.hasPrefix("0000") {
                break
            } else if str.hasPrefix("0001") {
            } else if str.hasPrefix("2002") {
                let rest = str.dropFirst(5)
                let f = fields(caseInsensitiveHeading ? Substring(rest.lowercased()) : rest)
                if f != expectedHeadings { throw ParseError.unknownFormat }
            } else if str.hasPrefix("1002") {
                if let peer = unmarshal(str.dropFirst(5), separator: separator) { peers.append(peer) }
            } else if str.hasPrefix(" ") {
                if let peer = unmarshal(str.dropFirst(1), separator: separator) { peers.append(peer) }
            } else {
                throw ParseError.unexpectedLine(str)
            }
        }
        return peers
    }

    static func unmarshal(_ line: Substring, separator: String) -> Peer? {
        let columns = fields(line)
        guard columns.count >= 6, columns[1] == "BGP" else { return nil }
        guard let match = columns[0].wholeMatch(of: peerRegex), let kind = match.output[1].substring,
            let address = match.output[2].substring, let type = typeMap[String(kind)]
        else { return nil }
        return Peer(
            peerIP: address.replacingOccurrences(of: "_", with: separator), peerType: type, state: columns[3],
            since: columns[4], bgpState: columns[5], info: columns.count > 6 ? columns[6...].joined(separator: " ") : "")
    }

    /// calico/node's `GRInProgress`: true at a `0024` line, false at `0013`, an error for anything unexpected.
    static func grInProgress(_ text: String) throws -> Bool {
        for str in lines(text) {
            if str.hasPrefix("0013") {
                break
            } else if str.hasPrefix("0001") || str.hasPrefix("1000") || str.hasPrefix("1011") || str.hasPrefix(" ") {
            } else if str.hasPrefix("0024") {
                return true
            } else {
                throw ParseError.unexpectedLine(str)
            }
        }
        return false
    }
}
