// SPDX-License-Identifier: Apache-2.0
// `kind: BGPFilter` from YAML into BGPPolicy values, Calico's validation rules as file:line:column errors, and
// BGPPeer `filters` resolved into PeerSpec in order.

import BGPPolicy
import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("BGPFilter config")
struct BGPFilterConfigTests {
    /// A BGPFilter named `f` whose spec lines start at line 6, column 3.
    static func filter(_ spec: String, name: String = "f") -> String {
        "apiVersion: projectcalico.org/v3\nkind: BGPFilter\nmetadata:\n  name: \(name)\nspec:\n"
            + spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    @Test("Every Calico field decodes into the BGPPolicy value")
    func fullFilter() throws {
        let yaml = Self.filter(
            """
            importV4:
            - cidr: 10.244.0.0/16
              matchOperator: In
              prefixLength: {min: 24, max: 28}
              peerType: iBGP
              communities: {values: ["65000:100"]}
              asPathPrefix: [65000, "1.10"]
              priority: 512
              interface: eth*
              action: Accept
              operations:
              - setPriority: {value: 256}
              - addCommunity: {value: "65000:200"}
              - addCommunity: {value: "65000:1:2"}
              - prependASPath: {prefix: [65001, 65002]}
            - action: Reject
            exportV4:
            - {cidr: 192.168.0.0/16, matchOperator: NotIn, source: RemotePeers, action: Reject}
            exportV6:
            - {cidr: "fd00::/8", matchOperator: Equal, action: Accept}
            importV6: []
            """)
        let resources = ConfigFixtures.resources(yaml)
        guard case .bgpFilter(let resource) = try #require(resources.first) else {
            Issue.record("expected a BGPFilter, got \(resources)")
            return
        }
        let expected = BGPFilter(
            name: "f",
            exportV4: [
                FilterRule(
                    cidr: CIDRMatch(prefix: IPPrefix("192.168.0.0/16")!, matchOperator: .notIn), source: .remotePeers,
                    action: .reject)
            ],
            importV4: [
                FilterRule(
                    cidr: CIDRMatch(prefix: IPPrefix("10.244.0.0/16")!, matchOperator: .in, minimumLength: 24, maximumLength: 28),
                    interfacePattern: "eth*", peerType: .iBGP, communities: [.standard(Community(65000, 100))],
                    asPathPrefix: [65000, 65546], priority: 512, action: .accept,
                    operations: [
                        .setPriority(256), .addCommunity(.standard(Community(65000, 200))),
                        .addCommunity(.large(LargeCommunity(65000, 1, 2))), .prependASPath([65001, 65002]),
                    ]),
                FilterRule(action: .reject),
            ],
            exportV6: [FilterRule(cidr: CIDRMatch(prefix: IPPrefix("fd00::/8")!, matchOperator: .equal), action: .accept)])
        #expect(resource.filter == expected)
        #expect(resource.metadata.name == "f")
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var spec: String
        var expected: [String]
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(
            rule: "Unknown rule field", spec: "importV4:\n- action: Accept\n  cidrs: 10.0.0.0/8",
            expected: [#"t.yaml:8:5: BGPFilter(f).spec.importV4[0].cidrs: unknown field "cidrs" (did you mean "cidr"?)"#]),
        Case(
            rule: "Unknown spec field", spec: "importv4: []",
            expected: [#"t.yaml:6:3: BGPFilter(f).spec.importv4: unknown field "importv4" (did you mean "importV4"?)"#]),
        Case(
            rule: "CIDR with host bits", spec: "importV4:\n- {cidr: 10.0.0.1/8, matchOperator: In, action: Accept}",
            expected: [#"t.yaml:7:12: BGPFilter(f).spec.importV4[0].cidr: expected an IPv4 CIDR such as "10.0.0.0/8" with no host bits set, got "10.0.0.1/8""#]),
        Case(
            rule: "IPv6 CIDR in a V4 list", spec: "exportV4:\n- {cidr: 'fd00::/8', matchOperator: In, action: Accept}",
            expected: [#"t.yaml:7:12: BGPFilter(f).spec.exportV4[0].cidr: expected an IPv4 CIDR such as "10.0.0.0/8" with no host bits set, got "fd00::/8""#]),
        Case(
            rule: "Bad match operator", spec: "importV4:\n- {cidr: 10.0.0.0/8, matchOperator: Within, action: Accept}",
            expected: [#"t.yaml:7:39: BGPFilter(f).spec.importV4[0].matchOperator: expected one of "Equal", "NotEqual", "In", "NotIn", got "Within""#]),
        Case(
            rule: "cidr without matchOperator (CRD: both or neither)", spec: "importV4:\n- {cidr: 10.0.0.0/8, action: Accept}",
            expected: [#"t.yaml:7:5: BGPFilter(f).spec.importV4[0].matchOperator: required field "matchOperator" is missing (required with cidr: Equal, NotEqual, In or NotIn)"#]),
        Case(
            rule: "prefixLength min > max",
            spec: "importV4:\n- cidr: 10.0.0.0/8\n  matchOperator: In\n  prefixLength: {min: 24, max: 16}\n  action: Accept",
            expected: [#"t.yaml:9:5: BGPFilter(f).spec.importV4[0].prefixLength: min 24 is greater than max 16"#]),
        Case(
            rule: "prefixLength beyond the family",
            spec: "importV4:\n- cidr: 10.0.0.0/8\n  matchOperator: In\n  prefixLength: {max: 33}\n  action: Accept",
            expected: [#"t.yaml:9:25: BGPFilter(f).spec.importV4[0].prefixLength.max: expected a prefix length 0-32, got "33""#]),
        Case(
            rule: "Bad community text", spec: "importV4:\n- action: Accept\n  communities: {values: ['65536:1']}",
            expected: [#"t.yaml:8:28: BGPFilter(f).spec.importV4[0].communities.values[0]: expected a community "aa:nn" (0-65535 each) or a large community "aa:nn:mm" (0-4294967295 each), got "65536:1""#]),
        Case(
            rule: "Bad community in addCommunity",
            spec: "exportV4:\n- action: Accept\n  operations:\n  - addCommunity: {value: 'x:1'}",
            expected: [#"t.yaml:9:29: BGPFilter(f).spec.exportV4[0].operations[0].addCommunity.value: expected a community "aa:nn" (0-65535 each) or a large community "aa:nn:mm" (0-4294967295 each), got "x:1""#]),
        Case(
            rule: "Operations only with Accept (CRD)",
            spec: "exportV4:\n- action: Reject\n  operations:\n  - setPriority: {value: 10}",
            expected: [#"t.yaml:8:5: BGPFilter(f).spec.exportV4[0].operations: may only be used with action Accept"#]),
        Case(
            rule: "Source is not applicable to import rules (CRD)", spec: "importV6:\n- {source: RemotePeers, action: Reject}",
            expected: [#"t.yaml:7:14: BGPFilter(f).spec.importV6[0].source: is not applicable to import rules (imported routes all come from BGP peers)"#]),
        Case(
            rule: "Missing action", spec: "exportV4:\n- {peerType: eBGP}",
            expected: [#"t.yaml:7:5: BGPFilter(f).spec.exportV4[0].action: required field "action" is missing (Accept or Reject)"#]),
        Case(
            rule: "Interface pattern characters (Calico bgpFilterInterfaceRegex)", spec: "exportV4:\n- {interface: 'eth/0', action: Reject}",
            expected: [#"t.yaml:7:17: BGPFilter(f).spec.exportV4[0].interface: expected an interface name or pattern of 1-15 characters from [a-zA-Z0-9_.*-], got "eth/0""#]),
    ]

    @Test("Calico validation errors carry file:line:column and the field path", arguments: cases)
    func errors(_ c: Case) {
        #expect(ConfigFixtures.errors(Self.filter(c.spec)) == c.expected)
    }

    @Test("BGPPeer filters resolve into PeerSpec in the order listed")
    func peerFilters() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.node("a", "10.0.0.1/24"),
            Self.filter("exportV4:\n- action: Reject", name: "second"),
            Self.filter("importV4:\n- action: Accept", name: "first"),
            PeerPlannerTests.peer("tor", "peerIP: 10.0.0.254\nasNumber: 65000\nfilters: [first, second]"))
        let config = try PeerPlannerTests().plan(yaml, node: "a")
        let peer = try #require(config.peers.first { $0.name == "Global_10_0_0_254" })
        #expect(peer.filters.map(\.name) == ["first", "second"])
        #expect(peer.filters.first?.importV4 == [FilterRule(action: .accept)])
        #expect(!config.notes.contains { $0.contains("filters") })
        #expect(config.peers.filter { $0.name.hasPrefix("Mesh") }.allSatisfy { $0.filters.isEmpty })
    }

    @Test("A filter name that does not exist is an error at BGPPeer.spec.filters[i]")
    func missingFilter() {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.node("a", "10.0.0.1/24"),
            Self.filter("importV4:\n- action: Accept", name: "first"),
            PeerPlannerTests.peer("tor", "peerIP: 10.0.0.254\nasNumber: 65000\nfilters: [first, frist]"))
        guard case .failure(let errors) = ConfigFixtures.plan(yaml, node: "a") else {
            Issue.record("expected an error")
            return
        }
        #expect(errors.map(\.description) == [
            #"t.yaml:24:20: BGPPeer(tor).spec.filters[1]: no BGPFilter is named "frist" (known: first)"#
        ])
    }
}
