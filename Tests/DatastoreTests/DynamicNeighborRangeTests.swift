// SPDX-License-Identifier: Apache-2.0
// Dynamic neighbors (a Swiftlet extension): BGPPeer `peerIPRange` with `asNumber` or `asNumberRange` gives the nodes
// the resource applies to a `DynamicNeighborRange` whose template is built like an explicit peer, made passive.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("DynamicNeighborRange")
struct DynamicNeighborRangeTests {
    static let rr = PeerPlannerTests.node("rr", "10.0.0.100/24", v6: "fd00::100/64", clusterID: "244.0.0.1")

    @Test("A reflector accepting its node subnet: Dynamic_10_0_0_0_24, passive, iBGP rr client, timers and password")
    func reflectorRange() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.config("nodeToNodeMeshEnabled: false\nholdTime: 60s"), Self.rr,
            PeerPlannerTests.peer(
                "accept", "node: rr\npeerIPRange: 10.0.0.0/24\nasNumber: 64512\nkeepaliveTime: 10s\nttlSecurity: 1\n"
                    + "password:\n  secretKeyRef: {name: bgp, key: rr}"))
        let config = try PeerPlannerTests().plan(yaml, node: "rr", secrets: [SecretReference(name: "bgp", key: "rr"): "s3cret"])
        #expect(config.peers.isEmpty)
        let range = try #require(config.dynamicNeighbor(named: "Dynamic_10_0_0_0_24"))
        #expect(range.range == IPPrefix("10.0.0.0/24") && range.asNumbers == 64512...64512)
        let template = range.template
        #expect(template.name == "Dynamic_10_0_0_0_24" && template.address == ConfigFixtures.ip("10.0.0.0"))
        #expect(template.passive && template.routeReflectorClient && template.isInternal)
        #expect(template.holdTime == 60 && template.keepaliveTime == 10 && template.ttlSecurityHops == 1)
        #expect(template.password == "s3cret")
        #expect(template.sourceAddress == ConfigFixtures.ip("10.0.0.100"))
        // No Calico node on the other side, so the node's other family rides along (as for any non-Calico peer).
        #expect(template.families == [.ipv4Unicast, .ipv6Unicast])
        #expect(range.accepts(address: ConfigFixtures.ip("10.0.0.77"), asNumber: 64512))
        #expect(!range.accepts(address: ConfigFixtures.ip("10.0.1.77"), asNumber: 64512))
        #expect(!range.accepts(address: ConfigFixtures.ip("10.0.0.77"), asNumber: 64513))
    }

    @Test("asNumberRange: eBGP from any AS in the range; no rr client; IPv6 names use '_'")
    func asNumberRange() throws {
        let yaml = PeerPlannerTests.yaml(
            Self.rr,
            PeerPlannerTests.peer("edge", "peerIPRange: fd00:e::/64\nasNumberRange: 65100-65199\nfilters: [f]"),
            BGPFilterConfigTests.filter("exportV6:\n- action: Reject", name: "f"))
        let config = try PeerPlannerTests().plan(yaml, node: "rr")
        #expect(config.dynamicNeighbors.map(\.name) == ["Dynamic_fd00_e___64"])
        let range = try #require(config.dynamicNeighbors.first)
        #expect(range.asNumbers == 65100...65199)
        #expect(range.template.remoteAS == 65100 && !range.template.isInternal && !range.template.routeReflectorClient)
        #expect(range.template.filters.map(\.name) == ["f"])
        #expect(range.accepts(address: ConfigFixtures.ip("fd00:e::9"), asNumber: 65150))
    }

    @Test("node / nodeSelector pick the nodes that accept; a range implies no reverse peering")
    func appliesToSelectedNodes() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.config("nodeToNodeMeshEnabled: false"), Self.rr,
            PeerPlannerTests.node("n1", "10.0.0.1/24"),
            PeerPlannerTests.peer("accept", "nodeSelector: has(routeReflector) || all()\npeerIPRange: 10.0.0.0/24\nasNumber: 64512"),
            PeerPlannerTests.peer("accept-rr", "node: rr\npeerIPRange: 10.1.0.0/16\nasNumber: 64512"))
        #expect(try PeerPlannerTests().plan(yaml, node: "rr").dynamicNeighbors.map(\.name) == ["Dynamic_10_1_0_0_16"])
        let n1 = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(n1.dynamicNeighbors.isEmpty && n1.peers.isEmpty)
    }

    @Test("Two resources giving one node the same range differently is a planning error")
    func conflict() {
        let yaml = PeerPlannerTests.yaml(
            Self.rr,
            PeerPlannerTests.peer("a", "peerIPRange: 10.0.0.0/24\nasNumber: 64512"),
            PeerPlannerTests.peer("b", "node: rr\npeerIPRange: 10.0.0.0/24\nasNumber: 64513"))
        guard case .failure(let errors) = ConfigFixtures.plan(yaml, node: "rr") else {
            Issue.record("expected an error")
            return
        }
        #expect(errors.map(\.description) == [
            "t.yaml:25:16: BGPPeer(b).spec.peerIPRange: range Dynamic_10_0_0_0_24 conflicts with the one from BGPPeer(a)"
        ])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var spec: String
        var expected: String
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(
            rule: "peerIPRange and peerIP exclude each other",
            spec: "peerIP: 10.0.0.1\npeerIPRange: 10.0.0.0/24\nasNumber: 64512",
            expected: #"t.yaml:7:16: BGPPeer(p).spec.peerIPRange: cannot be combined with spec.peerIP; use one of them"#),
        Case(
            rule: "peerIPRange and peerSelector exclude each other",
            spec: "peerSelector: all()\npeerIPRange: 10.0.0.0/24",
            expected: #"t.yaml:7:16: BGPPeer(p).spec.peerIPRange: cannot be combined with spec.peerSelector"#),
        Case(
            rule: "peerIPRange is a masked CIDR",
            spec: "peerIPRange: 10.0.0.1/24\nasNumber: 64512",
            expected: #"t.yaml:6:16: BGPPeer(p).spec.peerIPRange: expected a CIDR such as "10.0.0.0/16" or "fd00::/64" with no host bits set (10.0.0.0/24), got "10.0.0.1/24""#),
        Case(
            rule: "peerIPRange needs asNumber or asNumberRange",
            spec: "peerIPRange: 10.0.0.0/24",
            expected: #"t.yaml:5:1: BGPPeer(p).spec.asNumber: required field "asNumber" is missing (the peers' AS, or give spec.asNumberRange)"#),
        Case(
            rule: "asNumber and asNumberRange exclude each other",
            spec: "peerIPRange: 10.0.0.0/24\nasNumber: 64512\nasNumberRange: 64512-64600",
            expected: #"t.yaml:8:18: BGPPeer(p).spec.asNumberRange: cannot be combined with spec.asNumber; use one of them"#),
        Case(
            rule: "asNumberRange is first-last",
            spec: "peerIPRange: 10.0.0.0/24\nasNumberRange: 64512..64600",
            expected: #"t.yaml:7:18: BGPPeer(p).spec.asNumberRange: expected two AS numbers 1-4294967295 as "first-last" such as "64512-64600", got "64512..64600""#),
        Case(
            rule: "asNumberRange runs upwards",
            spec: "peerIPRange: 10.0.0.0/24\nasNumberRange: 64600-64512",
            expected: #"t.yaml:7:18: BGPPeer(p).spec.asNumberRange: the first AS number must not be greater than the second, got "64600-64512""#),
        Case(
            rule: "asNumberRange only with peerIPRange",
            spec: "peerIP: 10.0.0.1\nasNumber: 64512\nasNumberRange: 64512-64600",
            expected: #"t.yaml:8:18: BGPPeer(p).spec.asNumberRange: applies only with spec.peerIPRange"#),
        Case(
            rule: "A range is always passive",
            spec: "peerIPRange: 10.0.0.0/24\nasNumber: 64512\npassive: false",
            expected: #"t.yaml:8:12: BGPPeer(p).spec.passive: must not be false with spec.peerIPRange: a range has no address to connect to"#),
    ]

    @Test("Each mistake yields its exact file:line:column and field", arguments: cases)
    func mistake(_ testCase: Case) {
        let errors = ConfigFixtures.errors(PeerPlannerTests.peer("p", testCase.spec))
        #expect(errors == [testCase.expected])
    }
}
