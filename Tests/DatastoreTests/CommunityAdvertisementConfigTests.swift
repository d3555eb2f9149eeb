// SPDX-License-Identifier: Apache-2.0
// BGPConfiguration `communities` and `prefixAdvertisements` (projectcalico/api `bgpconfig.go`): names resolve within
// the same resource (libcalico-go `validateBGPConfigurationSpec`), an undefined name is an error at the list item,
// communities without prefixAdvertisements are refused (the CRD's rule), and `node.<name>` replaces `default`'s
// advertisements (confd reads the node key first).

import BGPPolicy
import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("Community advertisement config")
struct CommunityAdvertisementConfigTests {
    static let defaultConfig = PeerPlannerTests.config(
        """
        communities:
        - name: pods
          value: "65001:100"
        - name: big
          value: "65001:7:42"
        prefixAdvertisements:
        - cidr: 10.244.0.0/16
          communities: [pods, "65001:200", pods]
        - cidr: 203.0.113.7
          communities: [big]
        """)

    @Test("Names and literal values resolve into CommunityAdvertisement, without repeats; a bare address is a /32")
    func resolves() throws {
        let yaml = PeerPlannerTests.yaml(Self.defaultConfig, PeerPlannerTests.node("n1", "10.0.0.1/24"))
        let config = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(config.communityAdvertisements == [
            CommunityAdvertisement(
                cidr: IPPrefix("10.244.0.0/16")!, communities: [.standard(Community(65001, 100)), .standard(Community(65001, 200))]),
            CommunityAdvertisement(cidr: IPPrefix("203.0.113.7/32")!, communities: [.large(LargeCommunity(65001, 7, 42))]),
        ])
        #expect(CommunityAdvertisement.communities(for: IPPrefix("10.244.3.0/26")!, in: config.communityAdvertisements)
            .map(\.description) == ["65001:100", "65001:200"])
        #expect(!config.notes.contains { $0.contains("communities") || $0.contains("prefixAdvertisements") })
    }

    @Test("node.<name> prefixAdvertisements replace default's; a node config without them leaves default's in force")
    func nodeOverride() throws {
        let nodeConfig = PeerPlannerTests.config(
            "prefixAdvertisements:\n- cidr: 10.244.0.0/26\n  communities: ['65002:1']", name: "node.n1")
        let yaml = PeerPlannerTests.yaml(
            Self.defaultConfig, nodeConfig, PeerPlannerTests.config("listenPort: 1790", name: "node.n2"),
            PeerPlannerTests.node("n1", "10.0.0.1/24"), PeerPlannerTests.node("n2", "10.0.0.2/24"))
        let n1 = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(n1.communityAdvertisements.map(\.cidr.description) == ["10.244.0.0/26"])
        let n2 = try PeerPlannerTests().plan(yaml, node: "n2")
        #expect(n2.communityAdvertisements.map(\.cidr.description) == ["10.244.0.0/16", "203.0.113.7/32"])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var spec: String
        var expected: String
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(
            rule: "An undefined community name is an error at the list item",
            spec: "communities:\n- {name: pods, value: '65001:100'}\nprefixAdvertisements:\n- cidr: 10.0.0.0/8\n  communities: [pod]",
            expected: #"t.yaml:10:19: BGPConfiguration(default).spec.prefixAdvertisements[0].communities[0]: no community named "pod" (defined: pods); use a name from spec.communities or a value "aa:nn" / "aa:nn:mm""#),
        Case(
            rule: "Without spec.communities every name is undefined",
            spec: "prefixAdvertisements:\n- cidr: 10.0.0.0/8\n  communities: [pods]",
            expected: #"t.yaml:8:19: BGPConfiguration(default).spec.prefixAdvertisements[0].communities[0]: no community named "pods" (spec.communities defines none); use a name from spec.communities or a value "aa:nn" / "aa:nn:mm""#),
        Case(
            rule: "A literal value must be in range (standard communities are 16:16 bits)",
            spec: "prefixAdvertisements:\n- cidr: 10.0.0.0/8\n  communities: ['65536:1']",
            expected: #"t.yaml:8:19: BGPConfiguration(default).spec.prefixAdvertisements[0].communities[0]: expected a community "aa:nn" (0-65535 each) or a large community "aa:nn:mm" (0-4294967295 each), got "65536:1""#),
        Case(
            rule: "A community value must be aa:nn or aa:nn:mm",
            spec: "communities:\n- {name: x, value: '1:2:3:4'}\nprefixAdvertisements:\n- cidr: 10.0.0.0/8\n  communities: [x]",
            expected: #"t.yaml:7:22: BGPConfiguration(default).spec.communities[0].value: expected a community "aa:nn" (0-65535 each) or a large community "aa:nn:mm" (0-4294967295 each), got "1:2:3:4""#),
        Case(
            rule: "Community names are unique",
            spec: "communities:\n- {name: x, value: '1:2'}\n- {name: x, value: '1:3'}\nprefixAdvertisements:\n- cidr: 10.0.0.0/8\n  communities: [x]",
            expected: #"t.yaml:8:12: BGPConfiguration(default).spec.communities[1].name: duplicate community name "x""#),
        Case(
            rule: "Communities without prefixAdvertisements are refused (CRD)",
            spec: "communities:\n- {name: x, value: '1:2'}",
            expected: #"t.yaml:6:3: BGPConfiguration(default).spec.communities: defined but not used: Calico requires spec.prefixAdvertisements alongside spec.communities"#),
        Case(
            rule: "A prefix advertisement needs a cidr",
            spec: "prefixAdvertisements:\n- communities: ['1:2']",
            expected: #"t.yaml:7:5: BGPConfiguration(default).spec.prefixAdvertisements[0].cidr: required field "cidr" is missing"#),
    ]

    @Test("Each mistake yields its exact file:line:column and field", arguments: cases)
    func mistake(_ testCase: Case) {
        let errors = ConfigFixtures.errors(PeerPlannerTests.config(testCase.spec))
        #expect(errors == [testCase.expected])
    }
}
