// SPDX-License-Identifier: Apache-2.0
// `show route` text, byte for byte: BIRD 2's line per path (`%-20s` prefix, "unicast", `[protocol since]`, `*` on the
// best path, `(100)`, `[AS…origin]`) and tab-indented `via` line; `all` with BIRD's attribute names; `detail` with
// the decision step and policy reasons; ADD-PATH and ECMP; IPv6 with a link-local next hop; the peer views' headings;
// empty and truncated reports; and escaping of peer-supplied text.

import ControlProtocol
import Foundation
import Testing

@Suite("show route text")
struct RouteReportTextTests {
    func render(_ report: RouteReport, _ query: RouteQuery = RouteQuery()) -> String {
        RouteReportText.render(report, query: query, now: ControlSamples.now, timeZone: ControlSamples.utc)
    }

    @Test("Best paths: one line and a via line each; a local block has no via; ADD-PATH puts the path ID on via")
    func selected() {
        let expected = """
            Table master4:
            10.0.1.0/26          unicast [Mesh_10_0_0_2 23:00:01.123] * (100) [i]
            \tvia 10.0.0.2
            10.0.2.0/26          unicast [local 22:00:00.000] * (100) [i]
            192.0.2.128/25       unicast [Node_192_0_2_1 23:59:00.000] * (100) [AS65002?]
            \tvia 192.0.2.1 path-id 1

            """
        #expect(render(RouteSamples.selected) == expected)
    }

    @Test("all: every path, further paths with a blank prefix, = on an ECMP path, BIRD's attribute lines")
    func all() {
        let expected = """
            Table master4:
            10.0.1.0/26          unicast [Mesh_10_0_0_2 23:00:01.123] * (100) [i]
            \tvia 10.0.0.2
            \tType: BGP univ (internal)
            \tBGP.origin: IGP
            \tBGP.as_path:
            \tBGP.next_hop: 10.0.0.2
            \tBGP.local_pref: 100
                                 unicast [Mesh_10_0_0_3 2025-12-30] (100) [i]
            \tvia 10.0.0.3
            \tType: BGP univ (internal)
            \tBGP.origin: IGP
            \tBGP.as_path:
            \tBGP.next_hop: 10.0.0.3
            \tBGP.local_pref: 100
            192.0.2.128/25       unicast [Node_192_0_2_1 23:59:00.000] * (100) [AS65002?]
            \tvia 192.0.2.1 path-id 1
            \tType: BGP univ (external)
            \tBGP.origin: Incomplete
            \tBGP.as_path: 65001 65002
            \tBGP.next_hop: 192.0.2.1
            \tBGP.med: 10
                                 unicast [Node_192_0_2_1 23:59:00.500] = (100) [AS65003?]
            \tvia 192.0.2.11 path-id 2
            \tType: BGP univ (external)
            \tBGP.origin: Incomplete
            \tBGP.as_path: 65001 65003
            \tBGP.next_hop: 192.0.2.11
            \tBGP.med: 10

            """
        #expect(render(RouteSamples.allPaths, RouteQuery(all: true)) == expected)
    }

    @Test("detail: every attribute in BIRD's order and notation, then decided by, rejected by, policy; s when stale")
    func detail() {
        let expected = """
            Table master4:
            10.0.1.0/26          unicast [Mesh_10_0_0_2 23:00:01.123] * (100) [i]
            \tvia 10.0.0.2
            \tType: BGP univ (internal)
            \tBGP.origin: IGP
            \tBGP.as_path:
            \tBGP.next_hop: 10.0.0.2
            \tBGP.local_pref: 100
            \tdecided by: router ID
                                 unicast [Mesh_10_0_0_4 23:58:00.000] (100s) [AS65001i] rejected
            \tvia 10.0.0.4
            \tType: BGP univ (internal)
            \tBGP.origin: IGP
            \tBGP.as_path: 65001
            \tBGP.next_hop: 10.0.0.4
            \tBGP.med: 0
            \tBGP.local_pref: 200
            \tBGP.atomic_aggr:
            \tBGP.aggregator: 192.0.2.1 AS65001
            \tBGP.community: (65000,100) (65535,65281)
            \tBGP.originator_id: 10.0.0.9
            \tBGP.cluster_list: 10.0.0.1 10.0.0.5
            \tBGP.ext_community: (rt, 65000, 1) (soo, 192.0.2.1, 7) 0x030c000000000008
            \tBGP.large_community: (64512, 1, 2)
            \tBGP.unknown: type 99 flags 0xc0 partial 4 bytes
            \tdecided by: AS path length
            \trejected by: AS path loop
            \tpolicy: checked by filter calico-in
            \tstale: graceful restart (RFC 4724): kept until End-of-RIB or the restart time

            """
        #expect(render(RouteSamples.detailed, RouteQuery(prefix: "10.0.1.0/26", detail: true)) == expected)
        // all leaves out only the four explanation lines.
        let all = render(RouteSamples.detailed, RouteQuery(all: true))
        #expect(all == expected.split(separator: "\n", omittingEmptySubsequences: false)
            .filter {
                !$0.hasPrefix("\tdecided by") && !$0.hasPrefix("\trejected by") && !$0.hasPrefix("\tpolicy")
                    && !$0.hasPrefix("\tstale")
            }
            .joined(separator: "\n"))
    }

    @Test("detail: long-lived stale paths and received LLGR_STALE say so (RFC 9494 §4.2, §4.3)")
    func longLivedStale() {
        var path = RoutePath(best: true, from: "Mesh_10_0_0_2", sourceKind: .internal, nextHop: "10.0.0.2", communities: ["65535:6"])
        #expect(RouteReportText.staleness(path) == "LLGR_STALE received (RFC 9494 §4.3): least preferred")
        path.stale = true
        #expect(RouteReportText.staleness(path) == "LLGR stale (RFC 9494): least preferred, kept until End-of-RIB or the long-lived stale time")
        path.communities = ["65000:100"]
        #expect(RouteReportText.staleness(path) == "graceful restart (RFC 4724): kept until End-of-RIB or the restart time")
        path.stale = false
        #expect(RouteReportText.staleness(path) == nil)
    }

    @Test("IPv4 before IPv6, each under its table; the peer views say whose table and which side of policy")
    func peerViewsAndIPv6() {
        let received = """
            Table master4, received from Node_2001_db8__3 (Adj-RIB-In, before import policy):
            10.0.2.0/26          unicast [local 22:00:00.000] * (100) [i]
            \tType: local univ
            \tBGP.origin: IGP
            \tBGP.as_path:

            Table master6, received from Node_2001_db8__3 (Adj-RIB-In, before import policy):
            2001:db8:1::/64      unicast [Node_2001_db8__3 23:59:30.000] * (100) [e]
            \tvia 2001:db8::3
            \tType: BGP univ (external)
            \tBGP.origin: EGP
            \tBGP.as_path: 4200000000 {65010 65011}
            \tBGP.next_hop: 2001:db8::3 fe80::3

            """
        let receivedQuery = RouteQuery(view: .received, peer: "Node_2001_db8__3", all: true)
        #expect(render(RouteSamples.mixed, receivedQuery) == received)
        let advertised = """
            Table master4, advertised to Node_2001_db8__3 (Adj-RIB-Out):
            10.0.2.0/26          unicast [local 22:00:00.000] * (100) [i]

            Table master6, advertised to Node_2001_db8__3 (Adj-RIB-Out):
            2001:db8:1::/64      unicast [Node_2001_db8__3 23:59:30.000] * (100) [e]
            \tvia 2001:db8::3

            """
        #expect(render(RouteSamples.mixed, RouteQuery(view: .advertised, peer: "Node_2001_db8__3")) == advertised)
        let ipv6Only = RouteReport(routes: [RouteSamples.mixed.routes[0]])
        #expect(render(ipv6Only) == """
            Table master6:
            2001:db8:1::/64      unicast [Node_2001_db8__3 23:59:30.000] * (100) [e]
            \tvia 2001:db8::3

            """)
        #expect(render(RouteSamples.mixed, RouteQuery(peer: "Node_2001_db8__3")).hasPrefix("Table master4:\n"))
    }

    @Test("Nothing matched: birdc's 'Network not found' for a prefix, nothing at all for a whole table")
    func empty() {
        #expect(render(RouteReport(routes: []), RouteQuery(prefix: "10.9.9.9")) == "Network not found\n")
        #expect(render(RouteReport(routes: [])) == "")
        #expect(render(RouteReport(routes: []), RouteQuery(view: .received, peer: "p", all: true)) == "")
        #expect(render(RouteReport(routes: [RouteEntry(prefix: "10.0.0.0/8", paths: [])])) == "")
    }

    @Test("A truncated report says how many networks matched")
    func truncated() {
        let report = RouteReport(
            routes: [RouteEntry(prefix: "10.0.2.0/26", paths: [RouteSamples.local])], totalPrefixes: 5, truncated: true)
        let expected = """
            Table master4:
            10.0.2.0/26          unicast [local 22:00:00.000] * (100) [i]

            Output limited to 1 of 5 networks

            """
        #expect(render(report, RouteQuery(limit: 1)) == expected)
        #expect(render(RouteReport(routes: [], totalPrefixes: 5, truncated: true), RouteQuery(prefix: "10.0.0.0/8"))
            == "Output limited to 0 of 5 networks\n")
    }

    @Test(
        "Route info: the origin AS only when the path ends in a plain AS, then i, e or ?",
        arguments: [
            ("", "IGP", "[i]"), ("65001", "igp", "[AS65001i]"), ("65001 65002", "EGP", "[AS65002e]"),
            ("65001 {65002 65003}", "incomplete", "[?]"), ("(65010 65011)", "IGP", "[i]"),
            ("65001 4294967295", "IGP", "[AS4294967295i]"), ("65001", "", "[AS65001]"),
            ("65001", "weird", "[AS65001?]"),
        ])
    func routeInfo(_ asPath: String, _ origin: String, _ info: String) {
        let path = RoutePath(best: true, from: "p", sourceKind: .external, nextHop: "", asPath: asPath, origin: origin)
        let line = render(RouteReport(routes: [RouteEntry(prefix: "10.0.0.0/8", paths: [path])]))
            .split(separator: "\n")[1]
        #expect(line == "10.0.0.0/8           unicast [p -] * (100) \(info)")
    }

    @Test("Communities and aggregator in BIRD's notation; anything else is printed as it is")
    func communityNotation() {
        let path = RoutePath(
            from: "p", sourceKind: .internal, nextHop: "", communities: ["65000:100", "no-export", "1:", "١:٢"],
            largeCommunities: ["1:2:3", "1:2"],
            extendedCommunities: ["rt:65000:1", "rt:65000:x", "rt", "soo:1.2.3.4:0", "RT:1:2", "rt:1:2:3"],
            aggregator: "AS1 192.0.2.1")
        let text = render(RouteReport(routes: [RouteEntry(prefix: "10.0.0.0/8", paths: [path])]), RouteQuery(all: true))
        #expect(text.contains("\tBGP.community: (65000,100) no-export 1: ١:٢\n"))
        #expect(text.contains("\tBGP.large_community: (1, 2, 3) (1, 2)\n"))
        #expect(text.contains("\tBGP.ext_community: (rt, 65000, 1) rt:65000:x rt (soo, 1.2.3.4, 0) RT:1:2 rt:1:2:3\n"))
        #expect(text.contains("\tBGP.aggregator: AS1 192.0.2.1\n"))
        #expect(text.contains("\tType: BGP univ (internal)\n"))
    }

    @Test("Source kinds this build does not know print as they are")
    func unknownKind() {
        let path = RoutePath(from: "p", sourceKind: RoutePath.SourceKind(rawValue: "confed"), nextHop: "192.0.2.1")
        let text = render(RouteReport(routes: [RouteEntry(prefix: "10.0.0.0/8", paths: [path])]), RouteQuery(all: true))
        #expect(text.contains("\tType: confed\n"))
    }

    @Test("Peer-supplied text cannot drive the terminal, and a path stays on its lines")
    func terminalEscapes() {
        let path = RoutePath(
            best: true, from: "p\u{1B}[2J", sourceKind: .external, nextHop: "192.0.2.1\n", asPath: "1\t2",
            origin: "IGP", communities: ["\u{7}"], unknownAttributes: ["x\ny"], policy: "evil\r\u{9B}")
        let report = RouteReport(routes: [RouteEntry(prefix: "10.0.0.0/8\u{1B}", paths: [path])])
        let text = render(report, RouteQuery(detail: true))
        let control = text.unicodeScalars.filter { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
        #expect(control.allSatisfy { $0 == "\n" || $0 == "\t" })
        #expect(text.contains(#"[p\x1b[2J -]"#))
        #expect(text.contains("\tBGP.as_path: 1\\x092\n"))
        #expect(text.contains("\tpolicy: evil\\x0d\\x9b\n"))
        #expect(text.split(separator: "\n").count == 10)
    }
}
