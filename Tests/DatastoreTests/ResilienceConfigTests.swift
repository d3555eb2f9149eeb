// SPDX-License-Identifier: Apache-2.0
// The Swiftlet `bfd` and `longLivedGracefulRestart` blocks: decoding, errors with file/line/field, and how
// BGPConfiguration `default`, `node.<name>` and BGPPeer combine field by field into each session's settings.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("Resilience config (bfd, longLivedGracefulRestart)")
struct ResilienceConfigTests {
    typealias T = PeerPlannerTests

    func plan(_ yaml: String, node: String = "n1") throws -> DaemonConfiguration {
        switch ConfigFixtures.plan(yaml, node: node) {
        case .success(let config): return config
        case .failure(let errors):
            Issue.record("unexpected errors:\n\(errors)")
            throw errors
        }
    }

    func peer(_ config: DaemonConfiguration, _ name: String) -> PeerSpec? { config.peers.first { $0.name == name } }

    @Test("No block: BFD off and no long-lived stale times")
    func defaultsOff() throws {
        let config = try plan(T.yaml(T.node("n1", "10.0.0.1/24"), T.node("n2", "10.0.0.2/24")))
        let mesh = try #require(peer(config, "Mesh_10_0_0_2"))
        #expect(mesh.bfd == nil)
        #expect(mesh.longLivedStaleTimes.isEmpty)
    }

    @Test("BGPConfiguration bfd applies to mesh sessions; on-link peers are single hop, others multihop")
    func meshBFD() throws {
        let config = try plan(
            T.yaml(
                T.config("bfd: {minTxInterval: 100ms, multiplier: 5}"),
                T.node("n1", "10.0.0.1/24"), T.node("n2", "10.0.0.2/24"), T.node("n3", "10.0.1.3/24")))
        let near = try #require(peer(config, "Mesh_10_0_0_2")?.bfd)
        #expect(near == BFDSettings(minTxInterval: .milliseconds(100), minRxInterval: .milliseconds(300), multiplier: 5, multihop: false))
        let far = try #require(peer(config, "Mesh_10_0_1_3")?.bfd)
        #expect(far.multihop == true)
    }

    @Test("node.<name> over default, BGPPeer over both, field by field; enabled: false turns it off")
    func precedence() throws {
        let yaml = T.yaml(
            T.config("bfd: {minTxInterval: 100ms, minRxInterval: 200ms}"),
            T.config("bfd: {minRxInterval: 50}", name: "node.n1"),
            T.node("n1", "10.0.0.1/24"), T.node("n2", "10.0.0.2/24"),
            T.peer("tor", "node: n1\npeerIP: 10.0.0.254\nasNumber: 65000\nbfd: {multiplier: 4, multihop: true}"),
            T.peer("off", "node: n1\npeerIP: 10.0.0.253\nasNumber: 65000\nbfd: {enabled: false}"))
        let config = try plan(yaml)
        #expect(peer(config, "Mesh_10_0_0_2")?.bfd == BFDSettings(minTxInterval: .milliseconds(100), minRxInterval: .milliseconds(50), multiplier: 3, multihop: false))
        #expect(peer(config, "Node_10_0_0_254")?.bfd == BFDSettings(minTxInterval: .milliseconds(100), minRxInterval: .milliseconds(50), multiplier: 4, multihop: true))
        #expect(peer(config, "Node_10_0_0_253")?.bfd == nil)
    }

    @Test("An eBGP multihop peer on the node's subnet still gets RFC 5883 multihop BFD")
    func multihopTTL() throws {
        let config = try plan(
            T.yaml(
                T.node("n1", "10.0.0.1/24"),
                T.peer("tor", "node: n1\npeerIP: 10.0.0.254\nasNumber: 65000\nmultihop: 3\nbfd: {}")))
        #expect(peer(config, "Node_10_0_0_254")?.bfd?.multihop == true)
    }

    @Test("longLivedGracefulRestart: per-family times win over staleTime; a narrower staleTime beats broader per-family ones")
    func longLivedStaleTimes() throws {
        let yaml = T.yaml(
            T.config("longLivedGracefulRestart: {staleTime: 1h, ipv6StaleTime: 10m}"),
            T.node("n1", "10.0.0.1/24", v6: "fd00::1/64"), T.node("n2", "10.0.0.2/24", v6: "fd00::2/64"),
            T.peer("tor", "node: n1\npeerIP: 10.0.0.254\nasNumber: 65000\nlongLivedGracefulRestart: {staleTime: 2h}"))
        let config = try plan(yaml)
        #expect(peer(config, "Mesh_10_0_0_2")?.longLivedStaleTimes == [.ipv4Unicast: 3600])
        #expect(peer(config, "Mesh_fd00__2")?.longLivedStaleTimes == [.ipv6Unicast: 600])
        // The ToR session carries both families (the node has an IPv6 address and the ToR is no Calico node).
        #expect(peer(config, "Node_10_0_0_254")?.longLivedStaleTimes == [.ipv4Unicast: 7200, .ipv6Unicast: 7200])
    }

    @Test("Errors name the file, line and field", arguments: [
        ("bfd: {minTxInterval: 5ms}", "BGPConfiguration(default).spec.bfd.minTxInterval: expected 10ms-60s in whole microseconds"),
        ("bfd: {multiplier: 0}", "BGPConfiguration(default).spec.bfd.multiplier: expected a detect multiplier 1-255"),
        ("bfd: {minRxInterval: soon}", "BGPConfiguration(default).spec.bfd.minRxInterval: expected an interval such as \"300ms\""),
        ("bfd: {interval: 300ms}", "BGPConfiguration(default).spec.bfd.interval"),
        ("longLivedGracefulRestart: {staleTime: 200d}", "BGPConfiguration(default).spec.longLivedGracefulRestart.staleTime"),
        ("longLivedGracefulRestart: {staleTime: 5000h}", "BGPConfiguration(default).spec.longLivedGracefulRestart.staleTime: expected 0-16777215 seconds (RFC 9494 §3: 24 bits)"),
    ])
    func errors(spec: String, expected: String) {
        let messages = ConfigFixtures.errors(T.config(spec))
        #expect(messages.contains { $0.hasPrefix("t.yaml:") && $0.contains(expected) }, "\(messages)")
    }
}
